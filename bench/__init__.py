"""Benchmarks at provincial scale (make bench); not part of make test."""
