"""Benchmark roots written down once, in a ``harness.toml``.

```toml
[roots]
otb = "~/data/OTB100"
lasot = "/data/LaSOT/LaSOTBenchmark"
vot2018 = "../shared/vot2018/sequences"   # relative to the folder of harness.toml
```

The file is ``$HARNESS_CONFIG`` when that is set, else ``./harness.toml`` in the current folder;
a missing file maps nothing. Keys are benchmark names or aliases, in any case.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

from benchmarks.annotation_files import read_bytes
from benchmarks.errors import AnnotationError, MissingDataError


def config_path() -> Path:
    return Path(os.environ.get("HARNESS_CONFIG") or "harness.toml").expanduser().absolute()


def configured_roots() -> tuple[Path, dict[str, Path]]:
    """(the config file, its [roots] table with keys lower-cased and paths made absolute)."""
    path = config_path()
    if not path.is_file():
        if os.environ.get("HARNESS_CONFIG"):
            raise MissingDataError(f"HARNESS_CONFIG={path} does not exist")
        return path, {}
    try:
        data = tomllib.loads(read_bytes(path, what="configuration").decode(errors="replace"))
    except tomllib.TOMLDecodeError as error:
        # Python 3.11's TOMLDecodeError has the position only in its message.
        where = re.search(r"at line (\d+)", str(error))
        raise AnnotationError(path, int(where[1]) if where else None, f"not valid TOML: {error}") from None
    roots = data.get("roots", {})
    if not isinstance(roots, dict) or not all(isinstance(v, str) for v in roots.values()):
        raise AnnotationError(path, None, 'expected a [roots] table of benchmark = "path" entries')
    return path, {key.lower(): (path.parent / Path(value).expanduser()) for key, value in roots.items()}
