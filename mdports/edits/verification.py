"""Verify before writing: an edit's text is parsed again and refused unless it is exactly what was intended."""

from __future__ import annotations

from collections import Counter

from ..errors import RefusedError
from ..model.reading import build
from ..model.registry import Registry
from ..model.vocabulary import DEFAULT
from ..syntax.document import Document
from .result import Edit, model_keys, running_keys


def _error_keys(registry: Registry) -> Counter[tuple[str, tuple[int, ...]]]:
    from ..rules.validation import validate

    return Counter(
        (finding.rule.id, finding.ports)
        for finding in validate(registry, errors_only=True).findings
        if finding.severity == "error"
    )


def verify(edit: Edit, *, errors: bool = True) -> Registry:
    """Parse the edit's text again and refuse it unless it is exactly what was intended.

    Checks: the lines outside those the edit touched are byte-for-byte the same; the new
    registry has exactly the intended entries (for ``fmt``: the same ports per service);
    no new error-level finding appears (unless ``errors=False``: the merge driver replays
    what the other side wrote and reports findings instead). Returns the new registry.
    """
    from ..syntax.document import parse

    text = edit.text
    after = parse(text, path=edit.before.path)
    old_lines = [line for block in edit.before.blocks for line in block.lines]
    new_lines = [line for block in after.blocks for line in block.lines]
    kept_old = [line for index, line in enumerate(old_lines) if index not in edit.removed_lines]
    kept_new = [line for index, line in enumerate(new_lines) if index not in edit.added_lines]
    if kept_old != kept_new or after.bom != edit.before.bom:
        raise RefusedError(
            "the edit would change lines it did not mean to touch; nothing was written",
            path=edit.before.path,
            hint="please report this as a bug",
        )
    known = edit.registry
    vocab = known.vocabulary if known is not None else DEFAULT  # read the new text as the old one was read
    before_registry = known if known is not None and known.document is edit.before else build(edit.before, vocab)
    new_registry = build(after, vocab)
    if edit.check_model:
        # Tables outside the edit's scope are byte for byte what they were (the line check above);
        # when every block also starts where the edit put it, they read back as they did.
        if edit.scope is not None and _shape(after) != _shape(edit.after):
            raise RefusedError(
                "the edited document would not read back as intended (its blocks would change); nothing was written",
                path=edit.before.path,
                hint="a cell value may break the table; check the values you passed",
            )
        intended = Counter(edit.expected)
        actual = model_keys(new_registry, edit.scope)
        if intended != actual:
            missing = next(iter(intended - actual), None)
            unexpected = next(iter(actual - intended), None)
            raise RefusedError(
                "the edited document would not read back as intended; nothing was written "
                f"(expected {missing}, read {unexpected})",
                path=edit.before.path,
                hint="a cell value may break the table; check the values you passed",
            )
        if edit.expected_running is not None and Counter(edit.expected_running) != running_keys(new_registry):
            wanted, read = Counter(edit.expected_running), running_keys(new_registry)
            raise RefusedError(
                "the edited list would not read back as intended; nothing was written "
                f"(expected {next(iter(wanted - read), None)}, read {next(iter(read - wanted), None)})",
                path=edit.before.path,
                hint="the list may no longer be read as running ports (`mdports explain`); edit it by hand",
            )
    else:

        def ports_by_service(registry: Registry) -> Counter[tuple[str | None, int]]:
            return Counter((e.service, p) for e in registry.entries for p in e.ports)

        if ports_by_service(before_registry) != ports_by_service(new_registry):
            raise RefusedError("formatting would change the registry; nothing was written", path=edit.before.path)
    new_errors = _error_keys(new_registry) if errors else Counter()
    if new_errors:  # only then is it worth validating the old document too
        new_errors -= _error_keys(before_registry)
    if new_errors:
        listing = ", ".join(f"{rule} on port(s) {list(ports)}" for rule, ports in new_errors)
        raise RefusedError(
            f"the edit would introduce errors ({listing}); nothing was written",
            path=edit.before.path,
            hint="run `mdports validate` to see the document's problems",
        )
    return new_registry


def _shape(document: Document) -> list[tuple[type, int, int]]:
    """Each block's kind, first line and number of lines."""
    return [(type(block), block.start, block.line_count) for block in document.blocks]
