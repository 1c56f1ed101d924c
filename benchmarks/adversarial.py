"""Inputs built to make a regular expression backtrack, and every pattern of the package.

Shared by the linear-time test (``tests/test_hostile.py``), the benchmark that shows the growth
from 10k to 100k characters (``benchmarks/run.py``) and the fuzzers' seeds: long runs of every
character a pattern of ours treats specially, alone and in pairs, a run followed by a character
that makes a pattern give up at the very end, and the inputs of issue 9.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections.abc import Iterator

SINGLES = [*"`*_()[]|-#:=/.,'\"\\{}<>!@$ \t\n\r1a", "\u2013", "\u202e", "\x00"]
UNITS = [*SINGLES, "<!--", "-->", "\r\n", "``a", "1-", "1 ", "**_", "a ", " (", "(x", "$${", "= ", "x -->"]


def inputs(size: int) -> Iterator[tuple[str, str]]:
    """``(label, text)`` pairs of about ``size`` characters."""
    for unit in UNITS:
        yield repr(unit), (unit * (size // len(unit) + 1))[:size]
    yield "accept comment", "<!-- mdports: accept MP101" + " " * size + "x -->"
    yield "drift qualifier", "b" + " " * size + "(x"
    yield "env line", "A=" + " " * size + "x"
    for unit in SINGLES:
        yield repr(unit) + " then \\x01", unit * size + "\x01"


def patterns() -> dict[str, re.Pattern[str]]:
    """Every regular expression at the top level of every module of mdports.

    Compiled ones, and those compiled on first use (``_X = functools.cache(lambda: re.compile(...))``,
    called here to compile them).
    """
    import mdports

    found: dict[str, re.Pattern[str]] = {}
    for info in pkgutil.walk_packages(mdports.__path__, "mdports."):
        if info.name.endswith("__main__"):
            continue  # importing it runs the command
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if hasattr(value, "cache_info") and not inspect.signature(value).parameters:  # functools.cache
                value = value()
            if isinstance(value, re.Pattern) and isinstance(value.pattern, str):
                found.setdefault(f"{info.name}.{name}", value)
    return found


def exercise(pattern: re.Pattern[str], text: str) -> None:
    """What the package does with a pattern: search (finditer, sub and split search), match, fullmatch."""
    pattern.search(text)
    pattern.match(text)
    pattern.fullmatch(text)
