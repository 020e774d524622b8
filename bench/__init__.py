"""Benchmarks for mtls-kit: `make bench` (python -m bench) prints a table, writes bench/results.md.

They assert nothing: they measure the app as deployed (gunicorn, real HTTP) against the
cost of the cryptography itself and against keytool, and report the numbers.
"""
