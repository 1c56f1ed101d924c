"""Hypothesis strategies for Markdown that looks like a port schema, and for plain noise."""

from __future__ import annotations

from hypothesis import strategies as st

EOLS = st.sampled_from(["\n", "\r\n", "\r"])
PORTS = st.integers(min_value=0, max_value=70000)

port_cell = st.one_of(
    PORTS.map(str),
    st.tuples(PORTS, PORTS).map(lambda p: f"{p[0]}-{p[1]}"),
    st.tuples(PORTS, PORTS).map(lambda p: f"{p[0]}, {p[1]}"),
    PORTS.map(lambda p: f"`{p}`"),
    PORTS.map(lambda p: f"**{p}**"),
    st.text(alphabet="0123456789-–,/ `*x", max_size=8),
)
# Names and headings are built from their parts, not drawn with st.from_regex: it took about
# 1 ms a draw, a fifth of the time a whole generated document took.
LOWER = "abcdefghijklmnopqrstuvwxyz"
DIGITS = st.text(alphabet=st.characters(categories=["Nd"]), min_size=1, max_size=5)  # \d: any decimal digit


def service_names(max_rest: int) -> st.SearchStrategy[str]:
    """The strings of r"[a-z][a-z0-9-]{0,MAX_REST}"."""
    return st.builds(str.__add__, st.sampled_from(LOWER), st.text(alphabet=LOWER + "0123456789-", max_size=max_rest))


name_cell = st.one_of(
    service_names(12),
    st.sampled_from(["*(reserved)*", "reserved", "*Available*", "free", "", "minio (S3 API)", "a\\|b"]),
)
free_cell = st.one_of(
    st.text(alphabet=st.characters(blacklist_characters="|\r\n"), max_size=12),
    st.tuples(PORTS, name_cell).map(lambda t: f"{t[0]} {t[1]}"),
)


# Built once: a strategy made inside the function below is made again, and checked, on every draw.
HEADERS = st.sampled_from(["Port", "Ports", "Service", "Name", "Proto", "Description", "Runtime", "X"])
DELIMITERS = st.sampled_from(["---", ":--", "--:", ":-:"])
PADS = st.sampled_from(["", " ", "  "])


@st.composite
def table_lines(draw: st.DrawFn) -> list[str]:
    width = draw(st.integers(min_value=1, max_value=5))
    headers = [draw(HEADERS) for _ in range(width)]
    lead = draw(st.booleans())
    trail = draw(st.booleans())
    pad = draw(PADS)

    def row(cells: list[str]) -> str:
        inner = "|".join(f"{pad}{cell}{pad}" for cell in cells)
        return ("|" if lead else "") + inner + ("|" if trail else "")

    lines = [row(headers), row([draw(DELIMITERS) for _ in headers])]
    for _ in range(draw(st.integers(min_value=0, max_value=6))):
        cells = [draw(port_cell), draw(name_cell)] + [draw(free_cell) for _ in range(width)]
        lines.append(row(cells[: draw(st.integers(min_value=max(1, width - 1), max_value=width + 1))]))
    return lines


block = st.one_of(
    # r"#{1,6} (\d{1,5}[-–]\d{1,5}: )?[A-Za-z /&()]{0,20}"
    st.builds(
        lambda level, span, title: ["#" * level + " " + span + title],
        st.integers(1, 6),
        st.one_of(st.just(""), st.builds("{}{}{}: ".format, DIGITS, st.sampled_from("-–"), DIGITS)),
        st.text(alphabet=LOWER + LOWER.upper() + " /&()", max_size=20),
    ),
    table_lines(),
    table_lines().map(lambda lines: ["> " + line for line in lines]),
    table_lines().map(lambda lines: ["- " + lines[0], *("  " + line for line in lines[1:])]),
    table_lines().map(lambda lines: ["```", *lines, "```"]),
    st.just(["<!-- mdports: accept MP101 3001 -->"]),
    st.just(["---", "title: x", "---"]),
    st.just([""]),
    st.just(["\ufeff"]),
    st.lists(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=30), min_size=1, max_size=3),
)


@st.composite
def markdown(draw: st.DrawFn) -> str:
    """A document of random blocks, random line endings, sometimes a BOM or no final newline."""
    lines = [line for group in draw(st.lists(block, max_size=12)) for line in group]
    text = "".join(line + draw(EOLS) for line in lines)
    if draw(st.booleans()):
        text = text.rstrip("\r\n")
    if draw(st.booleans()):
        text = "\ufeff" + text
    if draw(st.booleans()):
        text = text.replace("  ", "\t")
    return text


# Names for the name comparisons (issue 20): Latin letters that have Cyrillic look-alikes, accented
# letters (each written precomposed, NFC), digits and a hyphen.
LOOK_ALIKE_LATIN = "aceopxy"
LOOK_ALIKE_CYRILLIC = "\u0430\u0441\u0435\u043e\u0440\u0445\u0443"  # а с е о р х у, in the same order
plain_names = st.builds(
    str.__add__,
    st.sampled_from(LOOK_ALIKE_LATIN),
    st.text(alphabet=LOOK_ALIKE_LATIN + "\u00e9\u00f1\u00fc0123456789-", max_size=10),
)
