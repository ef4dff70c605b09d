"""The knowledge base: categories, articles (written in the bot, every change audited with the previous text
kept), browsing, search over the portable token index (bot.domain.search), inline search and freshness.

Who reads what is :func:`bot.access.may_read_article`, checked here with the ids a button or a query carries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot import access
from bot.domain import search
from bot.domain.learning import TITLE_MAX
from bot.domain.workdays import local_today
from bot.errors import NotAllowed, UserError
from bot.services.base import Service
from bot.text import plain, visible_len
from models import learning_repo as repo
from models import org_repo
from models.learning import Article, Attachment, KbCategory
from models.org import Member, Role

REVIEW_MONTHS = 6
REVIEW_DAYS = 182  # "six months" from the day of writing or checking
BODY_MAX = 30000  # visible characters of an article's body (sent in several messages)
CATEGORY_MAX = 100
SEARCH_LIMIT = 10
INLINE_LIMIT = 20
COMMON_TERM = 300  # a term in more live articles than this brings only its heaviest ones as candidates


@dataclass(frozen=True, slots=True)
class ArticleView:
    article: Article
    attachments: list[Attachment]
    category: KbCategory | None
    may_edit: bool


@dataclass(frozen=True, slots=True)
class Draft:
    """A body as the handler collected it: the messages (text + entities, as Telegram sent them), their
    HTML, and the attachments (kind, file_id, caption HTML)."""

    parts: list[dict]
    html: str
    attachments: list[tuple[str, str, str]]


def clean_title(title: str | None) -> str:
    title = " ".join((title or "").split())
    if not title or len(title) > TITLE_MAX:
        raise UserError("kb-title-bad", n=TITLE_MAX)
    return title


def check_body(draft: Draft) -> None:
    if not draft.html.strip() and not draft.attachments:
        raise UserError("kb-body-empty")
    if visible_len(draft.html) > BODY_MAX:
        raise UserError("kb-body-long", n=BODY_MAX)


def index_text(html_body: str, attachments: list[tuple[str, str, str]] | list[Attachment]) -> str:
    captions = [a[2] if isinstance(a, tuple) else a.caption_html for a in attachments]
    return plain(html_body + "\n" + "\n".join(captions))


class KbService(Service):
    def today(self) -> date:
        return local_today(self.clock.now(), self.settings.timezone)

    async def _audiences_ok(self, roles: list[str], departments: list[int]) -> tuple[list[str], list[int]]:
        roles = sorted({r for r in roles if r in (Role.WRITER.value, Role.MANAGER.value)})
        known = {d.id for d in await org_repo.list_departments(self.session)}
        return roles, sorted({d for d in departments if d in known})

    # -- categories -----------------------------------------------------------------------------------
    async def categories(self) -> list[KbCategory]:
        return await repo.categories(self.session)

    async def add_category(self, actor: Member, name: str) -> KbCategory:
        if not access.may_write_articles(actor):
            raise NotAllowed()
        name = " ".join(name.split())
        if not name or len(name) > CATEGORY_MAX:
            raise UserError("kb-category-bad", n=CATEGORY_MAX)
        async with self.db.writing(self.session) as s:
            if await repo.category_by_name(s, name) is not None:
                raise UserError("kb-category-exists", name=name)
            cat = KbCategory(name=name, created_at=self.clock.now())
            s.add(cat)
            await s.flush()
            org_repo.audit(s, actor_id=actor.id, action="kb.category_added", object_type="kb_category",
                           object_id=cat.id, at=self.clock.now(), name=name)
        return cat

    # -- writing --------------------------------------------------------------------------------------------
    async def create_article(self, actor: Member, title: str, draft: Draft, *, category_id: int | None,
                             roles: list[str], departments: list[int], key: str | None) -> tuple[int, bool]:
        if not access.may_write_articles(actor):
            raise NotAllowed()
        title = clean_title(title)
        check_body(draft)
        if category_id is not None and await repo.category(self.session, category_id) is None:
            raise UserError("error-bad-choice")
        roles, departments = await self._audiences_ok(roles, departments)
        now = self.clock.now()

        async def create(s) -> int:
            a = Article(title=title, body_html=draft.html, body_parts=draft.parts, category_id=category_id,
                        audience_roles=roles, audience_departments=departments, owner_id=actor.id,
                        version=1, archived=False, review_at=self.today() + timedelta(days=REVIEW_DAYS),
                        checked_at=now, created_at=now, updated_at=now)
            s.add(a)
            await s.flush()
            await repo.replace_attachments(s, a.id, draft.attachments)
            await repo.replace_terms(s, a.id, search.article_terms(title, index_text(draft.html,
                                                                                     draft.attachments)))
            org_repo.audit(s, actor_id=actor.id, action="kb.article_created", object_type="kb_article",
                           object_id=a.id, at=now, title=title, category_id=category_id, roles=roles,
                           departments=departments)
            return a.id

        object_id, created = await self.create_once(key, "kb_article", create)
        return int(object_id or 0), created

    async def _editable(self, actor: Member, article_id: int) -> Article:
        if not access.may_write_articles(actor):
            raise NotAllowed()
        a = await repo.article(self.session, article_id)
        if a is None:
            raise UserError("kb-not-found")
        return a

    async def edit_article(self, actor: Member, article_id: int, draft: Draft, title: str | None = None) -> Article:
        """A new text (and optionally title): the previous one is kept as a version; audited."""
        from models.learning import ArticleVersion

        check_body(draft)
        new_title = clean_title(title) if title else None
        now = self.clock.now()
        async with self.db.writing(self.session) as s:
            a = await self._editable(actor, article_id)
            s.add(ArticleVersion(article_id=a.id, version=a.version, title=a.title, body_html=a.body_html,
                                 body_parts=a.body_parts, edited_by=actor.id, replaced_at=now))
            a.title = new_title or a.title
            a.body_html, a.body_parts = draft.html, draft.parts
            a.version += 1
            a.updated_at = a.checked_at = now
            a.review_at = self.today() + timedelta(days=REVIEW_DAYS)
            await repo.replace_attachments(s, a.id, draft.attachments)
            await repo.replace_terms(s, a.id, search.article_terms(a.title, index_text(draft.html,
                                                                                       draft.attachments)))
            org_repo.audit(s, actor_id=actor.id, action="kb.article_edited", object_type="kb_article",
                           object_id=a.id, at=now, version=a.version)
        return a

    async def move_article(self, actor: Member, article_id: int, category_id: int | None) -> Article:
        async with self.db.writing(self.session) as s:
            a = await self._editable(actor, article_id)
            if category_id is not None and await repo.category(s, category_id) is None:
                raise UserError("error-bad-choice")
            before, a.category_id = a.category_id, category_id
            org_repo.audit(s, actor_id=actor.id, action="kb.article_moved", object_type="kb_article",
                           object_id=a.id, at=self.clock.now(), before=before, after=category_id)
        return a

    async def set_archived(self, actor: Member, article_id: int, archived: bool) -> Article:
        async with self.db.writing(self.session) as s:
            a = await self._editable(actor, article_id)
            a.archived = archived
            # only live articles are in the search index
            terms = {} if archived else search.article_terms(
                a.title, index_text(a.body_html, await repo.attachments(s, a.id)))
            await repo.replace_terms(s, a.id, terms)
            org_repo.audit(s, actor_id=actor.id, action="kb.article_archived" if archived else "kb.article_restored",
                           object_type="kb_article", object_id=a.id, at=self.clock.now())
        return a

    async def confirm_fresh(self, actor: Member, article_id: int) -> tuple[Article, bool]:
        """**Still correct**: the owner (or a manager) moves the review date of an article due for review;
        audited. → (the article, whether it changed): an article not due (checked meanwhile, a second press)
        stays as it is."""
        async with self.db.writing(self.session) as s:
            a = await repo.article(s, article_id)
            if a is None or a.archived:
                raise UserError("kb-not-found")
            if a.owner_id != actor.id and not access.may_write_articles(actor):
                raise NotAllowed()
            if a.review_at > self.today():
                return a, False
            now = self.clock.now()
            a.checked_at = now
            a.review_at = self.today() + timedelta(days=REVIEW_DAYS)
            org_repo.audit(s, actor_id=actor.id, action="kb.article_checked", object_type="kb_article",
                           object_id=a.id, at=now, review_at=a.review_at.isoformat())
        return a, True

    # -- reading ------------------------------------------------------------------------------------------
    async def article(self, actor: Member | None, article_id: int) -> ArticleView:
        """An article its reader may see (a forged id of another audience is refused like a missing one)."""
        a = await repo.article(self.session, article_id)
        if a is None or not access.may_read_article(actor, a.audience_roles or [], a.audience_departments or [],
                                                    archived=a.archived):
            raise UserError("kb-not-found")
        cat = await repo.category(self.session, a.category_id) if a.category_id else None
        return ArticleView(a, await repo.attachments(self.session, a.id), cat, access.may_write_articles(actor))

    async def lesson_article(self, a: Article) -> ArticleView:
        """A course lesson's article for its learner (the course's enrolment grants it, not the audience)."""
        cat = await repo.category(self.session, a.category_id) if a.category_id else None
        return ArticleView(a, await repo.attachments(self.session, a.id), cat, False)

    def _readable(self, actor: Member | None, a: Article) -> bool:
        return access.may_read_article(actor, a.audience_roles or [], a.audience_departments or [],
                                       archived=a.archived)

    async def browse(self, actor: Member, category_id: int | None) -> list[Article]:
        return [a for a in await repo.articles_in(self.session, category_id) if self._readable(actor, a)]

    async def search(self, actor: Member | None, query: str, limit: int = SEARCH_LIMIT) -> list[Article]:
        """The best matches the actor may read, best first (nothing for someone outside the team).

        Bounded work whatever the size of the base: a query term in at most ``COMMON_TERM`` articles brings all
        of them; the commoner ones share ``COMMON_TERM`` candidates (each its heaviest: title matches, many
        mentions), and their weights in the candidates the other terms brought are read by key. Usually five
        statements (up to ``repo.IDS_PER_STATEMENT`` candidates): the terms' counts (``kb_term_stats``), the
        candidates, the common terms' weights in them, the audiences of the best, the articles found.
        Ranking: :func:`bot.domain.search.rank`."""
        if access.role_of(actor) is None or access.is_client(actor):
            return []
        terms = search.query_terms(query)
        if not terms:
            return []
        s = self.session
        df, total = await repo.doc_freq(s, terms)
        terms = [t for t in terms if df.get(t)]
        if not terms:
            return []
        postings: dict[int, dict[str, int]] = {}
        common = [t for t in terms if df[t] > COMMON_TERM]
        share = COMMON_TERM // len(common) if common else 0  # the common terms share COMMON_TERM candidates
        # a rare term: every article that has it; a common one: its heaviest
        for article_id, t, weight in await repo.top_postings(s, {t: share if t in common else df[t] for t in terms}):
            postings.setdefault(article_id, {})[t] = weight
        if common:  # the common terms' weights in the candidates the other terms brought
            wanted = {t: [a for a, have in postings.items() if t not in have] for t in common}
            for article_id, t, weight in await repo.postings_of(s, wanted):
                postings[article_id][t] = weight
        ranked = search.rank(terms, postings, total, df, limit=len(postings))
        out: list[int] = []
        start, size = 0, 2 * limit  # most articles are for everyone: the first few audiences usually suffice
        while start < len(ranked) and len(out) < limit:
            chunk = [h.article_id for h in ranked[start:start + size]]
            start, size = start + size, 100
            audience = await repo.audiences(s, chunk)
            for article_id in chunk:
                roles, departments = audience.get(article_id, ([], []))
                if access.may_read_article(actor, roles, departments):
                    out.append(article_id)
                    if len(out) >= limit:
                        break
        found = await repo.articles_by_ids(s, out)
        return [found[i] for i in out if i in found]

    async def stale(self, actor: Member) -> list[Article]:
        if not access.may_write_articles(actor):
            raise NotAllowed()
        return await repo.stale_articles(self.session, self.today())

    async def all_articles(self, actor: Member) -> list[Article]:
        """For a manager picking a lesson's article."""
        if not access.may_write_articles(actor):
            raise NotAllowed()
        return await repo.all_articles(self.session)

    async def due_reviews(self, now: datetime) -> list[tuple[Article, Member]]:
        """Live articles past their review date at ``now`` with an active owner (the scheduler reminds each
        once per review date, through the delivery log)."""
        out = []
        for a in await repo.stale_articles(self.session, local_today(now, self.settings.timezone)):
            owner = await org_repo.member_by_id(self.session, a.owner_id) if a.owner_id else None
            if owner is not None and owner.active and not owner.unreachable:
                out.append((a, owner))
        return out
