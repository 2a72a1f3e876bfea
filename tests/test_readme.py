"""The README's everyday-use section, run top to bottom in an empty folder against the real data, works
as written: every command of its first block exits 0."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PROJECT, realdata_path

pytestmark = pytest.mark.slow


def everyday_commands() -> list[str]:
    text = (PROJECT / "README.md").read_text()
    section = text[text.index("## Everyday use"):]
    block = re.search(r"```bash\n(.*?)```", section, re.DOTALL)[1]
    return [line for line in block.splitlines() if line.strip()]


def test_every_command_of_the_everyday_section_works_as_written(tmp_path: Path) -> None:
    realdata = realdata_path()
    commands = everyday_commands()
    assert commands[0].startswith("export REALDATA=") and len(commands) > 10
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env.pop("HARNESS_WEIGHTS", None)
    # the first line points at the data beside the checkout; from an empty folder, say where that is
    script = "\n".join(["set -e", f"export REALDATA={realdata}", *commands[1:]])
    done = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "SiamRPN++" in done.stdout and "EAO" in done.stdout
    assert (tmp_path / "ws" / "stack.yaml").is_file() and (tmp_path / "by-attribute.json").is_file()
    assert sorted(p.name for p in (tmp_path / "results").iterdir()) == ["leaderboards", "otb", "synthetic_vot",
                                                                    "synthetic_votlt", "vot2018"]
