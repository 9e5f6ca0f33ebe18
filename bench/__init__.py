"""Benchmarks: data generators and measurement harnesses (never part of the test suite).

See ``docs/benchmarks.md`` for the commands and the recorded results.
"""
