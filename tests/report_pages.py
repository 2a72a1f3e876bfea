"""Reading an HTML report back: its figures (the JSON payload plotly draws) and its tables, as a reader
(or the browser) gets them."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path


def figures(page: Path) -> list[dict]:
    payload = re.search(r'<script id="figures" type="application/json">(.*?)</script>', page.read_text(), re.S)
    return list(json.loads(payload.group(1)).values())


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def tables(page: Path) -> list[list[list[str]]]:
    """Every table: its rows (header rows included), each a list of cell texts (entities decoded)."""
    parser = _Tables()
    parser.feed(page.read_text())
    return parser.tables
