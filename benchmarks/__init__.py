"""Benchmarks (``make bench-*``); results go under ``build/bench/``, never committed."""
