"""`harness show`: one sequence's frames with every chosen tracker's stored outputs and the ground truth drawn over
them, as a self-contained HTML viewer (`page.py`), an MP4 or a GIF (`video.py`); what is shown is read in
`data.py`, the frames in `frames.py` (docs/viewer.md)."""
