"""The loss curves of a run as one self-contained SVG (no plotting library, no display).

Each loss part is drawn per step, faint, with its moving average over `window` steps on top;
epoch boundaries are dotted vertical lines. The y axis starts at 0 and ends at the largest
smoothed value, so the first steps' spikes do not flatten the rest.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import numpy as np

WIDTH, HEIGHT, MARGIN = 720, 360, 48
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")


def _smooth(values: np.ndarray, window: int) -> np.ndarray:
    if len(values) < 2:
        return values
    window = max(1, min(window, len(values)))
    kernel = np.ones(window) / window
    padded = np.concatenate([np.full(window - 1, values[0]), values])
    return np.convolve(padded, kernel, mode="valid")


def _path(xs: np.ndarray, ys: np.ndarray) -> str:
    return "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys))


def loss_svg(steps: list[dict], title: str, window: int = 25) -> str:
    """SVG text for the per-step records of losses.jsonl (fields ``iteration``, ``epoch`` and losses); skipped
    steps, whose losses are null, are left out."""
    steps = [s for s in steps if not s.get("skipped")]
    names = [k for k in ("total", "cls", "loc") if steps and k in steps[0]]
    names += sorted(k for k in (steps[0] if steps else {}) if k not in names and k not in
                    ("epoch", "step", "iteration", "pairs", "seconds", "lr", "skipped"))
    x = np.array([s["iteration"] for s in steps], dtype=float)
    series = {n: np.array([s[n] for s in steps], dtype=float) for n in names}
    smoothed = {n: _smooth(v, window) for n, v in series.items()}
    top = max([float(np.nanmax(v)) for v in smoothed.values() if len(v)] + [1e-9]) * 1.05
    left, right = (float(x.min()), float(x.max())) if len(x) else (0.0, 1.0)
    right = right if right > left else left + 1

    def sx(v):
        return MARGIN + (np.asarray(v) - left) / (right - left) * (WIDTH - 2 * MARGIN)

    def sy(v):
        return HEIGHT - MARGIN - np.clip(np.asarray(v), 0, top) / top * (HEIGHT - 2 * MARGIN)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" font-family="sans-serif" '
             f'font-size="11"><rect width="100%" height="100%" fill="white"/>',
             f'<text x="{WIDTH / 2}" y="18" text-anchor="middle" font-size="13">{escape(title)}</text>']
    for frac in np.linspace(0, 1, 5):
        y = HEIGHT - MARGIN - frac * (HEIGHT - 2 * MARGIN)
        parts.append(f'<line x1="{MARGIN}" x2="{WIDTH - MARGIN}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
                     f'<text x="{MARGIN - 4}" y="{y + 4:.1f}" text-anchor="end">{frac * top:.3g}</text>')
    epochs = [s["iteration"] for a, s in zip(steps, steps[1:]) if s["epoch"] != a["epoch"]]
    for e in epochs:
        parts.append(f'<line x1="{sx(e):.1f}" x2="{sx(e):.1f}" y1="{MARGIN}" y2="{HEIGHT - MARGIN}" '
                     f'stroke="#bbb" stroke-dasharray="2,3"/>')
    for i, name in enumerate(names):
        colour = COLOURS[i % len(COLOURS)]
        if len(x):
            parts.append(f'<path d="{_path(sx(x), sy(series[name]))}" fill="none" stroke="{colour}" '
                         f'stroke-opacity="0.25" stroke-width="1"/>')
            parts.append(f'<path d="{_path(sx(x), sy(smoothed[name]))}" fill="none" stroke="{colour}" stroke-width="2"/>')
        parts.append(f'<text x="{WIDTH - MARGIN + 4}" y="{MARGIN + 14 * i}" fill="{colour}">{escape(name)}</text>')
    parts.append(f'<text x="{WIDTH / 2}" y="{HEIGHT - 12}" text-anchor="middle">step ({int(left)} to {int(right)})</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def write_loss_plot(path: Path, steps: list[dict], title: str) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_text(loss_svg(steps, title))
    partial.replace(path)
