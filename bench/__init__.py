"""Benchmarks: each compares JobBridge with its baselines in the same run."""
