"""Single-object trackers behind one plugin interface.

Never imports the runner, the store or the metrics.
"""

from trackers.base import Prediction, Tracker, TrackerError, TrackerInfo, TrackerPlugin, WeightsMissingError

__all__ = ["Prediction", "Tracker", "TrackerError", "TrackerInfo", "TrackerPlugin", "WeightsMissingError"]
