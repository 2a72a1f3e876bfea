"""The program between a harness process and a TraX tracker it starts: ``python trax_guard.py LIFELINE
WORKDIR COMMAND...``, run with the TraX channel on its stdin/stdout, which the tracker inherits.

Why: the runner stops a shard that outlives its time limit by killing its worker process outright, and a
killed process cannot end its children. The guard starts the tracker as the leader of a process group of
its own and holds the read end of a pipe (LIFELINE) whose only write end is the harness process's: when
that end closes (the process died, or closed it on purpose) the guard kills the tracker's whole group
(helpers it started too), removes WORKDIR (the tracker's temporary folder) and exits. When the tracker
exits first, the guard kills what is left of its group and exits with its status (128 + N for a signal N).

Ray kills a dead worker's process group and its direct children (`kill_child_processes_on_worker_exit`),
which would take the guard with it and leave the tracker, in a group of its own, running. So the process
the harness starts (in a session of its own) only forks the guard and waits for it, exiting with its status:
Ray's kill ends that waiter, and the guard, a grandchild, sees the lifeline close. It imports only the
standard library, and starts in milliseconds.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading


def _kill_group(group: int) -> None:
    try:
        os.killpg(group, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass  # nothing left in the group


def _quiet() -> None:
    """Give up this process's copies of the TraX channel (stdin, stdout, stderr): while a copy is open, the
    client would not see the tracker's end close."""
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)


def main(argv: list[str]) -> int:
    lifeline, workdir, command = int(argv[0]), argv[1], argv[2:]
    guard = os.fork()
    if guard:
        _quiet()
        os.close(lifeline)
        code = os.waitstatus_to_exitcode(os.waitpid(guard, 0)[1])
        os._exit(code if code >= 0 else 128 - code)
    try:
        tracker = subprocess.Popen(command, process_group=0)
    except OSError as exc:
        print(f"cannot start {command[0]!r}: {exc.strerror}", flush=True)  # read by the client as the log
        shutil.rmtree(workdir, ignore_errors=True)
        return 127
    _quiet()
    reaped = threading.Lock()  # held once the tracker is reaped: its group id may then be reused

    def watch() -> None:
        while os.read(lifeline, 1):
            pass
        with reaped:
            _kill_group(tracker.pid)

    threading.Thread(target=watch, daemon=True).start()
    # Wait without reaping, so that the group id stays the tracker's while what is left of it is killed.
    status = os.waitid(os.P_PID, tracker.pid, os.WEXITED | os.WNOWAIT)
    with reaped:
        _kill_group(tracker.pid)
        os.waitpid(tracker.pid, 0)
        shutil.rmtree(workdir, ignore_errors=True)
        code = status.si_status if status.si_code == os.CLD_EXITED else 128 + status.si_status
        os._exit(code)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
