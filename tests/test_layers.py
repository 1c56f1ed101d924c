"""The floor plan: no import circle between modules or packages, and no import against the layer order.

Every import counts, also one inside a function (kept lazy for start-up) or under
``TYPE_CHECKING``: :mod:`tools/import_graph.py <import_graph>` reads them all, and its
``LAYERS`` is the one declaration of which package may import which.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from conftest import ROOT

import mdports


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("import_graph", ROOT / "tools" / "import_graph.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("import_graph", module)
    spec.loader.exec_module(module)
    return module


graph_tool = _tool()
GRAPH = graph_tool.import_graph()


def test_no_circle_between_modules() -> None:
    assert graph_tool.strongly_connected(GRAPH) == []


def test_no_circle_between_packages() -> None:
    assert graph_tool.strongly_connected(graph_tool.package_graph(GRAPH)) == []


def test_every_import_follows_the_layer_order() -> None:
    assert graph_tool.breaches(GRAPH) == []


def test_every_package_is_on_exactly_one_floor() -> None:
    named = [package for floor in graph_tool.LAYERS for package in floor]
    assert len(named) == len(set(named))
    assert set(named) == {graph_tool.package_of(name) for name in GRAPH}


def test_the_roots_lazy_names_are_imports_the_graph_sees() -> None:
    """``mdports.add`` is imported on first use by name: the TYPE_CHECKING block declares the same edges."""
    lazy = {f"mdports{module}" for module in mdports._LAZY.values()}
    assert lazy <= GRAPH["mdports"]


def _package(root: Path, files: dict[str, str]) -> Path:
    package = root / "mdports"
    for name, text in files.items():
        path = package / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return package


def test_a_circle_hidden_in_a_function_or_under_type_checking_is_found(tmp_path: Path) -> None:
    package = _package(
        tmp_path,
        {
            "__init__.py": "",
            "low/__init__.py": "",
            "low/a.py": "def f():\n    from ..high import b  # late, to start fast\n",
            "high/__init__.py": "",
            "high/b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..low.a import f\n",
        },
    )
    graph = graph_tool.import_graph(package)
    assert graph["mdports.low.a"] == {"mdports.high.b"} and graph["mdports.high.b"] == {"mdports.low.a"}
    assert graph_tool.strongly_connected(graph) == [["mdports.high.b", "mdports.low.a"]]
    assert graph_tool.strongly_connected(graph_tool.package_graph(graph)) == [["mdports.high", "mdports.low"]]


def test_an_import_from_a_floor_above_or_beside_is_a_breach(tmp_path: Path) -> None:
    package = _package(
        tmp_path,
        {
            "__init__.py": "",
            "low.py": "import mdports.high\n",
            "high.py": "from . import low\n",
            "side.py": "def f():\n    from .high import x\n",
            "nowhere.py": "",
        },
    )
    layers = (("mdports",), ("mdports.high", "mdports.side"), ("mdports.low",))
    assert graph_tool.breaches(graph_tool.import_graph(package), layers) == [
        "mdports.nowhere: on no floor of LAYERS",
        "mdports.low -> mdports.high: mdports.high is on a floor above mdports.low",
        "mdports.side -> mdports.high: mdports.side and mdports.high share a floor and must not import each other",
    ]
