"""What the cells of one column are, judged from its first rows: port values, quantities, notes.

:mod:`.content_columns` decides from these judgements which columns hold ports and names
where no header names them.
"""

from __future__ import annotations

import re

from ..readonly import readonly
from ..syntax.document import Table
from . import vocabulary
from .ports import PortCell, PortRange, PortSyntaxError, parse_port_cell, strip_markup

_SAMPLE = 60  # the rows a column is judged by: a table of 65,535 rows is decided by its first ones


# Headers of numbers that are no ports (a column of counts beside a column of ports), by word.
QUANTITY_HEADERS = frozenset(
    {
        *("#", "no", "no.", "nr", "nr.", "n°", "id", "ids", "uid", "gid", "pid", "index", "rank", "order"),
        *("count", "counts", "total", "totals", "sum", "qty", "quantity", "amount", "number", "num"),
        *("year", "years", "month", "day", "days", "hour", "hours", "age", "duration", "uptime"),
        *("version", "versions", "release", "build", "revision", "rev", "v", "ver", "tag"),
        *("size", "memory", "mem", "ram", "cpu", "cpus", "cores", "disk", "storage", "gb", "mb", "kb"),
        *("price", "cost", "costs", "budget", "fee", "usd", "eur", "salary", "score", "percent"),
        *("rate", "ratio", "share", "weight", "latency", "rps", "qps", "requests", "errors", "hits"),
        *("replicas", "instances", "workers", "threads", "users", "connections", "limit", "max", "min"),
        *("ms", "sec", "secs", "seconds", "minutes", "mins", "avg", "mean", "median", "p50", "p90", "p95", "p99"),
        *("timeout", "ttl", "interval", "priority", "level", "step", "phase", "line", "lines", "page"),
        *("issue", "pr", "ticket", "stars", "downloads", "votes", "population", "zip", "postcode"),
        # German, Spanish, Portuguese, French, Chinese, Russian, Japanese, Korean
        *("anzahl", "jahr", "größe", "preis", "kosten", "menge", "nummer", "summe"),
        *("cantidad", "año", "tamaño", "precio", "costo", "versión", "número", "total"),
        *("quantidade", "ano", "tamanho", "preço", "versão", "número", "taille", "prix", "année", "nombre"),
        *("数量", "年份", "年", "版本", "大小", "价格", "编号", "序号", "数目", "内存"),
        *("количество", "год", "версия", "размер", "цена", "номер", "число", "сумма"),
        *("数", "件数", "バージョン", "サイズ", "価格", "番号", "개수", "버전", "크기", "가격", "번호"),
    }
)
_QUANTITY = re.compile(r"\d[.,]\d{1,2}(?!\d)|[%$€£¥₹]|\d\s*(?:[kmgt]i?b|ms|s|x)\b", re.I)
_WORD = re.compile(r"p\d\d\b|[^\W\d_]+|#")  # words, percentiles (p95) and the number sign
_VARIABLE = re.compile(r"\$?\{?[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\}?")  # an environment variable's name
_YEARS = range(1900, 2101)


@readonly
class _Column:
    """What the sampled cells of one column are: port values (their spans), others, empties."""

    spans: tuple[tuple[PortRange, ...], ...]
    others: int
    notes: int = 0  # cells without a digit (``interno``, ``via nginx``): no port here, said in words
    bare: int = 0  # cells of digits alone (``3``, ``2021``): a number, whatever it counts

    @property
    def ports(self) -> int:
        return len(self.spans)

    def plain(self) -> bool:
        """Whether the column is of numbers at all: its filled cells (nearly) all port values."""
        return self.ports >= 2 and 5 * self.others <= self.ports and 2 * self.notes <= self.ports

    def plausible(self) -> bool:
        """Whether its numbers look like ports: not all small (counts, IDs), not a run of years."""
        values = [span.lo for spans in self.spans for span in spans]
        return max(values) > 100 and not all(value in _YEARS for value in values)

    def one_port(self) -> bool:
        """Whether every row holds the same one port (``443 (HTTPS)`` on each): a listener they share."""
        return len(self.spans) > 2 and len(set(self.spans)) == 1

    def repeats(self) -> bool:
        """Whether a port stands in two rows: the rows share it (their backend), it is none's own."""
        seen = [span for spans in self.spans for span in spans]
        return len(set(seen)) < len(seen)

    def stacked(self) -> bool:
        """Whether one port stands on three rows or more: each in a network of its own (defaults, containers)."""
        counts: dict[PortRange, int] = {}
        for spans in self.spans:
            for span in spans:
                counts[span] = counts.get(span, 0) + 1
        return max(counts.values(), default=0) >= 3

    def crowded(self) -> bool:
        """Whether its cells list many ports each (``16000, 16080, 16432, 16500, ...``): a summary."""
        return sum(len(spans) for spans in self.spans) > 4 * len(self.spans)

    def wide(self) -> bool:
        """Whether every value is one span of several ports: a block (``7000-7004``)."""
        return all(len(spans) == 1 and len(spans[0]) > 1 for spans in self.spans)


def _cell(text: str) -> PortCell | None:
    """The ports of a cell read as a port value; ``PortCell(())`` for an empty or "no port" cell."""
    text = strip_markup(text)
    if not text:
        return PortCell(())
    if "<" in text and ">" in text:
        return None  # a template (``<name>-frontend:3008``, ``<eth0>:53``): no port value
    if _QUANTITY.search(text) or "://" in text:
        return None  # a quantity, or a link (a column of URLs links the services, it lists no ports)
    try:
        cell = parse_port_cell(text)
    except PortSyntaxError:
        return None
    if cell.spans and not text[0].isdigit():
        return None  # a word first (``rack 4``, ``web-01:8080``): a place or a note, no port value
    return cell


def _judge(block: Table, column: int) -> _Column:
    spans: list[tuple[PortRange, ...]] = []
    others = notes = bare = 0
    for row in block.body[:_SAMPLE]:
        text = row.texts[column] if column < len(row.texts) else ""
        cell = _cell(text)
        bare += strip_markup(text).isdigit()
        if cell is None and not any(c.isdigit() for c in text):
            notes += 1
        elif cell is None:
            others += 1
        elif cell.spans:
            spans.append(cell.spans)
    return _Column(tuple(spans), others, notes, bare)


def _quantity(name: str) -> bool:
    """Whether a normalized header names a quantity: ``count``, ``Memory (MB)``, ``Jahr``."""
    words = _WORD.findall(name)
    return not words or any(word in QUANTITY_HEADERS for word in words) or vocabulary.is_date_header(name)
