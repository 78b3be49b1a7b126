"""Benchmarks: run with `make bench`; see bench/README.md for what the numbers mean."""
