"""The deployment rules, declared: MP201-MP213, which ``drift`` reports (:mod:`mdports.deploy.drift`).

``--fix document`` and ``--fix deployment`` remedy MP201-MP204 (MP201 with
``--add-undocumented``). The one list of every rule is :mod:`.catalog`.
"""

from __future__ import annotations

from .findings import Rule

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
