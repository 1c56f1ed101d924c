"""The global options every command shares (``--file``, ``--config``, ``--color``) and what they load.

:class:`State` lives on the click context (``ctx.obj``): the document to read or write, the
configuration (found once, on first use), and whether output gets colour.
"""

import os
import sys
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

import typer

from ..errors import UsageError
from ..files.config import Config, display_path, find_document, load_config
from ..files.reading import STDIN_NAME, read_stdin, read_text
from ..model.reading import build
from ..model.registry import Registry
from ..model.vocabulary import Vocabulary
from ..syntax.document import Document
from ._output import say


class Color(str, Enum):
    auto = "auto"
    always = "always"
    never = "never"


@dataclass
class State:
    """Global options, shared by every command through ``ctx.obj``."""

    file: Path | None = None
    config_file: Path | None = None
    color: Color = Color.auto
    _config: Config | None = field(default=None, repr=False)

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(path=self.config_file)
        return self._config

    def document_path(self) -> Path:
        return self.file if self.file is not None else find_document(self.config)

    def display_name(self, path: Path) -> str:
        """A path as given by the user; a discovered one relative to the current folder."""
        if path == STDIN:
            return STDIN_NAME
        return str(path) if path == self.file else display_path(path)

    def load(self, path: Path | None = None) -> tuple[str, Document]:
        """The document (the global one unless ``path``; ``-`` is stdin) and its display name."""
        target = path if path is not None else self.document_path()
        name = str(target) if path is not None and target != STDIN else self.display_name(target)
        from ..syntax.document import parse

        text = read_stdin(name) if target == STDIN else read_text(target)
        return name, parse(text, path=name)

    def locking(self, name: str, timeout: float | None) -> dict[str, Any]:
        """How a writer waits for the document's lock: ``--lock-timeout``, else the configuration."""
        from ..files.config_keys import lock_timeout

        def waiting() -> None:
            say(f"mdports: waiting for the lock on {name}", err=True)

        seconds = lock_timeout(timeout) if timeout is not None else self.config.lock_timeout
        return {"lock_timeout": seconds, "waiting": waiting}

    @property
    def vocabulary(self) -> "Vocabulary":
        """The header vocabulary with the configured ``port-columns`` and ``service-columns``."""
        from ..files.config import vocabulary

        return vocabulary(self.config)

    def registry(self, document: Document | None = None) -> Registry:
        """The registry of ``document`` (default: the global one), read with the configured vocabulary."""
        return build(document if document is not None else self.load()[1], self.vocabulary)

    def writable_path(self) -> Path:
        """The document an edit writes; stdin cannot be edited in place."""
        path = self.document_path()
        if path == STDIN:
            raise UsageError("cannot edit standard input in place", hint="give the document's path with --file PATH")
        return path

    def colored(self, err: bool = False) -> bool:
        """Whether output to stdout (stderr when ``err``) gets colour: --color, NO_COLOR, a TTY."""
        if self.color is not Color.auto:
            return self.color is Color.always
        if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
            return False
        stream = sys.stderr if err else sys.stdout
        return stream is not None and stream.isatty()


STDIN = Path("-")


def state(ctx: typer.Context) -> State:
    obj = ctx.find_root().obj
    if not isinstance(obj, State):
        obj = ctx.find_root().obj = State()
    return obj
