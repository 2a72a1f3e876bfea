"""The report's failure gallery and viewer links: the gallery holds the loss frames computed independently from the
stored boxes (got10k's rect_iou for one-pass runs, the stored statuses for supervised ones, the toolkit's overlaps
for multistart, unsupervised and long-term runs), grouped by attribute or frame tag; every link points at a viewer
written beside the report; an annotation-only root gets no link; in headless Chromium the page loads offline with
no console error and a thumbnail's link opens the viewer at that frame."""

from __future__ import annotations

import json
import re
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import numpy as np
import pytest

from benchmarks.registry import load_benchmark
from benchmarks.vot import axis_aligned_boxes
from harness.experiments.multistart import anchor_runs, run_overlaps, run_view
from harness.experiments.regions import region_overlaps
from harness.reports.gallery import CAP
from harness.store import STATUSES, Provenance, ShardFrames, ShardKey, read_tracker, write_shard
from tests.chromium import chromium_binary, load
from tests.conftest import realdata_path
from tests.report_stores import harness, require_tool

PROVENANCE = Provenance("test", "-", "-", "cpu", "test", "-", "-", deterministic=True)
LOCAL = ("file:", "data:", "blob:", "about:")


class _Thumbs(HTMLParser):
    """The gallery's thumbnails (tracker, groups, sequence, frame, link), each tracker's count of losses per group
    (its chips) and the per-sequence table's links."""

    def __init__(self) -> None:
        super().__init__()
        self.tracker: str | None = None
        self.groups: tuple[str, ...] = ()
        self.thumbs: list[tuple[str, tuple[str, ...], str, int, str | None]] = []
        self.counts: dict[tuple[str, str], int] = {}
        self.links: dict[str, str] = {}
        self._cell: str | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "section" and "data-tracker" in a:
            self.tracker = a["data-tracker"]
        elif tag == "button" and "data-count" in a:
            self.counts[(self.tracker, a["data-group"])] = int(a["data-count"])
        elif tag == "figure":
            self.groups = tuple(json.loads(a["data-groups"]))
        elif "data-frame" in a:
            self.thumbs.append((self.tracker, self.groups, a["data-sequence"], int(a["data-frame"]), a.get("href")))
        elif tag == "a" and a.get("href", "").endswith(".html") and self.tracker is None:
            self._cell = a["href"]

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self.links[data] = self._cell
            self._cell = None


def _parsed(page: Path) -> _Thumbs:
    parser = _Thumbs()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def _losses(overlaps: np.ndarray, absent: np.ndarray) -> list[int]:
    """0-based steps where the overlap is 0 after a step above 0, absent and unscored steps passed over: written
    as a loop, apart from the vectorised code under test."""
    found, previous = [], None
    for k, (value, gone) in enumerate(zip(overlaps, absent)):
        if gone or not np.isfinite(value):
            continue
        if value == 0 and previous is not None and previous > 0:
            found.append(k)
        previous = value
    return found


@pytest.fixture(scope="module")
def ope(tmp_path_factory) -> tuple[Path, Path, dict]:
    """Three generated trackers on the synthetic benchmark: one never loses the target, two jump off it a few
    times (sometimes inside the image, sometimes out of it), and `harness report` on them under profile got10k."""
    folder = tmp_path_factory.mktemp("gallery-ope")
    results = folder / "results"
    for seed, tracker in enumerate(("steady", "drifter", "loser")):
        rng = np.random.default_rng(seed)
        for sequence in load_benchmark("synthetic", None):
            n = len(sequence)
            boxes = sequence.ground_truth + rng.normal(0, 1.5, (n, 4))
            for start in rng.choice(np.arange(5, n - 6), 3 * seed, replace=False):
                boxes[start:start + 3, 0] += 160 * seed
            write_shard(results, ShardKey(tracker, "synthetic", sequence.name, 1, "ope"),
                        ShardFrames(boxes, rng.uniform(0, 1, n), np.array(["initialized"] + ["tracked"] * (n - 1)),
                                    np.full(n, 4.0)), PROVENANCE)
    code, out = harness("report", "--bench", "synthetic", "--results", str(results), "--profile", "got10k",
                        "-o", str(folder / "out" / "report.html"), "--json")
    assert code == 0, out
    return results, folder / "out" / "report.html", json.loads(out)


def test_gallery_holds_the_loss_frames_rect_iou_finds_grouped_by_attribute(ope) -> None:
    from got10k.utils.metrics import rect_iou

    results, page, _ = ope
    expected: dict[str, list[tuple[str, int]]] = {}
    attributes = {}
    for sequence in load_benchmark("synthetic", None):
        attributes[sequence.name] = sequence.attributes or ("no attribute",)
        for tracker in ("steady", "drifter", "loser"):
            boxes = read_tracker(results, "synthetic", "ope", tracker, [sequence.name])[sequence.name][0].boxes
            iou = rect_iou(boxes.copy(), sequence.ground_truth.copy())
            iou[0] = np.nan  # the initialisation frame: got10k scores none
            expected.setdefault(tracker, []).extend((sequence.name, k + 1) for k in _losses(iou, sequence.absent))
    assert expected["steady"] == [] and len(expected["drifter"]) > 5 and len(expected["loser"]) > CAP
    parsed = _parsed(page)
    for tracker, losses in expected.items():
        thumbs = {(q, f) for t, _, q, f, _ in parsed.thumbs if t == tracker}
        assert thumbs <= set(losses)
        assert len(thumbs) == min(CAP, len(losses))
        assert len({q for q, _ in thumbs}) == min(len(thumbs), len({q for q, _ in losses}))  # one per sequence first
        counts = {}
        for q, _ in losses:
            for group in attributes[q]:
                counts[group] = counts.get(group, 0) + 1
        assert {g: c for (t, g), c in parsed.counts.items() if t == tracker} == counts
        for t, groups, q, _, _ in parsed.thumbs:
            if t == tracker:
                assert groups == tuple(attributes[q])
        assert len(thumbs) == len([t for t in parsed.thumbs if t[0] == tracker])  # each shown once
    assert f"loser: {len(expected['loser'])} losses" in page.read_text(encoding="utf-8")


def test_links_point_at_the_viewers_written_beside_the_report(ope) -> None:
    _, page, out = ope
    parsed = _parsed(page)
    gallery_sequences = {q for _, _, q, _, _ in parsed.thumbs}
    assert set(parsed.links) == gallery_sequences  # the default: the gallery's sequences
    written = {Path(p).resolve() for p in out["viewers"]}
    for sequence, link in parsed.links.items():
        assert not link.startswith(("/", "file:"))  # relative: the folder can be copied
        target = (page.parent / unquote(link)).resolve()
        assert target in written and target.parent.name == "report-viewers"
        text = target.read_text(encoding="utf-8")
        data = json.loads(re.search(r'<script id="viewer-data" type="application/json">(.*?)</script>', text,
                                    re.S).group(1))
        assert data["sequence"] == sequence and {t["name"] for t in data["trackers"]} == {"steady", "drifter", "loser"}
    for _, _, sequence, frame, href in parsed.thumbs:
        assert href == f"{parsed.links[sequence]}#frame={frame}"


def test_viewers_all_and_none(ope, tmp_path) -> None:
    results = ope[0]
    code, out = harness("report", "--bench", "synthetic", "--results", str(results), "-o", str(tmp_path / "a.html"),
                        "--viewers", "all", "--json")
    assert code == 0, out
    assert len(json.loads(out)["viewers"]) == len(load_benchmark("synthetic", None))
    code, out = harness("report", "--bench", "synthetic", "--results", str(results), "-o", str(tmp_path / "n.html"),
                        "--viewers", "none", "--json")
    parsed = _parsed(tmp_path / "n.html")
    assert code == 0 and json.loads(out)["viewers"] == [] and parsed.links == {}
    assert parsed.thumbs and all(href is None for *_, href in parsed.thumbs)  # thumbnails, unlinked
    assert not (tmp_path / "n-viewers").exists()


def test_supervised_failures_grouped_by_the_frame_tags(tmp_path) -> None:
    """VOT2018's real bag: a generated tracker failing at frames 41 and 121 in repetition 1 (and elsewhere in
    repetition 2, which the gallery does not read); grouped by the failure frame's tags."""
    root = realdata_path("vot", "sequences")
    bag = load_benchmark("vot2018", root, ["bag"])[0]
    n = len(bag)
    results = tmp_path / "results"
    for repetition, failures in ((1, (40, 120)), (2, (60,))):
        boxes = axis_aligned_boxes(bag.ground_truth) + 2.0
        statuses = np.array(["tracked"] * n, dtype=object)
        statuses[0] = "initialized"
        for failure in failures:
            boxes[failure] += 300.0
            statuses[failure] = "failed"
            statuses[failure + 1:failure + 5] = "skipped"
            statuses[failure + 5] = "initialized"
        write_shard(results, ShardKey("failer", "vot2018", "bag", repetition, "baseline"),
                    ShardFrames(boxes, np.full(n, np.nan), statuses.astype(str), np.full(n, 3.0)), PROVENANCE)
    code, out = harness("report", "--bench", "vot2018", "--root", str(root), "--results", str(results),
                        "-o", str(tmp_path / "vot.html"), "--json")
    assert code == 0, out
    parsed = _parsed(tmp_path / "vot.html")
    stored = read_tracker(results, "vot2018", "baseline", "failer", ["bag"])["bag"][0]
    failed = np.flatnonzero(stored.status == STATUSES.index("failed"))
    tags = {k + 1: sorted(t for t, v in bag.frame_tags.items() if v[k]) or ["no tag"] for k in failed}
    assert {(q, f) for _, _, q, f, _ in parsed.thumbs} == {("bag", 41), ("bag", 121)}
    assert {f: list(g) for _, g, _, f, _ in parsed.thumbs} == tags
    assert parsed.links == {"bag": "vot-viewers/bag.html"}


def _jumper(results: Path, protocol: str, bench: str) -> set[tuple[str, int]]:
    """A generated tracker on every sequence of synthetic_vot / synthetic_votlt that jumps off the target at steps 10,
    11 and 30 of each run (every anchor run for multistart); returns the (sequence, frame) of its losses in the
    first run, found from the toolkit's overlaps of the stored boxes."""
    expected = set()
    for sequence in load_benchmark(bench, None):
        first = anchor_runs(sequence)[0] if protocol == "multistart" else None
        runs = [run_view(sequence, r) for r in anchor_runs(sequence)] if first else [sequence]
        for k, view in enumerate(runs, start=1):
            n = len(view)
            boxes = np.nan_to_num(axis_aligned_boxes(view.ground_truth), nan=20.0) + 1.0
            boxes[[10, 11, 30]] += 400.0
            write_shard(results, ShardKey("jumper", bench, sequence.name, k, protocol),
                        ShardFrames(boxes, np.full(n, 0.5), np.array(["initialized"] + ["tracked"] * (n - 1)),
                                    np.ones(n)), PROVENANCE)
        view = runs[0]
        shard = read_tracker(results, bench, protocol, "jumper", [sequence.name],
                             frames={sequence.name: {1: len(view)}} if first else None)[sequence.name][0]
        overlaps = (run_overlaps(view, shard) if first
                    else region_overlaps(view, shard.boxes, shard.status != 0, None))
        overlaps[0] = np.nan  # the initialisation frame
        order = first.frames(len(sequence)) if first else np.arange(len(view))
        expected |= {(sequence.name, int(order[k]) + 1) for k in _losses(overlaps, view.absent)}
    return expected


@pytest.mark.parametrize("protocol, bench", [("multistart", "synthetic_vot"), ("unsupervised", "synthetic_vot"),
                                             ("longterm", "synthetic_votlt")])
def test_vot2020_experiments_gallery_uses_the_toolkits_overlaps(protocol, bench, tmp_path) -> None:
    results = tmp_path / "results"
    expected = _jumper(results, protocol, bench)
    code, out = harness("report", "--bench", bench, "--protocol", protocol, "--results", str(results),
                        "-o", str(tmp_path / "r.html"), "--viewers", "none", "--json")
    assert code == 0, out
    parsed = _parsed(tmp_path / "r.html")
    assert len(expected) <= CAP and {(q, f) for _, _, q, f, _ in parsed.thumbs} == expected


def test_annotation_only_root_gets_no_link_with_a_note(tmp_path) -> None:
    from tests.report_stores import import_otb, otb_anno

    results = tmp_path / "results"
    import_otb(results, "SiamFC")
    code, out = harness("report", "--bench", "otb", "--root", str(otb_anno()), "--results", str(results),
                        "-o", str(tmp_path / "otb.html"), "--json")
    assert code == 0, out
    parsed = _parsed(tmp_path / "otb.html")
    assert json.loads(out)["viewers"] == [] and parsed.links == {} and parsed.thumbs
    assert all(href is None for *_, href in parsed.thumbs)
    assert "root read holds annotations only" in (tmp_path / "otb.html").read_text(encoding="utf-8")


def test_report_loads_offline_and_a_thumbnail_opens_the_viewer_at_its_frame(ope) -> None:
    require_tool(chromium_binary(), "chromium", "chromium")
    _, page, _ = ope
    parsed = _parsed(page)
    tracker, _, sequence, frame, _ = next(t for t in parsed.thumbs if t[0] == "loser" and t[3] > 1)
    seen = {}

    def act(tab) -> None:
        selector = f'section[data-tracker="{tracker}"] a[data-sequence="{sequence}"][data-frame="{frame}"]'
        tab.evaluate(f"document.querySelector('{selector}').scrollIntoView({{block:'center'}})")
        x, y = json.loads(tab.evaluate(f"(()=>{{const r=document.querySelector('{selector}').getBoundingClientRect();"
                                       "return JSON.stringify([r.left+r.width/2,r.top+r.height/2]);})()"))
        seen["thumb"] = tab.evaluate("document.querySelectorAll('.gallery .thumb').length")
        seen["chip"] = tab.evaluate(
            "(()=>{const s=document.querySelector('section[data-tracker=\"loser\"]'),c=s.querySelectorAll('.chip')[1];"
            "c.click();const shown=[...s.querySelectorAll('figure')].filter(f=>!f.hidden).length;"
            "s.querySelector('.chip').click();return [c.dataset.group,shown];})()")
        tab.click(x, y)
        deadline = time.monotonic() + 30
        while "frame" not in seen and time.monotonic() < deadline:
            try:  # the page navigates to the viewer: evaluations fail until it has loaded
                shown = tab.evaluate("window.viewer&&viewer.painted===viewer.index?"
                                     "JSON.stringify([viewer.frame,viewer.drawn.length,location.hash]):null")
            except RuntimeError:
                shown = None
            if shown:
                seen["frame"] = json.loads(shown)
            time.sleep(0.05)

    loaded = load(page, selector=".gallery", interact=act)
    assert loaded.ready == "drawn" and loaded.console_errors == [] and loaded.exceptions == []
    assert [r for r in loaded.requests if not r.startswith(LOCAL)] == []
    assert seen["thumb"] == len(parsed.thumbs)
    group, shown = seen["chip"]  # the first group's chip shows its thumbnails alone
    assert shown == len([t for t in parsed.thumbs if t[0] == "loser" and group in t[1]]) < CAP
    assert seen["frame"] == [frame, 4, f"#frame={frame}"]  # the ground truth and the three trackers drawn
