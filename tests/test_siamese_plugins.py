"""The SiamRPN / SiamRPN++ plugins in the registry: options, where weights go, and the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.cli import main
from trackers.base import TrackerError, WeightsMissingError
from trackers.registry import get_plugin, plugin_names, resolve_trackers
from trackers.siamese.plugins import SiamRPN, SiamRPNpp, SiamRPNppAlex, SiamRPNppMobileV2

NAMES = {"siamrpn": SiamRPN, "siamrpnpp": SiamRPNpp, "siamrpnpp-alex": SiamRPNppAlex, "siamrpnpp-mobilev2": SiamRPNppMobileV2}
PROJECT = Path(__file__).resolve().parents[1]


@pytest.fixture
def no_weights(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    empty = tmp_path / "empty"
    empty.mkdir()
    for name in os.environ:
        if name.startswith("HARNESS_SIAMRPN"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HARNESS_WEIGHTS", str(empty))
    monkeypatch.setenv("HARNESS_NO_SHIPPED_WEIGHTS", "1")  # not the synthetic-trained weights either
    return empty


def test_the_four_names_are_registered():
    assert set(NAMES) <= set(plugin_names())
    for name, cls in NAMES.items():
        assert type(get_plugin(name)) is cls
    assert get_plugin("siamrpnpp").variant().name == "siamrpnpp"
    assert get_plugin("siamrpnpp", {"variant": "mobilev2"}).variant().name == "siamrpnpp-mobilev2"
    assert get_plugin("siamrpnpp-alex").variant().track.instance_size == 287
    assert all(get_plugin(name).wants_gpu and get_plugin(name).deterministic for name in NAMES)


@pytest.mark.parametrize(("name", "options", "complaint"), [
    ("siamrpn", {"penalty": 0.1}, "unknown options \\['penalty'\\]"),
    ("siamrpn", {"variant": "r50"}, "unknown options \\['variant'\\]"),
    ("siamrpnpp", {"variant": "resnet18"}, "choose one of r50, alex, mobilev2"),
    ("siamrpnpp", {"window_influence": 2}, "window_influence=2.0 must be within \\[0, 1\\]"),
    ("siamrpnpp", {"instance_size": 250}, "by a multiple of the stride 8"),
    ("siamrpnpp", {"lr": "fast"}, "lr='fast' is not a number"),
    ("siamrpnpp-alex", {"threads": 0}, "threads=0 must be a whole number"),
])
def test_bad_options_are_refused_when_the_plugin_is_made(name: str, options: dict, complaint: str):
    with pytest.raises(TrackerError, match=complaint):
        get_plugin(name, options)


def test_hyper_parameters_can_be_overridden():
    from trackers.siamese.config import with_overrides

    plugin = get_plugin("siamrpnpp", {"penalty_k": "0.1", "instance_size": 271, "lr": 0.2})
    track = with_overrides(plugin.variant(), plugin.config)
    assert (track.penalty_k, track.instance_size, track.lr, track.window_influence) == (0.1, 271, 0.2, 0.42)
    assert plugin.config_hash() != get_plugin("siamrpnpp").config_hash()


def test_weights_path_precedence(tmp_path: Path, no_weights: Path, monkeypatch: pytest.MonkeyPatch):
    assert get_plugin("siamrpnpp", {"variant": "alex"}).weights_path()[0] == no_weights / "siamrpnpp-alex" / "model.pth"
    monkeypatch.setenv("HARNESS_SIAMRPNPP_ALEX_WEIGHTS", str(tmp_path / "env.pth"))
    assert get_plugin("siamrpnpp-alex").weights_path() == (tmp_path / "env.pth", "$HARNESS_SIAMRPNPP_ALEX_WEIGHTS")
    assert get_plugin("siamrpnpp-alex", {"weights": str(tmp_path / "opt.pth")}).weights_path()[0] == tmp_path / "opt.pth"
    monkeypatch.delenv("HARNESS_WEIGHTS")
    assert get_plugin("siamrpn").weights_path()[0] == Path("weights/siamrpn/model.pth").resolve()


def test_missing_weights_say_where_to_put_which_file(no_weights: Path):
    reason = get_plugin("siamrpnpp").unavailable_reason()
    assert str(no_weights / "siamrpnpp" / "model.pth") in reason
    assert "siamrpn_r50_l234_dwxcorr" in reason and "HARNESS_SIAMRPNPP_WEIGHTS" in reason and "weights=<file>" in reason
    assert "SiamRPNVOT.model" in get_plugin("siamrpn").unavailable_reason()
    with pytest.raises(WeightsMissingError, match="siamrpn_mobilev2_l234_dwxcorr"):
        get_plugin("siamrpnpp-mobilev2").create()
    with pytest.raises(WeightsMissingError, match=str(no_weights / "siamrpn" / "model.pth")):
        resolve_trackers("siamrpn,siamrpnpp")
    plugins, skipped = resolve_trackers("all")
    assert not set(NAMES) & {p.name for p in plugins} and set(NAMES) <= set(skipped)


def test_the_registry_lists_them_without_torch():
    script = (
        "import sys, json\n"
        "sys.modules['torch'] = None  # as if torch were not installed\n"
        "from trackers.registry import get_plugin, plugin_names, resolve_trackers\n"
        "names = [n for n in plugin_names() if n.startswith('siamrpn')]\n"
        "print(json.dumps({n: get_plugin(n).unavailable_reason() for n in names}))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=PROJECT, check=True)
    reasons = json.loads(done.stdout)
    assert set(reasons) == set(NAMES)
    assert all("pip install torch==2.13.0" in reason for reason in reasons.values())


def test_listing_the_plugins_does_not_import_torch():
    script = (
        "import sys\n"
        "from trackers.registry import get_plugin\n"
        "get_plugin('siamrpnpp', {'variant': 'mobilev2'}).unavailable_reason()\n"
        "print('torch' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=PROJECT, check=True)
    assert done.stdout.strip() == "False"


def test_the_cli_run_without_weights_fails_clearly(tmp_path: Path, no_weights: Path, capsys):
    argv = ["run", "--trackers", "siamrpn,siamrpnpp", "--bench", "synthetic", "--weights", str(tmp_path / "none"),
            "--results", str(tmp_path / "r")]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "siamrpn" in err and str(tmp_path / "none" / "siamrpn" / "model.pth") in err and "needs weights" in err


@pytest.mark.slow
def test_the_cli_runs_siamrpn_on_synthetic_when_weights_are_given(tmp_path: Path, no_weights: Path, ray_address, capsys):
    torch = pytest.importorskip("torch")
    from trackers.siamese.checkpoint import save_checkpoint
    from trackers.siamese.config import VARIANTS
    from trackers.siamese.model import build_model

    # One tracker on one short sequence (46 frames) keeps this quick; siamrpnpp shares every line
    # of plugin, checkpoint and tracker code, and its ResNet-50 runs about 1.5 frames/s on one core.
    # docs/trackers.md records a `--trackers siamrpn,siamrpnpp --bench synthetic_full` run.
    torch.manual_seed(0)
    save_checkpoint(build_model(VARIANTS["siamrpn"]), tmp_path / "w" / "siamrpn" / "model.pth", VARIANTS["siamrpn"])
    argv = ["run", "--trackers", "siamrpn", "--bench", "synthetic", "--sequences", "synthetic_011",
            "--weights", str(tmp_path / "w"), "--address", ray_address, "--results", str(tmp_path / "r"),
            "--reports", str(tmp_path / "rep"), "--json"]
    assert main(argv) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["run"]["shards"] == {"run": 1, "skipped_complete": 0, "failed": 0}
    assert "siamrpn" in report["trackers"]
