"""`--batch-sequences` through real Ray: a run whose worker tracks several one-pass shards together
stores, shard for shard, what a one-at-a-time run stores (latency aside), and a sequence whose
frame cannot be decoded fails alone in both."""

from __future__ import annotations

import math
from pathlib import Path

import pyarrow.parquet as pq
import pytest

pytest.importorskip("torch")

from benchmarks.synthetic import load_synthetic  # noqa: E402
from harness.runner.dispatch import run_shards  # noqa: E402
from harness.store import ShardKey, error_path, shard_path  # noqa: E402
from tests.conftest import first_frames  # noqa: E402
from tests.siamese_thin import save_thin  # noqa: E402
from trackers.registry import get_plugin  # noqa: E402


def stored(root: Path, key: ShardKey) -> dict:
    """A shard file's columns, without the per-frame latency (a batched call's time is shared); NaN
    (the first frame's score) as a string, so that equal files compare equal."""
    return {name: [("nan" if isinstance(v, float) and math.isnan(v) else v) for v in values]
            for name, values in pq.read_table(shard_path(root, key)).to_pydict().items() if "latency" not in name}


def test_a_batched_run_stores_what_an_unbatched_run_stores(tmp_path: Path, ray_address):
    # The first 16-30 frames of four sequences (of 200-300): tracked together, shards still end at
    # different frames, one of them early by a frame that cannot be decoded.
    sequences = [first_frames(s, n) for s, n in zip(load_synthetic(cache=tmp_path / "cache"), (30, 16, 24, 20))]
    broken = sequences[1]
    Path(broken.frames[7]).write_bytes(b"not an image")  # frame 8 of this sequence cannot be decoded
    plugin = get_plugin("siamrpn", {"weights": str(save_thin("siamrpn", tmp_path / "weights"))})
    keys = [ShardKey("siamrpn", "synthetic", s.name, 1, "ope") for s in sequences]

    one = run_shards([plugin], "synthetic", sequences, tmp_path / "one", address=ray_address, workers=1)
    together = run_shards([plugin], "synthetic", sequences, tmp_path / "together", address=ray_address, workers=1,
                          batch_sequences=3)

    for summary, root in ((one, tmp_path / "one"), (together, tmp_path / "together")):
        assert [o.key.sequence for o in summary.failed] == [broken.name]
        assert "frame 8" in summary.failed[0].error and error_path(root, summary.failed[0].key).is_file()
        assert sorted(o.key.sequence for o in summary.completed) == sorted(s.name for s in sequences if s is not broken)
    # Shards tracked together share each joined call's time: their second frames' latencies are equal.
    second = [pq.read_table(shard_path(tmp_path / "together", key)).column("latency_ms")[1].as_py()
              for key in keys if key.sequence != broken.name]
    assert len(set(second)) < len(second)
    for key in keys:
        if key.sequence != broken.name:
            assert stored(tmp_path / "together", key) == stored(tmp_path / "one", key)
            assert not error_path(tmp_path / "together", key).exists()


def test_a_batch_below_one_is_refused_before_anything_runs(tmp_path: Path):
    from harness.errors import HarnessError

    with pytest.raises(HarnessError, match="--batch-sequences 0: must be at least 1"):
        run_shards([get_plugin("siamrpn")], "synthetic", [], tmp_path, batch_sequences=0)
    assert not any(tmp_path.iterdir())
