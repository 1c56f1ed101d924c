"""Every word mdports reads a table by: headers, their synonyms and languages, and table roles.

One table of rules, so that a user (and ``mdports explain``) can see why a table was or was
not read. Headers are compared after :func:`normalize_header` (markup removed, lower case,
spaces collapsed). ``[tool.mdports] port-columns`` and ``service-columns`` add headers of
one's own (:meth:`Vocabulary.extended`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import field
from types import MappingProxyType

from ..readonly import readonly
from .ports import TRANSPORTS, strip_markup

# --- port columns ---------------------------------------------------------------------------------
# A port header is [qualifier words] PORT-WORD [suffix], with an optional trailing parenthetical
# that is ignored ("Host Port (Windows)") or names what the port is for ("Port (HTTP)").
PORT_WORDS = frozenset(
    {"port", "ports", "port(s)", "端口", "端口号", "порт", "порты", "puerto", "puertos", "porta", "portas", "porte"}
    | {"포트", "ポート"}
)
# Chinese, Japanese and Korean write the qualifier and the port word as one word: 默认端口, 호스트포트.
_CJK_PORT_WORDS = ("端口号", "端口", "포트", "ポート")
PORT_SUFFIXES = frozenset(
    {"#", "no", "no.", "nr", "nr.", "number", "numbers", "mapping", "mappings", "range"}
    | {"principal", "main", "primary"}
)
# Words that are a port column on their own.
PORT_ALONE = MappingProxyType(
    {"published": "host", "exposed": "host", "listen": "host", "listening": "host", "nodeport": "host"}
)
# Qualifier word -> kind; the registry port is the column of the best kind (then the first).
PORT_QUALIFIERS = MappingProxyType(
    {
        **dict.fromkeys(("host", "published", "exposed", "external", "public", "host-side"), "host"),
        **dict.fromkeys(("current", "assigned", "allocated", "actual", "prod", "production", "live"), "current"),
        **dict.fromkeys(("default", "standard", "upstream", "original", "usual"), "default"),
        **dict.fromkeys(("dev", "development", "local", "debug", "test", "staging"), "dev"),
        **dict.fromkeys(("container", "internal", "target", "private", "inner", "docker"), "container"),
        **dict.fromkeys(("old", "previous", "former", "legacy"), "old"),
        **dict.fromkeys(("suggested", "proposed", "recommended", "planned"), "proposed"),
        **dict.fromkeys(("主机", "宿主机", "对外", "外部", "映射", "호스트", "노출", "외부", "ホスト", "公開"), "host"),
        **dict.fromkeys(("默认", "缺省", "기본", "デフォルト", "標準"), "default"),
        **dict.fromkeys(("容器", "内部", "컨테이너", "내부", "コンテナ"), "container"),
        **dict.fromkeys(("开发", "개발", "開発"), "dev"),
        **dict.fromkeys(("旧", "原"), "old"),
    }
)
# Precedence of the registry port; an unqualified or purpose-named port ("API Port") is "current".
PORT_PRECEDENCE = ("host", "current", "default", "dev", "container", "declared", "proposed")

# --- service columns ------------------------------------------------------------------------------
# Header -> rank; the service column is the best-ranked one (then the first).
SERVICE_HEADERS: Mapping[str, int] = MappingProxyType(
    {
        **dict.fromkeys(("service", "services", "service name", "服务", "服务名", "服务名称", "сервис", "служба"), 0),
        **dict.fromkeys(("서비스", "서비스명", "サービス", "サービス名"), 0),
        **dict.fromkeys(("servicio", "servicios", "serviço", "servico", "serviços", "dienst", "dienste"), 0),
        **dict.fromkeys(("name", "名称", "名字", "название", "имя", "nombre", "nome"), 1),
        **dict.fromkeys(("app", "application", "apps", "应用", "应用名", "приложение", "aplicación"), 2),
        **dict.fromkeys(("aplicacion", "aplicação", "aplicacao", "anwendung", "applikation"), 2),
        **dict.fromkeys(("component", "container", "容器", "组件", "компонент", "контейнер", "contenedor"), 3),
        **dict.fromkeys(("process", "tool", "vm", "daemon", "program", "进程", "процесс", "proceso", "processo"), 4),
        **dict.fromkeys(("instance", "database", "db", "system", "adapter", "worktree", "agent", "实例", "数据库"), 4),
        **dict.fromkeys(("reserved for", "used by", "required for", "who", "occupant", "bound by", "占用者"), 4),
        **dict.fromkeys(("что", "кто"), 4),
        **dict.fromkeys(("대상", "인스턴스", "システム"), 4),
        **dict.fromkeys(("project", "repo", "repository", "stack", "项目", "проект", "proyecto", "projeto"), 5),
        **dict.fromkeys(("projekt", "프로젝트", "プロジェクト"), 5),
        **dict.fromkeys(("owner",), 6),
        **dict.fromkeys(("purpose", "用途", "назначение", "propósito", "zweck"), 7),
    }
)
# A table of a port column and one column describing each port, and nothing else but protocols and
# hosts (``| Port | Description |``, ``| proto | port | discription |``): the description names
# what listens. Not a column saying why a port is open (``| Port | Why |`` of a firewall).
SOLE_TEXT_RANK = 8
DESCRIPTION_HEADERS = frozenset(
    {"description", "descriptions", "desc", "descr", "discription", "details", "what", "comment", "comments"}
    | {"说明", "描述", "описание", "descripción", "descrição", "beschreibung", "설명", "説明"}
)
# A project-like column beside a better service column qualifies the service: identity is
# (project, service), so `shop / Nginx HTTP` and `blog / Nginx HTTP` are two services.
GROUP_RANK = 5
# A column saying what each port is for: one service on several rows of such a table is normal.
PURPOSE_HEADERS = frozenset({"purpose", "role", "usage", "use", "function", "endpoint", "interface", "用途"})

# --- protocol and host columns --------------------------------------------------------------------
PROTOCOL_HEADERS = frozenset(
    {"protocol", "protocols", "proto", "transport", "协议", "протокол", "protocolo", "protokoll"}
)
HOST_HEADERS = frozenset(
    {"host", "hostname", "server", "node", "machine", "主机", "服务器", "节点", "сервер", "хост", "servidor", "rechner"}
)
# Transport protocols as written in a protocol column or a port cell.
PROTOCOLS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        **TRANSPORTS,
        **dict.fromkeys(("tcp+udp", "both", "tcp, udp", "tcp & udp", "tcp and udp"), ("tcp", "udp")),
    }
)
# Application protocols name their transport: HTTP is tcp, QUIC is udp; a dash says nothing (tcp).
APPLICATION_PROTOCOLS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        **dict.fromkeys(
            (
                "http",
                "https",
                "http/1.1",
                "http/2",
                "h2",
                "h2c",
                "grpc",
                "grpcs",
                "ws",
                "wss",
                "websocket",
                "websockets",
                "mysql",
                "postgres",
                "postgresql",
                "pg",
                "bolt",
                "redis",
                "resp",
                "amqp",
                "amqps",
                "mqtt",
                "mqtts",
                "smtp",
                "smtps",
                "submission",
                "imap",
                "imaps",
                "pop3",
                "pop3s",
                "ssh",
                "sftp",
                "ftp",
                "ftps",
                "ldap",
                "ldaps",
                "tls",
                "ssl",
                "rdp",
                "vnc",
                "telnet",
                "kafka",
                "nats",
                "memcached",
                "mongodb",
                "mongo",
                "cql",
                "graphql",
                "rest",
                "json-rpc",
                "jsonrpc",
                "s3",
                "otlp",
                "smb",
                "rtmp",
                "rtsp",
                "xmpp",
                "irc",
                "git",
                "docker",
                "jdbc",
                "sql",
                "tds",
                "rpc",
                "thrift",
                "zookeeper",
                "mcp",
                "sse",
            ),
            ("tcp",),
        ),
        **dict.fromkeys(
            ("quic", "http/3", "h3", "ntp", "snmp", "rtp", "stun", "dhcp", "tftp", "mdns", "ssdp", "wireguard"),
            ("udp",),
        ),
        **dict.fromkeys(("dns", "sip", "turn"), ("tcp", "udp")),
        **dict.fromkeys(("", "-", "\u2013", "\u2014", "n/a", "na"), ("tcp",)),
    }
)
_PROTOCOL_WORD = re.compile(r"[a-z0-9.]+")


def read_protocol(text: str) -> tuple[str, ...] | None:
    """The transports a protocol cell names (normalized text), or None when it names no protocol.

    Exact spellings first (``tcp/udp``, ``http``); then word by word, as people write them with
    notes: ``tcp (redis)`` and ``udp+tcp`` name their transports, ``http/ws`` and ``MCP over
    http`` an application protocol (its transport). ``uvicorn (native)`` names none.
    """
    found = PROTOCOLS.get(text) or APPLICATION_PROTOCOLS.get(text)
    if found is not None:
        return found
    words = _PROTOCOL_WORD.findall(text)
    transports = [t for word in words for t in TRANSPORTS.get(word, ())]
    if transports:
        return tuple(dict.fromkeys(sorted(transports)))
    applications = [t for word in words for t in APPLICATION_PROTOCOLS.get(word, ()) if word]
    return tuple(dict.fromkeys(sorted(applications))) if applications else None


# Every row its own network namespace, as a container's port: a Kubernetes Service has its own
# cluster IP (a Namespace column says so), and a heading can say its ports are not published.
OWN_NAMESPACE_HEADERS = frozenset({"namespace", "k8s namespace", "kubernetes namespace", "命名空间", "네임스페이스"})
UNPUBLISHED_HEADINGS = (
    *("not published", "unpublished", "not exposed", "docker network only", "container ports", "no host port"),
)
# What a note says of a port's side (``8080 (internal)``, ``8002 (via Caddy)``, a name ``Panel
# (behind NPM)``): a port inside the container or the cluster is in a network of its own; a
# port reached through a proxy or a tunnel is the proxy's listener, which many services share.
INTERNAL_NOTES = ("internal", "container only", "not exposed", "not published", "in-cluster", "cluster only")
PROXY_NOTES = re.compile(r"(?:^|[\s(,])(?:via|behind|through|proxied by)\s", re.I)


def port_side(note: str) -> str:
    """``own`` (the service listens there), ``internal`` (in its container or cluster) or ``proxy``.

    >>> port_side("via Caddy"), port_side("internal"), port_side("HTTP")
    ('proxy', 'internal', 'own')
    """
    if not note:
        return "own"
    if PROXY_NOTES.search(note):
        return "proxy"
    lowered = note.lower()
    return "internal" if any(words in lowered for words in INTERNAL_NOTES) else "own"


# --- cells ----------------------------------------------------------------------------------------
# A port cell that says "no port here" is ports.NO_PORT; a finding only where a port is required.
# A service cell that is a placeholder rather than a service named "-".
PLACEHOLDER_CELLS = frozenset({"-", "\u2013", "\u2014", "--"})

# --- table roles ----------------------------------------------------------------------------------
# Tables with a port column that are not the registry. Their rows are never entries.
DATE_HEADERS = frozenset(
    {
        *("date", "time", "timestamp", "when", "datetime", "date/time", "changed on", "updated", "logged at"),
        *("datum", "zeitpunkt", "fecha", "hora", "data", "дата", "время", "日期", "时间", "日時", "日付"),
    }
)
_UNIT = re.compile(r"[(\[（][^)\]）]{0,40}[)\]）]\s*$")


def is_date_header(name: str) -> bool:
    """A normalized header that dates each row, whatever note or unit it carries: ``timestamp (utc)``,
    ``date [cet]``, ``时间（北京）``, ``date, utc``."""
    if name in DATE_HEADERS:
        return True
    base = _UNIT.sub("", name).split(",")[0].strip()
    return base in DATE_HEADERS


ACTION_HEADERS = frozenset({"action", "change", "changes", "event", "what changed", "变更", "изменение", "cambio"})
CONFLICT_WORDS = ("conflict", "clash", "collide", "collision", "also used by", "冲突", "конфликт", "conflicto")
DOMAIN_HEADERS = frozenset({"domain", "domains", "url", "urls", "subdomain", "fqdn", "vhost", "域名", "домен"})
SUMMARY_HEADINGS = ("quick reference", "overview", "summary", "cheat sheet", "at a glance")
# Columns that say how a service is reached through a listener it shares: a path or a virtual host.
ROUTE_HEADERS = DOMAIN_HEADERS | {
    "path",
    "paths",
    "route",
    "routes",
    "location",
    "access url",
    "public url",
    "hostname",
}
RANGE_HEADERS = frozenset({"range", "ranges", "block", "port range", "port ranges", "范围", "диапазон", "rango"})
CHECKBOXES = frozenset({"[x]", "[ ]", "[X]", "\u2705", "\u274c", "\u2714", "\u2714\ufe0f", "\u2610", "\u2611"})
# Headings that name the host their tables live on: "Server: web-01".
HOST_HEADING = re.compile(r"(?:server|host|node|machine|vm|服务器|主机|сервер|servidor)\s*[:：]\s*(\S.{0,80})", re.I)

ROLES = MappingProxyType(
    {
        "registry": "registry rows",
        "changelog": "a change log",
        "checklist": "a checklist",
        "migration": "a migration table (old and new ports)",
        "conflicts": "a list of potential conflicts",
        "summary": "a map whose rows repeat registry entries",
        "record": "a key/value table of one service (one entry, at its port row)",
        "reference": "a reference of well-known ports (other software's defaults, not the registry)",
        "firewall": "firewall rules (who may reach a port, not what listens)",
        "ranges": "a table of port ranges",
        "allocations": "a table of allocation blocks (port ranges owning the entries inside)",
        "unread": "not read",
        "unnamed": "not read (port numbers under headers mdports does not know)",
    }
)


def normalize_header(text: str) -> str:
    """``**Host Port**`` -> ``host port``: markup removed, lower case, spaces collapsed."""
    return " ".join(strip_markup(text).lower().split())


def _without_parenthetical(name: str) -> tuple[str, str]:
    """``host port (windows)`` -> ``("host port", "windows")``; ``port(s)`` keeps its ``(s)``."""
    if name.endswith(")") and not name.endswith("(s)"):
        opening = name.rfind("(")
        if opening > 0:
            return name[:opening].rstrip(), name[opening + 1 : -1].strip()
    return name, ""


@readonly
class ListPolicy:
    """Which lists of running ports to read: ``running-lists`` by heading slug.

    True forces the reading of the lists under a heading, False switches it off; ``default``
    (``running-lists = false``) decides for every other list, None lets the list's items decide.
    """

    by_heading: tuple[tuple[str, bool], ...] = ()  # (heading slug, read or not)
    default: bool | None = None


@readonly
class Vocabulary:
    """How a document is read: the header vocabulary with a project's own ``port-columns`` and
    ``service-columns`` added, and which lists of running ports to read (``running-lists``)."""

    port_columns: frozenset[str] = frozenset()
    service_columns: frozenset[str] = frozenset()
    lists: ListPolicy = field(default_factory=ListPolicy)
    _kinds: dict[str, str | None] = field(default_factory=dict, compare=False, repr=False)

    def extended(self, ports: Iterable[str] = (), services: Iterable[str] = ()) -> Vocabulary:
        return Vocabulary(
            self.port_columns | {normalize_header(p) for p in ports},
            self.service_columns | {normalize_header(s) for s in services},
            self.lists,
        )

    def port_kind(self, name: str) -> str | None:
        """The kind of port column a normalized header is (``host``, ``current``, ...), or None."""
        kinds = self._kinds
        if name in kinds:
            return kinds[name]
        kind = self._port_kind(name)
        kinds[name] = kind
        return kind

    def _port_kind(self, name: str) -> str | None:
        if name in self.port_columns:
            return "current"
        base, _ = _without_parenthetical(name)
        if base in PORT_ALONE:
            return PORT_ALONE[base]
        words = base.replace("-", " ").split()  # "standard-port", "container-port"
        if words in (["dockerfile", "expose"], ["image", "expose"]):  # the port an image declares (`EXPOSE`)
            return "declared"
        if len(words) == 1 and words[0] not in PORT_WORDS and words[0].endswith(_CJK_PORT_WORDS):
            stem = words[0]
            for suffix in _CJK_PORT_WORDS:
                if stem.endswith(suffix):
                    words = [stem[: -len(suffix)], suffix] if stem != suffix else [stem]
                    break
        at = next((i for i, word in enumerate(words) if word in PORT_WORDS or word.rstrip(":") in PORT_WORDS), None)
        if at is None or at > 2 or any(word not in PORT_SUFFIXES for word in words[at + 1 :]):
            return None
        kinds = [PORT_QUALIFIERS[word] for word in words[:at] if word in PORT_QUALIFIERS]
        return kinds[0] if kinds else "current"

    def service_rank(self, name: str) -> int | None:
        if name in self.service_columns:
            return -1
        rank = SERVICE_HEADERS.get(name)
        if rank is None:  # "container name", "container_name", "app name"; "service (planned)", "프로젝트(예정)"
            base = _without_parenthetical(name)[0].replace("_", " ")
            rank = SERVICE_HEADERS.get(base[:-5] if base.endswith(" name") else base)
        if rank is None and "/" in name:  # "App / Service", "Service / target": the best of the parts
            ranks = [r for part in name.split("/") if (r := SERVICE_HEADERS.get(part.strip())) is not None]
            rank = min(ranks, default=None)
        return rank

    @staticmethod
    def mentions_port(name: str) -> bool:
        """True when a header names a port at all (``Ports used``, ``Host port``): never skip it silently."""
        return any(word.strip("()#:.") in PORT_WORDS for word in name.replace("/", " ").split())


DEFAULT = Vocabulary()
