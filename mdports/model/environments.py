"""The environment a row's own name gives it: ``Next.js Dev Server`` beside ``Next.js Prod Server``.

A table of development ports is a namespace of its own (a developer's machine, see ``port_kind``
of :class:`mdports.model.registry.TableReading`); so is a row whose name says it is the
development or local instance of a service, against the rows of another table and against its
own service in another mode: ``Next.js Dev Server`` and ``Next.js Prod Server`` on 3000 are one
app in two modes, never run on one machine, and ``PostgreSQL (optional local)`` is the
developer's database, not the one a compose table publishes. Within one table a development row
and another service on its port share the developer's machine (``site dev | 3002`` beside
``worker | 3002``): a clash.
"""

from __future__ import annotations

from . import vocabulary
from .names import fold_name, name_words
from .registry import Entry

# The words that qualify a port column as the development one (``Dev Port``, ``Local port``) or as
# the production one (``Prod port``) say the same of a service's name: one vocabulary for both.
DEV_WORDS = frozenset(word for word, kind in vocabulary.PORT_QUALIFIERS.items() if kind == "dev" and word.isascii())
_MODE_WORDS = DEV_WORDS | {word for word, kind in vocabulary.PORT_QUALIFIERS.items() if kind == "current"}


def dev_named(name: str) -> bool:
    """Whether a service's name says it is a development or local instance (``Next.js Dev``).

    >>> dev_named("Next.js Dev Server"), dev_named("PostgreSQL (optional local)"), dev_named("Device API")
    (True, True, False)
    """
    folded = fold_name(name)
    # Most names hold none of the words even as a substring: no regular expression for them.
    if not any(word in folded for word in DEV_WORDS):
        return False
    return not DEV_WORDS.isdisjoint(name_words(folded))


def other_environment(first: Entry, entry: Entry) -> bool:
    """Whether two table rows on one port are in two environments, by their names: no clash.

    One is named a development instance and the other not, and they are in two tables or are one
    service in two modes (their names the same without the mode: ``Next.js Dev Server``,
    ``Next.js Prod Server``).
    """
    if first.source != "table" or entry.source != "table" or not (first.service and entry.service):
        return False
    if dev_named(first.service) == dev_named(entry.service):
        return False
    if first.table != entry.table:
        return True
    return name_words(first.service) - _MODE_WORDS == name_words(entry.service) - _MODE_WORDS
