"""Tracker plugins, found through the ``harness.trackers`` entry-point group.

Any installed distribution can add a tracker by declaring, in its pyproject.toml::

    [project.entry-points."harness.trackers"]
    my-tracker = "my_package.module:MyPlugin"

where ``MyPlugin`` is a frozen-dataclass subclass of `TrackerPlugin`; the registry builds it as
``MyPlugin(name="my-tracker", config=options)``.

TraX trackers declared in a ``trackers.ini`` (`trackers/trax_declarations.py`: ``$HARNESS_TRAX_TRACKERS``,
then ``./trackers.ini``) are trackers of the registry too, by their section names.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from trackers.base import TrackerError, TrackerPlugin, WeightsMissingError
from trackers.trax_declarations import TraxDeclaration, declarations
from trackers.trax_tracker import TraxPlugin

GROUP = "harness.trackers"


def _entry_points() -> dict[str, list[EntryPoint]]:
    found: dict[str, list[EntryPoint]] = {}
    for ep in entry_points(group=GROUP):
        if all(other.value != ep.value for other in found.get(ep.name, [])):
            found.setdefault(ep.name, []).append(ep)
    return found


def _unknown(name: str, known: list[str]) -> TrackerError:
    return TrackerError(
        f"unknown tracker {name!r}; known trackers: {', '.join(known) or 'none'} "
        f"(packages add trackers under the {GROUP!r} entry-point group)"
    )


def plugin_names() -> list[str]:
    """Names of every registered tracker and declared TraX tracker, sorted."""
    return sorted(set(_entry_points()) | set(declarations()))


def get_plugin(name: str, options: dict[str, Any] | None = None) -> TrackerPlugin:
    """Load the plugin registered as `name` and configure it with `options`."""
    eps = _entry_points()
    declared = declarations()
    if name in declared:
        return _trax_plugin(name, declared[name], eps.get(name, []), options)
    if name not in eps:
        raise _unknown(name, sorted(set(eps) | set(declared)))
    if len(eps[name]) > 1:
        # Two packages claim the name; picking one silently would make results ambiguous.
        sources = ", ".join(f"{ep.value} (from {ep.dist.name if ep.dist else '?'})" for ep in eps[name])
        raise TrackerError(f"tracker {name!r} is registered more than once: {sources}; uninstall one")
    ep = eps[name][0]
    # A third-party module can fail to import in any way; report which plugin and why.
    try:
        cls = ep.load()
    except Exception as exc:
        raise TrackerError(
            f"tracker plugin {name!r} (entry point {ep.value}) failed to import: {type(exc).__name__}: {exc}"
        ) from exc
    if not (isinstance(cls, type) and issubclass(cls, TrackerPlugin)):
        raise TrackerError(f"tracker plugin {name!r}: {ep.value} is not a TrackerPlugin subclass")
    return cls(name=name, config=dict(options or {}))


def _trax_plugin(name: str, found: list[TraxDeclaration], eps: list[EntryPoint],
                 options: dict[str, Any] | None) -> TrackerPlugin:
    if len(found) + len(eps) > 1:
        sources = [d.source for d in found] + [f"{ep.value} (from {ep.dist.name if ep.dist else '?'})" for ep in eps]
        raise TrackerError(f"tracker {name!r} is declared more than once: {', '.join(sources)}; rename one")
    if options:
        raise TrackerError(f"TraX tracker {name!r} takes no options ({', '.join(sorted(options))} given): its "
                           f"declaration at {found[0].source} says how it runs")
    return TraxPlugin.of(found[0])


@dataclass(frozen=True)
class Skipped:
    """Why `all` left a tracker out: the whole reason (for `harness list`), and whether it is only weights."""

    reason: str
    weights_missing: bool = False

    @property
    def brief(self) -> str:
        return "no weights (see `harness list`)" if self.weights_missing else "unavailable (see `harness list`)"


def _weights_missing(plugin: TrackerPlugin) -> bool:
    return any(not path.is_file() for path in plugin.weights_files())


def _unavailable_error(plugin: TrackerPlugin, reason: str) -> TrackerError:
    message = f"tracker {plugin.name!r} cannot run here: {reason}"
    return WeightsMissingError(message) if _weights_missing(plugin) else TrackerError(message)


def resolve_trackers(
    spec: str, options_by_tracker: dict[str, dict[str, Any]] | None = None
) -> tuple[list[TrackerPlugin], dict[str, Skipped]]:
    """Plugins for a comma list of names, or for ``all``.

    Returns the plugins to run and, for ``all`` only, the skipped ones by name. A tracker named
    explicitly that cannot run raises instead (WeightsMissingError when its weight files are
    absent), since the user asked for it.
    """
    options_by_tracker = options_by_tracker or {}
    known = plugin_names()
    for name in options_by_tracker:
        if name not in known:
            raise TrackerError(f"options given for tracker {name!r}, which is not registered; known: {', '.join(known)}")
    names = list(dict.fromkeys(part.strip() for part in spec.split(",") if part.strip()))
    if not names:
        raise TrackerError("no tracker named; give a comma-separated list of trackers, or 'all'")
    if "all" in names and names != ["all"]:
        raise TrackerError("'all' cannot be combined with tracker names")

    if names == ["all"]:
        plugins: list[TrackerPlugin] = []
        skipped: dict[str, Skipped] = {}
        for name in known:
            try:
                plugin = get_plugin(name, options_by_tracker.get(name))
            except TrackerError as exc:
                skipped[name] = Skipped(str(exc))
                continue
            reason = plugin.unavailable_reason()
            if reason is None:
                plugins.append(plugin)
            else:
                skipped[name] = Skipped(reason, _weights_missing(plugin))
        return plugins, skipped

    plugins = []
    for name in names:
        plugin = get_plugin(name, options_by_tracker.get(name))
        reason = plugin.unavailable_reason()
        if reason is not None:
            raise _unavailable_error(plugin, reason)
        plugins.append(plugin)
    return plugins, {}
