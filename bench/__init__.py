"""Benchmarks of the engine: `python -m bench all [--quick]` runs every bench/bench_*.py."""
