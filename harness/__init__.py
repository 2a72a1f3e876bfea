"""The only package that composes benchmarks and trackers: CLI, Ray runner, store, metrics, reports."""

__version__ = "0.1.0"
