"""Runs that survive: a hung tracker times out, a dead worker is retried, a damaged shard file is moved
aside and run again, and a full disk stops the run cleanly; the other shards are never lost."""

from __future__ import annotations

import threading
import time

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from benchmarks.otb import load_otb
from harness.cli import main
from harness.errors import OutOfSpaceError, StoreError
from harness.evaluate import score_trackers
from harness.runner import dispatch
from harness.runner.dispatch import run_shards
from harness.store import QUARANTINE, ShardKey, list_errors, shard_path, shard_problem
from tests.conftest import first_frames, realdata_path
from tests.faulty_trackers import FaultyPlugin
from tests.test_store_space import tiny_tmpfs  # noqa: F401 - a fixture

pytestmark = pytest.mark.slow


def _otb(*names: str, frames: int | None = None):
    sequences = load_otb(realdata_path("otb", "sequences"), names=list(names))
    return [first_frames(s, frames) for s in sequences] if frames else sequences


def _bounded(run, seconds: float):
    """The run's summary, or a test failure (instead of a hung test) when it does not return in time."""
    result: list = []

    def target() -> None:
        try:
            result.append(run())
        except BaseException as exc:  # re-raised in the test's thread
            result.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        pytest.fail(f"the run did not return within {seconds:.0f} s")
    if isinstance(result[0], BaseException):
        raise result[0]
    return result[0]


@pytest.mark.serial
def test_hung_tracker_times_out_and_the_shards_behind_it_run(tmp_path, ray_address, monkeypatch):
    # The default limit, derived from the sequence length, made short: 3 s + 0.03 s per frame, 4.8 s for
    # Couple's first 60 frames and 3.6 s for Football1's first 20.
    monkeypatch.setattr(dispatch, "TIMEOUT_BASE_S", 3.0)
    monkeypatch.setattr(dispatch, "TIMEOUT_PER_FRAME_S", 0.03)
    sequences = _otb("Couple", frames=60) + _otb("Football1", frames=20)
    hang, hold = FaultyPlugin("hangs", {"mode": "hang", "at_frame": 7}), FaultyPlugin("holds", {})
    # One worker: the other tracker's shards are queued behind the stuck ones on the same actor.
    summary = _bounded(lambda: run_shards([hang, hold], "otb", sequences, tmp_path, address=ray_address, workers=1),
                       300)
    assert sorted(str(o.key) for o in summary.completed) == ["holds/otb/Couple#1", "holds/otb/Football1#1"]
    errors = {o.key.sequence: o.error for o in summary.failed}
    assert errors["Couple"].startswith("timed out after 5 s at frame 7 of sequence 'Couple'")
    assert errors["Football1"].startswith("timed out after 4 s at frame 7 of sequence 'Football1'")
    assert {r["shard"] for r in list_errors(tmp_path)} == {"hangs/otb/Couple#1", "hangs/otb/Football1#1"}
    assert not summary.retried  # a time-out is not retried: it would hang again


def test_worker_deaths_are_retried_and_tracker_errors_are_not(tmp_path, ray_address):
    sequences = _otb("Couple", "Football1", frames=20)  # deaths and errors at frame 5
    plugins = [
        FaultyPlugin("dies-once", {"mode": "exit_once", "at_frame": 5, "marker": str(tmp_path / "died")}),
        FaultyPlugin("dies", {"mode": "exit", "at_frame": 5}),
        FaultyPlugin("raises", {"mode": "raise", "at_frame": 5}),
    ]
    messages: list[str] = []
    summary = _bounded(lambda: run_shards(plugins, "otb", sequences, tmp_path / "r", address=ray_address, workers=2,
                                          notify=messages.append), 400)
    assert sorted(str(o.key) for o in summary.completed) == ["dies-once/otb/Couple#1", "dies-once/otb/Football1#1"]
    failed = {str(o.key): o.error for o in summary.failed}
    assert set(failed) == {f"{t}/otb/{s}#1" for t in ("dies", "raises") for s in ("Couple", "Football1")}
    assert all("worker process died" in failed[f"dies/otb/{s}#1"] and "(attempt 2 of 2)" in failed[f"dies/otb/{s}#1"]
               for s in ("Couple", "Football1"))
    assert "deliberate failure at frame 5" in failed["raises/otb/Couple#1"]
    retried = sorted(str(k) for k in summary.retried)
    assert [k for k in retried if k.startswith("dies-once")] and not [k for k in retried if k.startswith("raises")]
    assert sorted(k for k in retried if k.startswith("dies/")) == ["dies/otb/Couple#1", "dies/otb/Football1#1"]
    assert any("running it again (attempt 2 of 2)" in m for m in messages)


def _worker_actors() -> dict[str, str]:
    """The worker actors Ray knows of in this test session (id -> state), dead ones included."""
    from ray._private import state  # Ray's own actor table; its state API needs the dashboard

    return {a["ActorID"]: a["State"] for a in state.actors().values() if a["ActorClassName"] == "Worker"}


def test_a_run_leaves_no_actor_behind_and_replaces_one_only_for_work(tmp_path, ray_address):
    """The run's last shard dies with its worker (no retries): nothing is left to run, so no actor
    replaces it (one that did would start a process and hold a CPU that the next run on this cluster
    waits for), and every actor the run made is gone when it returns."""
    before = set(_worker_actors())
    summary = _bounded(lambda: run_shards([FaultyPlugin("dies", {"mode": "exit", "at_frame": 3})], "otb",
                                          _otb("Football1", frames=10), tmp_path, address=ray_address, retries=0), 300)
    assert [o.key.sequence for o in summary.failed] == ["Football1"] and "worker process died" in summary.failed[0].error
    deadline = time.monotonic() + 60  # ray.kill returns before the actor table says DEAD
    while True:
        made = {k: v for k, v in _worker_actors().items() if k not in before}
        if all(v == "DEAD" for v in made.values()) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert len(made) == 1, made
    assert set(made.values()) == {"DEAD"}


def test_damaged_shard_files_are_quarantined_and_run_again(tmp_path, ray_address):
    sequences = _otb("Couple", "Crossing", "Football1", frames=20)
    hold = FaultyPlugin("holds", {})
    run_shards([hold], "otb", sequences, tmp_path, address=ray_address, workers=1)
    truncated, foreign = (shard_path(tmp_path, ShardKey("holds", "otb", s)) for s in ("Couple", "Crossing"))
    # Scoring names a bad file (Couple is read first) instead of failing with a raw pyarrow error.
    pq.write_table(pa.table({"a": [1, 2]}), foreign)
    with pytest.raises(StoreError, match=f"{foreign}: not a shard file: its columns are a"):
        score_trackers(tmp_path, "otb", sequences, "pysot")
    truncated.write_bytes(truncated.read_bytes()[:300])
    with pytest.raises(StoreError, match=f"{truncated}: not a readable shard file"):
        score_trackers(tmp_path, "otb", sequences, "pysot")

    messages: list[str] = []
    summary = run_shards([hold], "otb", sequences, tmp_path, address=ray_address, workers=1, notify=messages.append)
    assert sorted(o.key.sequence for o in summary.completed) == ["Couple", "Crossing"]
    assert [k.sequence for k in summary.skipped] == ["Football1"]
    moved = {path: target for path, target, _ in summary.quarantined}
    assert set(moved) == {truncated, foreign} and all((tmp_path / QUARANTINE) in t.parents for t in moved.values())
    assert pq.read_table(moved[foreign]).column_names == ["a"]
    assert any(str(truncated) in m and str(moved[truncated]) in m for m in messages)
    assert all(shard_problem(tmp_path, ShardKey("holds", "otb", s.name), len(s)) is None for s in sequences)
    (score,) = score_trackers(tmp_path, "otb", sequences, "pysot")
    assert score.tracker == "holds"


def test_full_disk_stops_the_run_and_keeps_complete_shards(tiny_tmpfs, ray_address):  # noqa: F811
    sequences = _otb("Couple", "Crossing", "Football1")
    plugins = [FaultyPlugin(f"holds-{i}", {}) for i in range(6)]
    with pytest.raises(OutOfSpaceError, match="out of space writing .*run again to resume"):
        _bounded(lambda: run_shards(plugins, "otb", sequences, tiny_tmpfs, address=ray_address, workers=2), 300)
    shards = list(tiny_tmpfs.glob("**/rep*.parquet"))
    assert shards, "some shards fit before the disk filled"
    assert all(shard_problem(tiny_tmpfs, ShardKey(p.parts[-3], "otb", p.parts[-2]), None) is None for p in shards)
    assert not [p for p in tiny_tmpfs.glob("**/.*") if p.is_file()], "a temporary or claim was left behind"


def test_full_disk_is_one_clear_message_from_the_command_line(tiny_tmpfs, ray_address, capsys):  # noqa: F811
    (tiny_tmpfs / "filler").write_bytes(bytes(56 * 1024))  # about one shard's room left
    # NanoTrack: the quickest real tracker here (MIL took 10 s of the sequences before the disk filled)
    argv = ["run", "--trackers", "opencv-nano", "--bench", "otb", "--root", str(realdata_path("otb", "sequences")),
            "--tracker-opt", f"opencv-nano.weights_dir={realdata_path('models', 'nanotrack-v2')}",
            "--sequences", "Football1,Crossing,Couple", "--address", ray_address, "--results", str(tiny_tmpfs),
            "--reports", str(tiny_tmpfs / "reports")]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.count("out of space writing") == 1 and "Traceback" not in err
