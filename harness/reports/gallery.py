"""The report's failure gallery and its links to the sequence viewer (docs/reports.md, docs/viewer.md).

For each tracker, the frames where it lost the target in its first run of each sequence: a VOT failure (status
failed) in supervised runs, else the first frame of each stretch where its overlap, as the viewer plots it, is 0
after a frame above 0 (frames whose target is absent, or that the experiment does not score, passed over). They
are shown as small JPEG thumbnails with every tracker's region and the ground truth drawn (the viewer's drawing
and colours), grouped by the sequences' attributes (VOT: the loss frame's tags), at most `CAP` per tracker with
the counts of all. Each thumbnail links to the viewer of its sequence at that frame, written beside the report
as `<report stem>-viewers/<sequence>.html`: for the sequences the gallery shows (`gallery`, the default), for
every sequence (`all`) or for none; only sequences whose frames are on disk get one."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import numpy as np

from benchmarks import Sequence
from harness.errors import HarnessError
from harness.experiments import Multistart, OnePass, Supervised
from harness.experiments.redetection import Redetection
from harness.reports.collect import Scored
from harness.reports.tables import ranked
from harness.store import STATUSES, stored_trackers
from harness.viewer.data import Run, SequenceView, TrackerView, run_of, sequence_view, tracker_views
from harness.viewer.frames import jpeg_base64, read_frame, shrunk
from harness.viewer.page import image_size, write_page
from harness.viewer.video import draw_regions

CAP = 12  # thumbnails per tracker: a screenful; the counts say how many more there are
THUMB_SIDE = 192  # the thumbnails' longest side in pixels: five to a row beside each other in a group
THUMB_QUALITY = 60
VIEWERS = ("gallery", "all", "none")
BUDGET = 64_000_000  # bytes of viewers the default writes: a 1,000-frame viewer is about 14 MB (docs/viewer.md)
CHUNK = 16  # sequences whose runs are held in memory at once while thumbnails and viewers are drawn
_FAILED = STATUSES.index("failed")
_GREY = 128

STYLE = """
.gallery .chips{margin:.3em 0 .6em;font-size:.9em}.gallery .chip{margin:0 .3em .3em 0;padding:.1em .5em;
border:1px solid #bbb;border-radius:1em;background:#fff;cursor:pointer}.gallery .chip.on{background:#dde8f6;
border-color:#06c}.gallery .thumbs{display:flex;flex-wrap:wrap;gap:.5em}.gallery figure{margin:0;font-size:.8em;
color:#444;max-width:200px}.gallery figure small{color:#777}
.gallery .thumb{display:block;background-size:cover;border:1px solid #ccc}
.gallery a.thumb:hover{outline:2px solid #06c}.swatch{display:inline-block;width:1.4em;height:.4em;
margin-right:.4em;vertical-align:middle}
"""

# A group's chip shows only that group's thumbnails of its tracker; the chip "all" shows every one again.
SCRIPT = """
document.querySelectorAll('.gallery .losses').forEach(section=>{
  const chips=section.querySelectorAll('.chip');
  chips.forEach(chip=>chip.addEventListener('click',()=>{
    chips.forEach(c=>c.classList.toggle('on',c===chip));
    section.querySelectorAll('figure').forEach(f=>{
      f.hidden=chip.dataset.group!==''&&!JSON.parse(f.dataset.groups).includes(chip.dataset.group);
    });
  }));
});
"""


@dataclass(frozen=True)
class Loss:
    """One frame where a tracker lost the target."""

    tracker: str
    sequence: str
    step: int  # the run step
    frame: int  # the sequence's frame number, from 1 (what a viewer's #frame=N takes)
    groups: tuple[str, ...]  # the sequence's attributes, or the frame's tags


@dataclass(frozen=True)
class Gallery:
    """What the report shows: the gallery's section, each sequence's viewer link and a note on them."""

    html: str
    links: dict[str, str]  # sequence -> its viewer, relative to the report
    note: str  # under the per-sequence table: which sequences link to a viewer, and why not the others
    losses: list[Loss]  # every loss found, shown or not
    shown: list[Loss]
    viewers: list[Path]  # the viewer pages written


def loss_steps(experiment: object, tracker: TrackerView, absent: np.ndarray) -> np.ndarray:
    """The run steps where `tracker` lost the target: its failures in a supervised run, else the first step of each
    stretch of zero overlap that follows a step above zero (absent targets and unscored steps passed over)."""
    if isinstance(experiment, Supervised):
        return np.flatnonzero(tracker.status == _FAILED)
    overlaps = np.where(absent, np.nan, tracker.overlaps)
    scored = np.flatnonzero(np.isfinite(overlaps))
    values = overlaps[scored]
    return scored[1:][(values[1:] <= 0) & (values[:-1] > 0)]


def _grouping(sequences: list[Sequence]) -> str:
    if any(s.attributes for s in sequences):
        return "attributes"
    if any(v.dtype == bool for s in sequences for v in s.frame_tags.values()):
        return "tags"
    return "none"


def _groups(run: Run, step: int, grouping: str) -> tuple[str, ...]:
    if grouping == "attributes":
        return tuple(run.sequence.attributes) or ("no attribute",)
    if grouping == "tags":
        tags = [k for k, v in run.view.frame_tags.items() if v.dtype == bool and step < len(v) and v[step]]
        return tuple(sorted(tags)) or ("no tag",)
    return ("all sequences",)


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _safe(name: str) -> str:
    return re.sub(r"[^\w.-]", "_", name)


def _shown(losses: list[Loss], order: dict[str, int]) -> list[Loss]:
    """At most CAP losses, one per sequence in the benchmark's order before a second of any: the gallery shows as
    many sequences as it can."""
    per_sequence: dict[str, list[Loss]] = {}
    for loss in sorted(losses, key=lambda x: (order[x.sequence], x.step)):
        per_sequence.setdefault(loss.sequence, []).append(loss)
    picked, depth = [], 0
    while len(picked) < CAP and any(len(v) > depth for v in per_sequence.values()):
        picked += [v[depth] for v in per_sequence.values() if len(v) > depth][: CAP - len(picked)]
        depth += 1
    return sorted(picked, key=lambda x: (order[x.sequence], x.step))


def thumbnail(view: SequenceView, step: int) -> tuple[str, int, int]:
    """Run step `step` of `view` with every region drawn, its longest side THUMB_SIDE: (base64 JPEG, width,
    height). A frame that cannot be read (or an annotation-only root) is grey under the regions."""
    frame = read_frame(view.paths[step])
    if frame is None:
        width, height = image_size(view)
        factor = min(1.0, THUMB_SIDE / max(width, height))
        frame = np.full((max(1, round(height * factor)), max(1, round(width * factor)), 3), _GREY, np.uint8)
    image = np.ascontiguousarray(shrunk(frame, THUMB_SIDE))
    draw_regions(image, view, step, 1)
    return jpeg_base64(image, THUMB_QUALITY), image.shape[1], image.shape[0]


def _what(experiment: object) -> str:
    if isinstance(experiment, Supervised):
        return "a failure of repetition 1 (the toolkit's: overlap 0, re-initialised five frames later)"
    overlap = ("IoU as the report's first profile counts it" if isinstance(experiment, OnePass)
               else "the toolkit's overlap")
    run = ("the first anchor run (forward from the first anchor)" if isinstance(experiment, Multistart)
           else "the generated re-detection sequence" if isinstance(experiment, Redetection) else "repetition 1")
    return (f"the first frame of each stretch where its overlap ({overlap}) is 0 after a frame above 0, in {run}; "
            "frames whose target is absent are passed over")


def build_gallery(results: Path, section: Scored, report: Path, viewers: str = "gallery") -> Gallery:
    """The failure gallery of `section`'s trackers, and the viewers `viewers` asks for, written beside `report`."""
    if viewers not in VIEWERS:
        raise HarnessError(f"--viewers {viewers!r}: expected one of {', '.join(VIEWERS)}")
    record, chosen, profile = section.record, section.experiment, section.profile.name
    names = [s.tracker for s in ranked(section.scores)]
    stored = stored_trackers(results, record.name, chosen.name)
    runs, unbuilt = {}, []
    for sequence in section.sequences:
        try:
            runs[sequence.name] = run_of(chosen, sequence, 1)
        except HarnessError as error:
            unbuilt.append(f"{sequence.name}: {error}")
    order = {name: i for i, name in enumerate(runs)}
    grouping = _grouping(section.sequences)
    losses: dict[str, list[Loss]] = {}
    colours = {}
    for name in names:  # one tracker's runs in memory at a time
        views = tracker_views(results, record, chosen, list(runs.values()), name, stored, 1, profile,
                              whole_only=True)
        colours[name] = next((v.colour for v in views.values()), "#888")
        losses[name] = [Loss(name, q, int(k), int(runs[q].order[k]) + 1, _groups(runs[q], int(k), grouping))
                        for q, v in views.items() for k in loss_steps(chosen, v, runs[q].view.absent)]
    shown = {name: _shown(found, order) for name, found in losses.items()}
    with_frames = [q for q, r in runs.items() if r.view.frames is not None]
    wanted = (set() if viewers == "none" else set(with_frames) if viewers == "all"
              else {x.sequence for found in shown.values() for x in found} & set(with_frames))
    pictured = {(x.sequence, x.step) for found in shown.values() for x in found}
    folder = report.parent / f"{report.stem}-viewers"
    pictures, links, written, size, over = {}, {}, [], 0, 0
    count = {q: sum(s == q for s, _ in pictured) for q in runs}  # the sequences with most losses shown first
    needed = sorted((q for q in runs if q in wanted or count[q]), key=lambda q: (-count[q], order[q]))
    for chunk in _chunks(needed, CHUNK):
        chunk_runs = [runs[q] for q in chunk]
        per_tracker = {name: tracker_views(results, record, chosen, chunk_runs, name, stored, 1, profile,
                                           whole_only=True)
                       for name in sorted(names)}
        for q in chunk:
            trackers = [views[q] for views in per_tracker.values() if q in views]
            if not trackers:
                continue
            view = sequence_view(record, chosen, runs[q], trackers, profile)
            pictures.update({(q, step): thumbnail(view, step) for s, step in pictured if s == q})
            if q in wanted and (viewers == "all" or size < BUDGET):
                page = folder / f"{_safe(q)}.html"
                write_page(view, page)
                written.append(page)
                size += page.stat().st_size
                links[q] = f"{quote(folder.name)}/{quote(page.name)}"
            elif q in wanted:
                over += 1
    all_losses = [x for found in losses.values() for x in found]
    body = _section(chosen, colours, names, losses, shown, pictures, links, grouping, unbuilt)
    note = _note(record.name, chosen.name, viewers, len(runs), len(with_frames), links, folder, over)
    return Gallery(body, links, note,
                   all_losses, [x for found in shown.values() for x in found], written)


def _note(bench: str, experiment: str, viewers: str, sequences: int, with_frames: int, links: dict[str, str],
          folder: Path, over: int) -> str:
    show = (f"<code>harness show --bench {html.escape(bench)} --protocol {html.escape(experiment)} "
            "--sequence NAME</code>")
    if not with_frames:
        return (f"No sequence links to a viewer: the {html.escape(bench)} root read holds annotations only, no frames "
                "(<code>--root</code> the dataset's own folder to have them).")
    which = {"gallery": "the sequences of the failure gallery", "all": "every sequence whose frames are on disk",
             "none": "none (--viewers none)"}[viewers]
    if over:
        which += (f"; {over} more of them have none, past the {BUDGET // 1_000_000} MB of viewers the default writes "
                  "(those with most losses shown first)")
    return (f"{len(links)} of {sequences} sequence names link to their viewer in {html.escape(folder.name)}/, written "
            f"with this report: {which}" + (f" ({sequences - with_frames} have no frames on disk)"
                                             if with_frames < sequences else "")
            + f". <code>--viewers all</code> writes one for every sequence; any other: {show}.")


def _section(chosen, colours: dict[str, str], names: list[str], losses: dict[str, list[Loss]],
             shown: dict[str, list[Loss]], pictures: dict, links: dict[str, str], grouping: str,
             unbuilt: list[str]) -> str:
    """The gallery's HTML: each tracker's count of losses per group (chips that filter), then its thumbnails, each
    picture once in the page's style (a frame two trackers lost the target on is one image)."""
    esc = html.escape
    keys = {}
    styles = []
    for (q, step), (data, width, height) in sorted(pictures.items(), key=lambda p: (p[0][0], p[0][1])):
        keys[(q, step)] = f"g{len(keys)}"
        styles.append(f'.{keys[(q, step)]}{{width:{width}px;height:{height}px;'
                      f'background-image:url("data:image/jpeg;base64,{data}")}}')
    by = {"attributes": "the sequence's attributes", "tags": "the frame's tags",
          "none": "(the benchmark names no attributes)"}[grouping]
    parts = [f'<h2 id="gallery">failure gallery</h2><div class="gallery"><style>{STYLE}{"".join(styles)}</style>',
             f'<p class="note">For each tracker, the frames where it lost the target: {esc(_what(chosen))}. At most '
             f"{CAP} per tracker, one per sequence before a second of any; the count of its losses by {by} above "
             "them (a chip shows only that group's). Every tracker's region and the ground truth (white) are drawn; "
             "a thumbnail opens its sequence's viewer at that frame.</p>"]
    parts += [f'<p class="note">not in the gallery: {esc(line)}</p>' for line in unbuilt]
    for name in names:
        found, picked = losses[name], shown[name]
        sequences = len({x.sequence for x in found})
        counted = (f"{_plural(len(found), 'loss', 'losses')} in {_plural(sequences, 'sequence')}"
                   + (f", {len(picked)} shown" if len(picked) < len(found) else "") if found else "no loss")
        parts.append(f'<section class="losses" data-tracker="{esc(name)}"><h3><span class="swatch" '
                     f'style="background:{colours[name]}"></span>{esc(name)}: {counted}</h3>')
        counts: dict[str, int] = {}
        for x in found:
            for g in x.groups:
                counts[g] = counts.get(g, 0) + 1
        if found:
            ordered = sorted(counts, key=lambda g: (-counts[g], g))
            parts.append('<div class="chips"><button type="button" class="chip on" data-group="">all</button>'
                         + "".join(f'<button type="button" class="chip" data-group="{esc(g)}" data-count="{counts[g]}">'
                                   f"{esc(g)} {counts[g]}</button>" for g in ordered)
                         + '</div><div class="thumbs">'
                         + "".join(_figure(x, keys[(x.sequence, x.step)], links.get(x.sequence)) for x in picked)
                         + "</div>")
        parts.append("</section>")
    parts.append(f"<script>{SCRIPT}</script></div>")
    return "".join(parts)


def _plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n} {word if n == 1 else words or word + 's'}"


def _figure(loss: Loss, key: str, link: str | None) -> str:
    esc = html.escape
    data = f'data-sequence="{esc(loss.sequence)}" data-frame="{loss.frame}"'
    label = f"{loss.sequence}, frame {loss.frame}"
    picture = (f'<a class="thumb {key}" href="{esc(link)}#frame={loss.frame}" {data} title="{esc(label)}: open the '
               f'viewer" aria-label="{esc(label)}"></a>' if link else
               f'<span class="thumb {key}" {data} title="{esc(label)}" role="img" aria-label="{esc(label)}"></span>')
    return (f'<figure data-groups="{esc(json.dumps(loss.groups))}">{picture}<figcaption>{esc(loss.sequence)} · '
            f"{loss.frame}<br><small>{esc(' '.join(loss.groups))}</small></figcaption></figure>")
