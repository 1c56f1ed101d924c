"""Every rule mdports can report, in one catalogue: id, name, severity, summary, fix and explanation.

Rules are found by id (``MP101``) or name (``port-out-of-range``) the same way everywhere:
configuration, inline directives, ``mdports rules`` and SARIF output. ``fix`` says whether
``--fix`` has a remedy for the rule's findings (``safe``: the registry means the same
afterwards; ``unsafe``: it says something else, such as an entry moved off a taken port);
the remedies themselves are in :mod:`mdports.fixes.fixers` and :mod:`mdports.deploy`. The
checks that report the document rules are in :mod:`mdports.rules.validation`, those of the
deployment rules in :mod:`mdports.deploy.drift`; this module imports neither. Those tables
are keyed by these constants, never by id strings, and tests/test_catalog.py checks that
they cover the catalogue.

Each explanation (what the rule checks, why it matters, an example, how it is fixed and
whether that is safe) is what ``mdports rules ID`` prints; ``docs/rules.md``, the fixes
table of ``docs/validate.md`` and the schemas' rule ids are generated from this module by
``tools/generate_docs.py``.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..errors import UsageError, did_you_mean
from .findings import Rule

DUPLICATE_PORT = Rule(
    "MP001",
    "duplicate-port",
    "error",
    "A port (per protocol) is assigned to two entries.",
    fix="unsafe",
    explanation="""
    Two assigned entries claim the same port for the same protocol (on the same host, when the
    document names hosts). `3478/udp` and `3478/tcp` are two ports; a running port clashes only
    with another running port of its host.

    **Why it matters.** Only one process can listen on a port: one of the two services cannot
    start, or a client reaches the wrong one.

    **Example.**

    ```markdown
    | 3001 | mana-auth | Hono/Bun |
    | 3001 | mana-sync | Go |
    ```

    **Fix (unsafe).** `--unsafe-fixes` moves the entry added later (by `git blame` of the two
    rows; without git history, the later row) to the next free port of its section's range;
    cross-references follow. Unsafe because the service's port changes for its clients.
    """,
)
DUPLICATE_SERVICE = Rule(
    "MP002",
    "duplicate-service",
    "error",
    "The same service name appears twice.",
    explanation="""
    The same service name is written on two entries. Names are compared as people read them: in
    any case, and precomposed (NFC) or decomposed (NFD) alike. One service on several rows (one
    row per port) is not a duplicate when the rows follow each other or the table has a
    `Purpose`-like column; beside a `Service` column, a `Project` column is part of the name.

    **Why it matters.** `show`, `move`, cross-references and drift find a service by its name;
    two entries of one name make each of them ambiguous.

    **Example.**

    ```markdown
    | 3001 | chat-api | |
    | 3040 | Chat-API | |
    ```

    **Fix.** None: rename one entry (`mdports rename`) or remove it.
    """,
)
MALFORMED_PORT = Rule(
    "MP003",
    "malformed-port",
    "error",
    "A port cell is empty, not a number, 0, above 65535 or a reversed span.",
    explanation="""
    A port cell cannot be read as ports: it is empty, not a number, 0, above 65535, or a span
    written backwards (`3009-3000`). `-`, `—`, `N/A` and `TBD` say "no port" and are fine.

    **Why it matters.** The row is not an entry: its service is missing from every query, and
    its port can be handed out again by `add`.

    **Example.**

    ```markdown
    | 3o01 | mana-auth | |
    ```

    **Fix.** None: write the port (`3001`, `3001-3003`, `3017, 3019`).
    """,
)
BROKEN_REFERENCE = Rule(
    "MP004",
    "broken-reference",
    "error",
    "A cross-reference names a port that is unassigned or belongs to another service.",
    explanation="""
    A cross-reference — a cell outside the port and service columns whose whole text is
    `<port> <service>` (`3030 chat-backend`) — names a port that no entry has, or one that
    belongs to another service.

    **Why it matters.** A reference says "this talks to that"; a stale one sends a reader (or a
    configuration generated from the document) to the wrong port.

    **Example.**

    ```markdown
    | 3030 | chat-backend | |
    | 5010 | chat-web | 3031 chat-backend |
    ```

    **Fix.** None by `--fix`: write the service's real port (the hint names it). `rename` and
    `move` keep references up to date.
    """,
)
MALFORMED_RANGE = Rule(
    "MP005",
    "malformed-range",
    "error",
    "A heading declares a range that cannot be read or is reversed.",
    explanation="""
    A heading declares a range that cannot be read or runs backwards (`## 3009-3000: Core`).

    **Why it matters.** The section then has no range: `add --range` cannot pick a port in it
    and MP101 cannot check its rows.

    **Example.**

    ```markdown
    ## 3019-3010: Core Infrastructure Services
    ```

    **Fix.** None: write the range low to high (`3010-3019`).
    """,
)
NO_SERVICE_COLUMN = Rule(
    "MP006",
    "no-service-column",
    "error",
    "A table has a port column but no service column.",
    explanation="""
    A table has a port column but no column mdports reads as the service.

    **Why it matters.** Its rows are not read: the ports in it are invisible to every command,
    and `add` may hand them out again.

    **Example.**

    ```markdown
    | Port | Notes |
    |------|-------|
    | 3001 | auth  |
    ```

    **Fix.** None: name a column `Service` (or `Name`, `App`, ...), or add your header to
    `service-columns` in the configuration.
    """,
)
MALFORMED_PROTOCOL = Rule(
    "MP007",
    "malformed-protocol",
    "error",
    "A protocol cell is not tcp, udp or tcp/udp.",
    explanation="""
    A protocol cell is not tcp, udp or tcp/udp, nor an application protocol that names its
    transport (`HTTP`, `gRPC`, `MySQL`, ... are tcp; `QUIC` is udp).

    **Why it matters.** Ports clash per protocol: an unreadable protocol makes MP001 and drift
    guess.

    **Example.**

    ```markdown
    | Port | Service | Protocol |
    |------|---------|----------|
    | 3001 | sip-gw  | sctp     |
    ```

    **Fix.** None: write tcp, udp or tcp/udp.
    """,
)
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
EPHEMERAL_PORT = Rule(
    "MP115",
    "ephemeral-port",
    "warning",
    "A registry port lies in the Linux ephemeral range (32768-60999, `ephemeral-range`): the kernel may hand it "
    "to an outgoing connection first.",
    explanation="""
    A section (the rule reports once per section) has registry ports inside the Linux ephemeral
    range, `/proc/sys/net/ipv4/ip_local_port_range` (32768-60999 unless `ephemeral-range` says
    otherwise).

    **Why it matters.** The kernel picks the local port of every outgoing connection from that
    range: a service that starts after a busy client may find its port taken, at random, now and
    then — the hardest kind of failure to reproduce.

    **Example.**

    ```markdown
    ## 40000-40099: Workers

    | 40001 | pdf-worker | Node | |
    ```

    **Fix.** Move the entries below 32768 (`mdports move`), reserve their ports on the machines
    (`sysctl net.ipv4.ip_local_reserved_ports`), or raise the ephemeral range's start there
    (`net.ipv4.ip_local_port_range`) and say so in `ephemeral-range`.
    """,
)
DYNAMIC_PORT = Rule(
    "MP116",
    "dynamic-port",
    "warning",
    "A registry port lies in the IANA dynamic range (49152-65535) but outside the Linux ephemeral range: macOS "
    "and Windows hand it out to outgoing connections.",
    explanation="""
    A section has registry ports in the IANA dynamic range (49152-65535) that the Linux ephemeral
    range does not cover (61000-65535 by default). Reported once per section.

    **Why it matters.** macOS and Windows hand out every port of 49152-65535 to outgoing
    connections: a developer laptop or a Windows host may find the port taken.

    **Example.**

    ```markdown
    | 62000 | metrics-relay | Go | |
    ```

    **Fix.** Move the entries below 49152.
    """,
)
OS_SERVICE_PORT = Rule(
    "MP117",
    "os-service-port",
    "warning",
    "A registry port is one a common OS service takes on a platform of `platforms` (macOS AirPlay Receiver 5000 and "
    "7000, Windows RDP 3389, ...).",
    explanation="""
    A registry port is one that a common service of an operating system named in `platforms`
    takes by default: the AirPlay Receiver of macOS (5000 and 7000), Remote Desktop on Windows
    (3389), and others. Off until `platforms` is set.

    **Why it matters.** The service fails to bind on those machines ("address already in use" on
    a Mac for a Flask app on 5000 is the classic), or worse, clients reach the OS service.

    **Example.**

    ```toml
    platforms = ["macos"]   # and the document has | 5000 | web-frontend | ... |
    ```

    **Fix.** Move the entry to another port, or accept it (`<!-- mdports: accept MP117 5000 -->`)
    when the OS service is switched off on every machine.
    """,
)
EXCLUDED_PORT = Rule(
    "MP118",
    "windows-excluded-port",
    "warning",
    "With windows in `platforms`, a registry port in a range Windows/Hyper-V excludes from binding "
    "(`windows-excluded-ranges`).",
    explanation="""
    With `windows` in `platforms`, a registry port lies in a range Windows or Hyper-V excludes
    from binding (`netsh int ipv4 show excludedportrange`; `windows-excluded-ranges`, by default
    the dynamic range 49152-65535 where Hyper-V and WSL reserve blocks).

    **Why it matters.** On those machines the bind fails with "access denied", not "in use", and
    the excluded blocks move after a reboot.

    **Example.**

    ```toml
    platforms = ["windows"]
    windows-excluded-ranges = ["50000-50059"]   # what netsh shows on the team's machines
    ```

    **Fix.** Move the entry outside the excluded ranges.
    """,
)
KUBERNETES_PORT_NAME = Rule(
    "MP119",
    "kubernetes-port-name",
    "warning",
    "A Kubernetes port name the document gives is longer than 15 characters or not a valid IANA service name.",
    explanation="""
    A port name the document gives for Kubernetes (a `Port name` column, or a `Name` column under
    a Kubernetes heading or table) is longer than 15 characters or not a valid IANA service name
    (lower-case letters and digits, single inner hyphens, at least one letter).

    **Why it matters.** The API server refuses a Service or container port with such a name: the
    manifest written from the document does not apply.

    **Example.**

    ```markdown
    | Port | Port name | Service |
    |---|---|---|
    | 8080 | http-metrics-internal | api |
    ```

    **Fix.** Shorten or rename it (`http-metrics`), in the document and the manifests.
    """,
)

# The rules ``validate`` runs, by id.
DOCUMENT_RULES: tuple[Rule, ...] = (
    DUPLICATE_PORT,
    DUPLICATE_SERVICE,
    MALFORMED_PORT,
    BROKEN_REFERENCE,
    MALFORMED_RANGE,
    NO_SERVICE_COLUMN,
    MALFORMED_PROTOCOL,
    OUT_OF_RANGE,
    OVERLAPPING_RANGES,
    PLACEHOLDER_OVERLAP,
    UNSORTED_ROWS,
    CELL_COUNT,
    FOREIGN_RANGE,
    EMPTY_SERVICE,
    TABLE_ROLE,
    TABLE_NOT_READ,
    NOTHING_READ,
    BAD_DIRECTIVE,
    UNUSED_ACCEPT,
    CONFUSABLE_SERVICE,
    RUNNING_DIFFERS,
    EPHEMERAL_PORT,
    DYNAMIC_PORT,
    OS_SERVICE_PORT,
    EXCLUDED_PORT,
    KUBERNETES_PORT_NAME,
)


# The deployment rules: `drift` reports them (mdports.deploy.drift); `--fix document` and
# `--fix deployment` remedy MP201-MP204 (MP201 with --add-undocumented).
UNDOCUMENTED_PORT = Rule(
    "MP201",
    "undocumented-port",
    "warning",
    "A deployment publishes or scrapes a port the document does not list.",
    fix="unsafe",
    explanation="""
    A deployment file publishes, scrapes or routes to a port that no entry of the document lists
    (compose `ports:`, a Prometheus target, a tunnel route, a Kubernetes Service).

    **Why it matters.** The document is where people look for a free port: an undocumented
    port will be handed out again.

    **Example.**

    ```yaml
    services:
      grafana:
        ports: ["3300:3000"]   # no entry has 3300
    ```

    **Fix (unsafe).** `drift --fix document --add-undocumented` adds a row in the section whose
    range holds the port (or an "Other ports" section). Unsafe: it documents what runs, which may
    be the mistake.
    """,
)
PORT_TAKEN = Rule(
    "MP202",
    "port-taken",
    "error",
    "A service is deployed on a port the document gives to another service.",
    fix="unsafe",
    explanation="""
    A service is deployed on a port the document gives to another service.

    **Why it matters.** Two services on one port: the second one cannot start, or traffic for one
    reaches the other.

    **Example.**

    ```yaml
    services:
      mana-voice-bot:
        ports: ["3023:3024"]   # the document gives 3023 to mana-image-gen
    ```

    **Fix (unsafe).** `drift --fix deployment --unsafe-fixes` changes the host port to the
    service's documented one (with every reference of the same host); it changes where traffic
    goes.
    """,
)
PORT_MISMATCH = Rule(
    "MP203",
    "port-mismatch",
    "warning",
    "A service is deployed on a port its entry does not list (and nobody's does).",
    fix="unsafe",
    explanation="""
    A service is deployed on a port its entry does not list, and no other entry has.

    **Why it matters.** Clients configured from the document reach nothing; the port it really
    uses is free in the document's eyes.

    **Example.**

    ```yaml
    services:
      mana-auth:
        ports: ["3101:3001"]   # the document gives mana-auth 3001
    ```

    **Fix (unsafe).** `drift --fix document` moves the entry to the deployed port;
    `drift --fix deployment --unsafe-fixes` changes the deployment to the documented port. Either
    way a port changes for someone.
    """,
)
RESERVED_PORT = Rule(
    "MP204",
    "reserved-port",
    "warning",
    "A deployment uses a port the document marks reserved.",
    fix="unsafe",
    explanation="""
    A deployment uses a port the document marks reserved (a placeholder row).

    **Why it matters.** The port is free in the document's eyes: `add` will hand it out to a new
    service.

    **Example.**

    ```yaml
    services:
      todo-worker:
        ports: ["3018:3018"]   # 3017-3019 is *(reserved)*
    ```

    **Fix (unsafe).** `drift --fix document` gives the port to the service's entry (taking it from
    the placeholder); `drift --fix deployment --unsafe-fixes` moves the deployment to the
    documented port.
    """,
)
DUPLICATE_HOST_PORT = Rule(
    "MP205",
    "duplicate-host-port",
    "error",
    "Two compose services of one host publish the same host port (and protocol).",
    explanation="""
    Two compose services of one host publish the same host port, protocol and bind address
    (`127.0.0.1:3001` and `192.168.1.5:3001` do not clash; one service in a base and an override
    file is one service). What another rule says about the same port on the same line is added
    to this finding.

    **Why it matters.** docker refuses to start the second container.

    **Example.**

    ```yaml
    services:
      api:   {ports: ["3001:3001"]}
      admin: {ports: ["3001:8080"]}
    ```

    **Fix.** None: give one of the services another port.
    """,
)
UNDEPLOYED_SERVICE = Rule(
    "MP206",
    "undeployed-service",
    "info",
    "A documented service appears in none of the given deployment files.",
    explanation="""
    A documented service appears in none of the deployment files given (on any host).

    **Why it matters.** Information only: the entry may be stale, or the service runs from files
    drift was not given.

    **Example.** The document lists `mana-voice-bot` on 3024; no compose file, target, route or
    manifest names it.

    **Fix.** None: remove the entry if the service is gone, or give drift its deployment files.
    """,
)
UNMATCHED_NAME = Rule(
    "MP207",
    "unmatched-name",
    "warning",
    "A compose service matches no entry by name but publishes a port the document gives to one.",
    explanation="""
    A compose or Kubernetes service matches no entry by name, but publishes a port the document
    gives to an entry.

    **Why it matters.** Either the service is that entry under another name (say so with
    `[aliases]`), or it sits on someone else's port.

    **Example.**

    ```yaml
    services:
      auth:
        ports: ["3001:3001"]   # the document gives 3001 to mana-auth
    ```

    **Fix.** None: add an alias (`auth = "mana-auth"`), or move the service.
    """,
)
SCRAPE_PUBLISHED_PORT = Rule(
    "MP208",
    "scrape-published-port",
    "warning",
    "A scrape target addresses a compose service on its published port instead of its container port.",
    explanation="""
    A Prometheus target (or tunnel route) addresses a compose service by its service name, but on
    its published host port instead of the container port.

    **Why it matters.** Inside the compose network the container listens on its own port: the
    scrape fails.

    **Example.**

    ```yaml
    # compose: mana-auth publishes "3101:3001"
    - targets: ["mana-auth:3101"]   # inside the network it is mana-auth:3001
    ```

    **Fix.** None: address the container port.
    """,
)
UNREADABLE_PORT = Rule(
    "MP209",
    "unreadable-port",
    "warning",
    "A port in a deployment file cannot be read (syntax, range, variable).",
    explanation="""
    A port in a deployment file cannot be read: bad syntax, out of 1..65535, or a variable
    without a value in the env files given.

    **Why it matters.** That port is not checked at all: drift would be silent about it.

    **Example.**

    ```yaml
    services:
      api:
        ports: ["${API_PORT}:3000"]   # API_PORT is in no env file given
    ```

    **Fix.** None: give drift the env file (`--env`), or write the port.
    """,
)
SCRAPE_PORT_TAKEN = Rule(
    "MP210",
    "scrape-port-taken",
    "warning",
    "A scrape target addresses a compose service on a port it does not list, which the document gives to another.",
    explanation="""
    A scrape target (or tunnel route) addresses a compose service on a port that service does
    not list, and which the document gives to another service.

    **Why it matters.** The target was most likely copied from the other service: it scrapes the
    wrong thing, or nothing.

    **Example.**

    ```yaml
    # compose: mana-llm listens on 3020; the document gives 3021 to mana-crawler
    - targets: ["mana-llm:3021"]
    ```

    **Fix.** None: correct the target's port.
    """,
)
UNLISTENED_PORT = Rule(
    "MP211",
    "unlistened-port",
    "warning",
    "Traffic goes to a port nothing listens on: a scrape target, probe, tunnel route, traefik router, "
    "Kubernetes targetPort or Ingress backend.",
    explanation="""
    Traffic goes to a port nothing listens on: a scrape target, a blackbox probe, a tunnel route,
    a traefik router, a Kubernetes `targetPort` or an Ingress backend names a port that no
    container or service of that host declares.

    **Why it matters.** The scrape, probe or route fails at run time; nothing in the files says so.

    **Example.**

    ```yaml
    ingress:
      - hostname: chat.example.com
        service: http://localhost:3999   # no compose service publishes 3999
    ```

    **Fix.** None by default; `drift --fix deployment --unsafe-fixes` moves such references
    together with the host port they follow. Otherwise correct the port.
    """,
)
DUPLICATE_HOSTNAME = Rule(
    "MP212",
    "duplicate-hostname",
    "warning",
    "A tunnel routes the same hostname (and path) twice; the second never applies.",
    explanation="""
    A Cloudflare tunnel routes the same hostname (and path) twice.

    **Why it matters.** cloudflared uses the first matching rule: the second never applies.

    **Example.**

    ```yaml
    ingress:
      - {hostname: chat.example.com, service: "http://localhost:5010"}
      - {hostname: chat.example.com, service: "http://localhost:5011"}
    ```

    **Fix.** None: remove or correct one of the rules.
    """,
)
WRONG_HOST = Rule(
    "MP213",
    "wrong-host",
    "warning",
    "A service runs on a host other than the one its entry's Host column names.",
    explanation="""
    An entry's `Host` column names a configured host, but the service is deployed on another
    configured host (matched by name or address). A Host cell that names no configured host is
    not checked.

    **Why it matters.** The document sends people (and tooling) to the wrong machine.

    **Example.**

    ```markdown
    | Port | Service | Host |
    |------|---------|------|
    | 3020 | mana-llm | macmini |
    ```

    with `mana-llm` in the compose file of `[hosts.gpu]`.

    **Fix.** None: correct the Host cell, or move the service.
    """,
)

# The rules ``drift`` runs, by id.
DEPLOYMENT_RULES: tuple[Rule, ...] = (
    UNDOCUMENTED_PORT,
    PORT_TAKEN,
    PORT_MISMATCH,
    RESERVED_PORT,
    DUPLICATE_HOST_PORT,
    UNDEPLOYED_SERVICE,
    UNMATCHED_NAME,
    SCRAPE_PUBLISHED_PORT,
    UNREADABLE_PORT,
    SCRAPE_PORT_TAKEN,
    UNLISTENED_PORT,
    DUPLICATE_HOSTNAME,
    WRONG_HOST,
)


# The live rules: `live` reports them (mdports.live.check), from the sockets of this machine, a
# host's TCP answers, or the ports a compose file would publish here.
NOT_LISTENING = Rule(
    "MP301",
    "not-listening",
    "info",
    "A documented service's port has no listener on this machine.",
    explanation="""
    `mdports live` read this machine's listening sockets (TCP and UDP) and found nothing on a port
    the document gives to a service that should run here (the running layer's entries of this
    host, else the plan).

    **Why it matters.** Either the service is down or the document is out of date; an info, since
    a machine need not run every service of the registry.

    **Example.**

    ```text
    PORT_SCHEMA.md:12:3: info MP301 nothing listens on 3001 (mana-auth)
    ```

    **Fix.** Start the service, or remove or move its entry if it no longer runs here.
    """,
)
UNDOCUMENTED_LISTENER = Rule(
    "MP302",
    "undocumented-listener",
    "warning",
    "Something listens on a port inside the document's ranges (or a --scan range) that no entry documents.",
    explanation="""
    A process listens on a port that lies inside a section's declared range (or the range given
    with `--scan`), and no entry of the document lists that port.

    **Why it matters.** The next `mdports add` in that range may hand the port out again, and
    the new service will fail to bind (or, with `SO_REUSEPORT`, share traffic with a stranger).

    **Example.**

    ```text
    live: warning MP302 3007 is held by node (pid 4121) but no entry documents it
    ```

    **Fix.** Document the port (`mdports add NAME --port 3007`) or stop the process.
    """,
)
UNEXPECTED_HOLDER = Rule(
    "MP303",
    "unexpected-holder",
    "info",
    "A documented port is held by a process whose name and command line do not mention the entry's service.",
    explanation="""
    A documented port has a listener, but neither the process name nor its command line mentions
    a word of the entry's service name. A hint, not a proof: `node` may well run `mana-auth`.

    **Why it matters.** Another program may have taken the port before the service started, so
    the service itself is down or bound elsewhere.

    **Example.**

    ```text
    PORT_SCHEMA.md:14:3: info MP303 3002 (mana-web) is held by python3 (pid 881)
    ```

    **Fix.** Check what holds the port (`ss -ltnp`); nothing to change when the holder is right.
    """,
)
RESERVED_LISTENER = Rule(
    "MP304",
    "reserved-listener",
    "warning",
    "Something listens on a port the document marks reserved.",
    explanation="""
    A process listens on a port that the document keeps free as a reserved placeholder
    (`*(reserved)*`, a reserved span).

    **Why it matters.** Reserved ports are promised to future services; one in use will clash
    with the service that is given it.

    **Example.**

    ```text
    PORT_SCHEMA.md:20:3: warning MP304 3008 is reserved but held by redis-server (pid 77)
    ```

    **Fix.** Give the running service its own entry on that port (`mdports add NAME --port 3008`
    takes it from the placeholder) or move it off the reserved port.
    """,
)
PORT_CLOSED = Rule(
    "MP305",
    "port-closed",
    "warning",
    "A documented port of a --host refuses the connection or does not answer.",
    explanation="""
    `mdports live --host ADDRESS` made a TCP connection to each documented port of that host
    (its running entries, else the plan); this one refused it or did not answer within
    `--timeout`.

    **Why it matters.** A service the document says runs there is down, firewalled or bound to
    another address.

    **Example.**

    ```text
    PORT_SCHEMA.md:9:5: warning MP305 gpu-box:8188 (comfyui) refused the connection
    ```

    **Fix.** Start the service or open the port; if it moved, `mdports move NAME PORT --host HOST`.
    """,
)
HOST_SILENT = Rule(
    "MP306",
    "host-silent",
    "error",
    "A --host answers on none of its documented ports within the timeout.",
    explanation="""
    Not one documented port of the `--host` answered within the timeout: the host is down,
    unreachable or filters everything. It is reported once, instead of one MP305 per port.

    **Why it matters.** The per-port picture would only say the same thing many times; the
    cause is the host or the network.

    **Example.**

    ```text
    live: error MP306 10.0.0.7 answered on none of 42 documented ports within 1.0 s
    ```

    **Fix.** Check the address, the VPN or the firewall, then run `live` again.
    """,
)
PREFLIGHT_TAKEN = Rule(
    "MP307",
    "preflight-port-taken",
    "error",
    "A compose file would publish a host port that a process on this machine already holds.",
    explanation="""
    `mdports live --preflight` read the compose files (given or configured for this machine) and
    found a host port they would publish that a process on this machine already listens on
    (same protocol, overlapping address).

    **Why it matters.** `docker compose up` would fail half-way with "port is already allocated",
    leaving some containers started and others not.

    **Example.**

    ```yaml
    services:
      web:
        ports: ["3000:3000"]   # a dev server of another project holds 3000
    ```

    **Fix.** Stop the holder named in the message, or publish the service on another port (and
    move its entry).
    """,
)

# The rules ``live`` runs, by id.
LIVE_RULES: tuple[Rule, ...] = (
    NOT_LISTENING,
    UNDOCUMENTED_LISTENER,
    UNEXPECTED_HOLDER,
    RESERVED_LISTENER,
    PORT_CLOSED,
    HOST_SILENT,
    PREFLIGHT_TAKEN,
)


# Every rule, document, deployment and live ones, ordered by id.
ALL_RULES: tuple[Rule, ...] = (*DOCUMENT_RULES, *DEPLOYMENT_RULES, *LIVE_RULES)
_BY_WORD: dict[str, Rule] = {word: rule for rule in ALL_RULES for word in (rule.id, rule.name)}
# Every id and name, each rule's id before its name: what a did-you-mean chooses from.
RULE_WORDS: tuple[str, ...] = tuple(_BY_WORD)


def find_rule(word: str) -> Rule | None:
    """The rule whose id or name is ``word``, or None."""
    return _BY_WORD.get(word)


def check_rule_names(words: Iterable[str], key: str, path: str | None) -> None:
    """Raise a :class:`UsageError` naming ``key`` for the first word that is no rule."""
    for word in words:
        if find_rule(word) is None:
            raise UsageError(
                f"{key}: unknown rule {word!r}{did_you_mean(word, RULE_WORDS)}",
                path=path,
                hint="`mdports rules` lists every rule id and name",
            )


# Where each rule is explained: a diagnostic links to it (the language server's codeDescription).
RULE_DOCS = "https://github.com/OWNER/mdports/blob/main/docs/rules.md"


def rule_url(rule: Rule) -> str:
    """The documentation of ``rule``: ``.../docs/rules.md#mp101-port-out-of-range``."""
    return f"{RULE_DOCS}#{rule.id.lower()}-{rule.name}"  # the heading "MP101 port-out-of-range"
