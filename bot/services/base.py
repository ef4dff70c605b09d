"""What every service shares: its per-update dependencies and the access checks (rules in :mod:`bot.access`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot import access
from bot.clock import Clock
from bot.config import Settings
from bot.db import Database
from bot.errors import NotAllowed, UserError
from models import idempotency_repo, org_repo
from models.org import Member


class _Repeated(Exception):
    """The key was used before: roll back this write and show what the first one saved."""


class _FormMessage(Protocol):
    message_id: int

    @property
    def chat(self) -> object: ...


def form_key(kind: str, message: _FormMessage) -> str:
    """The idempotency key of a form that creates something: the message that carries its Save button
    (or the command message itself). Telegram message ids are unique per chat, so one form message creates
    at most one object, however often it is pressed or redelivered (also across a restart)."""
    return f"{kind}:{message.chat.id}:{message.message_id}"[:128]


class Service:
    def __init__(self, session: AsyncSession, db: Database, settings: Settings, clock: Clock) -> None:
        self.session = session
        self.db = db
        self.settings = settings
        self.clock = clock

    @staticmethod
    def require_admin(actor: Member) -> None:
        if not access.is_admin(actor):
            raise NotAllowed()

    @staticmethod
    def require_manager(actor: Member) -> None:
        """Managers and admins."""
        if not access.is_manager(actor):
            raise NotAllowed()

    async def managed_ids(self, actor: Member) -> list[int]:
        """The departments the actor manages as a manager (loaded only when their scope depends on it)."""
        if not access.needs_managed_ids(actor):
            return []
        return await org_repo.managed_department_ids(self.session, actor.id)

    async def manageable_department_ids(self, actor: Member) -> list[int] | None:
        """Departments the actor manages; ``None`` means all (admins), ``[]`` none (writers)."""
        return access.department_scope(actor, await self.managed_ids(actor))

    async def may_see_member(self, actor: Member, member: Member) -> bool:
        """The actor themselves, their manager, or an admin (:func:`bot.access.may_see_member`)."""
        return access.may_see_member(actor, member, await self.managed_ids(actor))

    async def create_once(self, key: str | None, kind: str,
                          create: Callable[[AsyncSession], Awaitable[int | None]], *,
                          claim_last: bool = False) -> tuple[int | None, bool]:
        """Run ``create`` (adds the object, returns its id) in one write together with the key's row.

        → (object id, True) when this call created it; (the id saved under ``key``, False) when the key was
        used before (a double press, a redelivered update, a Save after a restart). Two concurrent calls
        with one key create one object: the unique constraint on the key refuses the second, whose
        transaction is rolled back. ``key=None`` just creates.

        ``claim_last``: for the hot path (a one-line report), one statement for the key instead of two.
        The object is created first and the key inserted after it with ``ON CONFLICT DO NOTHING``; when
        the key was already there (a repeat, rare) the whole write is rolled back and the saved object
        returned. If ``create`` refuses (a :class:`UserError`: say the project was archived since the
        first time), the key is looked up too, so a repeat still shows what the first call saved.
        ``create`` then claims the key itself, with its own writes (so that a backend can send them as one
        statement): it is called as ``create(session, claim)`` with an :class:`idempotency_repo.Claim`
        (``None`` when ``key`` is) and returns (object id, whether the key was claimed)."""
        if key is None:
            async with self.db.writing(self.session) as s:
                if claim_last:
                    return (await create(s, None))[0], True
                return await create(s), True
        if claim_last:
            return await self._create_claiming_last(key, kind, create)
        try:
            async with self.db.writing(self.session) as s:
                saved = await idempotency_repo.find(s, key)
                if saved is None:
                    object_id = await create(s)
                    idempotency_repo.claim(s, key, kind, object_id, self.clock.now())
                    await s.flush()
                    return object_id, True
        except IntegrityError:
            saved = await idempotency_repo.find(self.session, key)
            if saved is None:
                raise
        return saved.object_id, False

    async def _create_claiming_last(self, key: str, kind: str,
                                    create: Callable[[AsyncSession], Awaitable[int | None]]
                                    ) -> tuple[int | None, bool]:
        try:
            async with self.db.writing(self.session) as s:
                object_id, claimed = await create(s, idempotency_repo.Claim(key, kind, self.clock.now()))
                if claimed:
                    return object_id, True
                raise _Repeated(key)
        except (_Repeated, UserError, IntegrityError):
            saved = await idempotency_repo.find(self.session, key)
            if saved is None:
                raise
        return saved.object_id, False

    async def saved_id(self, key: str) -> int | None:
        """The object a form with this key created, if it did."""
        saved = await idempotency_repo.find(self.session, key)
        return saved.object_id if saved is not None else None
