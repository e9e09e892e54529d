"""Settings: read once, from command-line flags and the environment, then passed down.

Every option is declared here with its purpose and default. The environment
variable of an option is ``SPRANKEL_`` + its name in upper case (``REDIS_URL``
for the Redis URL, as PaaS add-ons set it); a command-line flag wins over the
environment. No other module reads the environment.
"""

from __future__ import annotations

import dataclasses
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
    store: str = _option("sqlite", "Where documents and sessions are kept: sqlite or redis.")
    redis_url: str | None = _option(
        None, "Redis for presence and fan-out between processes (redis://host:port/db).",
        env="REDIS_URL",
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
    per_message_deflate: bool = _option(
        False, "Compress WebSocket messages (costs memory per connection and CPU)."
    )
    secret_key: str | None = _option(
        None, "Key that signs access tokens; generated and kept in the data folder when unset."
    )
    public_url: str | None = _option(
        None, "Base URL for the links Sprankel hands out (default: from the request)."
    )
    log_level: str = _option("info", "Log level: debug, info, warning or error.")

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
    if settings.store not in ("sqlite", "redis"):
        raise ConfigError(f"--store must be sqlite or redis, not {settings.store!r}.")
    if settings.store == "redis" and not settings.redis_url:
        raise ConfigError("--store redis needs REDIS_URL.")
    for name in ("max_value_depth", "max_type_depth", "max_update_structs", "max_document_size"):
        if getattr(settings, name) < 2:
            raise ConfigError(f"--{name.replace('_', '-')} must be at least 2.")
    if settings.max_message_size < 1024:
        raise ConfigError("--max-message-size must be at least 1024 bytes.")
