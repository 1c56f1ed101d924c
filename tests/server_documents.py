"""A large, grown, messy port document for the server tests, made here (never copied from the corpus).

A JavaScript monorepo's registry after two years: a blockquote at the top lists what runs on
the production box and on the GPU box, sections of every table style (outer pipes or not,
padded or not, a Protocol column, Notes with cross-references such as ``3001 auth``), a
placeholder, a code fence that looks like a table, and the mistakes people make: a port used
twice, a row outside its range, rows out of order, a row missing a cell.
"""

from __future__ import annotations

import random

TEAMS = ("web", "api", "worker", "admin", "docs", "billing", "search", "media", "notify", "auth")
KINDS = ("server", "worker", "proxy", "console", "metrics", "queue", "cache", "gateway", "socket", "cron")


def messy_document(sections: int = 12, per_section: int = 40, seed: int = 7) -> str:
    """About ``sections * per_section`` entries; ``sections`` of 100 ports from 3000 up, GPU models at 8100."""
    rng = random.Random(seed)
    names: list[tuple[int, str]] = []
    out = [
        "# Port registry",
        "",
        "> **What runs where** (checked by hand, 2026-11-30)",
        ">",
        "> **prod-01 (`10.0.0.5`):**",
        "> - auth `3001`",
        "> - web-app `3002`",
        "> - api-gateway `3105`",
        ">",
        "> **GPU box (192.168.7.20):**",
        "> - whisper `8100`",
        "> - llm-router `8101`",
        "> - embeddings `8104`",
        "",
        "Last updated: 2026-11-30",
        "",
        "Agents MUST read this file before starting a server and MUST update it after every port change.",
        "",
    ]
    for index in range(sections):
        low = 3000 + 100 * index
        team = TEAMS[index % len(TEAMS)]
        out += [f"## {low}-{low + 99}: {team.title()} services", ""]
        style = index % 3
        header = ["Port", "Service", "Protocol", "Depends on"] if style == 0 else ["Port", "Service", "Depends on"]
        rows: list[list[str]] = []
        for number in range(per_section):
            port = low + 1 + number * 2
            name = (
                "auth"
                if (index, number) == (0, 0)
                else f"{team}{index // len(TEAMS) or ''}-{KINDS[number % 10]}-{number}"
            )
            # Every seventh row depends on an earlier service ("3001 auth"); the no-pipes style writes "-".
            note = "{} {}".format(*rng.choice(names)) if names and number % 7 == 3 else ("-" if style == 2 else "")
            if style == 0:
                rows.append([str(port), name, "tcp", note])
            else:
                rows.append([str(port), name, note])
            names.append((port, name))
        rows.append([f"{low + 90}-{low + 99}", "*reserved*", *([""] * (len(header) - 2))])
        out += _table(header, rows, style)
        out.append("")
        if index == 1:
            out += ["```markdown", "| Port | Service |", "|---|---|", "| 3101 | not-a-row |", "```", ""]
    # The mistakes a busy team makes.
    out += [
        "## 8100-8199: GPU box",
        "",
        "| Port | Service | Depends on |",
        "|------|---------|------------|",
        "| 8100 | whisper | |",
        "| 8101 | llm-router | 3001 auth |",
        "| 8101 | image-gen | added in a hurry |",
        "| 8250 | tts-server | outside the range |",
        "| 8104 | embeddings |",
        "| 8102 | reranker | out of order |",
        "",
    ]
    return "\n".join(out)


def _table(header: list[str], rows: list[list[str]], style: int) -> list[str]:
    if style == 0:  # padded, outer pipes
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
        line = lambda cells: "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"  # noqa: E731
        return [line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, rows)]
    if style == 1:  # compact, outer pipes
        return ["|" + "|".join(header) + "|", "|" + "|".join("---" for _ in header) + "|"] + [
            "|" + "|".join(r) + "|" for r in rows
        ]
    return [" | ".join(header), " | ".join("---" for _ in header)] + [" | ".join(r) for r in rows]  # no outer pipes
