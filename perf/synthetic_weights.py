"""The shipped synthetic-trained weights: train them, ship them, and score them.

    python perf/synthetic_weights.py --train [--trackers a,b] [--parallel 2]
    python perf/synthetic_weights.py --ship [--trackers a,b] [--write-docs]

`--train` runs, for each tracker, exactly the command its checkpoints record (from the repository
root; at most `--parallel` at once, one torch thread each):

    harness train --tracker NAME --config trackers/weights/synthetic/NAME.toml --data synthetic:1 -o runs/synthetic/NAME

and samples the CPU time of its whole process tree (the driver, Ray, the training worker and its
data-loading process) every 2 s into runs/synthetic/NAME/cpu.json.

`--ship` copies each run's last checkpoint to trackers/weights/synthetic/NAME.pth (where the weights
lookup falls back to it) and writes NAME.json beside it: the command, seed, pairs, training time,
CPU time, and the losses of the first steps (what tests/test_training_reproduce.py retrains and
compares). Then it tracks both synthetic benchmarks with every shipped tracker and OpenCV MIL through
`harness run` (the shipped weights found by the lookup alone) and scores a static box (the first
frame's box repeated) for comparison; with --write-docs the table goes to docs/training.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

PROJECT = Path(__file__).resolve().parents[1]
SHIPPED = PROJECT / "trackers" / "weights" / "synthetic"
RUNS = Path("runs") / "synthetic"
TRACKERS = ("siamrpn", "siamrpnpp", "siamrpnpp-alex", "siamrpnpp-mobilev2", "crpn", "sctrpn", "cract")
FIRST_STEPS = 10
DOC = PROJECT / "docs" / "training.md"
HEADING = "### How they score"


def command(name: str) -> list[str]:
    return ["harness", "train", "--tracker", name, "--config", f"trackers/weights/synthetic/{name}.toml",
            "--data", "synthetic:1", "-o", str(RUNS / name)]


def _tree_cpu(root: int) -> dict[int, float]:
    """CPU seconds (user + system) of `root` and every process below it."""
    tick, parents = os.sysconf("SC_CLK_TCK"), {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents.setdefault(int(fields[1]), []).append((int(entry), (int(fields[11]) + int(fields[12])) / tick))
    found, todo = {}, [root]
    while todo:
        for pid, seconds in parents.get(todo.pop(), []):
            found[pid] = seconds
            todo.append(pid)
    return found


def train(name: str) -> dict:
    """Run one training command, sampling its process tree's CPU time; the figures go to cpu.json."""
    began = time.time()
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command(name), cwd=PROJECT, env=env, stdout=subprocess.DEVNULL, stderr=log)
        seen: dict[int, float] = {}
        while process.poll() is None:
            for pid, seconds in _tree_cpu(process.pid).items():
                seen[pid] = max(seen.get(pid, 0.0), seconds)
            time.sleep(2)
        if process.returncode:
            log.seek(0)
            raise SystemExit(f"{name}: training failed:\n{log.read().decode()[-3000:]}")
    figures = {"cpu_seconds": round(sum(seen.values()), 1), "wall_seconds": round(time.time() - began, 1)}
    (PROJECT / RUNS / name / "cpu.json").write_text(json.dumps(figures) + "\n")
    print(name, figures, flush=True)
    return figures


def ship(name: str) -> dict:
    """The run's last checkpoint into the package, and its record beside it."""
    import torch

    folder = PROJECT / RUNS / name
    last = sorted((folder / "checkpoints").glob("epoch_*.pth"))[-1]
    shutil.copyfile(last, SHIPPED / f"{name}.pth")
    training = torch.load(last, weights_only=True)["training"]
    steps = [json.loads(line) for line in (folder / "losses.jsonl").read_text().splitlines()]
    summary = json.loads((folder / "summary.json").read_text())
    cpu = json.loads((folder / "cpu.json").read_text()) if (folder / "cpu.json").is_file() else {}
    # epochs.jsonl's seconds count from the start of each (possibly resumed) run: sum the epochs' own times
    elapsed, previous = 0.0, 0.0
    for epoch in (json.loads(line) for line in (folder / "epochs.jsonl").read_text().splitlines()):
        elapsed += epoch["seconds"] - (previous if epoch["seconds"] >= previous else 0.0)
        previous = epoch["seconds"]
    resumed = summary["pairs_this_run"] < summary["pairs"]
    losses = [k for k in steps[0] if k not in ("epoch", "step", "iteration", "pairs", "seconds", "lr", "skipped")]
    record = {
        "tracker": name, "command": training["command"], "seed": training["seed"], "width": training["width"],
        "epochs": training["epoch"] + 1, "pairs": summary["pairs"], "training_minutes": round(elapsed / 60, 1),
        "cpu_minutes": round(cpu["cpu_seconds"] / 60, 1) if cpu and not resumed else None, "resumed": resumed,
        "synthetic_data_only": training["synthetic_data_only"],
        "first_steps": [{k: s[k] for k in losses} for s in steps[:FIRST_STEPS]],
        "last_epoch": {k: round(float(np.mean([s[k] for s in steps if s["epoch"] == training["epoch"]])), 4) for k in losses},
    }
    (SHIPPED / f"{name}.json").write_text(json.dumps(record, indent=1) + "\n")
    return record


def track(names: list[str], bench: str, scratch: Path) -> dict[str, dict]:
    """Every named tracker run on `bench` by `harness run`, weights from the lookup (an empty $HARNESS_WEIGHTS
    and no ./weights in the scratch folder, so the shipped ones)."""
    env = {**os.environ, "HARNESS_WEIGHTS": str(scratch / "none"), "OMP_NUM_THREADS": "1"}
    env.pop("HARNESS_NO_SHIPPED_WEIGHTS", None)
    done = subprocess.run(["harness", "run", "--trackers", ",".join(names), "--bench", bench, "--json", "--no-progress",
                           "--results", str(scratch / bench / "results"), "--reports", str(scratch / bench / "reports")],
                          cwd=scratch, env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"harness run on {bench} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout)["trackers"]


def static_box(bench: str) -> float:
    """Success AUC (lasot_matlab) of the first frame's box held still."""
    from benchmarks.registry import load_benchmark
    from harness.metrics.ope.evaluate import SequenceInput, evaluate

    inputs = [SequenceInput(s.name, np.tile(s.ground_truth[0], (len(s), 1)), s.ground_truth, s.absent)
              for s in load_benchmark(bench)]
    return float(evaluate(inputs, "lasot_matlab").values["success_auc"])


def _cpu(record: dict) -> str:
    if record["cpu_minutes"] is not None:
        return f"{record['cpu_minutes']:.0f} min"
    return "not sampled (resumed run)" if record.get("resumed") else "not sampled"


def table(records: dict[str, dict], scores: dict[str, dict[str, dict]], static: dict[str, float]) -> str:
    rows = ["| tracker | width | parameters | file | pairs | training (wall) | CPU | last epoch's loss | "
            "AUC `synthetic` | AUC `synthetic_full` |", "|---|---|---|---|---|---|---|---|---|---|"]
    for name, r in records.items():
        import torch

        state = torch.load(SHIPPED / f"{name}.pth", weights_only=True)["state_dict"]
        params = sum(t.numel() for k, t in state.items() if "running_" not in k and "num_batches" not in k)
        size = (SHIPPED / f"{name}.pth").stat().st_size / 1e6
        rows.append(f"| {name} | {r['width']} | {params / 1e6:.2f} M | {size:.1f} MB | {r['pairs']:,} | "
                    f"{r['training_minutes']:.0f} min | {_cpu(r)} | {r['last_epoch']['total']:.3f} | "
                    + " | ".join(f"{scores[b][name]['success_auc']:.3f}" for b in ("synthetic", "synthetic_full")) + " |")
    rows.append("| opencv-mil | | | | | | | | " + " | ".join(
        f"{scores[b]['opencv-mil']['success_auc']:.3f}" for b in ("synthetic", "synthetic_full")) + " |")
    rows.append("| static box (first frame's box) | | | | | | | | " + " | ".join(
        f"{static[b]:.3f}" for b in ("synthetic", "synthetic_full")) + " |")
    return "\n".join(rows)


def write_docs(body: str) -> None:
    text = DOC.read_text()
    pattern = re.compile(re.escape(HEADING) + r"\n.*?(?=^##|\Z)", re.DOTALL | re.MULTILINE)
    section = f"{HEADING}\n\n{body.strip()}\n\n"
    DOC.write_text(pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip() + "\n\n" + section)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--train", action="store_true")
    parser.add_argument("--ship", action="store_true")
    parser.add_argument("--trackers", default=",".join(TRACKERS))
    parser.add_argument("--parallel", type=int, default=2)
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    names = args.trackers.split(",")
    if args.train:
        with ThreadPoolExecutor(args.parallel) as pool:
            list(pool.map(train, names))
    if not args.ship:
        return
    load_before = os.getloadavg()[0]
    records = {name: ship(name) for name in names}
    with tempfile.TemporaryDirectory() as scratch:
        scores = {bench: track([*names, "opencv-mil"], bench, Path(scratch)) for bench in ("synthetic", "synthetic_full")}
    static = {bench: static_box(bench) for bench in ("synthetic", "synthetic_full")}
    body = "\n".join([
        f"Trained by `python perf/synthetic_weights.py --train` (two trainings at a time, one torch thread each) "
        f"and scored by `python perf/synthetic_weights.py --ship --write-docs` on {datetime.date.today().isoformat()} "
        f"(`nproc` {os.cpu_count()}, shared with other engineers' work; 1-minute load average {load_before:.2f} when "
        f"scoring began, {os.getloadavg()[0]:.2f} after). Success AUC under lasot_matlab; `synthetic` has 6 sequences "
        "of 40-60 frames (312 frames), `synthetic_full` 12 of 100-300 (2,450); both seed 0, never trained on. CPU is "
        "the process tree's user + system time (driver, Ray, worker, data loading).",
        "",
        table(records, scores, static),
    ])
    print(body)
    if args.write_docs:
        write_docs(body)


if __name__ == "__main__":
    sys.exit(main())
