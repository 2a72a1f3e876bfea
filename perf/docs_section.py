"""Shared by the perf scripts: the machine's CPU, and one section of docs/performance.md rewritten in place."""

from __future__ import annotations

import platform
import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "performance.md"


def cpu_model() -> str:
    try:
        found = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.MULTILINE)
    except OSError:
        found = None
    return found.group(1).strip() if found else platform.processor() or "unknown"


def write_section(heading: str, body: str) -> None:
    """Replace the section under `heading` (a '## ' line), or append it; other sections are kept."""
    text = DOC.read_text() if DOC.exists() else "# Performance\n"
    pattern = re.compile(re.escape(heading) + r"\n.*?(?=^## |\Z)", re.DOTALL | re.MULTILINE)
    section = f"{heading}\n\n{body.strip()}\n\n"
    text = pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip() + "\n\n" + section
    DOC.write_text(text.rstrip() + "\n")


def publish(heading: str, body: str, write: bool) -> None:
    """Print a script's section; with `write` (its --write-docs), also put it in docs/performance.md."""
    print(body)
    if write:
        write_section(heading, body)
        print(f"\nwritten to {DOC}")
