"""A training run's folder.

    RUN_DIR/config.json            the whole configuration (what --resume reads back)
    RUN_DIR/command.txt            the command that started the run (recorded in every checkpoint)
    RUN_DIR/losses.jsonl           one line per step: epoch, step, pairs seen, seconds, rates, losses
    RUN_DIR/epochs.jsonl           one line per epoch: its mean losses, learning rates, checkpoint
    RUN_DIR/eval.jsonl             one line per evaluated epoch: benchmark, profile, success AUC, precision
    RUN_DIR/eval/epoch_NNN/        the results store of that evaluation
    RUN_DIR/loss.svg               the loss curves
    RUN_DIR/checkpoints/epoch_NNN.pth   our checkpoint format after epoch NNN (1-based): harness run loads it
    RUN_DIR/summary.json           the --json summary of the last run of the command
    RUN_DIR/stopped.json           why the last run stopped early (weights no longer finite, steps all skipped)
    RUN_DIR/ray/                   Ray Train's own checkpoints (model, optimizer) for resuming

Rank 0 writes the step and epoch lines and the checkpoints; the driver reads them for the
progress bar and writes the rest. On a cluster RUN_DIR must be on storage every node sees, as
Ray Train requires of its storage path.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

CONFIG = "config.json"
COMMAND = "command.txt"
LOSSES = "losses.jsonl"
EPOCHS = "epochs.jsonl"
EVALUATIONS = "eval.jsonl"
PLOT = "loss.svg"
SUMMARY = "summary.json"
STOPPED = "stopped.json"
CHECKPOINTS = "checkpoints"
RAY = "ray"


@dataclass(frozen=True)
class RunFolder:
    root: Path

    @property
    def config(self) -> Path:
        return self.root / CONFIG

    @property
    def command(self) -> Path:
        return self.root / COMMAND

    @property
    def losses(self) -> Path:
        return self.root / LOSSES

    @property
    def epochs(self) -> Path:
        return self.root / EPOCHS

    @property
    def evaluations(self) -> Path:
        return self.root / EVALUATIONS

    @property
    def plot(self) -> Path:
        return self.root / PLOT

    @property
    def summary(self) -> Path:
        return self.root / SUMMARY

    @property
    def stopped(self) -> Path:
        return self.root / STOPPED

    def checkpoint(self, epoch: int) -> Path:
        """The model after 0-based `epoch`, i.e. after epoch + 1 epochs."""
        return self.root / CHECKPOINTS / f"epoch_{epoch + 1:03d}.pth"

    def checkpoints(self) -> list[Path]:
        folder = self.root / CHECKPOINTS
        return sorted(folder.glob("epoch_*.pth")) if folder.is_dir() else []

    def evaluation(self, epoch: int) -> Path:
        """The results store of one epoch's evaluation run."""
        return self.root / "eval" / f"epoch_{epoch + 1:03d}"


def write_json(path: Path, value: Any) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(value, indent=2) + "\n")
    os.replace(partial, path)


def append_line(path: Path, record: dict[str, Any]) -> None:
    with open(path, "a") as f:
        f.write(json.dumps(record) + "\n")


def read_lines(path: Path, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """Complete JSON lines from byte `offset` on, and the offset after the last complete one."""
    if not path.exists():
        return [], offset
    if path.stat().st_size < offset:  # rewritten by a resumed worker: read it again from the start
        offset = 0
    with open(path, "rb") as f:
        f.seek(offset)
        data = f.read()
    end = data.rfind(b"\n") + 1
    return [json.loads(line) for line in data[:end].splitlines() if line.strip()], offset + end


def records(path: Path) -> Iterator[dict[str, Any]]:
    yield from read_lines(path)[0]


def keep_before(path: Path, epoch: int) -> None:
    """Drop the lines of `epoch` and later: a resumed run repeats them from its checkpoint."""
    if not path.exists():
        return
    kept = [r for r in records(path) if r["epoch"] < epoch]
    partial = path.with_name(path.name + ".partial")
    partial.write_text("".join(json.dumps(r) + "\n" for r in kept))
    os.replace(partial, path)
