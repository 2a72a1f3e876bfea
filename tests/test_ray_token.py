"""``RAY_AUTH_MODE=token`` with no token where Ray reads one ($RAY_AUTH_TOKEN, the file $RAY_AUTH_TOKEN_PATH,
~/.ray/auth_token): Ray's core aborted the process with a C++ stack trace once the head answered (after
10 s of retries); `connect` now says what is missing and where it goes, before ray.init, for `harness run`
and `harness train` alike. One subprocess runs every case (Ray's token loader is per process, and the
session's Ray, if started, would make `connect` skip the check), against a socket that accepts
connections, as a head node's does."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap

from tests.conftest import PROJECT

SCRIPT = textwrap.dedent("""
    import json, os, sys
    from harness.cli import main
    from harness.errors import HarnessError
    from harness.runner.cluster import connect

    address, closed, home, results = sys.argv[1:5]
    cases = {
        "nothing": {},
        "empty variable": {"RAY_AUTH_TOKEN": ""},
        "missing path": {"RAY_AUTH_TOKEN_PATH": home + "/nowhere"},
        "variable": {"RAY_AUTH_TOKEN": "harness-test-token"},
        "mode unset": {"RAY_AUTH_MODE": None},
    }
    said = {}
    for name, extra in cases.items():
        os.environ.update({"HOME": home, "RAY_AUTH_MODE": "token"})
        for key in ("RAY_AUTH_TOKEN", "RAY_AUTH_TOKEN_PATH"):
            os.environ.pop(key, None)
        for key, value in extra.items():
            os.environ.pop(key) if value is None else os.environ.__setitem__(key, value)
        try:
            connect(closed if name in ("variable", "mode unset") else address)
            said[name] = "joined"
        except HarnessError as exc:
            said[name] = str(exc)
    os.environ.pop("RAY_AUTH_TOKEN_PATH", None)
    os.environ["RAY_AUTH_MODE"] = "token"
    try:
        connect("auto")
    except HarnessError as exc:
        said["auto"] = str(exc)
    said["run"] = main(["run", "--trackers", "opencv-mil", "--bench", "synthetic", "--address", address,
                        "--results", results + "/r", "--reports", results + "/p"])
    said["train"] = main(["train", "--tracker", "siamrpn", "--data", "synthetic:1,videos=12", "--set", "width=0.125",
                          "--address", address, "-o", results + "/t"])
    print("RESULT " + json.dumps(said))
""")


def test_token_mode_without_a_token_is_said_before_ray_starts(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    with socket.socket() as spare:
        spare.bind(("127.0.0.1", 0))
        closed = f"127.0.0.1:{spare.getsockname()[1]}"  # nothing listens there once this socket is closed
    with socket.socket() as head:  # accepts connections: Ray's core went on to call it, and aborted
        head.bind(("127.0.0.1", 0))
        head.listen()
        address = f"127.0.0.1:{head.getsockname()[1]}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_")}
        done = subprocess.run([sys.executable, "-c", SCRIPT, address, closed, str(home), str(tmp_path)], cwd=PROJECT,
                              env={**env, "PYTHONPATH": str(PROJECT)}, capture_output=True, text=True, timeout=300)
    assert "StackTrace" not in done.stderr and "Traceback" not in done.stderr, done.stderr[-3000:]
    said = json.loads(done.stdout.split("RESULT ", 1)[1])
    token_file = home / ".ray" / "auth_token"
    missing = f"RAY_AUTH_MODE=token but this machine has no token: RAY_AUTH_TOKEN is not set and {token_file} does not exist"
    assert said["nothing"].startswith(missing) and "RAY_AUTH_TOKEN_PATH" in said["nothing"]
    assert said["empty variable"].startswith("RAY_AUTH_MODE=token but this machine has no token: RAY_AUTH_TOKEN is empty")
    assert said["missing path"].startswith(f"RAY_AUTH_MODE=token and RAY_AUTH_TOKEN_PATH={home}/nowhere, but that "
                                           "file does not exist")
    assert said["auto"].startswith(missing)
    # with a token, or without token mode, the check lets it through to the head probe, which finds no Ray there
    for name in ("variable", "mode unset"):
        assert said[name].startswith(f"cannot reach a Ray cluster at {closed}"), said[name]
    assert said["run"] == said["train"] == 1
    assert done.stderr.count(f"harness: error: {missing}") == 2, done.stderr[-3000:]
    assert not (tmp_path / "t").exists()
