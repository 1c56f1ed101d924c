"""Coverage-guided fuzzing of mdports with atheris (libFuzzer for Python), run by hand.

    pip install atheris
    python benchmarks/fuzz_atheris.py -max_total_time=300            # seeds: the test corpus
    python benchmarks/fuzz_atheris.py -max_total_time=3600 -jobs=2 my-corpus/

Each input is read as text (``ConsumeUnicodeNoSurrogates``) and goes through ``parse``
(``render`` must give it back), ``registry``, ``validate``, the ``list``/``ranges`` records and
one edit operation chosen by the input, then ``verify``; it is also read as an env file and
escaped for Markdown, a terminal and CSV. The seeds hold the hostile inputs of issue 9
(``tests/golden/inputs/hostile.md`` and the adversarial strings of ``adversarial.py``), and the
names tried include links, mentions, bidi overrides and escape sequences. Anything but an
:class:`mdports.MdportsError` escaping is a crash: libFuzzer stops and writes the input to
``crash-*``; replay it with ``python benchmarks/fuzz_atheris.py crash-...``. The hypothesis
tests in ``tests/test_fuzz.py`` keep every crash found this way as an example.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import adversarial
import atheris

with atheris.instrument_imports():
    import mdports
    from mdports import edits
    from mdports.deploy.envfile import read_variables
    from mdports.output import listing as records
    from mdports.syntax.escaping import csv_cell, escape_markdown, printable

ROOT = Path(__file__).resolve().parent.parent
SEEDS = [ROOT / "docs" / "PORT_SCHEMA.md", *sorted((ROOT / "tests" / "golden" / "inputs").glob("*.md"))]
NAMES = ["todo-worker", "mana-auth", "chat-backend", "reserved", "a|b", "", "3001 x", "x"]
NAMES += ["@octocat<script>", "evil-[x](http://e.vil)", "abc\u202edef", "a\u200bb", "x\x1b]0;t\x07", "=SUM(1)"]


def _edit(document: mdports.Document, provider: atheris.FuzzedDataProvider) -> edits.Edit:
    model = mdports.registry(document)
    known = [e.service for e in model.entries if e.service] or NAMES
    sections = [str(s.declared) for s in model.sections if s.declared] or ["1-65535"]
    name = provider.PickValueInList(known + NAMES)
    section = provider.PickValueInList(sections)
    port = provider.ConsumeIntInRange(0, 70_000) if provider.ConsumeBool() else None
    kind = provider.ConsumeIntInRange(0, 6)
    if kind == 0:
        return edits.add(document, provider.PickValueInList(NAMES), range=section, port=port, cells={"Runtime": "Go"})
    if kind == 1:
        return edits.remove(document, name, reserve=provider.ConsumeBool())
    if kind == 2:
        return edits.rename(document, name, provider.PickValueInList(NAMES) + "-2")
    if kind == 3:
        return edits.move(document, name, port=port, range=None if port else section, reserve=provider.ConsumeBool())
    if kind == 4:
        return edits.set_cells(document, name, {"Description": provider.ConsumeUnicodeNoSurrogates(20)})
    if kind == 5:
        return edits.format_tables(document)
    return edits.format_document(document)


def test_one_input(data: bytes) -> None:
    provider = atheris.FuzzedDataProvider(data)
    text = provider.ConsumeUnicodeNoSurrogates(provider.ConsumeIntInRange(0, len(data)))
    document = mdports.parse(text)
    if document.render() != text:
        raise AssertionError("parse(text).render() != text")
    model = mdports.registry(document)
    mdports.validate(model)
    records.format_entries(model, model.entries, "json")
    records.format_ranges(model, "text")
    records.format_entries(model, model.entries, "csv")
    list(read_variables(text))
    for escape in (escape_markdown, printable, csv_cell):
        escape(text)
    try:
        edit = _edit(document, provider)
        edits.verify(edit)
    except mdports.MdportsError:
        return
    if mdports.parse(edit.text).render() != edit.text:
        raise AssertionError("an edit's text does not survive parse/render")


def main() -> None:
    arguments = sys.argv[1:]
    if not any(not argument.startswith("-") for argument in arguments):
        seeds = Path(tempfile.mkdtemp(prefix="mdports-fuzz-"))
        for path in SEEDS:
            (seeds / path.name).write_bytes(path.read_bytes())
        for number, (_, text) in enumerate(adversarial.inputs(10_000)):
            (seeds / f"adversarial-{number}.md").write_text(text, encoding="utf-8", errors="surrogatepass")
        arguments.append(str(seeds))
        print(f"seed corpus: {seeds}", file=sys.stderr)
    atheris.Setup([sys.argv[0], *arguments], test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
