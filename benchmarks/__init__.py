"""Benchmarks: run each as `PYTHONPATH=. python -m benchmarks.<name>`; results go to results/."""
