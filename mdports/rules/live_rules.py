"""The live rules, declared: MP301-MP307, which ``live`` reports (:mod:`mdports.live.check`).

They come from the sockets of this machine, a host's TCP answers, or the ports a compose file
would publish here. The one list of every rule is :mod:`.catalog`.
"""

from __future__ import annotations

from .findings import Rule

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
