"""Per-frame status codes of a supervised trajectory, as the VOT text format writes them; 3 (a region) is
ours: the file writes the region itself."""

SKIPPED, INITIALISED, FAILED, TRACKED = 0, 1, 2, 3
