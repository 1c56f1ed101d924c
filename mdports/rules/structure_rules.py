"""The rules about the document's structure, declared: MP101-MP114 (ranges, placeholders, row order,
tables and their columns, directives, the running layer against the plan).

The checks are in :mod:`.structure`; the one list of every rule is :mod:`.catalog`.
"""

from __future__ import annotations

from .findings import Rule

OUT_OF_RANGE = Rule(
    "MP101",
    "port-out-of-range",
    "warning",
    "A port lies outside its section's declared range.",
    fix="unsafe",
    explanation="""
    An entry's port lies outside the range its section's heading declares (and in no other
    section's range: that is MP106).

    **Why it matters.** Ranges are how a team hands out ports without asking; a port outside
    its range is taken from a block nobody expects it in.

    **Example.**

    ```markdown
    ## 4000-4099: Landing Pages

    | 4400 | landings | Nginx static landing pages |
    ```

    **Fix (unsafe).** `--unsafe-fixes` moves the entry to the next free port of its section's
    range; cross-references follow. Unsafe because the port changes for its clients. A port
    that is meant (a database's well-known port) is accepted with
    `<!-- mdports: accept MP101 5432 -->`.
    """,
)
OVERLAPPING_RANGES = Rule(
    "MP102",
    "overlapping-ranges",
    "warning",
    "Two sections declare overlapping ranges.",
    explanation="""
    Two sections declare ranges that share ports. A sub-heading's range nested in its parent's
    is fine.

    **Why it matters.** A port in the overlap belongs to two blocks: two people can each take it
    as "the next free port" of their section.

    **Example.**

    ```markdown
    ## 5000-5059: Web Frontends
    ## 5050-5059: Playground
    ```

    **Fix.** None: narrow one of the ranges, or make one section a sub-heading of the other.
    """,
)
PLACEHOLDER_OVERLAP = Rule(
    "MP103",
    "placeholder-overlap",
    "warning",
    "A placeholder span covers a port that is assigned.",
    fix="safe",
    explanation="""
    A placeholder (`*(reserved)*`, `free`, ...) spans a port that an entry is assigned.

    **Why it matters.** The document says the port is both free and taken; readers trust the
    wrong half.

    **Example.**

    ```markdown
    | 3017-3019 | *(reserved)* | |
    | 3018 | todo-worker | |
    ```

    **Fix (safe).** `--fix` shrinks the placeholder to the ports no service has (and removes it
    when none is left). Safe: no service's port changes.
    """,
)
UNSORTED_ROWS = Rule(
    "MP104",
    "unsorted-rows",
    "warning",
    "A row's port is lower than the row before it.",
    fix="safe",
    explanation="""
    A row's port is lower than the port of the row before it (one finding per table, counting
    the rows out of place; per host when the table has a host column).

    **Why it matters.** People find a free port by reading down the table; out of order, gaps
    and clashes hide.

    **Example.**

    ```markdown
    | 3002 | mana-sync | |
    | 3001 | mana-auth | |
    ```

    **Fix (safe).** `--fix` formats the table as `mdports fmt` does: rows in port order,
    adjacent identical placeholders merged, missing cells filled. Safe: which service has which
    port stays the same.
    """,
)
CELL_COUNT = Rule(
    "MP105",
    "cell-count",
    "warning",
    "A row has more cells than its header, or fewer and ends with a pipe.",
    fix="safe",
    explanation="""
    A row has more cells than its header, or fewer while it ends with a pipe (GFM fills the
    missing trailing cells of a row without a closing pipe, so that is how such a row is
    written).

    **Why it matters.** GFM drops the text of extra cells when it renders the table, and a row
    short of cells usually lost a pipe: a cell's text lands in the wrong column.

    **Example.**

    ```markdown
    | Port | Service | Notes |
    |------|---------|-------|
    | 3001 | mana-auth | JWT | sessions |
    ```

    **Fix (safe).** `--fix` adds the missing empty cells; a row with a cell too many is left to a
    person (which text to drop is theirs to say). An escaped pipe is written `\\|`.
    """,
)
FOREIGN_RANGE = Rule(
    "MP106",
    "foreign-range",
    "warning",
    "A port lies in the declared range of another section.",
    fix="unsafe",
    explanation="""
    An entry's port lies in the range another section declares (reported instead of MP101).

    **Why it matters.** The port belongs to another team's block: they will hand it out again.

    **Example.**

    ```markdown
    ## 8000-8099: Monitoring
    ## Search
    | 8080 | searxng | |
    ```

    **Fix (unsafe).** `--unsafe-fixes` moves the row, with the same port, into the table of the
    section whose range holds it. Unsafe because the document then says another section owns the
    service.
    """,
)
EMPTY_SERVICE = Rule(
    "MP107",
    "empty-service",
    "warning",
    "A row has ports but an empty service cell.",
    explanation="""
    A row has ports but an empty service cell. Its ports are treated as reserved.

    **Why it matters.** Nobody can tell whether the port is in use; `add` will treat it as free.

    **Example.**

    ```markdown
    | 3005 |  | |
    ```

    **Fix.** None: name the service, or write `*(reserved)*` to mark the ports free.
    """,
)
TABLE_ROLE = Rule(
    "MP108",
    "not-registry-table",
    "info",
    "A table with a port column is read as something else (a change log, ...).",
    explanation="""
    A table with a port column is read as something other than the registry: a change log, a
    checklist, a migration, a list of potential conflicts, a map or quick reference whose rows
    all repeat registry entries, or a range table. Its rows stay out of the registry; the
    finding names the role and why.

    **Why it matters.** Information only: it says why these ports are not entries, so a table
    meant as the registry is not skipped in silence.

    **Example.**

    ```markdown
    | Date | Port | Service |
    |------|------|---------|
    | 2025-01-02 | 3001 | mana-auth |
    ```

    **Fix.** None needed. `mdports explain` shows each table's role and what every column is read
    as.
    """,
)
TABLE_NOT_READ = Rule(
    "MP109",
    "unread-table",
    "warning",
    "A table's header names a port, but no column is a port column mdports knows.",
    explanation="""
    A table's header names a port (`Ports used`), but no column is a port column mdports knows.

    **Why it matters.** Its rows are not read: the ports in it are invisible to every command.

    **Example.**

    ```markdown
    | Ports used | Service |
    |------------|---------|
    | 3002 | mana-sync |
    ```

    **Fix.** None: name the column `Port` (or `Ports`, `Host Port`, ...), or add your header to
    `port-columns` in the configuration.
    """,
)
NOTHING_READ = Rule(
    "MP110",
    "nothing-read",
    "error",
    "The document has port tables, but not one registry row is read from them.",
    explanation="""
    The document has tables with port columns, but not one registry row is read from any of them.

    **Why it matters.** Every other check would pass on an empty registry: a document mdports
    cannot read must not look valid.

    **Example.**

    ```markdown
    | Socket | Where ports go |
    |--------|----------------|
    | 3001 | auth |
    ```

    **Fix.** None: see what `mdports explain` says about each table, then rename a header or set
    `port-columns` / `service-columns`.
    """,
)
BAD_DIRECTIVE = Rule(
    "MP111",
    "bad-directive",
    "warning",
    "An mdports comment has an unknown verb, names no rule or an unknown one.",
    explanation="""
    An `<!-- mdports: ... -->` comment has an unknown verb (`acept`), names no rule, or names a
    rule that does not exist (`MP110x`). The message offers the closest valid spelling.

    **Why it matters.** A typo in an accept comment would otherwise silence nothing while its
    author believes the finding is accepted.

    **Example.**

    ```markdown
    <!-- mdports: acept MP101 5432 -->
    ```

    **Fix.** None: correct the comment (`mdports rules` lists every id and name).
    """,
)
UNUSED_ACCEPT = Rule(
    "MP112",
    "unused-accept",
    "warning",
    "An accept comment matches no finding (like ruff's RUF100).",
    explanation="""
    An accept comment matches no finding (like ruff's RUF100). `validate` judges the accepts of
    document rules, `drift` those of deployment rules.

    **Why it matters.** A stale accept would silence a future finding nobody has looked at.

    **Example.**

    ```markdown
    ## 3000-3009: Core

    <!-- mdports: accept MP101 -->

    | 3001 | mana-auth | |
    ```

    **Fix.** None: remove the comment, or correct its rule or ports.
    """,
)
CONFUSABLE_SERVICE = Rule(
    "MP113",
    "confusable-service",
    "warning",
    "A service name looks like another one but is written in another script (UTS #39), as mana-\u0430uth with a "
    "Cyrillic \u0430.",
    explanation="""
    A service name looks like another one but is written with letters of another script (a
    mixed-script confusable, Unicode UTS #39): `mana-аuth` with a Cyrillic а beside `mana-auth`,
    or an all-Cyrillic `аре` beside `ape`.

    **Why it matters.** Readers see one name, programs see two: a look-alike can take over a
    service's entry in reviews without anyone noticing.

    **Example.**

    ```markdown
    | 3001 | mana-auth | |
    | 3002 | mana-аuth | |
    ```

    **Fix.** None: rename the look-alike. `add` and `rename` refuse such a name (exit 1).
    """,
)
RUNNING_DIFFERS = Rule(
    "MP114",
    "running-off-plan",
    "info",
    "A service runs on a port its planned entry does not give it, or has no planned entry.",
    explanation="""
    A service in the running layer (a list of what runs, or a table with a `Host` or `Current
    Port` column) runs on a port its planned entry does not give it, or has no planned entry at
    all. The message names both ports and the host.

    **Why it matters.** Information only: the document's own known debt between plan and
    reality, listed so it can be paid down.

    **Example.**

    ```markdown
    | 3001 | shop-api | |

    **Web box:**

    - shop-api `3061`
    ```

    **Fix.** None: move the service or the plan (`mdports move`) so that they agree.
    """,
)
