"""The VOT toolkit's binary trajectories read as the toolkit reads them, and import like text ones."""

from __future__ import annotations

import numpy as np
import pytest
from vot.region import Special
from vot.region.io import read_trajectory, write_trajectory
from vot.region.shapes import Polygon, Rectangle

from harness.errors import ImportFormatError
from harness.formats.vot_text import read_vot_result_file
from harness.formats.vot_binary import read_vot_binary_file
from tests.conftest import realdata_path


def _random_regions(rng, n, polygons):
    regions = [Special(1)]
    for _ in range(n - 1):
        kind = rng.integers(0, 5)
        if kind == 0:
            regions.append(Special(int(rng.choice([0, 2]))))
        elif kind == 1 and polygons:
            regions.append(Polygon([tuple(p) for p in rng.uniform(0, 500, (4, 2))]))
        else:
            regions.append(Rectangle(*rng.uniform(0, 300, 4)))
    return regions


@pytest.mark.parametrize(("seed", "polygons"), [(0, False), (1, False), (2, True)])
def test_binary_file_reads_as_the_toolkit_reads_it(tmp_path, seed, polygons):
    rng = np.random.default_rng(seed)
    path = tmp_path / "seq_001.bin"
    write_trajectory(str(path), _random_regions(rng, 300, polygons))
    status, boxes = read_vot_binary_file(path)
    for frame, region in enumerate(read_trajectory(str(path))):
        if isinstance(region, Special):
            assert status[frame] == region.code and np.isnan(boxes[frame]).all()
        elif isinstance(region, Rectangle):
            assert status[frame] == 3
            np.testing.assert_array_equal(boxes[frame, :4], [region.x, region.y, region.width, region.height])
        else:
            assert status[frame] == 3
            np.testing.assert_array_equal(boxes[frame], np.ravel(region.points()))
    assert boxes.shape[1] == (8 if polygons else 4)


def test_real_results_survive_a_round_trip_through_the_binary_format(tmp_path):
    text = realdata_path("vot", "results", "VOT2018", "NanoTrack", "baseline", "bag", "bag_001.txt")
    binary = tmp_path / "bag_001.bin"
    write_trajectory(str(binary), read_trajectory(str(text)))
    status_txt, boxes_txt = read_vot_result_file(text)
    status_bin, boxes_bin = read_vot_binary_file(binary)
    np.testing.assert_array_equal(status_bin, status_txt)
    np.testing.assert_allclose(boxes_bin, boxes_txt, rtol=1e-6)  # the binary format keeps float32


def test_truncated_binary_file_names_the_frame(tmp_path):
    path = tmp_path / "seq_001.bin"
    write_trajectory(str(path), [Special(1), Rectangle(1, 2, 3, 4), Rectangle(5, 6, 7, 8)])
    path.write_bytes(path.read_bytes()[:-6])
    with pytest.raises(ImportFormatError, match=r"seq_001.bin: ends inside frame 3 of 3"):
        read_vot_binary_file(path)
