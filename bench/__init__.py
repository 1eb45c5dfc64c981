"""Benchmarks: run each as a script (`python bench/<name>.py`); a package so that tests can import `bench.load`."""
