"""Settings: read once, from command-line flags and the environment, then passed down.

Every option is declared here with its purpose and default. The environment
variable of an option is ``SPRANKEL_`` + its name in upper case (``REDIS_URL``
for the Redis URL, as PaaS add-ons set it); a command-line flag wins over the
environment. No other module reads the environment.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MiB = 1024 * 1024


def _option(default: Any, help: str, env: str | None = None) -> Any:
    return field(default=default, metadata={"help": help, "env": env})


@dataclass(frozen=True)
class Settings:
    host: str = _option("127.0.0.1", "Address to listen on.")
    port: int = _option(8000, "Port to listen on.", env="PORT")
    workers: int = _option(
        1, "Server processes sharing the port; above 1 needs REDIS_URL.", env="WEB_CONCURRENCY"
    )
    data_dir: Path = _option(
        Path("sprankel-data"), "Folder for the SQLite database and the generated secret key."
    )
    store: str = _option(
        "sqlite", "Where documents and sessions are kept: sqlite, redis or postgres.")
    database_url: str | None = _option(
        None, "PostgreSQL for --store postgres (postgresql://user:password@host:port/db).",
        env="DATABASE_URL",
    )
    redis_url: str | None = _option(
        None, "Redis for presence and fan-out between processes (redis://host:port/db).",
        env="REDIS_URL",
    )
    redis_cluster: bool = _option(
        False, "REDIS_URL is one node of a Redis Cluster (or Valkey cluster): use the cluster "
        "client, hash-tagged keys and sharded pub/sub.",
    )
    redis_ca_file: str | None = _option(
        None, "PEM file of the CA that signed Redis's TLS certificate (with a rediss:// URL).",
    )
    redis_cert_file: str | None = _option(
        None, "PEM client certificate for Redis, when Redis asks for one (tls-auth-clients).",
    )
    redis_key_file: str | None = _option(
        None, "PEM private key of --redis-cert-file.",
    )
    open_documents: bool = _option(
        False,
        "Serve documents outside sessions without a token (development, interop, benchmarks).",
    )
    max_message_size: int = _option(
        2 * MiB, "Largest WebSocket message accepted, in bytes; larger ones close with 1009."
    )
    max_value_depth: int = _option(
        32, "Deepest nesting of arrays and objects in one value of a document (an Excalidraw"
        " element needs about 4); deeper updates close with 1007."
    )
    max_type_depth: int = _option(
        16, "Deepest nesting of shared types (a map in a map ...; a board needs 2); deeper"
        " updates close with 1007."
    )
    max_update_structs: int = _option(
        200_000, "Most structs (items and deletions) in one update; a 5,000-idea board is"
        " about 50,000."
    )
    max_document_size: int = _option(
        32 * MiB, "Largest stored size of one document in bytes (whiteboard images count);"
        " growth beyond closes with 4413, deleting is still allowed."
    )
    outbox_limit: int = _option(
        8 * MiB, "Bytes queued for one slow client before it is closed with 1013 to resync."
    )
    room_grace_s: float = _option(
        30.0, "Seconds an unused document stays in memory before it is compacted and evicted."
    )
    compact_after: int = _option(
        500, "Stored updates of a document after which they are merged into one snapshot."
    )
    chat_retention_days: int = _option(
        7, "Days a Koffiehoek chat message is kept before it is deleted for good."
    )
    session_retention_days: float = _option(
        0.0, "Days an ended session is kept when it names no retention_days of its own, "
        "then deleted with everything stored for it; 0 keeps such sessions until deleted."
    )
    retention_sweep_s: float = _option(
        3600.0, "Seconds between the sweeps that delete sessions past their retention "
        "period (one process does each sweep)."
    )
    version_interval_s: float = _option(
        300.0, "Seconds between the board versions taken while a board changes (versions "
        "are also taken before every reveal, lock, restore and end)."
    )
    per_message_deflate: bool = _option(
        False, "Compress WebSocket messages (costs memory per connection and CPU)."
    )
    secret_key: str | None = _option(
        None, "Keys that sign access tokens, comma-separated, newest first: new tokens are "
        "signed with the first, every listed key verifies (rotation, docs/identity.md). "
        "Generated and kept in the data folder when unset."
    )
    token_lifetime_hours: float = _option(
        720.0, "Hours a session token (a join or console link's) is valid after it is "
        "issued; an open connection whose token expires is closed with 4401."
    )
    token_hours_after_end: float = _option(
        12.0, "Hours after a session ended that its participants' and observers' tokens "
        "stop working (facilitators keep theirs, for the export, until it expires)."
    )
    member_token_days: float = _option(
        30.0, "Days a Koffiehoek member token stays valid without use: every visit of the "
        "space renews it (a sliding lifetime)."
    )
    # Login with the organisation's account (OpenID Connect, docs/identity.md).
    oidc_issuer: str | None = _option(
        None, "The OpenID provider's issuer URL (https; discovery is read from it). Set, "
        "creating sessions and spaces needs a login; unset, Sprankel has no accounts."
    )
    oidc_client_id: str | None = _option(None, "Sprankel's client id at the OpenID provider.")
    oidc_client_secret: str | None = _option(
        None, "Sprankel's client secret at the OpenID provider (a confidential client)."
    )
    oidc_scopes: str = _option(
        "openid profile email", "The scopes asked for at login (space-separated); add the "
        "one that carries the groups if the provider needs it."
    )
    oidc_groups_claim: str = _option(
        "groups", "The claim (in the ID token or userinfo) that lists the user's groups."
    )
    oidc_creator_group: str | None = _option(
        None, "Only members of this group may create sessions and spaces (403 for others)."
    )
    guests: bool = _option(
        True, "With OpenID Connect: people without an account may join by link with a "
        "name (--no-guests: joining needs a login too)."
    )
    login_idle_hours: float = _option(
        8.0, "Hours without a request after which a login ends."
    )
    login_hours: float = _option(
        12.0, "Hours after which a login ends however active (log in again)."
    )
    public_url: str | None = _option(
        None, "Base URL for the links Sprankel hands out (default: from the request)."
    )
    log_level: str = _option("info", "Log level: debug, info, warning or error.")
    log_format: str = _option(
        "text", "Log lines as text, or json: one JSON object per line (time, level, logger, "
        "message, and the connection or request id where there is one)."
    )
    metrics: bool = _option(
        False, "Serve Prometheus metrics (docs/operations.md): on /metrics with "
        "--metrics-token, or without a token on --metrics-address only."
    )
    metrics_token: str | None = _option(
        None, "Bearer token that /metrics on the server's own port asks for (without it, "
        "that path answers 404)."
    )
    metrics_address: str | None = _option(
        None, "A separate loopback HOST:PORT for the metrics, without a token (e.g. "
        "127.0.0.1:9100); with --workers N, worker k serves on PORT + k."
    )
    audit_log: str = _option(
        "stderr", "Where every audit entry goes as one JSON line: stderr, or a file path "
        "(created 0600, appended to; several workers may share it)."
    )
    archive_creator: str = _option(
        "", "The organisation that keeps the records (MDTO archiefvormer in export.zip), "
        "e.g. 'Ministerie van Binnenlandse Zaken'; empty: named as not configured."
    )
    awareness_client_ids: int = _option(
        4, "Awareness client ids one connection may own (a browser uses one per document); "
        "a connection that publishes more is closed with 1008."
    )
    awareness_entries: int = _option(
        256, "Entries in one awareness message; more close the connection with 1008."
    )
    awareness_state_bytes: int = _option(
        16 * 1024, "Largest awareness state (presence, cursor) in bytes; larger close with 1008."
    )

    # Limits and timeouts against floods (issue 11). Each rate is a burst of N, refilled at
    # N a minute, per client address; every limit is per process (with --workers N a
    # client can reach N times it); 0 turns a limit off.
    trusted_proxies: str = _option(
        "", "Reverse proxies whose X-Forwarded-For header gives the client address: "
        "comma-separated addresses or networks (10.0.0.0/8). Default: none, the header is "
        "ignored and the peer address counts.",
    )
    header_timeout_s: float = _option(
        10.0, "Seconds a connection may take to send its request headers (or finish a "
        "WebSocket handshake) before it is closed.",
    )
    connections_per_address: int = _option(
        1000, "TCP connections open at once from one address (trusted proxies exempt); "
        "more are answered 429 and closed. Per process.",
    )
    sessions_per_minute: int = _option(
        30, "Sessions one client address may create a minute (429 beyond). Per process.",
    )
    spaces_per_minute: int = _option(
        30, "Koffiehoek spaces one client address may create a minute. Per process.",
    )
    joins_per_minute: int = _option(
        120, "Join attempts with a code (right or wrong) from one address a minute: a team "
        "of 30 behind one NAT address joins at once. Per process.",
    )
    joins_per_session_per_minute: int = _option(
        600, "Join attempts a minute on one session, from all addresses. Per process.",
    )
    logins_per_minute: int = _option(
        30, "Logins one client address may start a minute (each keeps a pending record in "
        "the store for 10 minutes). Per process.",
    )
    members_per_minute: int = _option(
        120, "Koffiehoek members one address may add a minute. Per process.",
    )
    members_per_space_per_minute: int = _option(
        300, "Koffiehoek members added a minute to one space, from all addresses. Per process.",
    )
    reactions_per_minute: int = _option(
        120, "Reactions (emoji) one participant may send a minute, after a burst of 10: "
        "more are answered 429. Per process.",
    )
    space_chat_per_minute: int = _option(
        60, "Chat posts a minute in one Koffiehoek space, from all its members together "
        "(each member has its own 5 per 10 s as well). Across processes (kept in the store).",
    )
    ws_per_address: int = _option(
        500, "Document WebSockets open at once from one address; more are closed with 1013 "
        "(try again later). Per process.",
    )
    ws_per_document: int = _option(
        500, "WebSockets open at once on one document; more are closed with 1013. Per process.",
    )
    ws_messages_per_s: int = _option(
        200, "Messages a second one WebSocket may send (a burst of as many); a flood is "
        "closed with 1008.",
    )
    allowed_hosts: str | None = _option(
        None,
        "Comma-separated host names this server answers to (e.g. sprankel.example.org, "
        "*.example.org); other Host headers get 400. Without it and --public-url, links "
        "and the CSP follow the request's Host header (local development only).",
    )
    allowed_origins: str | None = _option(
        None,
        "Comma-separated extra origins (https://host[:port]) whose pages may write through "
        "the API and open WebSockets; the public URL's and allowed hosts' always may.",
    )
    security_contact: str | None = _option(
        None,
        "Contact for vulnerability reports in /.well-known/security.txt (mailto:... or an "
        "https:// URL); unset, that file answers 404.",
    )
    security_policy: str | None = _option(
        None,
        "URL of the vulnerability disclosure policy that security.txt links to (e.g. the "
        "published docs/security.md); unset, security.txt has no Policy line.",
    )

    # Voice tables (docs/voice.md): the browsers talk to each other directly; these are
    # the servers that help them find a way through NAT and firewalls.
    ice_servers: str = _option(
        "", "STUN and TURN URLs for voice tables, comma-separated (stun:host:3478, "
        "turn:host:3478?transport=udp, turns:host:5349). Default: none, so browsers only "
        "reach each other directly (fine on one network; most organisations need TURN).",
    )
    turn_secret: str | None = _option(
        None, "The static-auth-secret of a coturn server with use-auth-secret: Sprankel "
        "hands each seat a TURN credential of the REST scheme that expires.",
    )
    turn_ttl_s: int = _option(
        3600, "Seconds a TURN credential handed out at a table stays valid.",
    )
    voice_messages_per_s: int = _option(
        20, "Signalling messages a second one voice socket may send (a burst of 3 times as "
        "many, for the ICE candidates of sitting down); a flood is closed with 1008.",
    )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Settings from the environment, with explicit overrides (flags) on top."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            for name in env_names(f):
                if name in env and env[name] != "":
                    values[f.name] = _parse(f, env[name])
                    break
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def to_env(self) -> dict[str, str]:
        """The environment that reproduces these settings in a worker process."""
        out: dict[str, str] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if value is None:
                continue
            if isinstance(value, bool):
                value = "1" if value else "0"
            out["SPRANKEL_" + f.name.upper()] = str(value)
        return out

    @property
    def database_path(self) -> Path:
        return self.data_dir / "sprankel.sqlite3"


def env_names(f: dataclasses.Field[Any]) -> list[str]:
    """The variables an option is read from, most specific first."""
    names = ["SPRANKEL_" + f.name.upper()]
    if f.metadata.get("env"):
        names.append(f.metadata["env"])
    return names


def _parse(f: dataclasses.Field[Any], raw: str) -> Any:
    kind = f.type if isinstance(f.type, type) else str(f.type)
    if kind in (bool, "bool"):
        return raw.strip().lower() in ("1", "true", "yes", "on")
    if kind in (int, "int"):
        return int(raw)
    if kind in (float, "float"):
        return float(raw)
    if kind in (Path, "Path"):
        return Path(raw)
    return raw


class ConfigError(ValueError):
    """Settings that cannot work together; the message tells what to change."""


def validate(settings: Settings) -> None:
    if settings.workers < 1:
        raise ConfigError("--workers must be 1 or more.")
    if settings.workers > 1 and not settings.redis_url:
        raise ConfigError(
            "--workers above 1 needs REDIS_URL: without Redis every process would keep "
            "its own copy of each document and users on different processes would not see "
            "each other's edits."
        )
    if settings.store not in ("sqlite", "redis", "postgres"):
        raise ConfigError(
            f"--store must be sqlite, redis or postgres, not {settings.store!r}.")
    if settings.store == "redis" and not settings.redis_url:
        raise ConfigError("--store redis needs REDIS_URL.")
    _validate_redis(settings)
    if settings.store == "postgres":
        url = settings.database_url or ""
        if not url.startswith(("postgresql://", "postgres://")):
            raise ConfigError("--store postgres needs --database-url (or DATABASE_URL) "
                              "postgresql://user:password@host:port/database.")
    for name in ("max_value_depth", "max_type_depth", "max_update_structs", "max_document_size"):
        if getattr(settings, name) < 2:
            raise ConfigError(f"--{name.replace('_', '-')} must be at least 2.")
    if settings.max_message_size < 1024:
        raise ConfigError("--max-message-size must be at least 1024 bytes.")
    trusted_proxy_networks(settings.trusted_proxies)
    if settings.session_retention_days < 0:
        raise ConfigError("--session-retention-days must be 0 (keep) or more.")
    if settings.retention_sweep_s <= 0 or settings.version_interval_s <= 0:
        raise ConfigError("--retention-sweep-s and --version-interval-s must be above 0.")
    if settings.header_timeout_s <= 0:
        raise ConfigError("--header-timeout-s must be above 0.")
    for f in dataclasses.fields(settings):
        if f.name.endswith(("_per_minute", "_per_address", "_per_document", "_per_s")) and \
                getattr(settings, f.name) < 0:
            raise ConfigError(f"--{f.name.replace('_', '-')} must be 0 (no limit) or more.")
    if min(settings.awareness_client_ids, settings.awareness_entries) < 1:
        raise ConfigError("--awareness-client-ids and --awareness-entries must be 1 or more.")
    if settings.awareness_state_bytes < 256:
        raise ConfigError("--awareness-state-bytes must be at least 256: a cursor takes ~200.")

    if settings.log_format not in ("text", "json"):
        raise ConfigError(f"--log-format must be text or json, not {settings.log_format!r}.")
    _validate_metrics(settings)
    if settings.audit_log != "stderr":
        folder = Path(settings.audit_log).expanduser().parent
        if not folder.is_dir():
            raise ConfigError(f"--audit-log: the folder {folder} does not exist.")
    if settings.secret_key:
        from .kernel.tokens import parse_keys

        try:
            parse_keys(settings.secret_key)
        except ValueError as error:
            raise ConfigError(str(error)) from None
    if min(settings.token_lifetime_hours, settings.token_hours_after_end,
           settings.member_token_days) <= 0:
        raise ConfigError("--token-lifetime-hours, --token-hours-after-end and "
                          "--member-token-days must be above 0.")

    if settings.oidc_issuer:
        from .identity.provider import issuer_allowed

        if not issuer_allowed(settings.oidc_issuer):
            raise ConfigError("--oidc-issuer must be an https:// URL (http only on the "
                              "loopback address, for a provider on the same machine).")
        if not settings.oidc_client_id:
            raise ConfigError("--oidc-issuer needs --oidc-client-id.")
        if not settings.public_url:
            raise ConfigError("--oidc-issuer needs --public-url: the redirect URI registered "
                              "at the provider is {public URL}/auth/callback.")
        if "openid" not in settings.oidc_scopes.split():
            raise ConfigError("--oidc-scopes must include openid.")
    if min(settings.login_idle_hours, settings.login_hours) <= 0:
        raise ConfigError("--login-idle-hours and --login-hours must be above 0.")

    from .voice.ice import IceConfigError, IceServers

    try:
        IceServers.parse(settings.ice_servers, settings.turn_secret, settings.turn_ttl_s)
    except IceConfigError as error:
        raise ConfigError(str(error)) from None

    contact = settings.security_contact
    if contact and not contact.startswith(("mailto:", "https://", "tel:")):
        raise ConfigError("--security-contact must start with mailto:, https:// or tel: "
                          "(RFC 9116).")
    from .origins import RequestPolicy  # here, so that a bad URL is a message at start

    try:
        RequestPolicy.build(settings.public_url, settings.allowed_hosts,
                            settings.allowed_origins)
    except ValueError as error:
        raise ConfigError(str(error)) from None

def _validate_redis(settings: Settings) -> None:
    tls_files = (settings.redis_ca_file, settings.redis_cert_file, settings.redis_key_file)
    if not settings.redis_url:
        if settings.redis_cluster or any(tls_files):
            raise ConfigError("--redis-cluster and the --redis-*-file options need REDIS_URL.")
        return
    if any(tls_files) and not settings.redis_url.startswith("rediss://"):
        raise ConfigError("--redis-ca-file, --redis-cert-file and --redis-key-file are for "
                          "TLS: REDIS_URL must start with rediss://.")
    if bool(settings.redis_cert_file) != bool(settings.redis_key_file):
        raise ConfigError("--redis-cert-file and --redis-key-file go together.")
    for name, path in zip(("ca", "cert", "key"), tls_files, strict=True):
        if path and not Path(path).is_file():
            raise ConfigError(f"--redis-{name}-file {path}: no such file.")


def _validate_metrics(settings: Settings) -> None:
    """Metrics are never public by accident: a token on the app's port, or loopback."""
    address = metrics_listen_address(settings)  # raises on a malformed or public one
    if not settings.metrics:
        if settings.metrics_token or address:
            raise ConfigError("--metrics-token and --metrics-address need --metrics.")
        return
    if not settings.metrics_token and address is None:
        raise ConfigError(
            "--metrics needs --metrics-token (a bearer token for /metrics on the server's "
            "port) or --metrics-address (a separate loopback address such as "
            "127.0.0.1:9100), so that the metrics are never public by accident.")
    if settings.metrics_token is not None and len(settings.metrics_token) < 16:
        raise ConfigError("--metrics-token must be at least 16 characters (e.g. python3 -c "
                          "'import secrets; print(secrets.token_urlsafe(32))').")
    if settings.workers > 1 and address is None:
        raise ConfigError(
            "--metrics with --workers above 1 needs --metrics-address: every worker serves "
            "its own metrics on that port + its number (/metrics on the shared port would "
            "answer from whichever worker a scrape reached).")


def metrics_listen_address(settings: Settings) -> tuple[str, int] | None:
    """The host and port of --metrics-address; a ConfigError unless it is loopback."""
    value = settings.metrics_address
    if not value:
        return None
    host, sep, port_text = value.rpartition(":")
    host = host.strip("[]")
    try:
        port = int(port_text)
        loopback = sep and ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
        port = -1
    if not loopback or not 0 < port < 65536:
        raise ConfigError(
            f"--metrics-address must be a loopback address and port such as 127.0.0.1:9100 "
            f"(served without a token), not {value!r}; for a public address use "
            "--metrics-token on the server's own port.")
    return host, port


def trusted_proxy_networks(value: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """The networks of --trusted-proxies; a ConfigError names a malformed entry."""
    networks = []
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ConfigError(
                f"--trusted-proxies: {item!r} is not an IP address or network "
                "(e.g. 10.0.0.5 or 10.0.0.0/8)") from None
    return networks
