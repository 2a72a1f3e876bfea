"""`harness train`: its arguments and its handler (registered by harness/cli.py)."""

from __future__ import annotations

import argparse
import dataclasses
import json
import shlex
import sys
from pathlib import Path
from typing import Any

from harness.errors import HarnessError
from trackers.training.config import TrainConfig, from_dict, merge, nested, set_option
from trackers.training.errors import TrainingError
from trackers.training.sources import DataSpec

EXAMPLES = """\
examples:
  harness train --tracker siamrpnpp-alex --data synthetic:1 --set width=0.25 --set backbone.train_epoch=0 \\
      --set "backbone.train_layers=*" --set epochs=10 --set warmup=null --set lr.epochs=10 -o runs/alex
  harness train --tracker siamrpnpp --data got10k:~/data/GOT-10k --data lasot:~/data/LaSOT \\
      --data crop511:~/pysot/training_dataset/coco,frame_range=1 --set backbone.pretrained=resnet50.model \\
      --workers 8 --gpus-per-worker 1 --eval-bench got10k -o runs/r50
  harness train --resume runs/r50                 continue after a crash, from the last epoch's checkpoint
  harness run --trackers siamrpnpp-alex --bench synthetic --tracker-opt siamrpnpp-alex.weights=runs/alex/checkpoints/epoch_010.pth

Defaults are each tracker's published recipe (pysot's configs; docs/training.md lists them).
--data KIND:ROOT[,frame_range=N][,share=N]: KIND is got10k (its train split), lasot (those of the
1,120 training sequences present), trackingnet (TRAIN_*), crop511 (pysot's crop511 folder or the folder holding
it and train.json; anno=FILE to name the json), or synthetic[:SEED][,videos=N][,first=N].
"""


def add_train_parser(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "train", help="train a tracker on Ray Train with its authors' recipe",
        description="Distributed data-parallel training (Ray Train TorchTrainer; gloo on CPU, NCCL on GPU), "
                    "checkpoints every epoch, resumable.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tracker", help="tracker to train: siamrpn, siamrpnpp, siamrpnpp-alex, siamrpnpp-mobilev2")
    p.add_argument("--data", action="append", default=[], metavar="KIND:ROOT[,key=value]",
                   help="a training data source (repeatable)")
    p.add_argument("--config", type=Path, help="JSON or TOML file of config keys over the tracker's recipe")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="settings",
                   help="one config key, e.g. epochs=5, lr.end=0.001, backbone.pretrained=FILE (repeatable)")
    p.add_argument("--workers", type=int, help="training workers (default 1; one per GPU with --gpus-per-worker)")
    p.add_argument("--gpus-per-worker", type=float, help="GPUs per worker (default 0: CPU training)")
    p.add_argument("--eval-bench", help="evaluate every epoch's checkpoint on this benchmark (e.g. got10k, synthetic)")
    p.add_argument("--eval-root", help="that benchmark's data folder")
    p.add_argument("--eval-every", type=int, help="evaluate every N epochs (default 1; the last epoch always)")
    p.add_argument("--resume", type=Path, metavar="RUN_DIR", help="continue the run in RUN_DIR from its last checkpoint")
    p.add_argument("-o", "--output", type=Path, metavar="RUN_DIR", help="the run folder to create")
    p.add_argument("--address", help="join a running Ray cluster: HOST:PORT of its head, or auto (RAY_ADDRESS, "
                   "else the cluster `ray start` started here); default: start a local one")
    p.add_argument("--no-progress", action="store_true", help="no progress bar even on a terminal")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    return p


def parse_data(text: str) -> DataSpec:
    """``KIND:ROOT[,key=value...]`` (``synthetic`` alone is seed 1)."""
    head, *options = text.split(",")
    kind, _, root = head.partition(":")
    values: dict[str, Any] = {"kind": kind.strip(), "root": root.strip()}
    for option in options:
        key, eq, value = option.partition("=")
        if not eq or key.strip() not in ("frame_range", "share", "anno", "videos", "first"):
            raise TrainingError(f"--data {text!r}: options are frame_range=, share=, anno= (crop511), "
                                f"videos= and first= (synthetic); got {option!r}")
        if key.strip() != "anno" and not value.strip().lstrip("-").isdigit():
            raise TrainingError(f"--data {text!r}: {key.strip()} takes a whole number, got {value!r}")
        values[key.strip()] = value.strip() if key.strip() == "anno" else int(value)
    if values["kind"] != "synthetic" and not values["root"]:
        raise TrainingError(f"--data {text!r}: expected KIND:ROOT, e.g. got10k:/data/GOT-10k")
    return DataSpec(**values)


CONFIG_BYTES = 1 << 20  # a training config is a few hundred bytes; a bigger file is the wrong file


class _Duplicate(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        raise _Duplicate(f"key {twice[0]!r} given twice (JSON keeps only the last)")
    return dict(pairs)


def read_settings(path: Path, label: str) -> dict[str, Any]:
    """The table of settings in a JSON or TOML file (TOML by its .toml suffix); TrainingError
    starting with `label` when it cannot be one."""
    if not path.is_file():
        raise TrainingError(f"{label}: {'not a regular file' if path.exists() else 'no such file'}")
    try:
        size = path.stat().st_size
        if size > CONFIG_BYTES:
            raise TrainingError(f"{label}: {size:,} bytes; a training config is a table of settings (at most "
                                f"{CONFIG_BYTES:,} bytes read): is it the right file?")
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise TrainingError(f"{label}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise TrainingError(f"{label}: not UTF-8 text (byte {exc.start}); expected JSON or TOML") from None
    toml = path.suffix == ".toml"
    try:
        if toml:
            import tomllib

            values = tomllib.loads(text)
        else:
            values = json.loads(text, object_pairs_hook=_no_duplicates)
    except RecursionError:
        raise TrainingError(f"{label}: nested too deeply to be a training config (its tables are at most 3 "
                            "levels deep: lr.end, data[0].root)") from None
    except ValueError as exc:
        raise TrainingError(f"{label}: not valid {'TOML' if toml else 'JSON'}: {exc}") from None
    if not isinstance(values, dict):
        raise TrainingError(f"{label}: expected a table of settings (e.g. {{\"epochs\": 5}}), got a "
                            f"{type(values).__name__}")
    return values


def build_config(args: argparse.Namespace) -> tuple[TrainConfig, Path]:
    """The run's configuration and folder from the arguments (or from the run folder to resume).
    Every value is checked as it comes in, and errors name the file or option it came from."""
    from trackers.training.specs import spec_for  # torch: only when training

    origins: dict[str, str] = {}
    if args.resume:
        folder = args.resume
        if not (folder / "config.json").is_file():
            raise HarnessError(f"--resume {folder}: no config.json there; is it a run folder of harness train?")
        label = f"--resume {folder}: {folder / 'config.json'}"
        config = from_dict(read_settings(folder / "config.json", label), label)
        try:
            spec_for(config.tracker)
        except TrainingError as exc:
            raise TrainingError(f"{label}: {exc}") from None
        if args.tracker and args.tracker != config.tracker:
            raise HarnessError(f"--resume {folder} trains {config.tracker}, not {args.tracker}")
        if args.data or args.config:
            raise HarnessError("--resume takes the run's own data and config; change single keys with --set")
        origins = {f.name: label for f in dataclasses.fields(config)}
    else:
        if not args.tracker or not args.output:
            raise HarnessError("harness train needs --tracker and -o RUN_DIR (or --resume RUN_DIR)")
        folder = args.output
        if folder.exists() and not folder.is_dir():
            raise HarnessError(f"-o {folder} is a file; give a folder for the run")
        if folder.exists() and any(folder.iterdir()):
            raise HarnessError(f"-o {folder} exists and is not empty; continue it with --resume {folder}, "
                               "or choose another folder")
        recipe = spec_for(args.tracker).recipe
        config = merge(TrainConfig(tracker=args.tracker), recipe, f"the {args.tracker} recipe", origins)
        if args.config:
            config = merge(config, read_settings(args.config, f"--config {args.config}"), f"--config {args.config}",
                           origins)
        if args.data:
            config = merge(config, {"data": [parse_data(d) for d in args.data]}, "--data", origins)
    for setting in args.settings:
        config = set_option(config, setting, origins)
    for flag, key, value in (("--workers", "workers", args.workers),
                             ("--gpus-per-worker", "gpus_per_worker", args.gpus_per_worker),
                             ("--eval-bench", "eval.bench", args.eval_bench), ("--eval-root", "eval.root", args.eval_root),
                             ("--eval-every", "eval.every", args.eval_every)):
        if value is not None:
            config = merge(config, nested(key, value), f"{flag} {value}", origins)
    return config.check(origins), folder


def command_line(args: argparse.Namespace) -> str:
    """The command as a shell line in one canonical order (what checkpoints record to reproduce them)."""
    words = ["harness", "train"]
    for flag, value in (("--tracker", args.tracker), ("--resume", args.resume), ("--config", args.config),
                        ("--workers", args.workers), ("--gpus-per-worker", args.gpus_per_worker),
                        ("--eval-bench", args.eval_bench), ("--eval-root", args.eval_root),
                        ("--eval-every", args.eval_every)):
        if value is not None:
            words += [flag, str(value)]
    for flag, values in (("--data", args.data), ("--set", args.settings)):
        for value in values:
            words += [flag, value]
    if args.output:
        words += ["-o", str(args.output)]
    return shlex.join(words)


def train(args: argparse.Namespace) -> int:
    from harness.train.driver import run_training

    config, folder = build_config(args)
    progress = not args.no_progress and not args.json and sys.stderr.isatty()
    summary = run_training(config, folder, args.address, progress, command_line(args))
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    last = summary["last_epoch"] or {}
    losses = ", ".join(f"{k} {last[k]:.4f}" for k in last if k not in ("epoch", "steps", "pairs", "seconds", "lr"))
    print(f"{config.tracker}: {summary['epochs']} of {config.epochs} epochs, {summary['pairs']} pairs "
          f"({summary['pairs_per_second']} pairs/s this run); last epoch: {losses}")
    if summary["best"]:
        best = summary["best"]
        print(f"best epoch {best['epoch'] + 1}: success AUC {best['auc']:.3f} on {best['benchmark']} "
              f"(profile {best['profile']}); {best['checkpoint']}")
    print(f"checkpoints in {folder}/checkpoints/, losses in {folder}/losses.jsonl, plot {folder}/loss.svg")
    for error in summary["evaluation_errors"]:
        print(f"harness: evaluation failed for {error}", file=sys.stderr)
    if summary["synthetic_data_only"]:
        print("note: trained on synthetic data only; these weights show the pipeline learns, not real-world accuracy",
              file=sys.stderr)
    return 0
