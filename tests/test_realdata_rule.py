"""Tests that need the real data skip outside CI with a pointer to it, and fail under CI=true."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from tests.conftest import PROJECT


def _run(tmp_path, env: dict) -> subprocess.CompletedProcess:
    test = tmp_path / "test_needs_data.py"
    test.write_text(textwrap.dedent("""
        from tests.conftest import realdata_path

        def test_needs_it():
            realdata_path("nowhere", "at-all.txt")
    """))
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "tests.conftest", "--rootdir", str(PROJECT),
                           "-c", str(PROJECT / "pyproject.toml"), str(test)],
                          capture_output=True, text=True, cwd=PROJECT, env=env, timeout=120)


def test_missing_real_data_skips_with_a_summary_outside_ci(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    done = _run(tmp_path, env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 tests skipped for want of the real data" in done.stdout
    assert "HARNESS_REALDATA" in done.stdout


def test_missing_real_data_fails_under_ci(tmp_path) -> None:
    done = _run(tmp_path, {**os.environ, "CI": "true"})
    assert done.returncode == 1 and "CI=true: a parity test that skips proves nothing" in done.stdout
