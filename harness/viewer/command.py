"""`harness show`: its arguments and its handler (registered by harness/cli.py)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from harness.cli_numbers import positive, whole
from harness.experiments import EXPERIMENTS
from harness.viewer.data import gather
from harness.viewer.frames import LONGEST_SIDE, QUALITY
from harness.viewer.page import shown_steps, write_page
from harness.viewer.video import write_gif, write_video

EXAMPLES = """\
examples:
  harness show --bench synthetic --sequence synthetic_001  all stored trackers: reports/synthetic-ope-synthetic_001.html
  harness show --bench otb --root ~/data/OTB100 --sequence Couple --trackers SiamRPN++,opencv-nano -o couple.html
  harness show --bench vot2018 --root ~/data/vot2018 --sequence bag --repetition 2   failures and resets marked
  harness show --bench vot2022 --root ~/data/vot2022 --protocol multistart --sequence agility --repetition 3
  harness show --bench lasot --root ~/data/LaSOT --sequence airplane-1 --max-frames 600 --video airplane-1.mp4

The page is one file (frames as JPEG inside it, plotly.js inlined): it opens offline and can be mailed.
Frames are shrunk to a longest side of 384 px for sequences up to 444 frames, less for longer ones (256 px at
1,000 frames: such a page stays under 15 MB), JPEG quality 50; --scale and --quality change that, --max-frames
keeps that many frames evenly spread over the run (the first and the last included). Results copied from a
cluster are read from --results; their frames from --root (or HARNESS_<BENCH>_ROOT), wherever they are now.
"""


def _quality(text: str) -> int:
    value = whole(1)(text)
    if value > 100:
        raise argparse.ArgumentTypeError(f"expected a JPEG quality from 1 to 100, got {text!r}")
    return value


def add_show_parser(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "show", help="a sequence with every tracker's boxes over its frames: a self-contained HTML viewer, a video",
        description="Writes one HTML file showing a sequence's frames with the ground truth (white) and each chosen\n"
                    "tracker's stored box, polygon or mask in its colour (one per tracker, by name), a slider,\n"
                    "play/pause, a frame counter and each tracker's overlap over time (a click on the plot shows that\n"
                    "frame). Supervised runs' failures and re-initialisations are marked; frames where the target is\n"
                    "absent say so; a frame that cannot be read is shown as missing. --video and --gif draw the same\n"
                    "overlays into an MP4 or a GIF, for slides.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bench", required=True, help="benchmark name (see `harness list`)")
    p.add_argument("--root", type=Path, help="benchmark data folder with the frames (else HARNESS_<BENCH>_ROOT)")
    p.add_argument("--results", type=Path, default=Path("results"), help="results store folder (default: results/)")
    p.add_argument("--protocol", choices=list(EXPERIMENTS),
                   help="which stored runs to show (default: the benchmark's experiment)")
    p.add_argument("--sequence", required=True, help="the sequence (any spelling of its name)")
    p.add_argument("--trackers", help="comma list (default: every tracker stored with a run of the sequence)")
    p.add_argument("--repetition", type=whole(1), default=1,
                   help="which run (default 1): a supervised repetition, or for multistart the N-th anchor run in the "
                        "VOT toolkit's order (forward anchors by frame, then backward ones), shown in run order")
    p.add_argument("--profile", help="one-pass results: the profile whose IoU is plotted (default: the benchmark's)")
    p.add_argument("-o", "--output", type=Path,
                   help="HTML file (default: reports/<bench>-<protocol>-<sequence>[-rep<N>].html; none is written "
                        "when only --video or --gif is asked for)")
    p.add_argument("--max-frames", type=whole(1), metavar="N",
                   help="show N frames evenly spread over the run, first and last included (default: every frame)")
    p.add_argument("--scale", type=whole(16), metavar="PIXELS",
                   help=f"the frames' longest side in pixels, never enlarged (page default: {LONGEST_SIDE}, less for "
                        "sequences over 444 frames; videos: the frames' own size)")
    p.add_argument("--quality", type=_quality, help=f"JPEG quality of the page's frames, 1-100 (default {QUALITY})")
    p.add_argument("--fps", type=positive, help="playback rate (default: the sequence's own where the benchmark "
                                                "states it, else 25)")
    p.add_argument("--video", type=Path, metavar="OUT.mp4", help="also write an MP4 (OpenCV, mp4v) with the overlays")
    p.add_argument("--gif", type=Path, metavar="OUT.gif", help="also write an animated GIF with the overlays (keep it "
                                                               "short: --max-frames, --scale)")
    p.add_argument("--json", action="store_true", help="print what was written as JSON")
    return p


def show(args: argparse.Namespace) -> int:
    trackers = [t.strip() for t in args.trackers.split(",") if t.strip()] if args.trackers else None
    view = gather(args.results, args.bench, args.sequence, root=args.root, protocol=args.protocol, trackers=trackers,
                  repetition=args.repetition, profile=args.profile)
    fps = args.fps or view.fps or 25.0
    written: dict[str, Any] = {"sequence": view.sequence, "run": view.run, "trackers": [t.name for t in view.trackers]}
    lines = []
    if args.output or not (args.video or args.gif):
        suffix = f"-rep{args.repetition}" if args.repetition != 1 else ""
        output = args.output or Path("reports") / f"{view.benchmark}-{view.experiment}-{view.sequence}{suffix}.html"
        path, encoded, steps = write_page(view, output, max_frames=args.max_frames, side=args.scale,
                                          quality=args.quality, fps=fps)
        unread = sum(image is None for image in encoded.images)
        written.update(html=str(path), bytes=path.stat().st_size, frames=len(steps), side=encoded.side,
                       quality=encoded.quality, missing=unread)
        lines.append(f"wrote {path}: {path.stat().st_size / 1e6:.1f} MB, {len(steps)} frames at {encoded.side} px, "
                     f"JPEG quality {encoded.quality}" + (f"; {unread} could not be read (shown as missing)"
                                                          if unread else ""))
        if all(p is None for p in view.paths):
            lines.append(f"no frames: the {view.benchmark} root read holds annotations only; --root the dataset's own "
                         "folder to see them")
    steps = shown_steps(len(view.order), args.max_frames)
    for kind, target, writer in (("video", args.video, write_video), ("gif", args.gif, write_gif)):
        if target:
            writer(view, steps, target, args.scale, fps)
            written[kind] = str(target)
            lines.append(f"wrote {target}: {len(steps)} frames at {fps:g} fps")
    if view.left_out:
        written["left_out"] = view.left_out
        lines.append(f"not shown: {'; '.join(view.left_out)}")
    print(json.dumps(written) if args.json else f"{view.sequence} ({view.run}), "
          f"{', '.join(t.name for t in view.trackers)}\n" + "\n".join(lines))
    return 0
