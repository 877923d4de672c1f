"""Core internals: hook specs, plugin host, storage, sync services, HTTP toolkit, scheduler.

Plugins must not import from here; they use what :mod:`hub` exports.
"""
