"""Benchmarks: ``python3 dev.py bench`` (or ``python -m bench``); results in bench/results/."""
