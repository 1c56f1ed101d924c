"""Service names as people read them: one name in any spelling, and names that only look alike.

Two spellings of one name are one name: ``café`` typed with a precomposed é (NFC) or with
e + U+0301 (NFD), in any case. :func:`fold_name` is the key every comparison of names uses
(duplicates, the edits' "already exists", renames, references, diff and merge pairing).

Names that are different but look the same are another matter: ``mana-аuth`` with a Cyrillic
а reads as ``mana-auth``. Unicode's UTS #39 maps every character to a prototype it can be
confused with; two names with the same :func:`skeleton` look alike, and when they do not
share a script (:func:`mixed_script_confusable`) one of them is very likely a mistake or a
deception. The data (confusables, scripts) is ``unicode_security.txt`` beside this module,
written by ``tools/generate_unicode_tables.py``; it is read on first use only, and only a
name beyond ASCII needs it.

>>> fold_name("Cafe\u0301") == fold_name("café") == "café"
True
>>> mixed_script_confusable("mana-\u0430uth", "mana-auth"), mixed_script_confusable("mana-auth", "mana-api")
(True, False)
"""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata
from pathlib import Path


def fold_name(name: str) -> str:
    """The key two spellings of one name share: canonical caseless (NFD, case folded, then NFC).

    >>> fold_name("Mana-Auth"), fold_name("STRASSE") == fold_name("straße")
    ('mana-auth', True)
    """
    if name.isascii():
        return name.lower()  # the same as the rest for ASCII, and the usual case
    return unicodedata.normalize("NFC", unicodedata.normalize("NFD", name).casefold())


def same_spelling(name: str, other: str) -> bool:
    """Whether two names show the same characters: equal in NFC (case counts, unlike :func:`fold_name`).

    >>> same_spelling("caf\u00e9", "cafe\u0301"), same_spelling("Auth", "auth")
    (True, False)
    """
    return name == other or unicodedata.normalize("NFC", name) == unicodedata.normalize("NFC", other)


def find_name(text: str, name: str) -> tuple[int, int] | None:
    """Where ``name`` first appears in ``text`` in any spelling (:func:`fold_name`): start and end.

    Compared a character and its combining marks at a time, decomposed (a Hangul syllable is
    its jamo, which are no combining marks), so a match never splits a character of ``text`` and
    the span is in ``text``'s own characters.

    >>> find_name("see [Café](x)", "CAFE\u0301"), find_name("cafés", "cafe"), find_name("x", "y")
    ((5, 9), None, None)
    """
    if text.isascii() and name.isascii():
        start = text.lower().find(name.lower())
        return (start, start + len(name)) if start >= 0 else None
    starts: list[int] = []  # folded offset -> offset in text, at each cluster's start
    folded: list[str] = []
    length = 0
    index = 0
    while index < len(text):
        end = index + 1
        while end < len(text) and unicodedata.combining(text[end]):
            end += 1
        cluster = _decomposed_key(text[index:end])
        starts.extend([index] * len(cluster))
        folded.append(cluster)
        length += len(cluster)
        index = end
    starts.append(len(text))
    haystack, needle = "".join(folded), _decomposed_key(name)
    found = haystack.find(needle) if needle else -1
    while found >= 0:
        end = found + len(needle)
        # Only whole clusters: the match must begin and end where a cluster does.
        if (found == 0 or starts[found - 1] != starts[found]) and (end == length or starts[end - 1] != starts[end]):
            return starts[found], starts[end]
        found = haystack.find(needle, found + 1)
    return None


def _decomposed_key(text: str) -> str:
    """:func:`fold_name` left decomposed (NFD): equal for the same names, and split where ``text`` is."""
    return unicodedata.normalize("NFD", unicodedata.normalize("NFD", text).casefold())


# UTS #39's augmented script sets: Han text is also Japanese, Korean and Han with Bopomofo.
_AUGMENTED = {
    "Hani": frozenset({"Hani", "Hanb", "Jpan", "Kore"}),
    "Hira": frozenset({"Hira", "Jpan"}),
    "Kana": frozenset({"Kana", "Jpan"}),
    "Hang": frozenset({"Hang", "Kore"}),
    "Bopo": frozenset({"Bopo", "Hanb"}),
}
_ANY = frozenset({"Zyyy", "Zinh"})  # Common and Inherited go with every script


class _Tables:
    """The confusables' prototypes, and the script ranges (script extensions laid over scripts)."""

    # A plain class, not a dataclass: this module is imported by every command, the table rarely read.
    __slots__ = ("ascii", "ends", "prototypes", "scripts", "starts", "translation")

    def __init__(self, prototypes: dict[str, str], ranges: list[tuple[int, int, frozenset[str]]]) -> None:
        self.prototypes = prototypes
        self.translation = {ord(char): prototype for char, prototype in prototypes.items()}  # for str.translate
        # The eight ASCII characters with another prototype (m -> rn, 1 -> l, ...): an ASCII name,
        # the usual one, is mapped with str.replace, far faster than str.translate with a dict.
        self.ascii = tuple((char, prototype) for char, prototype in prototypes.items() if char.isascii())
        self.starts = [first for first, _, _ in ranges]  # ascending
        self.ends = [last for _, last, _ in ranges]
        self.scripts = [scripts for _, _, scripts in ranges]


@functools.cache
def _tables() -> _Tables:
    prototypes: dict[str, str] = {}
    ranges: dict[str, list[tuple[int, int, frozenset[str]]]] = {"scripts": [], "extensions": []}
    section = ""
    text = Path(__file__).with_name("unicode_security.txt").read_text(encoding="utf-8")
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        fields = line.split()
        if len(fields) == 1:
            section = fields[0]
        elif section == "confusables":
            prototypes[chr(int(fields[0], 16))] = "".join(chr(int(code, 16)) for code in fields[1:])
        else:
            ranges[section].append((int(fields[0], 16), int(fields[1], 16), frozenset(fields[2:])))
    # A character's script extensions replace its script: lay them over the script ranges.
    merged: list[tuple[int, int, frozenset[str]]] = []
    extensions = ranges["extensions"]
    for first, last, scripts in ranges["scripts"]:
        for ext_first, ext_last, ext_scripts in extensions[
            bisect.bisect_left(extensions, (first,)) : bisect.bisect_right(extensions, (last, 0x110000))
        ]:
            if first < ext_first:
                merged.append((first, ext_first - 1, scripts))
            merged.append((ext_first, ext_last, ext_scripts))
            first = ext_last + 1
        if first <= last:
            merged.append((first, last, scripts))
    return _Tables(prototypes, merged)


def skeleton(text: str) -> str:
    """UTS #39's skeleton: equal for strings that look alike (``mana-аuth`` and ``mana-auth``)."""
    tables = _tables()
    if text.isascii():  # ASCII is in NFD, and so are those prototypes; none holds another of them
        for char, prototype in tables.ascii:
            text = text.replace(char, prototype)
        return text
    return unicodedata.normalize("NFD", unicodedata.normalize("NFD", text).translate(tables.translation))


def scripts_of(char: str) -> frozenset[str]:
    """The scripts (ISO 15924 codes) ``char`` is written in: its script extensions; Zzzz if none."""
    tables = _tables()
    code = ord(char)
    index = bisect.bisect_right(tables.starts, code) - 1
    return tables.scripts[index] if index >= 0 and code <= tables.ends[index] else frozenset({"Zzzz"})


def resolved_scripts(text: str) -> frozenset[str] | None:
    """The scripts every character of ``text`` belongs to (UTS #39); None: any (digits, punctuation only).

    Empty when ``text`` mixes scripts: ``mana-аuth`` is Latin and Cyrillic, so neither.
    """
    resolved: frozenset[str] | None = None
    for char in unicodedata.normalize("NFD", text):
        scripts = scripts_of(char)
        if scripts & _ANY:
            continue
        augmented = frozenset().union(*(_AUGMENTED.get(script, {script}) for script in scripts))
        resolved = augmented if resolved is None else resolved & augmented
    return resolved


def mixed_script_confusable(name: str, other: str) -> bool:
    """Whether two different names look alike (one skeleton) without being of one script.

    A whole-script confusable (``аре`` all Cyrillic, ``ape`` all Latin) is one too; names of
    one script that look alike (``rn`` and ``m``) are not: that is a matter of fonts, not of
    a letter from another alphabet hidden in a name.
    """
    first, second = fold_name(name), fold_name(other)
    if first == second or skeleton(first) != skeleton(second):
        return False
    ours, theirs = resolved_scripts(first), resolved_scripts(second)
    single_script = ours is None or theirs is None or bool(ours & theirs)
    return not single_script


def describe(char: str) -> str:
    """``U+0430 CYRILLIC SMALL LETTER A``: a character named so a reader sees which it is."""
    return f"U+{ord(char):04X} {unicodedata.name(char, 'unnamed character')}"


_WORD = re.compile(r"[^\W_]+")


def name_words(text: str) -> frozenset[str]:
    """The words of a name or heading, case folded: ``Auth Service`` and ``auth-service`` share them."""
    return frozenset(_WORD.findall(fold_name(text)))
