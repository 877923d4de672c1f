"""Testing helpers for plugin authors (install ``commerce-hub[testing]``).

:mod:`hub.testing.harness` runs a plugin's sandbox through the real core.
"""
