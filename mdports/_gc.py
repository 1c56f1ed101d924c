"""The cyclic garbage collector, paused while mdports and its command line load."""

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector in the block; leave it as it was found.

    Loading a module makes objects that live as long as the process (classes, the methods
    dataclasses generate, compiled patterns, typer's and click's objects): the collector would
    walk them over and over while they are made and free nothing. Pausing it saves about 4 ms
    of every ``mdports`` start (docs/benchmarks.md); reference counting still frees garbage.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def serving() -> None:
    """Turn the collector back on for a long-running server, leaving out everything made so far.

    A command turns it off (mdports/cli/_app.py: a short process frees everything by exiting),
    but a server lives for hours and its event loop makes cycles (futures, exceptions and their
    tracebacks) that only the collector frees. ``gc.freeze()`` moves what start-up made (the
    modules, typer's and pygls' objects) out of its reach, so it never walks them again.
    """
    gc.freeze()
    gc.enable()
