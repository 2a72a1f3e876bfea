"""TraX trackers declared in a ``trackers.ini``, as vot-toolkit 0.9.0 declares them (docs/formats.md, "TraX
trackers in the harness").

Files read, in this order: every path in ``$HARNESS_TRAX_TRACKERS`` (separated by ``os.pathsep``: a
``trackers.ini`` file or a folder holding one, as in ``$VOT_REGISTRY``), then ``./trackers.ini`` of the
current folder (the workspace's, where ``vot evaluate`` reads it). Each section ``[name]`` is a tracker: the
file is read by the same `configparser` as the toolkit's (``%`` interpolation, ``[DEFAULT]``, keys in lower
case), and every key means what it means there:

    label, protocol (trax | traxpython), command, version, tags, storage, env_<NAME>, arg_<NAME>,
    meta_<NAME>, timeout, socket, restart, log, linkpaths, onerror; traxpython also paths and python.

A file that cannot be parsed, or a section name the toolkit would skip, is an error naming the file and
line. A tracker the harness cannot run as declared (another protocol, a key the toolkit's runtime would
refuse, a command not found) is listed with why, and left out of ``--trackers all``.
"""

from __future__ import annotations

import configparser
import os
import re
import shlex
import shutil
import sys
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from trackers.base import TrackerError

ENV = "HARNESS_TRAX_TRACKERS"
FILE = "trackers.ini"
PROTOCOLS = ("trax", "traxpython")
IDENTIFIER = re.compile(r"^[a-zA-Z0-9-_]+$")  # the toolkit's: it skips a section named otherwise
MODULE = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_.]*$")  # traxpython: a command that is a module runs as `python -m`
DEFAULT_TIMEOUT = 30  # seconds per call, as the toolkit's TraxTrackerRuntime
# Keys of a section, as vot.tracker.Tracker and the TraX runtime take them. Those the toolkit reads elsewhere
# (label, version, tags, storage; onerror only from Python) are accepted: nothing in a run depends on them.
RUNTIME_KEYS = {"timeout", "socket", "restart", "log", "linkpaths", "onerror"}
KEYS = {"trax": {"label", "protocol", "command", "version", "tags", "storage", *RUNTIME_KEYS},
        "traxpython": {"label", "protocol", "command", "version", "tags", "storage", "paths", "python", *RUNTIME_KEYS}}
PREFIXES = ("env_", "arg_", "meta_")
TRUE = ("true", "1", "t", "y", "yes")  # the toolkit's to_logical


@dataclass(frozen=True)
class TraxDeclaration:
    """One section: how to start the process (`argv`, `env`, in a fresh temporary folder) and talk to it."""

    name: str
    label: str
    protocol: str
    command: str
    source: str  # file:line of the section header
    version: str = "unversioned"
    env: dict[str, str] = field(default_factory=dict)  # set over the inherited environment
    python_paths: tuple[str, ...] = ()  # traxpython: put first on sys.path, as the toolkit's -c form does
    python: str | None = None  # traxpython: the interpreter; None: the one running the harness
    timeout: int = DEFAULT_TIMEOUT
    socket: bool = False
    restart: bool = False
    log: bool = False
    problem: str | None = None  # why the harness cannot run it as declared

    def argv(self) -> list[str]:
        """The command line, as the toolkit's runtime (and its traxpython adapter) builds it."""
        if self.protocol != "traxpython":
            return shlex.split(self.command)
        python = self.python or sys.executable
        if MODULE.match(self.command):
            return [python, "-m", self.command]
        inserts = " ".join(f"sys.path.insert(0, {path!r});" for path in reversed(self.python_paths))
        return [python, "-c", f"import sys;{inserts} {self.command}"]

    def config(self) -> dict[str, Any]:
        """What a run is reproducible from (the plugin's config): everything but where it was written."""
        return {k: v for k, v in asdict(self).items() if k not in ("name", "label", "source", "problem")}


def declaration_files() -> list[Path]:
    """The trackers.ini files read, in order, each once."""
    files: list[Path] = []
    for entry in filter(None, os.environ.get(ENV, "").split(os.pathsep)):
        path = Path(entry).expanduser().absolute()
        if path.is_dir():
            path = path / FILE
        if not path.is_file():
            raise TrackerError(f"${ENV} names {entry}, which is neither a {FILE} file nor a folder holding one")
        files.append(path)
    local = Path(FILE).absolute()
    if local.is_file():
        files.append(local)
    return list({path.resolve(): path for path in files}.values())


def declarations() -> dict[str, list[TraxDeclaration]]:
    """Every declared tracker by name (two entries: declared twice, which the registry refuses)."""
    found: dict[str, list[TraxDeclaration]] = {}
    for path in declaration_files():
        for declaration in read_declarations(path):
            found.setdefault(declaration.name, []).append(declaration)
    return found


def read_declarations(path: Path) -> list[TraxDeclaration]:
    """The sections of one trackers.ini; a file that cannot be parsed raises naming file and line."""
    parser = configparser.ConfigParser()
    try:
        text = path.read_text(encoding="utf-8")
        parser.read_string(text, source=str(path))
    except (OSError, UnicodeDecodeError) as exc:
        raise TrackerError(f"{path}: cannot read the TraX tracker declarations: {exc}") from None
    except configparser.Error as exc:
        raise TrackerError(_parse_error(path, text.splitlines(), exc)) from None
    headers = _section_lines(text)
    result = []
    for name in parser.sections():
        where = f"{path}:{headers.get(name, 1)}"
        if not IDENTIFIER.match(name):
            raise TrackerError(f"{where}: [{name}] is not a tracker name the VOT toolkit accepts: letters, digits, "
                               "- and _ only")
        try:
            values = dict(parser[name])
        except configparser.Error as exc:  # an interpolation that cannot be resolved
            raise TrackerError(f"{where}: [{name}]: {' '.join(str(exc).split())}") from None
        result.append(_declaration(name, values, path.parent, where))
    return result


def _parse_error(path: Path, lines: list[str], exc: configparser.Error) -> str:
    line = getattr(exc, "lineno", None)
    if isinstance(exc, configparser.MissingSectionHeaderError):  # a ParsingError, without its `errors`
        return f"{path}:{line}: a key before any [tracker] section: {lines[line - 1].strip()!r}"
    if isinstance(exc, configparser.ParsingError):
        line = exc.errors[0][0]
        return f"{path}:{line}: not a `key = value` line of an INI file: {lines[line - 1].strip()!r}"
    if isinstance(exc, configparser.DuplicateSectionError):
        return f"{path}:{line}: tracker [{exc.section}] is declared twice in this file"
    if isinstance(exc, configparser.DuplicateOptionError):
        return f"{path}:{line}: key {exc.option!r} is given twice in [{exc.section}]"
    return f"{path}: {' '.join(str(exc).split())}"


def _section_lines(text: str) -> dict[str, int]:
    """The line of each section header (configparser keeps none)."""
    lines = {}
    for number, line in enumerate(text.splitlines(), 1):
        match = re.match(r"\s*\[([^\]]+)\]", line)
        if match:
            lines.setdefault(match.group(1), number)
    return lines


def _declaration(name: str, values: dict[str, str], folder: Path, where: str) -> TraxDeclaration:
    """A section's declaration; what the harness cannot run goes into `problem`, not an exception, so that
    one odd tracker leaves the others usable."""
    protocol = values.get("protocol", "").strip()
    base = dict(name=name, label=values.get("label", name), protocol=protocol, command=values.get("command", ""),
                source=where, version=values.get("version") or "unversioned")
    problem = _problem(values, protocol)
    if problem is not None:
        return TraxDeclaration(**base, problem=f"{where}: {problem}")
    env = {key[4:].upper(): os.path.expandvars(value) for key, value in values.items()
           if key.startswith("env_") and len(key) > 4}
    linkpaths = [_normal(p, folder) for p in values["linkpaths"].split(os.pathsep)] if "linkpaths" in values else []
    if linkpaths:  # as the toolkit: after a declared LD_LIBRARY_PATH, instead of the inherited one
        env["LD_LIBRARY_PATH"] = os.pathsep.join(filter(None, [env.get("LD_LIBRARY_PATH"), *linkpaths]))
    env["TRAX"] = "1"
    python_paths: tuple[str, ...] = ()
    if protocol == "traxpython":
        # The toolkit's default of `paths` is "", which it reads as the file's own folder.
        python_paths = tuple(_normal(p, folder) for p in values.get("paths", "").split(os.pathsep))
        env["PYTHONPATH"] = os.pathsep.join(reversed(python_paths))
        env["PYTHONUNBUFFERED"] = "1"
    declaration = TraxDeclaration(**base, env=env, python_paths=python_paths, python=values.get("python"),
                                  timeout=int(values.get("timeout", DEFAULT_TIMEOUT)),
                                  socket=values.get("socket", "").lower() in TRUE,
                                  restart=values.get("restart", "").lower() in TRUE,
                                  log=values.get("log", "").lower() in TRUE)
    missing = _missing_program(declaration)
    return declaration if missing is None else replace(declaration, problem=missing)


def _problem(values: dict[str, str], protocol: str) -> str | None:
    if not values.get("command", "").strip():
        return "no `command`: the toolkit needs one to start the tracker"
    if not protocol:
        return "no `protocol`: the harness runs `protocol = trax` or `traxpython` trackers"
    if protocol not in PROTOCOLS:
        return f"protocol {protocol!r}: the harness runs only {' and '.join(PROTOCOLS)} trackers"
    unknown = sorted(k for k in values if k not in KEYS[protocol] and not k.startswith(PREFIXES))
    if unknown:
        return (f"{', '.join(unknown)}: not a setting of a {protocol} tracker (the VOT toolkit refuses it too); "
                f"known: {', '.join(sorted(KEYS[protocol]))} and env_*, arg_*, meta_*")
    try:
        if int(values.get("timeout", DEFAULT_TIMEOUT)) < 1:
            raise ValueError
    except ValueError:
        return f"timeout = {values['timeout']}: expected a whole number of seconds, at least 1"
    try:
        shlex.split(values["command"])
    except ValueError as exc:
        return f"command {values['command']!r} cannot be split into words: {exc}"
    return None


def _normal(path: str, folder: Path) -> str:
    """A path of the file relative to its folder, as the toolkit's normalize_path makes it."""
    return path if os.path.isabs(path) else os.path.normpath(folder / path)


def _missing_program(declaration: TraxDeclaration) -> str | None:
    program = declaration.argv()[0]
    if os.sep in program and not os.path.isabs(program):
        return (f"{declaration.source}: command {program!r} is a relative path, but the process starts in a "
                "temporary folder (as in the VOT toolkit): give an absolute path")
    search = declaration.env.get("PATH", os.environ.get("PATH"))
    if shutil.which(program, path=search) is not None:
        return None
    return (f"{declaration.source}: command {program!r} not found (an absolute path, or a program on PATH: the "
            "process starts in a temporary folder)")
