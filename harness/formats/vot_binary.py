"""Reader for the VOT toolkit's binary trajectories (`<seq>_001.bin`, its default results format).

Layout (vot-toolkit 0.9.0 `region/io.py`): a little-endian header ``<hI`` (format version 1, number of
frames), then one record per frame: a type byte and its payload — 0 special ``<I`` code (1 initialised,
2 failure, 0 unknown), 1 rectangle ``<ffff`` x, y, w, h, 2 polygon ``<H`` n then 2n floats, 3 mask,
4 point. Records differ in size, so they are walked in order; only the file's bytes are touched.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from harness.errors import ImportFormatError
from harness.formats.vot_text import MASKS_NOT_STORED
from harness.metrics.vot.status import TRACKED


def read_vot_binary_file(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """(status (N,) int8, boxes (N, 4) or (N, 8)) as `read_vot_result_file` returns for text files."""
    path = Path(path)
    data = path.read_bytes()
    try:
        version, length = struct.unpack_from("<hI", data, 0)
    except struct.error:
        raise ImportFormatError(f"{path}: too short for a VOT binary trajectory header") from None
    if version != 1:
        raise ImportFormatError(f"{path}: binary trajectory version {version}; expected 1")
    status = np.zeros(length, np.int8)
    boxes = np.full((length, 8), np.nan)
    offset = struct.calcsize("<hI")
    try:
        for frame in range(length):
            (kind,) = struct.unpack_from("<B", data, offset)
            offset += 1
            if kind == 0:
                (code,) = struct.unpack_from("<I", data, offset)
                offset += 4
                if code not in (0, 1, 2):
                    raise ImportFormatError(f"{path}: frame {frame + 1}: special code {code}; expected 0, 1 or 2")
                status[frame] = code
            elif kind == 1:
                boxes[frame, :4] = struct.unpack_from("<ffff", data, offset)
                offset += 16
                status[frame] = TRACKED
            elif kind == 2:
                (n,) = struct.unpack_from("<H", data, offset)
                if n != 4:
                    raise ImportFormatError(f"{path}: frame {frame + 1}: a {n}-point polygon; expected 4 points")
                boxes[frame] = struct.unpack_from("<8f", data, offset + 2)
                offset += 2 + 32
                status[frame] = TRACKED
            elif kind == 3:
                raise ImportFormatError(f"{path}: frame {frame + 1}: a mask region; {MASKS_NOT_STORED}")
            else:
                raise ImportFormatError(f"{path}: frame {frame + 1}: region type {kind} (a point) is not supported")
    except struct.error:
        raise ImportFormatError(f"{path}: ends inside frame {frame + 1} of {length}") from None
    unknown = (status == TRACKED) & np.isnan(boxes[:, :4]).any(axis=1)
    status[unknown] = 0
    boxes[status != TRACKED] = np.nan
    return status, boxes if np.isfinite(boxes[:, 4:]).any() else boxes[:, :4]
