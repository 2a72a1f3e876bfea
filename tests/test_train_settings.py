"""`harness train` refuses every setting no run can use, from wherever it comes (the recipe, a --config
file, --set, an option, a resumed run's config.json), with one line naming the source, the key and what
was expected; before Ray starts and before anything is written. Each case below was observed to train
on NaN, hang, or fail with a traceback or inside Ray before these checks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from harness.cli import main
from trackers.training.specs import spec_for

BASE = ["train", "--tracker", "siamrpnpp-alex", "--data", "synthetic:1,videos=24", "--set", "width=0.0625",
        "--set", "backbone.train_epoch=0", "--set", "backbone.train_layers=*"]


def refused(args: list[str], folder: Path, capsys) -> str:
    """The one-line error of a `harness train` that must not start; nothing may be left in `folder`."""
    assert main([*args, "-o", str(folder)] if "--resume" not in args else args) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("harness: error: ") and "\n" not in err, err
    if "--resume" not in args:
        assert not folder.exists()
    return err


@pytest.mark.parametrize("settings, said", [
    (["--set", "base_lr=nan"], "--set base_lr=nan: base_lr = nan: expected a finite number in (0, 1]"),
    (["--set", "base_lr=NaN"], "--set base_lr=NaN: base_lr = nan: expected a finite number in (0, 1]"),
    (["--set", "lr.end=1e400"], "--set lr.end=1e400: lr.end = inf: expected a finite number in (0, 1]"),
    (["--set", "cpus_per_worker=-2"], "--set cpus_per_worker=-2: cpus_per_worker = -2: expected a finite number in (0, 1024]"),
    (["--set", "seed=1e30"], "--set seed=1e30: seed: expected int (a whole number), got 1e+30"),
    (["--set", "seed=-1"], "seed = -1: expected a whole number from 0 to 2**64 - 1"),
    (["--set", "seed=18446744073709551616"], "expected a whole number from 0 to 2**64 - 1"),
    (["--set", "loader_workers=100000"], "--set loader_workers=100000: loader_workers = 100000: expected a whole number from 0 to 64"),
    (["--set", "epochs=true"], "epochs: expected int (a whole number), got True"),
    (["--set", "momentum=1"], "momentum = 1: expected a finite number in [0, 1)"),
    (["--set", "grad_clip=0"], "grad_clip = 0: expected a finite number > 0"),
    (["--set", "neg=1.5"], "neg = 1.5: expected a finite number in [0, 1]"),
    (["--set", "search_aug.scale=1"], "search_aug.scale = 1: expected a finite number in [0, 1)"),
    (["--set", "lr.kind=cos"], "lr.kind = 'cos': expected one of step, log"),
    (["--set", "threads=0"], "threads = 0: expected a whole number from 1 to 256"),
    (["--set", "max_failures=-1"], "max_failures = -1: expected a whole number from 0 to 100"),
    (["--set", "micro_batch=3"], "micro_batch=3 must divide batch=128"),
    (["--set", "warmup.step=6"], "warmup.step=6 is longer than the phase (warmup.epochs=5)"),
    (["--set", "pairs_per_epoch=100"], "pairs_per_epoch=100 is less than one step's batch x workers = 128 pairs "
                                       "(pairs_per_epoch: --set pairs_per_epoch=100; batch: the siamrpnpp-alex recipe)"),
    (["--set", "base_lr=0.5", "--set", "lr.start=0.001"], "the learning rate of epoch 1 would be 2.5"),
    (["--set", "cls_weight=0", "--set", "loc_weight=0"], "cls_weight and loc_weight are both 0"),
    (["--workers", "0"], "--workers 0: workers = 0: expected a whole number from 1 to 4096"),
    (["--gpus-per-worker", "nan"], "--gpus-per-worker nan: gpus_per_worker = nan: expected a finite number in [0, 16]"),
    (["--gpus-per-worker", "1.5"], "gpus_per_worker = 1.5: expected a share of one GPU"),
    (["--gpus-per-worker", "16"], "with cpus_per_worker=1, gpus_per_worker=16 cannot be placed on this machine"),
    (["--set", "cpus_per_worker=1000"], "workers=1 with cpus_per_worker=1000 cannot be placed on this machine"),
    (["--eval-every", "0"], "--eval-every 0: eval.every = 0: expected a whole number from 1 to 10000"),
    (["--eval-root", "/data/GOT-10k"], "eval.root set but eval.bench (--eval-bench) is not (eval.root: --eval-root /data/GOT-10k)"),
    (["--eval-bench", "got10"], "eval.bench=got10 (--eval-bench): unknown benchmark 'got10'"),
    (["--eval-bench", "synthetic", "--set", "eval.sequences=synthetic_999"], "synthetic has no sequence named synthetic_999"),
    (["--set", "width=0.01"], "width=0.01 leaves siamrpnpp-alex's backbone.features.0 without channels"),
    (["--set", "backbone.train_layers=features.11,feature.14"], "backbone.train_layers: feature.14 names no layer"),
    (["--data", "got10k:/data/GOT-10k,videos=5"], "data[1] (got10k:/data/GOT-10k): videos= and first= are for synthetic"),
    (["--data", "synthetic:2,frame_range=-1"], "--data: data[1].frame_range = -1: expected a whole number from 0 to"),
    (["--data", "synthetic:2,videos=100000000"], "data[1].videos = 100000000: expected a whole number from 0 to 100000"),
])
def test_a_setting_out_of_range_is_refused_naming_its_option(settings, said, tmp_path, capsys):
    assert said in refused([*BASE, *settings], tmp_path / "run", capsys)


def test_mobilenet_too_thin_to_build(tmp_path, capsys):
    args = ["train", "--tracker", "siamrpnpp-mobilev2", "--data", "synthetic:1,videos=24", "--set", "width=0.02",
            "--set", "backbone.train_epoch=0", "--set", "backbone.train_layers=*"]
    assert "width=0.02: siamrpnpp-mobilev2's network cannot be built that thin" in refused(args, tmp_path / "run", capsys)


@pytest.mark.parametrize("name, text, said", [
    ("nan.toml", "base_lr = nan\n", "base_lr = nan: expected a finite number in (0, 1]"),
    ("lr.json", '{"lr": {"end": -1}}', "lr.end = -1: expected a finite number in (0, 1]"),
    ("type.json", '{"batch": "16"}', "batch: expected int (a whole number), got '16'"),
    ("twice.json", '{"epochs": 5, "epochs": 50}', "not valid JSON: key 'epochs' given twice"),
    ("list.json", "[1, 2]", "expected a table of settings"),
    ("unknown.json", '{"backbone": {"train_epochs": 0}}', "unknown key 'train_epochs' in backbone"),
    ("deep.json", "[" * 100_000 + "]" * 100_000, "nested too deeply to be a training config"),
    ("deep.toml", "a = " + "{b = " * 2_000 + "1" + "}" * 2_000 + "\n", "nested too deeply to be a training config"),
    ("bytes.json", b'{"epochs": \xff}', "not UTF-8 text (byte 11)"),
])
def test_a_config_file_is_checked_naming_the_file_and_key(name, text, said, tmp_path, capsys):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    err = refused([*BASE, "--config", str(path)], tmp_path / "run", capsys)
    assert f"--config {path}: " in err and said in err


def test_a_config_that_is_not_a_regular_file(tmp_path, capsys):
    assert "--config /dev/zero: not a regular file" in refused([*BASE, "--config", "/dev/zero"], tmp_path / "run", capsys)


def _resumable(folder: Path, **changes) -> None:
    """A run folder whose config.json is the one this command would write, with `changes`."""
    from harness.cli import build_parser
    from harness.train.command import build_config

    config, _ = build_config(build_parser().parse_args([*BASE, "-o", str(folder)]))
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({**config.to_dict(), **changes}).replace('"NaN"', "NaN"))


@pytest.mark.parametrize("changes, said", [
    ({"base_lr": "NaN"}, "config.json: base_lr = nan: expected a finite number in (0, 1]"),
    ({"batch": -4}, "config.json: batch = -4: expected a whole number from 1 to 4096"),
    ({"data": []}, "no training data"),
])
def test_a_resumed_runs_config_json_is_checked(changes, said, tmp_path, capsys):
    folder = tmp_path / "run"
    _resumable(folder, **changes)
    assert said in refused(["train", "--resume", str(folder)], folder, capsys)
    assert sorted(p.name for p in folder.iterdir()) == ["config.json"]


def test_a_broken_config_json_and_a_set_on_resume(tmp_path, capsys):
    folder = tmp_path / "run"
    _resumable(folder)
    assert "--set seed=1.5: seed: expected int" in refused(["train", "--resume", str(folder), "--set", "seed=1.5"],
                                                          folder, capsys)
    (folder / "config.json").write_text('{"tracker": "siamrpnpp-alex", "epochs": ')
    assert f"--resume {folder}: {folder / 'config.json'}: not valid JSON" in refused(
        ["train", "--resume", str(folder)], folder, capsys)


def test_an_output_that_is_a_file(tmp_path, capsys):
    target = tmp_path / "run"
    target.write_text("not a folder")
    assert main([*BASE, "-o", str(target)]) == 1
    assert f"-o {target} is a file" in capsys.readouterr().err


@pytest.fixture(scope="module")
def backbone_state() -> dict[str, torch.Tensor]:
    spec = spec_for("siamrpnpp-alex")
    return spec.build(spec.variant(0.0625)).backbone.state_dict()


def test_a_pretrained_backbone_with_nan_is_refused(backbone_state, tmp_path, capsys):
    """NaN weights in the file would make every loss NaN: pysot's skip would then run the whole
    schedule without a step and save the NaN network as each epoch's checkpoint."""
    path = tmp_path / "nan.pth"
    torch.save({**backbone_state, "features.4.weight": torch.full_like(backbone_state["features.4.weight"], float("nan"))},
               path)
    err = refused([*BASE, "--set", f"backbone.pretrained={path}"], tmp_path / "run", capsys)
    assert f"backbone.pretrained={path}: features.4.weight holds NaN or infinite values" in err


def test_a_pretrained_backbone_of_another_width_is_refused_before_ray(backbone_state, tmp_path, capsys):
    path = tmp_path / "thin.pth"
    torch.save(backbone_state, path)
    err = refused([*BASE, "--set", "width=0.125", "--set", f"backbone.pretrained={path}"], tmp_path / "run", capsys)
    assert "does not fit this backbone" in err
