"""Deterministic synthetic demo data: generating it, and loading it into a database."""

from matcher.demo.generate import DEMO_PASSWORD, DemoData, generate, write_truth
from matcher.demo.load import existing_rows, load

__all__ = ["DEMO_PASSWORD", "DemoData", "existing_rows", "generate", "load", "write_truth"]
