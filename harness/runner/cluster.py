"""Reaching Ray and fitting the work to it: a local instance unless an address is given, the token a
cluster started with `ray start` asks for, a worker layout checked against the nodes' resources before
any actor is made, and every node's view of the data and results folders.

Token authentication (Ray >= 2.52; on by default for clusters Ray starts itself from 2.59): the
driver sends the token Ray finds in ``$RAY_AUTH_TOKEN``, the file ``$RAY_AUTH_TOKEN_PATH`` or
``~/.ray/auth_token``. Ray itself uses it only when it finds the cluster on its own (no address, or
"auto"); with an explicit address it connects without it unless ``RAY_AUTH_MODE=token`` is set, and
a cluster that wants one refuses the driver after 20 s of retries. `connect` does for an explicit
address what Ray does for "auto", and asks the head first, so that a wrong address or a missing
token fails in seconds with a message saying which (docs/operations.md).
"""

from __future__ import annotations

import logging
import math
import os
import socket
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import ray

from harness.errors import HarnessError
from harness.locks import hold_new
from trackers import TrackerPlugin

PROBE_SECONDS = 10.0  # how long the head may take to answer before the address is called wrong
TOKEN_HELP = ("the cluster uses token authentication: give this machine the head node's token, by copying its "
              "~/.ray/auth_token to ~/.ray/auth_token here, or by setting RAY_AUTH_TOKEN (or RAY_AUTH_TOKEN_PATH) "
              "(docs/operations.md)")


@dataclass(frozen=True)
class Connection:
    started: bool  # this process started Ray, and stops it at the end
    description: str  # which Ray the run used, for the user


def connect(address: str | None) -> Connection:
    """A local Ray started for this run (`address` None), or the cluster at `address` (``host:port``,
    or ``auto``: RAY_ADDRESS, else the cluster `ray start` last started on this machine)."""
    if ray.is_initialized():
        return Connection(False, f"using the Ray instance this process is connected to ({describe_nodes()})")
    # Ray announces token auth on every start and join (its default, which we keep); the CLI is quiet.
    logging.getLogger("ray._private.authentication.authentication_token_setup").setLevel(logging.ERROR)
    options = {"include_dashboard": False, "log_to_driver": False, "configure_logging": False}
    if address is None:
        # "local": start our own instance, never join one that happens to run here.
        ray.init(address="local", **options)
        return Connection(True, f"started a local Ray instance ({describe_nodes()})")
    _check_token()
    _use_token_if_available()
    if address != "auto":
        _ask_head(address)
    try:
        context = ray.init(address=address, **options)
    except (ConnectionError, RuntimeError, ValueError, ray.exceptions.RayError) as exc:
        raise HarnessError(f"could not join the Ray cluster at {address}: {exc}") from None
    return Connection(False, f"joined the Ray cluster at {context.address_info['gcs_address']} ({describe_nodes()})")


def _check_token() -> None:
    """With ``RAY_AUTH_MODE=token`` and no token where Ray reads one, Ray's core aborts the process with a
    C++ stack trace at its first call to the cluster (an explicit address) or raises a message that
    says not where the token goes (auto); say what is missing and where it goes instead. Ray reads, in
    this order: ``$RAY_AUTH_TOKEN``, the file ``$RAY_AUTH_TOKEN_PATH`` (which must then exist and hold
    it), ``~/.ray/auth_token``; its own loader is asked, so that the answer is Ray's."""
    if os.environ.get("RAY_AUTH_MODE", "").strip().lower() != "token":
        return
    try:
        from ray._raylet import AuthenticationTokenLoader
    except ImportError:  # a Ray without token authentication
        return
    loader = AuthenticationTokenLoader.instance()
    loader.reset_cache()  # it remembers its first answer; the environment may have changed since
    named = os.environ.get("RAY_AUTH_TOKEN_PATH", "")
    try:
        if loader.has_token(ignore_auth_mode=True):
            return
    except ray.exceptions.AuthenticationError:  # RAY_AUTH_TOKEN_PATH names a missing or empty file
        state = "is empty" if Path(named).is_file() else "does not exist or cannot be read"
        raise HarnessError(f"RAY_AUTH_MODE=token and RAY_AUTH_TOKEN_PATH={named}, but that file {state}: put the "
                           "cluster's token (the head node's ~/.ray/auth_token) there, or unset RAY_AUTH_TOKEN_PATH "
                           "(docs/operations.md)") from None
    home = Path.home() / ".ray" / "auth_token"
    raise HarnessError(f"RAY_AUTH_MODE=token but this machine has no token: RAY_AUTH_TOKEN is "
                       f"{'empty' if 'RAY_AUTH_TOKEN' in os.environ else 'not set'} and {home} "
                       f"{'is empty' if home.is_file() else 'does not exist'}; copy the head node's ~/.ray/auth_token "
                       f"to {home}, or set RAY_AUTH_TOKEN to the token, or RAY_AUTH_TOKEN_PATH to a file holding it "
                       "(docs/operations.md)")


def _use_token_if_available() -> None:
    """What Ray does when it finds a cluster on its own: with RAY_AUTH_MODE unset and a token available
    here, send it. (A cluster without authentication ignores it.)"""
    try:
        from ray._private.authentication.authentication_token_setup import (
            maybe_enable_token_auth_if_token_available,
        )
    except ImportError:  # a Ray without token authentication
        return
    maybe_enable_token_auth_if_token_available(warn_if_disabled=False)


def _ask_head(address: str) -> None:
    """Fail in seconds, saying why, where `ray.init` would retry for 20 s and raise a bare ConnectionError."""
    host, colon, port = address.rpartition(":")
    if not (colon and host and port.isdigit()):
        raise HarnessError(f"--address {address!r}: expected HOST:PORT (the head node's GCS address, which "
                           "`ray start --head` prints; port 6379 by default) or auto")
    try:
        socket.create_connection((host, int(port)), timeout=PROBE_SECONDS).close()
    except OSError as exc:
        raise HarnessError(f"cannot reach a Ray cluster at {address}: {exc.strerror or exc}. Start one with "
                           "`ray start --head` there, or leave out --address to run on a local Ray instance") from None
    answer: list[BaseException | None] = []

    def probe() -> None:
        try:
            from ray._raylet import GcsClient  # what `ray health-check` asks; Ray has no public probe

            GcsClient(address=address).internal_kv_get(b"harness-probe", namespace=None, timeout=PROBE_SECONDS)
            answer.append(None)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            answer.append(exc)

    thread = threading.Thread(target=probe, name="ray-head-probe", daemon=True)
    thread.start()
    thread.join(PROBE_SECONDS + 2)
    if not answer:
        raise HarnessError(f"{address} accepts connections but does not answer as a Ray head node within "
                           f"{PROBE_SECONDS:.0f} s; give the address `ray start --head` printed (its GCS port)")
    if isinstance(answer[0], ray.exceptions.AuthenticationError):
        raise HarnessError(f"the Ray cluster at {address} refused this machine: {TOKEN_HELP}")


@dataclass(frozen=True)
class Layout:
    count: int  # worker actors
    device: str  # "cuda" when each actor holds a GPU share, else "cpu"
    gpus: float  # GPU share of each actor (0: none)


def _alive_nodes() -> list[dict]:
    return [n for n in ray.nodes() if n.get("Alive")]


def describe_nodes() -> str:
    """``2 nodes: 10.0.0.1 (16 CPUs, 1 GPU), ...``: what the cluster has, for messages."""
    nodes = _alive_nodes()

    def one(n: dict) -> str:
        r = n.get("Resources", {})
        return f"{n.get('NodeManagerAddress', '?')} ({r.get('CPU', 0):g} CPUs, {r.get('GPU', 0):g} GPUs)"

    shown = ", ".join(one(n) for n in nodes[:6]) + (f" and {len(nodes) - 6} more" if len(nodes) > 6 else "")
    return f"{len(nodes)} node{'s' if len(nodes) != 1 else ''}: {shown}"


def _fits(node: dict, gpus: float) -> int:
    """How many actors of 1 CPU and `gpus` GPU (shares of one GPU pack onto it, as Ray places them) fit."""
    resources = node.get("Resources", {})
    by_cpu = int(resources.get("CPU", 0) + 1e-9)
    if gpus <= 0:
        return by_cpu
    have = resources.get("GPU", 0)
    by_gpu = int(have + 1e-9) * int(1 / gpus + 1e-9) if gpus <= 1 else int(have / gpus + 1e-9)
    return min(by_cpu, by_gpu)


def capacity(gpus: float) -> int:
    """Actors of this layout the alive nodes can hold (whether or not something else uses them now)."""
    return sum(_fits(n, gpus) for n in _alive_nodes())


def worker_layout(plugins: Iterable[TrackerPlugin], workers: int | None, gpus_per_worker: float | None) -> Layout:
    """The actors to make: `gpus_per_worker` GPU each (default: one GPU each when a tracker wants a GPU and
    the cluster has one, else none), as many as asked or as fit. A layout the cluster cannot hold is an
    error saying what it has, instead of actors Ray would never place."""
    total_gpus = sum(n.get("Resources", {}).get("GPU", 0) for n in _alive_nodes())
    if gpus_per_worker is None:
        gpus = 1.0 if total_gpus and any(p.wants_gpu for p in plugins) else 0.0
    else:
        gpus = float(gpus_per_worker)
        if gpus < 0 or (gpus > 1 and not gpus.is_integer()) or not math.isfinite(gpus):
            raise HarnessError(f"--gpus-per-worker {gpus_per_worker:g}: expected a share of one GPU (0.25 puts four "
                               "workers on each GPU) or a whole number of GPUs")
        if gpus > 0 and not total_gpus:
            raise HarnessError(f"--gpus-per-worker {gpus_per_worker:g}, but the cluster has no GPU ({describe_nodes()})")
    fit = capacity(gpus)
    each = f"1 CPU{f' and {gpus:g} GPU' if gpus else ''} each"
    if fit == 0:
        raise HarnessError(f"not one worker with {each} fits on the cluster ({describe_nodes()})")
    if workers is not None and workers > fit:
        hint = f"; use --workers {fit}"
        if gpus and total_gpus:
            hint += f" or --gpus-per-worker {_share(workers, total_gpus):g}"
        raise HarnessError(f"--workers {workers} with {each} cannot be placed: the cluster has {describe_nodes()}, "
                           f"room for {fit}{hint}")
    return Layout(workers or fit, "cuda" if gpus else "cpu", gpus)


def _share(workers: int, gpus: float) -> float:
    """The largest of 1/2, 1/3, 1/4... of a GPU that lets `workers` actors share `gpus` GPUs."""
    per_gpu = math.ceil(workers / gpus)
    return 1 / per_gpu


@ray.remote(num_cpus=0)
def _node_view(read: list[str], write: str) -> list[str]:
    problems = []
    for path in read:
        if not os.access(path, os.R_OK):
            problems.append(f"cannot read {path} ({'permission denied' if os.path.exists(path) else 'no such file'})")
    try:
        hold_new(Path(write), ".node-check-").release(remove=True)
    except OSError as exc:
        problems.append(f"cannot write in {write} ({exc.strerror or exc})")
    return problems


def check_nodes(read: list[Path], write: Path, timeout_s: float = 120.0) -> None:
    """Every node of a multi-node cluster can read `read` (a frame of each sequence) and write in `write`
    (the results folder); else an error naming the nodes and paths: workers anywhere read the frames and
    write the shards by the driver's absolute paths, so these must be on a file system every node mounts
    at the same place."""
    nodes = _alive_nodes()
    if len(nodes) < 2:
        return
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    refs = {n["NodeManagerAddress"] + f" ({n['NodeID'][:8]})": _node_view.options(
        scheduling_strategy=NodeAffinitySchedulingStrategy(n["NodeID"], soft=False)).remote(
        [str(p) for p in read], str(write)) for n in nodes}
    ready, _ = ray.wait(list(refs.values()), num_returns=len(refs), timeout=timeout_s)
    lines = []
    for node, ref in refs.items():
        found = ray.get(ref) if ref in ready else [f"did not answer within {timeout_s:.0f} s"]
        lines += [f"node {node}: {p}" for p in found[:3]] + ([f"node {node}: ... {len(found) - 3} more"]
                                                            if len(found) > 3 else [])
    if lines:
        raise HarnessError("not every Ray node sees the benchmark and results folders at the driver's paths; put "
                           "them on a file system every node mounts at the same path (docs/operations.md):\n  "
                           + "\n  ".join(lines))
