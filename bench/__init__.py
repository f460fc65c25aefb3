"""Benchmarks of the LiênThông engine: throughput, load and parse figures as JSON.

Run ``python bench/engine.py --help``; findings live in ``bench/README.md``.
"""
