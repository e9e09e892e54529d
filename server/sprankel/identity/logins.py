"""Login sessions: who logged in, kept in the store behind a cookie.

The cookie holds a random value; the store keeps the record under its SHA-256, so a
copy of the store (a backup, a Redis dump) opens no login. Records live in the Store's
JSON records, so they work on every store (SQLite, Redis, and any other that keeps the
Store interface) and across processes and hosts:

    login          SHA256(cookie)   {account, created_at, seen_at, id_token}
    login-pending  STATE            {nonce, verifier, next, created_at}   for 10 minutes

A login ends after --login-idle-hours without a request, and in any case
--login-hours after it began. Expired records are deleted when read and swept now and
then (one process at a time).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from ..kernel.clock import Clock
from ..store import Store

LOGIN = "login"
PENDING = "login-pending"
PENDING_MS = 10 * 60_000  # time to get through the provider's pages
SEEN_EVERY_MS = 60_000  # the idle clock is written at most once a minute per login


@dataclass(frozen=True)
class Account:
    """A logged-in user as the provider told us. `iss` and `sub` identify them."""

    iss: str
    sub: str
    name: str
    email: str | None
    groups: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"iss": self.iss, "sub": self.sub, "name": self.name, "email": self.email,
                "groups": list(self.groups)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Account:
        return cls(str(data["iss"]), str(data["sub"]), str(data.get("name") or ""),
                   data.get("email") if isinstance(data.get("email"), str) else None,
                   tuple(str(g) for g in data.get("groups") or ()))

    def reference(self) -> dict[str, str]:
        """What a participant record keeps of the account: enough for access, no more."""
        return {"iss": self.iss, "sub": self.sub}


@dataclass(frozen=True)
class Pending:
    nonce: str
    verifier: str
    next: str


def _key(cookie: str) -> str:
    return hashlib.sha256(cookie.encode("utf-8")).hexdigest()


class Logins:
    def __init__(self, store: Store, clock: Clock, idle_ms: int, lifetime_ms: int) -> None:
        self.store = store
        self.clock = clock
        self.idle_ms = idle_ms
        self.lifetime_ms = lifetime_ms

    # The way through the provider

    async def begin(self, nonce: str, verifier: str, next_path: str) -> str:
        """A pending login; returns its state."""
        state = secrets.token_urlsafe(32)
        await self.store.put_record(PENDING, state, {
            "nonce": nonce, "verifier": verifier, "next": next_path,
            "created_at": self.clock.now_ms()})
        return state

    async def take_pending(self, state: str) -> Pending | None:
        """The pending login of a state, once (a replayed callback finds nothing)."""
        if not state or len(state) > 128:
            return None
        taken: list[dict[str, Any]] = []

        def take(record: dict[str, Any] | None) -> None:
            taken.clear()
            if record is not None:
                taken.append(record)

        await self.store.update_record(PENDING, state, take)
        if not taken or taken[0].get("created_at", 0) + PENDING_MS < self.clock.now_ms():
            return None
        record = taken[0]
        return Pending(str(record["nonce"]), str(record["verifier"]), str(record["next"]))

    # Logged in

    async def create(self, account: Account, id_token: str) -> str:
        """A login session; returns the cookie value."""
        cookie = secrets.token_urlsafe(32)
        now = self.clock.now_ms()
        await self.store.put_record(LOGIN, _key(cookie), {
            "account": account.to_json(), "created_at": now, "seen_at": now,
            "id_token": id_token})
        return cookie

    async def find(self, cookie: str | None) -> tuple[Account, str] | None:
        """The account and ID token of a live login; slides its idle clock."""
        if not cookie or len(cookie) > 128:
            return None
        key = _key(cookie)
        record = await self.store.get_record(LOGIN, key)
        if record is None:
            return None
        now = self.clock.now_ms()
        if self._expired(record, now):
            await self.store.delete_record(LOGIN, key)
            return None
        if record.get("seen_at", 0) + SEEN_EVERY_MS <= now:
            def seen(current: dict[str, Any] | None) -> dict[str, Any] | None:
                return None if current is None else {**current, "seen_at": now}

            await self.store.update_record(LOGIN, key, seen)
        return Account.from_json(record["account"]), str(record.get("id_token") or "")

    async def end(self, cookie: str | None) -> str | None:
        """End a login; returns its ID token (for the provider's logout)."""
        if not cookie or len(cookie) > 128:
            return None
        key = _key(cookie)
        record = await self.store.get_record(LOGIN, key)
        await self.store.delete_record(LOGIN, key)
        return str(record.get("id_token") or "") if record else None

    async def sweep(self) -> int:
        """Delete expired logins and pending logins; returns how many."""
        now = self.clock.now_ms()
        gone = 0
        for key, record in (await self.store.list_records(LOGIN)).items():
            if self._expired(record, now):
                await self.store.delete_record(LOGIN, key)
                gone += 1
        for key, record in (await self.store.list_records(PENDING)).items():
            if record.get("created_at", 0) + PENDING_MS < now:
                await self.store.delete_record(PENDING, key)
                gone += 1
        return gone

    def _expired(self, record: dict[str, Any], now: int) -> bool:
        seen, created = int(record.get("seen_at", 0)), int(record.get("created_at", 0))
        return seen + self.idle_ms <= now or created + self.lifetime_ms <= now
