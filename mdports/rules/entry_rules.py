"""The rules about each entry of the document, declared: the errors MP001-MP007 (duplicates, cells,
range headings and columns that cannot be read, broken references) and the risky ports MP115-MP119.

The checks are in :mod:`.entries` and :mod:`.risky`; the one list of every rule is :mod:`.catalog`.
"""

from __future__ import annotations

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
