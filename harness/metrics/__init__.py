"""Metrics as pure numpy functions over arrays; every number is named with its profile."""
