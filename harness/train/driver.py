"""The driver side of `harness train`: Ray Train's TorchTrainer over the run folder, a progress
bar fed by the steps rank 0 writes, each epoch's evaluation through the harness, the summary.

One worker per GPU (``--gpus-per-worker``, NCCL), or CPU workers (gloo). Ray Train checkpoints
every epoch under ``RUN_DIR/ray``; a killed worker restarts the group from the last one (up to
`max_failures` times), and ``--resume RUN_DIR`` continues a run whose driver died, since Ray
Train resumes a run of the same name and storage path from its last checkpoint.
"""

from __future__ import annotations

import json
import math
import queue
import threading
import time
from pathlib import Path
from typing import Any

import ray
from ray.train import CheckpointConfig, FailureConfig, RunConfig, ScalingConfig, TrainingFailedError
from ray.train.torch import TorchConfig, TorchTrainer
from tqdm import tqdm

from harness.errors import HarnessError
from harness.runner.cluster import connect
from harness.train.checks import check_evaluation, check_fits, check_network, cluster_nodes, local_node
from harness.train.plot import write_loss_plot
from harness.train.runfolder import RAY, RunFolder, append_line, read_lines, records, write_json
from harness.train.validate import evaluate_epoch
from harness.train.worker import train_loop
from trackers.training.config import TrainConfig
from trackers.training.dataset import steps_per_epoch
from trackers.training.trainer import check_recipe, preflight, synthetic_only

POLL_SECONDS = 0.5
CHECKPOINTS_KEPT = 2  # Ray Train's own copies (model + optimizer); our per-epoch files are all kept


class Watcher(threading.Thread):
    """Follows losses.jsonl for the progress bar, and queues each new epoch's checkpoint for evaluation."""

    def __init__(self, folder: RunFolder, config: TrainConfig, total: int, progress: bool,
                 evaluations: queue.Queue[tuple[int, Path]] | None) -> None:
        super().__init__(daemon=True)
        self.folder, self.config, self.evaluations = folder, config, evaluations
        self.stopping = threading.Event()
        finished = list(records(folder.epochs))  # a resumed run starts after its last checkpointed epoch
        self.done = self.first = sum(r["pairs"] for r in finished)
        self.seen_epochs = {r["epoch"] for r in finished}
        self._offsets = [folder.losses.stat().st_size if folder.losses.exists() else 0,
                         folder.epochs.stat().st_size if folder.epochs.exists() else 0]
        self.bar = tqdm(total=total, initial=self.done, unit="pair", disable=not progress, dynamic_ncols=True,
                        desc=f"train {config.tracker}")

    def poll(self) -> None:
        steps, self._offsets[0] = read_lines(self.folder.losses, self._offsets[0])
        if steps:
            last = steps[-1]
            self.bar.update(max(0, last["pairs"] - self.done))
            self.done = max(self.done, last["pairs"])
            loss = "skipped" if last["total"] is None else f"{last['total']:.3f}"
            self.bar.set_postfix(epoch=last["epoch"] + 1, loss=loss)
        epochs, self._offsets[1] = read_lines(self.folder.epochs, self._offsets[1])
        for record in epochs:
            if record["epoch"] in self.seen_epochs:
                continue
            self.seen_epochs.add(record["epoch"])
            write_loss_plot(self.folder.plot, list(records(self.folder.losses)), self.title())
            every = max(1, self.config.eval.every)
            last_epoch = record["epoch"] == self.config.epochs - 1
            if self.evaluations is not None and ((record["epoch"] + 1) % every == 0 or last_epoch):
                self.evaluations.put((record["epoch"], Path(record["checkpoint"])))

    def title(self) -> str:
        data = "synthetic data only" if synthetic_only(self.config) else ", ".join(d.kind for d in self.config.data)
        return f"{self.config.tracker} (width {self.config.width}) on {data}"

    def run(self) -> None:
        while not self.stopping.wait(POLL_SECONDS):
            self.poll()

    def stop(self) -> None:
        self.stopping.set()
        self.join()
        self.poll()
        self.bar.close()


class Evaluator(threading.Thread):
    def __init__(self, config: TrainConfig, folder: RunFolder, address: str | None) -> None:
        super().__init__(daemon=True)
        self.config, self.folder, self.address = config, folder, address
        self.todo: queue.Queue[tuple[int, Path] | None] = queue.Queue()
        self.errors: list[str] = []

    def run(self) -> None:
        while (item := self.todo.get()) is not None:
            epoch, checkpoint = item
            try:
                score = evaluate_epoch(self.config.tracker, checkpoint, epoch, self.config.eval, self.folder, self.address)
                append_line(self.folder.evaluations, {**vars(score), "checkpoint": str(checkpoint)})
            except Exception as exc:  # an evaluation problem is reported; it must not stop training
                self.errors.append(f"epoch {epoch + 1}: {type(exc).__name__}: {exc}")

    def finish(self) -> None:
        self.todo.put(None)
        self.join()


def _trainer(config: TrainConfig, folder: RunFolder, command: str) -> TorchTrainer:
    gpu = config.gpus_per_worker > 0
    resources = {"CPU": config.cpus_per_worker, **({"GPU": config.gpus_per_worker} if gpu else {})}
    return TorchTrainer(
        train_loop,
        train_loop_config={"config": config.to_dict(), "run_dir": str(folder.root), "command": command},
        torch_config=TorchConfig(backend="nccl" if gpu else "gloo"),
        scaling_config=ScalingConfig(num_workers=config.workers, use_gpu=gpu, resources_per_worker=resources),
        run_config=RunConfig(name=RAY, storage_path=str(folder.root),
                             checkpoint_config=CheckpointConfig(num_to_keep=CHECKPOINTS_KEPT),
                             failure_config=FailureConfig(max_failures=config.max_failures)),
    )


def run_training(config: TrainConfig, run_dir: Path, address: str | None = None, progress: bool = False,
                 command: str = "") -> dict[str, Any]:
    """Train (or continue training) into `run_dir`; the summary `--json` prints. `command` is the line
    that started the run; the first one given is kept in the run folder and recorded in every
    checkpoint (a resumed run reaches the weights an uninterrupted one would have). Everything that
    can be checked is checked before Ray starts and before anything is written (`checks`)."""
    check_recipe(config)
    check_network(config)
    if address is None:
        check_fits(config, [local_node()], "this machine (the local Ray instance)")
    check_evaluation(config)
    videos = preflight(config)  # opens every data source: the slowest check, last
    connection = connect(address)  # the runner's: token, fail-fast probe, local unless told
    try:
        if address is not None:
            check_fits(config, cluster_nodes(), "the Ray cluster")
        return _train(config, RunFolder(Path(run_dir).resolve()), address, progress, command, videos)
    finally:
        if connection.started:
            ray.shutdown()


def _train(config: TrainConfig, folder: RunFolder, address: str | None, progress: bool, command: str,
           videos: dict[str, int]) -> dict[str, Any]:
    folder.root.mkdir(parents=True, exist_ok=True)
    write_json(folder.config, config.to_dict())
    if command and not folder.command.exists():
        folder.command.write_text(command + "\n")
    command = folder.command.read_text().strip() if folder.command.exists() else command
    folder.stopped.unlink(missing_ok=True)  # a resumed run is judged afresh
    steps = steps_per_epoch(config, config.workers)
    total = config.epochs * steps * config.batch * config.workers
    evaluator = Evaluator(config, folder, address) if config.eval.bench else None
    watcher = Watcher(folder, config, total, progress, evaluator.todo if evaluator else None)
    began = time.time()
    if evaluator:
        evaluator.start()
    watcher.start()
    try:
        _trainer(config, folder, command).fit()
    except TrainingFailedError as exc:
        raise HarnessError(f"training failed (after {config.max_failures} restarts from the last checkpoint): "
                           f"{exc}") from exc
    finally:
        watcher.stop()
        if evaluator:
            evaluator.finish()
    seconds = time.time() - began
    write_loss_plot(folder.plot, list(records(folder.losses)), watcher.title())
    if folder.stopped.exists():
        raise HarnessError(f"training stopped: {json.loads(folder.stopped.read_text())['reason']}")
    summary = {**_summary(config, folder, watcher, seconds, evaluator), "videos": videos}
    write_json(folder.summary, summary)
    return summary


def _summary(config: TrainConfig, folder: RunFolder, watcher: Watcher, seconds: float,
             evaluator: Evaluator | None) -> dict[str, Any]:
    epochs = list(records(folder.epochs))
    scores = sorted({r["epoch"]: r for r in records(folder.evaluations)}.values(), key=lambda r: r["epoch"])
    best = max((r for r in scores if not math.isnan(r["auc"])), key=lambda r: r["auc"], default=None)
    trained = watcher.done - watcher.first
    return {
        "run_dir": str(folder.root),
        "tracker": config.tracker,
        "width": config.width,
        "workers": config.workers,
        "device": "cuda" if config.gpus_per_worker > 0 else "cpu",
        "synthetic_data_only": synthetic_only(config),
        "epochs": len(epochs),
        "epochs_planned": config.epochs,
        "pairs": watcher.done,
        "pairs_this_run": trained,
        "seconds": round(seconds, 1),
        "pairs_per_second": round(trained / seconds, 2) if seconds > 0 else None,
        "last_epoch": {k: v for k, v in epochs[-1].items() if k != "checkpoint"} if epochs else None,
        "checkpoints": [str(p) for p in folder.checkpoints()],
        "last_checkpoint": str(folder.checkpoints()[-1]) if folder.checkpoints() else None,
        "evaluation": scores,
        "evaluation_errors": evaluator.errors if evaluator else [],
        "best": best,
        "loss_plot": str(folder.plot),
    }
