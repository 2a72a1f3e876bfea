"""One mutation-testing group (tests/mutation_groups.toml) through mutmut, for `.ci/mutation`.

The group runs in a snapshot of the tree under .mutation/<group>/ (the tree others edit meanwhile stays
untouched, and each group keeps its own mutmut state), with pyproject's [tool.mutmut] plus the group's
modules and tests. In the snapshot a decorated function's decorators are applied by an assignment after
it (`f = d(f)`, the same function): mutmut leaves decorated functions alone. The mutants run a few
modules at a time, each batch under the machine-wide lock (/tmp/mutmut.lock), so that other groups'
runs can take turns. Afterwards the figures go to .mutation/<group>.json and every mutant the tests
did not detect, with its diff, to .mutation/<group>.txt; a survivor is "equivalent" when
docs/testing.md names it (with the reason there).

    python .ci/mutation_group.py [--again] GROUP   run one group (--again: only its last survivors)
    python .ci/mutation_group.py --table GROUP...  the figures of those groups' last runs
"""

from __future__ import annotations

import ast
import contextlib
import datetime
import fcntl
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
GROUPS_FILE = PROJECT / "tests" / "mutation_groups.toml"
STATE = PROJECT / ".mutation"
DOCS = PROJECT / "docs" / "testing.md"
# What a group's tests import, besides the folders the group names in also_copy.
SNAPSHOT = ("harness", "trackers", "benchmarks", "tests")
LOCK = Path("/tmp/mutmut.lock")
# Batches waiting for the lock queue here, so that they take it in turn (flock alone wakes any waiter).
QUEUE = Path("/tmp/mutmut.queue")
# Source lines per batch: each batch costs mutmut a listing of the tests and a clean run of those the
# batch's functions reach, so batches are not single small files.
BATCH_LINES = 500
# The pytest plugin (.ci/mutation_plugin.py) that credits each test with what shared fixtures and caches
# computed for it, and runs a mutant's fastest tests first; pyproject's pytest_add_cli_args load it.
PLUGIN = "mutation_plugin"
# Decorators mutmut handles itself.
KEPT_DECORATORS = {"staticmethod", "classmethod"}
# Verdicts that count as a detected mutant: a failing test, or a run the mutant made time out.
DETECTED = ("killed", "timeout")


def fail(message: str) -> None:
    print(f"mutation: {message}", file=sys.stderr)
    raise SystemExit(2)


def load_groups() -> dict[str, dict]:
    return tomllib.loads(GROUPS_FILE.read_text())


def group_config(name: str) -> dict:
    groups = load_groups()
    if name not in groups:
        fail(f"unknown group {name!r}; {GROUPS_FILE.relative_to(PROJECT)} defines {', '.join(groups)}")
    group = groups[name]
    for test in group["tests"]:
        if not (PROJECT / test).is_file():
            fail(f"group {name}: test file {test} (in {GROUPS_FILE.relative_to(PROJECT)}) does not exist")
    return group


def snapshot(work: Path, group: dict) -> None:
    """Copy the tree the tests need into `work`, beside mutmut's own state (mutants/)."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis")
    for folder in (*SNAPSHOT, *group.get("also_copy", [])):
        shutil.rmtree(work / folder, ignore_errors=True)
        shutil.copytree(PROJECT / folder, work / folder, ignore=ignore)
    for path in mutated_files(work, group):
        path.write_text(undecorate(path.read_text()))
    shutil.copy(PROJECT / ".ci" / f"{PLUGIN}.py", work)
    (work / "pyproject.toml").write_text(group_pyproject(group))


def mutated_files(work: Path, group: dict) -> list[Path]:
    """The group's modules in the snapshot, in path order, as mutmut's only_mutate selects them."""
    found = []
    for folder in SNAPSHOT:
        for path in sorted((work / folder).rglob("*.py")):
            relative = str(path.relative_to(work))
            if any(fnmatch.fnmatch(relative, pattern) for pattern in group["mutate"]):
                found.append(path)
    return found


def undecorate(source: str) -> str:
    """The module with each decorated function or method written as `def f` then `f = d(f)`: the same
    function under the same name, which mutmut mutates (it skips functions that carry decorators).
    The decorator lines become blank lines, so the other lines keep their numbers."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    after: dict[int, str] = {}
    bodies = [tree.body]
    while bodies:
        for node in bodies.pop():
            if isinstance(node, ast.ClassDef):
                bodies.append(node.body)
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) or not node.decorator_list \
                    or any(isinstance(d, ast.Name) and d.id in KEPT_DECORATORS for d in node.decorator_list):
                continue
            applied = node.name
            for decorator in reversed(node.decorator_list):
                applied = f"({ast.get_source_segment(source, decorator)})({applied})"
                for line in range(decorator.lineno - 1, decorator.end_lineno):
                    lines[line] = "\n"
            after[node.end_lineno] = f"{' ' * node.col_offset}{node.name} = {applied}\n"
    return "".join(line + after.get(number, "") for number, line in enumerate(lines, 1))


def batches(work: Path, group: dict) -> list[list[str]]:
    """mutmut's name patterns for the group's mutants, a few modules (BATCH_LINES lines) at a time."""
    found: list[list[str]] = [[]]
    lines = 0
    for path in mutated_files(work, group):
        text = path.read_text()
        if not any(isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) for node in ast.walk(ast.parse(text))):
            continue  # no function, no mutant: a pattern matching nothing stops mutmut
        module = ".".join(path.relative_to(work).with_suffix("").parts)
        found[-1].append(f"{module}.x*")  # its functions and methods (x_f, xǁClassǁf), not submodules'
        lines += text.count("\n")
        if lines >= BATCH_LINES:
            found.append([])
            lines = 0
    return [batch for batch in found if batch]


def group_pyproject(group: dict) -> str:
    """pyproject.toml with the group's keys added to [tool.mutmut]."""
    text = (PROJECT / "pyproject.toml").read_text()
    common = tomllib.loads(text)["tool"]["mutmut"]
    keys = {"only_mutate": group["mutate"], "also_copy": [*group.get("also_copy", []), f"{PLUGIN}.py"],
            "pytest_add_cli_args_test_selection": group["tests"]}
    clash = sorted(set(keys) & set(common))
    if clash:
        fail(f"pyproject.toml's [tool.mutmut] sets {', '.join(clash)}, which each group sets for itself")
    header = "[tool.mutmut]\n"
    added = "".join(f"{key} = {json.dumps(value)}\n" for key, value in keys.items())
    return text.replace(header, header + added, 1)


def run(name: str, again: bool, resume: bool = False) -> None:
    group = group_config(name)
    work = STATE / name
    figures_file = STATE / f"{name}.json"
    if again:
        if not figures_file.is_file() or not (work / "mutants").is_dir():
            fail(f"group {name} has no earlier run to take the survivors of; run it without --again first")
        survivors = json.loads(figures_file.read_text())["not_detected"]
        if not survivors:
            print(f"{name}: the last run left no survivors; nothing to run again")
            return
        before = tomllib.loads((work / "pyproject.toml").read_text())["tool"]["mutmut"]
        now = tomllib.loads((PROJECT / "pyproject.toml").read_text())["tool"]["mutmut"]
        if before.get("pytest_add_cli_args") != now.get("pytest_add_cli_args"):
            # mutmut would drop every verdict and retest only the survivors named
            print(f"{name}: pyproject's [tool.mutmut] changed how tests run since the last run; running the "
                  "whole group afresh", flush=True)
            again = False
    if resume:
        if not (work / "mutants").is_dir():
            fail(f"group {name} has no earlier run to resume; run it without --resume")
        # The stopped run's snapshot and tests as they were (a changed test list would make mutmut drop
        # every verdict), with this pyproject's time limits (mutmut then retests only its timeouts).
        limits = tomllib.loads((PROJECT / "pyproject.toml").read_text())["tool"]["mutmut"]
        text = (work / "pyproject.toml").read_text()
        for key in ("timeout_multiplier", "timeout_constant"):
            text = re.sub(rf"(?m)^{key} = .*$", f"{key} = {limits[key]}", text)
        (work / "pyproject.toml").write_text(text)
    else:
        if not again:
            shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True, exist_ok=True)
        snapshot(work, group)
    todo = [survivors] if again else batches(work, group)
    if resume:
        # Only the mutants still without a verdict: each mutmut call first runs the group's tests
        # unmutated and collects its statistics, minutes that a batch of finished modules would waste.
        pending = unchecked(work)
        todo = [pending] if pending else []
    realdata = os.environ.get("HARNESS_REALDATA") or str(PROJECT.parent / "shared" / "realdata")
    # CI=true: a test whose real data is missing fails instead of skipping, so no mutant survives by a skip.
    env = {**os.environ, "HARNESS_REALDATA": str(Path(realdata).resolve()), "CI": "true"}
    workers = os.environ.get("MUTATION_WORKERS", "2")
    mutmut = Path(sys.executable).parent / "mutmut"
    log = STATE / f"{name}.log"
    log.write_text("")
    print(f"{name}: mutmut over {', '.join(group['mutate'])} with {len(group['tests'])} test files, {workers} "
          f"workers, {f'again for {len(todo[0])} survivors' if again else f'{len(todo)} batches'} "
          f"(log: {log.relative_to(PROJECT)})", flush=True)
    seconds = 0.0

    def mutmut_run(names: list[str], what: str) -> None:
        nonlocal seconds
        with machine_lock():
            started = time.monotonic()
            with log.open("a") as out:
                done = subprocess.run([str(mutmut), "run", "--max-children", workers, *names], cwd=work, env=env,
                                      stdout=out, stderr=subprocess.STDOUT)
            seconds += time.monotonic() - started
        if done.returncode != 0:
            tail = [line.rsplit("\r", 1)[-1] for line in log.read_text(errors="replace").splitlines()][-25:]
            print("\n".join(tail), file=sys.stderr)
            fail(f"group {name}: mutmut exited with {done.returncode} (whole output in {log.relative_to(PROJECT)})")
        print(f"{name}: {what} done ({seconds / 60:.0f} min so far)", flush=True)

    for number, names in enumerate(todo, 1):
        mutmut_run(names, f"batch {number}/{len(todo)}")
    if again:
        # mutmut forgets the verdicts of every function changed since the last run; test those mutants too.
        changed = unchecked(work)
        if changed:
            mutmut_run(changed, f"{len(changed)} mutants of functions changed since the last run")
    record(name, work, group, seconds, again)


@contextlib.contextmanager
def machine_lock() -> Iterator[None]:
    """The machine-wide mutation lock, taken in the order the batches asked for it."""
    QUEUE.mkdir(exist_ok=True)
    ticket = QUEUE / f"{time.time_ns():020d}-{os.getpid()}"
    ticket.touch()
    try:
        while True:
            waiting = sorted(QUEUE.iterdir())
            for stale in [w for w in waiting if not _alive(int(w.name.rpartition("-")[2]))]:
                stale.unlink(missing_ok=True)
                waiting.remove(stale)
            if waiting[0] == ticket:
                break
            time.sleep(2)
        with LOCK.open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # also waits for runs that take the lock without queueing
            ticket.unlink()
            yield
    finally:
        ticket.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def verdicts(work: Path) -> dict[str, tuple[str, str]]:
    """Every mutant of the group's last run: name -> (verdict, source path)."""
    os.chdir(work)  # mutmut reads its configuration and state relative to the working folder
    from mutmut.mutation.data import SourceFileMutationData
    from mutmut.stats import status_by_exit_code
    from mutmut.utils.file_utils import walk_mutatable_files

    found = {}
    for path in walk_mutatable_files():
        data = SourceFileMutationData(path=path)
        data.load()
        for key, code in data.exit_code_by_key.items():
            found[key] = (status_by_exit_code[code], str(path))
    return found


def unchecked(work: Path) -> list[str]:
    """The group's mutants without a verdict: never run, or of a function mutmut saw change."""
    return sorted(key for key, (verdict, _) in verdicts(work).items() if verdict == "not checked")


def record(name: str, work: Path, group: dict, seconds: float, again: bool) -> None:
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    found = verdicts(work)
    counts: dict[str, int] = {}
    for verdict, _ in found.values():
        counts[verdict] = counts.get(verdict, 0) + 1
    documented = DOCS.read_text() if DOCS.is_file() else ""
    left = sorted(key for key, (verdict, _) in found.items() if verdict not in DETECTED)
    equivalent = [key for key in left if re.search(rf"(?<![\w.]){re.escape(key)}(?!\w)", documented)]
    detected = sum(counts.get(v, 0) for v in DETECTED)
    total = len(found)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT, capture_output=True,
                            text=True).stdout.strip()
    edited = subprocess.run(["git", "status", "--porcelain", "--", *SNAPSHOT], cwd=PROJECT, capture_output=True,
                            text=True).stdout.strip()
    figures = {
        "group": name, "date": datetime.date.today().isoformat(), "commit": commit + ("+edits" if edited else ""),
        "mutants": total, "killed": counts.get("killed", 0), "timeout": counts.get("timeout", 0),
        "survived": counts.get("survived", 0), "no_tests": counts.get("no tests", 0),
        "other": total - detected - counts.get("survived", 0) - counts.get("no tests", 0),
        "equivalent": len(equivalent), "kill_rate": detected / total if total else 0.0,
        "kill_rate_of_non_equivalent": detected / (total - len(equivalent)) if total > len(equivalent) else 1.0,
        "seconds": round(seconds), "again": again, "not_detected": left,
        "undocumented": [key for key in left if key not in equivalent],
    }
    (STATE / f"{name}.json").write_text(json.dumps(figures, indent=1) + "\n")
    lines = [f"# {name}: {len(left)} mutants not detected ({len(equivalent)} named in docs/testing.md as "
             f"equivalent), {total} in all; mutated {', '.join(group['mutate'])}; commit {figures['commit']}", ""]
    for key in left:
        verdict, path = found[key]
        mark = "equivalent (docs/testing.md)" if key in equivalent else "NOT DOCUMENTED"
        lines += [f"## {key}: {verdict}, {mark}", get_diff_for_mutant(key, path=path), ""]
    (STATE / f"{name}.txt").write_text("\n".join(lines))


def table(names: list[str]) -> int:
    """Print the figures of each group's last run; 1 when a group left a survivor docs/testing.md does not name."""
    header = ("group", "mutants", "killed", "timeout", "survived", "no tests", "other", "equivalent",
              "kill rate", "of non-equiv.", "time", "commit")
    rows = []
    undocumented = 0
    for name in names:
        path = STATE / f"{name}.json"
        if not path.is_file():
            rows.append((name, "(not run)") + ("",) * (len(header) - 2))
            continue
        f = json.loads(path.read_text())
        undocumented += len(f["undocumented"])
        rows.append((name, f["mutants"], f["killed"], f["timeout"], f["survived"], f["no_tests"], f["other"],
                     f["equivalent"], f"{100 * f['kill_rate']:.1f} %", f"{100 * f['kill_rate_of_non_equivalent']:.1f} %",
                     f"{f['seconds'] / 60:.0f} min{' (again)' if f['again'] else ''}", f["commit"]))
    widths = [max(len(str(row[i])) for row in (header, *rows)) for i in range(len(header))]
    for row in (header, *rows):
        print("  ".join(str(cell).rjust(width) for cell, width in zip(row, widths)))
    if undocumented:
        print(f"{undocumented} mutants not detected and not named in docs/testing.md as equivalent: "
              f"see .mutation/<group>.txt", file=sys.stderr)
    return 1 if undocumented else 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["--table"]:
        return table(argv[1:])
    again, resume = argv[:1] == ["--again"], argv[:1] == ["--resume"]
    if again or resume:
        argv = argv[1:]
    if len(argv) != 1:
        fail("usage: mutation_group.py [--again | --resume] GROUP | --table GROUP...")
    run(argv[0], again, resume)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
