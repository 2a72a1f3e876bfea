"""The real frames the tracker speed scripts time: OTB Crossing from ../shared/realdata, read once."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

CROSSING = Path(__file__).resolve().parents[2] / "shared" / "realdata" / "otb" / "sequences" / "Crossing"


def crossing(frames: int) -> tuple[list[np.ndarray], np.ndarray]:
    """Crossing's first `frames` frames (BGR) and its first ground-truth box (x, y, w, h)."""
    images = [cv2.imread(str(p)) for p in sorted((CROSSING / "img").glob("*.jpg"))[:frames]]
    if not images:
        raise SystemExit(f"no frames under {CROSSING / 'img'}: this script needs ../shared/realdata")
    return images, np.loadtxt(CROSSING / "groundtruth_rect.txt", max_rows=1)
