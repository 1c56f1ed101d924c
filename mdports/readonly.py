"""``@readonly``: a record that the type checker holds read-only and that is built at a plain class's speed.

The reader makes several records for every table row (its :class:`~mdports.syntax.row.Row`, its
:class:`~mdports.model.ports.PortRange`, its :class:`~mdports.model.registry.Entry`). A
``@dataclass(frozen=True)`` sets each field in ``__init__`` through ``object.__setattr__``, about
ten times the cost of an assignment: on benchmarks/generate.py's registry of 10,000 entries, frozen
rows, spans and entries cost 440 M of the 2,710 M instructions of ``mdports validate``
(docs/benchmarks.md). So these records are slotted dataclasses that ``__init__`` fills by plain
assignment; they hash and compare as frozen ones do (``unsafe_hash``), and for the type checker
they are frozen (PEP 681's ``frozen_default``): an assignment to a field fails ``mypy --strict``
as it did, and mdports never assigns one. A cached value (``Entry.ports``) is still stored
through ``object.__setattr__``, as in a frozen dataclass.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar, overload

if sys.version_info >= (3, 11):
    from typing import dataclass_transform
else:  # pragma: no cover - Python 3.10 only
    from typing_extensions import dataclass_transform

_T = TypeVar("_T")


@overload
@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def readonly(cls: type[_T], /) -> type[_T]: ...
@overload
def readonly(*, order: bool = False, slots: bool = True) -> Callable[[type[_T]], type[_T]]: ...


def readonly(
    cls: type[_T] | None = None, /, *, order: bool = False, slots: bool = True
) -> type[_T] | Callable[[type[_T]], type[_T]]:
    """``@readonly`` on a class: a slotted dataclass, read-only to the type checker.

    ``order=True`` orders it by its fields; ``slots=False`` keeps an instance ``__dict__``
    (for ``functools.cached_property``).
    """

    def make(cls: type[_T]) -> type[_T]:
        return dataclass(slots=slots, order=order, unsafe_hash=True)(cls)

    return make if cls is None else make(cls)
