"""Datasets on disk turned into plain `Sequence` data.

This package knows official benchmark layouts and nothing else: it never imports
torch, ray or the harness.
"""

from benchmarks.errors import AnnotationError, BenchmarkError, MissingDataError
from benchmarks.sequence import FrameList, Sequence

__all__ = ["AnnotationError", "BenchmarkError", "FrameList", "MissingDataError", "Sequence"]
