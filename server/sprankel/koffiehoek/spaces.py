"""The rules of a team space: members, chat posts with limits, expiry, nudges, sessions.

Records (JSON in the store):
    space          ID             {id, name, language, created_at, icebreakers, session_ids,
                                   started_by: {session id: member id}, created_by: MID,
                                   tables: [{id, name, seats, muted_on_arrival, cameras}],
                                   time_zone, moments: [see moments.py]}
    space-status   ID/MID         {status, note, day}  see availability.py
    space-pairing  ID/MID         {on}  the member takes part in random pairing (gatherings.py)
    space-groups   ID             {tables: [...]}  a pairing moment's group tables (groups.py)
    space-member   ID/MID         {id, space_id, name, joined_at}
    space-seen     ID/YYYY-MM-DD  {members: {MID: {name, first, last}}}
    space-rate     ID/MID         {times: [ms, ...]}  a member's recent posts, for the rate limit
    space-rate     ID             {times: [ms, ...]}  the space's recent posts (all members)

A member's token is a kernel/tokens.py token whose session is ``k:ID``: the same
signature and key as a session's, and a scope no session id can take. It expires after
--member-token-days; every visit of the space hands out a fresh one (a sliding lifetime).

The member who created a space may remove others: the member record goes, so the token
stops working at once, and every process closes that member's chat connections with
4403 (an event on the broker's MEMBERS_CHANNEL). Their chat messages stay.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import hashlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import status
from ..broker import Broker, Subscription
from ..kernel.clock import Clock, SystemClock
from ..kernel.errors import AppError, Forbidden, Invalid, NotFound, Unauthorized
from ..kernel.icebreakers import ICEBREAKERS
from ..kernel.ids import new_id
from ..kernel.languages import DEFAULT_LANGUAGE, LANGUAGES
from ..kernel.limits import MAX_ID, MAX_NAME
from ..kernel.tokens import Claims, TokenSigner
from ..kernel.validation import body_object, only_fields, text
from ..store import Store
from ..sync.rooms import RoomManager
from . import availability, chat
from .availability import DEFAULT_TIME_ZONE
from .tables import DEFAULT_TABLES, MAX_TABLES

log = logging.getLogger("sprankel.koffiehoek")

SPACE = "space"
MEMBER = "space-member"
SEEN = "space-seen"
RATE = "space-rate"

TOKEN_SCOPE = "k:"
MAX_SPACE_NAME = 80
MAX_MESSAGE = 500
MAX_ICEBREAKER = 200
MAX_OWN_ICEBREAKERS = 100
RATE_WINDOW_MS = 10_000
RATE_MAX_POSTS = 5  # per member per window: a chat, not a firehose
COFFEE_MESSAGE_TTL_MS = 15 * 60_000
EXPIRY_INTERVAL_S = 600.0
MEMBERS_CHANNEL = "sprankel:koffiehoek"


class RateLimited(AppError):
    status = 429
    error = "rate_limited"

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


@dataclass(frozen=True)
class Member:
    id: str
    space_id: str
    name: str
    joined_at: int

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "space_id": self.space_id, "name": self.name,
                "joined_at": self.joined_at}


@dataclass(frozen=True)
class Space:
    id: str
    name: str
    language: str
    created_at: int
    icebreakers: tuple[str, ...]
    session_ids: tuple[str, ...]
    # session id -> the member who started it (and so facilitates it)
    started_by: Mapping[str, str] = field(default_factory=dict)
    # The member who created the space, and so may remove members (None: an older space).
    created_by: str | None = None
    # The voice tables (voice/tables.py seats people at them), each a JSON object.
    tables: tuple[Mapping[str, Any], ...] = DEFAULT_TABLES
    time_zone: str = DEFAULT_TIME_ZONE  # the team's day: statuses end, moments happen in it
    moments: tuple[Mapping[str, Any], ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "language": self.language,
                "created_at": self.created_at, "icebreakers": list(self.icebreakers),
                "session_ids": list(self.session_ids), "started_by": dict(self.started_by),
                "created_by": self.created_by,
                "tables": [dict(t) for t in self.tables], "time_zone": self.time_zone,
                "moments": [dict(m) for m in self.moments]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Space:
        return cls(data["id"], data["name"], data["language"], int(data["created_at"]),
                   tuple(data.get("icebreakers", ())), tuple(data.get("session_ids", ())),
                   dict(data.get("started_by", {})), data.get("created_by"),
                   tuple(data.get("tables", DEFAULT_TABLES)),
                   str(data.get("time_zone", DEFAULT_TIME_ZONE)),
                   tuple(data.get("moments", ())))


class Koffiehoek:
    def __init__(self, store: Store, broker: Broker, rooms: RoomManager, signer: TokenSigner,
                 retention_days: int, clock: Clock | None = None,
                 space_posts_per_minute: int = 60) -> None:
        # Members are free to create: without a limit per space, many members together
        # would flood a chat as fast as the server can write (0: no limit).
        self.space_posts_per_minute = space_posts_per_minute
        self.store = store
        self.broker = broker
        self.rooms = rooms
        self.signer = signer
        self.retention_days = retention_days
        self.clock: Clock = clock or SystemClock()
        self._expiry: asyncio.Task[None] | None = None
        self._events: Subscription | None = None
        self._closing: set[asyncio.Task[int]] = set()
        # Told after a member was removed (an audit trail, the voice tables): the space,
        # who removed, whom.
        self.on_member_removed: list[Callable[[Space, Member, Member], Awaitable[None]]] = []

    # Life cycle: expire old messages now and then, in one process at a time.

    async def start(self) -> None:
        self._events = await self.broker.subscribe_events(MEMBERS_CHANNEL, self._on_event)
        self._expiry = asyncio.create_task(self._expire_periodically(), name="chat expiry")

    async def stop(self) -> None:
        if self._events is not None:
            await self._events.close()
            self._events = None
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)
        if self._expiry is not None:
            self._expiry.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._expiry

    async def _expire_periodically(self) -> None:
        while True:
            if await self.broker.acquire_once("koffiehoek:expiry", EXPIRY_INTERVAL_S * 0.9):
                try:
                    await self.expire_all()
                except Exception:
                    log.exception("chat expiry failed")
            await asyncio.sleep(EXPIRY_INTERVAL_S)

    # Spaces and members

    async def create_space(self, name: str, your_name: str, language: str,
                           time_zone: str = DEFAULT_TIME_ZONE) -> tuple[Space, Member, str]:
        """A new space and its first member; the fields as space_fields() parsed them."""
        member_id = new_id()
        space = Space(new_id(), name, language, self.clock.now_ms(), (), (),
                      created_by=member_id, time_zone=time_zone)
        await self.store.put_record(SPACE, space.id, space.to_json())
        log.info("space created id=%s", space.id)
        member, token = await self._add_member(space, your_name, member_id)
        return space, member, token

    async def space(self, space_id: str) -> Space:
        data = await self.store.get_record(SPACE, space_id) if _plausible(space_id) else None
        if data is None:
            raise NotFound("no such space")
        return Space.from_json(data)

    async def join(self, space_id: str, name: str) -> tuple[Member, str]:
        space = await self.space(space_id)
        return await self._add_member(space, name)

    async def _add_member(self, space: Space, name: str, member_id: str | None = None
                          ) -> tuple[Member, str]:
        member = Member(member_id or new_id(), space.id, name, self.clock.now_ms())
        await self.store.put_record(MEMBER, f"{space.id}/{member.id}", member.to_json())
        await self.mark_seen(space.id, member)
        return member, self.token_for(member)

    def token_for(self, member: Member) -> str:
        """A member token valid for --member-token-days from now (renewed on each visit)."""
        signer = self.signer
        return signer.sign(Claims(TOKEN_SCOPE + member.space_id, member.id, "participant",
                                  signer.expiry(signer.lifetimes.member_ms)))

    async def members(self, space_id: str) -> list[Member]:
        records = await self.store.list_records(MEMBER, f"{space_id}/")
        found = [Member(d["id"], d["space_id"], d["name"], int(d["joined_at"]))
                 for d in records.values()]
        return sorted(found, key=lambda m: (m.joined_at, m.id))

    async def remove_member(self, space: Space, by: Member, member_id: str) -> None:
        """Remove a member (the space's creator only): token and connections stop."""
        if space.created_by is None or space.created_by != by.id:
            raise Forbidden("only the member who created this space may remove members")
        if member_id == by.id:
            raise Forbidden("you cannot remove yourself")
        key = f"{space.id}/{member_id}"
        data = await self.store.get_record(MEMBER, key) if _plausible(member_id) else None
        if data is None:
            raise NotFound("no such member in this space")
        await self.store.delete_record(MEMBER, key)
        await self.broker.publish_event(MEMBERS_CHANNEL, {
            "type": "member-removed", "space_id": space.id, "member_id": member_id})
        log.info("member removed space=%s id=%s by=%s", space.id, member_id, by.id)
        removed = Member(data["id"], data["space_id"], data["name"], int(data["joined_at"]))
        for hook in self.on_member_removed:
            await hook(space, by, removed)

    def _on_event(self, event: dict[str, Any]) -> None:
        space_id, member_id = event.get("space_id"), event.get("member_id")
        if event.get("type") != "member-removed" or not isinstance(space_id, str) \
                or not isinstance(member_id, str):
            return
        task = asyncio.create_task(self.rooms.close_where(
            f"spaces/{space_id}/", lambda access: access.user.get("id") == member_id,
            status.CLOSE_FORBIDDEN, "you were removed from this space"))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def authenticate(self, space_id: str, token: str | None) -> tuple[Space, Member]:
        if not token:
            raise Unauthorized("a valid member token is required: join the space first")
        claims = self.signer.check(token)
        space = await self.space(space_id)
        if claims.session_id != TOKEN_SCOPE + space.id:
            raise Unauthorized("this token belongs to another space")
        data = await self.store.get_record(MEMBER, f"{space.id}/{claims.participant_id}")
        if data is None:
            raise Unauthorized("this member no longer exists (removed from the space)",
                               "removed")
        return space, Member(data["id"], data["space_id"], data["name"], int(data["joined_at"]))

    # Who is around

    async def mark_seen(self, space_id: str, member: Member) -> None:
        now = self.clock.now_ms()
        key = f"{space_id}/{_day(now)}"

        def seen(record: dict[str, Any] | None) -> dict[str, Any]:
            members = dict((record or {}).get("members", {}))
            first = members.get(member.id, {}).get("first", now)
            members[member.id] = {"name": member.name, "first": first, "last": now}
            return {"members": members}

        await self.store.update_record(SEEN, key, seen)

    async def present(self, space_id: str) -> list[dict[str, str]]:
        """Members connected right now, across all processes, once each."""
        entries = await self.broker.presence(chat.chat_name(space_id))
        people: dict[str, dict[str, str]] = {}
        for entry in entries:
            mid = str(entry.user.get("id", ""))
            if mid and mid not in people:
                people[mid] = {"id": mid, "name": str(entry.user.get("name", ""))}
        return sorted(people.values(), key=lambda p: p["name"].casefold())

    async def seen_today(self, space_id: str) -> list[dict[str, Any]]:
        record = await self.store.get_record(SEEN, f"{space_id}/{_day(self.clock.now_ms())}")
        members = (record or {}).get("members", {})
        return sorted(({"id": mid, **info} for mid, info in members.items()),
                      key=lambda m: m["last"], reverse=True)

    def icebreaker_of_the_day(self, space: Space) -> str:
        questions = (*ICEBREAKERS[space.language], *space.icebreakers)
        day = _day(self.clock.now_ms())
        digest = hashlib.sha256(f"{space.id}/{day}".encode()).digest()
        return questions[int.from_bytes(digest[:4], "big") % len(questions)]

    # Posting

    async def post(self, space: Space, member: Member, message_text: str) -> dict[str, Any]:
        return await self._post(space, member, "message", message_text)

    async def coffee(self, space: Space, member: Member, reach: list[str] | None = None
                     ) -> dict[str, Any]:
        """"Who wants coffee?": a nudge. The chat shows it to all; only those it names in
        ``reach`` (the available: gatherings.py) are called by it, announced and
        highlighted, so someone in focus or away is not disturbed."""
        return await self._post(space, member, "coffee", "",
                                None if reach is None else {"reach": reach})

    async def post_as_space(self, space: Space, message: dict[str, Any]) -> None:
        """A message from the space itself (a coffee moment): no author, no rate."""
        cutoff = self._cutoff()

        def change(doc: Any) -> None:
            chat.remove_older_than(doc, cutoff)
            chat.append_message(doc, message)

        await self.rooms.apply_server_change(chat.chat_name(space.id), change)

    async def _post(self, space: Space, member: Member, kind: str, message_text: str,
                    extra: dict[str, Any] | None = None) -> dict[str, Any]:
        await self._take_rate(space.id, member.id)
        message = {"id": new_id(), "kind": kind, "author_id": member.id,
                   "author_name": member.name, "text": message_text,
                   "at": self.clock.now_ms(), **(extra or {})}
        cutoff = self._cutoff()

        def change(doc: Any) -> None:
            chat.remove_older_than(doc, cutoff)
            chat.append_message(doc, message)

        await self.rooms.apply_server_change(chat.chat_name(space.id), change)
        await self.mark_seen(space.id, member)
        return message

    async def _take_rate(self, space_id: str, member_id: str) -> None:
        # The member's own limit first: one fast member is refused without spending
        # the space's budget. Both live in the store, so they hold across processes.
        wait_ms = await self._take_window(f"{space_id}/{member_id}", RATE_MAX_POSTS,
                                          RATE_WINDOW_MS)
        if wait_ms is not None:
            seconds = max(1, -(-wait_ms // 1000))
            raise RateLimited(
                f"slow down: at most {RATE_MAX_POSTS} messages per {RATE_WINDOW_MS // 1000} "
                f"seconds; try again in {seconds} s", seconds)
        if self.space_posts_per_minute <= 0:
            return
        wait_ms = await self._take_window(space_id, self.space_posts_per_minute, 60_000)
        if wait_ms is not None:
            seconds = max(1, -(-wait_ms // 1000))
            raise RateLimited(
                f"this space's chat is busy: at most {self.space_posts_per_minute} messages "
                f"a minute from all members together; try again in {seconds} s", seconds)

    async def _take_window(self, key: str, most: int, window_ms: int) -> int | None:
        """Record one post in the sliding window of key; None, or the ms to wait."""
        now = self.clock.now_ms()
        verdict: dict[str, int] = {}

        def take(record: dict[str, Any] | None) -> dict[str, Any]:
            verdict.clear()  # the store may run this more than once
            times = [t for t in (record or {}).get("times", []) if t > now - window_ms]
            if len(times) >= most:
                verdict["retry_ms"] = int(times[0] + window_ms - now)
                return {"times": times}
            return {"times": [*times, now]}

        await self.store.update_record(RATE, key, take)
        return verdict.get("retry_ms")

    async def add_icebreaker(self, space: Space, question: str) -> Space:

        def add(record: dict[str, Any] | None) -> dict[str, Any]:
            if record is None:
                raise NotFound("no such space")
            own = list(record.get("icebreakers", []))
            if len(own) >= MAX_OWN_ICEBREAKERS:
                raise Invalid(f"a space keeps at most {MAX_OWN_ICEBREAKERS} own questions")
            if question not in own:
                own.append(question)
            return {**record, "icebreakers": own}

        return Space.from_json(await self.store.update_record(SPACE, space.id, add) or {})

    async def add_table(self, space: Space, name: str, seats: int, muted_on_arrival: bool,
                        cameras: bool) -> Space:
        table = {"id": new_id(), "name": name, "seats": seats,
                 "muted_on_arrival": muted_on_arrival, "cameras": cameras}

        def add(record: dict[str, Any] | None) -> dict[str, Any]:
            if record is None:
                raise NotFound("no such space")
            tables = list(record.get("tables", DEFAULT_TABLES))
            if len(tables) >= MAX_TABLES:
                raise Invalid(f"a space has at most {MAX_TABLES} tables")
            return {**record, "tables": [*tables, table]}

        return Space.from_json(await self.store.update_record(SPACE, space.id, add) or {})

    async def messages(self, space_id: str) -> list[dict[str, Any]]:
        return await self.rooms.read(chat.chat_name(space_id), chat.read_messages)

    async def find_message(self, space_id: str, message_id: str) -> dict[str, Any]:
        found = await self.rooms.read(chat.chat_name(space_id),
                                      lambda doc: chat.find_message(doc, message_id))
        if found is None:
            raise NotFound("no such message (it may have expired)")
        return found

    async def add_session(self, space: Space, member: Member, session: dict[str, Any]) -> None:
        """Remember a session started here and invite everyone in the chat."""

        def add(record: dict[str, Any] | None) -> dict[str, Any]:
            if record is None:
                raise NotFound("no such space")
            ids = [*record.get("session_ids", []), session["id"]]
            started_by = {**record.get("started_by", {}), session["id"]: member.id}
            return {**record, "session_ids": ids, "started_by": started_by}

        await self.store.update_record(SPACE, space.id, add)
        await self._post(space, member, "session", session["title"], {"session": session})

    # Expiry

    def _cutoff(self) -> int:
        return self.clock.now_ms() - self.retention_days * 86_400_000

    async def expire(self, space_id: str) -> int:
        """Remove expired messages from the document, then from storage."""
        name = chat.chat_name(space_id)
        cutoff = self._cutoff()
        removed: list[int] = []

        def change(doc: Any) -> None:
            removed.append(chat.remove_older_than(doc, cutoff))

        await self.rooms.apply_server_change(name, change)
        if removed[0]:
            await self.store.compact(name)  # compaction drops the deleted text
            log.info("chat expired space=%s messages=%d", space_id, removed[0])
        return removed[0]

    async def expire_all(self) -> int:
        return sum([await self.expire(sid) for sid in await self.store.list_records(SPACE)])


# The bodies the Koffiehoek takes: api/bodies.py declares them with their schemas, and the
# routing parses each request with them before the methods above get the fields.

def space_fields(raw: Any) -> dict[str, Any]:
    body = body_object(raw)
    only_fields(body, ("name", "language", "your_name", "time_zone"))
    name = text(body, "name", MAX_SPACE_NAME)
    your_name = text(body, "your_name", MAX_NAME)
    language = body.get("language", DEFAULT_LANGUAGE)
    if language not in LANGUAGES:
        raise Invalid("language must be \"nl\" or \"en\"")
    time_zone = body.get("time_zone", DEFAULT_TIME_ZONE)
    if not isinstance(time_zone, str):
        raise Invalid("time_zone must be an IANA time zone such as Europe/Amsterdam")
    availability.zone(time_zone)
    return {"name": name, "your_name": your_name, "language": language,
            "time_zone": time_zone}


def member_fields(raw: Any) -> dict[str, Any]:
    body = body_object(raw)
    only_fields(body, ("name",))
    return {"name": text(body, "name", MAX_NAME)}


def message_fields(raw: Any) -> dict[str, Any]:
    body = body_object(raw)
    only_fields(body, ("text",))
    return {"text": text(body, "text", MAX_MESSAGE)}


def icebreaker_fields(raw: Any) -> dict[str, Any]:
    body = body_object(raw)
    only_fields(body, ("text",))
    return {"text": text(body, "text", MAX_ICEBREAKER)}


def _day(ms: int) -> str:
    return datetime.datetime.fromtimestamp(ms / 1000).date().isoformat()


def _plausible(space_id: str) -> bool:
    return 0 < len(space_id) <= MAX_ID and all(c.isalnum() or c in "-_" for c in space_id)
