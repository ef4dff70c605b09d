"""The knowledge base: /kb (browse by category, /kb <words> search, /kb stale), /kb_new (title, then the body
as one or more messages: formatting kept as entities and shown as Telegram HTML, photos and documents
attached), editing, moving, archiving, the freshness buttons, /kb_categories and inline search."""

from __future__ import annotations

import hashlib
import html

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineQuery,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Message,
)
from aiogram.utils.text_decorations import HtmlDecoration

from bot import text, ui
from bot.callbacks import KbCb
from bot.errors import UserError
from bot.i18n import Translator
from bot.services import Services
from bot.services.base import form_key
from bot.services.kb import INLINE_LIMIT, ArticleView, Draft
from models.learning import DOCUMENT, PHOTO, Article
from models.org import Member

PARTS_MAX = 50  # messages in one article body
MANAGER = {"role": "manager"}


class _Html(HtmlDecoration):
    """aiogram's entity → HTML rendering with the link address escaped (an ``&`` in a URL is refused by
    Telegram's parser otherwise)."""

    def link(self, value: str, link: str) -> str:
        return self._tag(self.LINK_TAG, value, attrs={"href": html.escape(link, quote=True)})


_HTML = _Html()


def message_html(message: Message) -> str:
    """A message's text or caption with its entities as Telegram HTML."""
    body = message.text if message.text is not None else message.caption
    entities = message.entities if message.text is not None else message.caption_entities
    return _HTML.unparse(body or "", entities or [])


class KbForm(StatesGroup):
    title = State()
    body = State()
    edit = State()


# -- rendering --------------------------------------------------------------------------------------------
def article_head(t: Translator, a: Article, category: str | None) -> str:
    return t("kb-article-head", title=a.title, category=category or t("kb-no-category"),
             checked=a.checked_at.strftime("%d.%m.%Y"), id=a.id)


def article_parts(t: Translator, view: ArticleView) -> list[str]:
    """The article as messages within Telegram's limit, formatting never broken at a split."""
    a = view.article
    head = article_head(t, a, view.category.name if view.category else None)
    if a.archived:
        head += "\n" + t("kb-archived-mark")
    return text.split_html(head + "\n\n" + a.body_html if a.body_html else head)


def article_buttons(t: Translator, view: ArticleView):
    if not view.may_edit:
        return None
    a = view.article
    kb = ui.builder()
    kb.row(InlineKeyboardButton(text=t("kb-btn-edit"), callback_data=KbCb(a="ed", id=a.id).pack()),
           InlineKeyboardButton(text=t("kb-btn-move"), callback_data=KbCb(a="mv", id=a.id).pack()))
    kb.row(InlineKeyboardButton(text=t("kb-btn-unarchive" if a.archived else "kb-btn-archive"),
                                callback_data=KbCb(a="unarc" if a.archived else "arc", id=a.id).pack()))
    return kb.as_markup()


async def show_article(target: Message, t: Translator, view: ArticleView) -> None:
    parts = article_parts(t, view)
    for i, part in enumerate(parts):
        last = i == len(parts) - 1 and not view.attachments
        await target.answer(part, reply_markup=article_buttons(t, view) if last else None)
    for i, att in enumerate(view.attachments):
        markup = article_buttons(t, view) if i == len(view.attachments) - 1 else None
        caption = text.cut(att.caption_html, text.CAPTION_LIMIT) or None
        if att.kind == PHOTO:
            await target.answer_photo(att.file_id, caption=caption, reply_markup=markup)
        else:
            await target.answer_document(att.file_id, caption=caption, reply_markup=markup)


def _article_list(t: Translator, title: str, articles: list[Article], page: int, nav) -> tuple[str, object]:
    page = ui.clamp_page(page, len(articles))
    kb = ui.builder()
    for a in ui.page_items(articles, page):
        kb.row(InlineKeyboardButton(text=ui.truncate(a.title, 60), callback_data=KbCb(a="open", id=a.id).pack()))
    row = ui.nav_row(page, ui.pages_of(len(articles)), nav)
    if row:
        kb.row(*row)
    return title, kb.as_markup()


# -- /kb --------------------------------------------------------------------------------------------------
async def _categories_screen(svc: Services, t: Translator):
    cats = await svc.kb.categories()
    kb = ui.builder()
    for c in cats[:90]:
        kb.row(InlineKeyboardButton(text=ui.truncate(c.name, 60), callback_data=KbCb(a="cat", id=c.id).pack()))
    kb.row(InlineKeyboardButton(text=t("kb-no-category"), callback_data=KbCb(a="cat", id=0).pack()))
    return t("kb-browse"), kb.as_markup()


async def on_kb(message: Message, command: CommandObject, svc: Services, member: Member, t: Translator) -> None:
    args = (command.args or "").strip()
    if not args:
        body, markup = await _categories_screen(svc, t)
        await message.answer(body, reply_markup=markup)
        return
    if args.lower() in ("stale", "устаревшие"):
        articles = await svc.kb.stale(member)
        if not articles:
            await message.answer(t("kb-stale-none"))
            return
        lines = [t("kb-stale-title", n=len(articles))]
        lines += text.fit([t("kb-stale-line", id=a.id, title=a.title, due=a.review_at.strftime("%d.%m.%Y"),
                             checked=a.checked_at.strftime("%d.%m.%Y")) for a in articles],
                          lambda n: t("list-more", n=n))
        await message.answer("\n".join(lines))
        return
    found = await svc.kb.search(member, args[:200])
    if not found:
        await message.answer(t("kb-search-none", query=args[:200]))
        return
    lines = [t("kb-search-title", query=args[:200], n=len(found))]
    kb = ui.builder()
    for i, a in enumerate(found, 1):
        lines.append(t("kb-search-line", n=i, title=a.title))
        kb.row(InlineKeyboardButton(text=ui.truncate(f"{i}. {a.title}", 60),
                                    callback_data=KbCb(a="open", id=a.id).pack()))
    await message.answer(text.cut("\n".join(lines)), reply_markup=kb.as_markup())


async def on_category(query: CallbackQuery, callback_data: KbCb, svc: Services, member: Member,
                      t: Translator) -> None:
    cat_id = callback_data.id or None
    name = t("kb-no-category")
    if cat_id is not None:
        cats = {c.id: c.name for c in await svc.kb.categories()}
        if cat_id not in cats:
            raise UserError("error-bad-choice")
        name = cats[cat_id]
    articles = await svc.kb.browse(member, cat_id)
    title = t("kb-category-title", name=name, n=len(articles)) if articles else t("kb-category-empty", name=name)
    body, markup = _article_list(t, title, articles, callback_data.c,
                                 lambda p: KbCb(a="cat", id=callback_data.id, c=p).pack())
    await ui.edit(query, body, markup)


async def on_open(query: CallbackQuery, callback_data: KbCb, svc: Services, member: Member, t: Translator) -> None:
    view = await svc.kb.article(member, callback_data.id)
    await show_article(query.message, t, view)


# -- /kb_categories ---------------------------------------------------------------------------------------
async def on_categories(message: Message, command: CommandObject, svc: Services, member: Member,
                        t: Translator) -> None:
    args = (command.args or "").strip()
    if args:
        verb, _, name = args.partition(" ")
        if verb.lower() not in ("add", "добавить"):
            raise UserError("kb-categories-usage")
        cat = await svc.kb.add_category(member, name)
        await message.answer(t("kb-category-added", name=cat.name))
        return
    cats = await svc.kb.categories()
    lines = [t("kb-categories-title", n=len(cats))]
    lines += text.fit([t("kb-category-line", name=c.name) for c in cats], lambda n: t("list-more", n=n))
    lines.append(t("kb-categories-usage"))
    await message.answer("\n".join(lines))


# -- writing: /kb_new and edit ------------------------------------------------------------------------------
async def on_new(message: Message, state: FSMContext, member: Member, t: Translator) -> None:
    await state.clear()
    await state.set_state(KbForm.title)
    await message.answer(t("kb-new-title"))


async def on_title(message: Message, state: FSMContext, t: Translator) -> None:
    from bot.services.kb import clean_title

    title = clean_title(message.text)
    await state.set_state(KbForm.body)
    await state.update_data(kb_title=title, kb_parts=[], kb_html=[], kb_files=[])
    await message.answer(t("kb-new-body", title=title))


def _done_keyboard(t: Translator, action: str, article_id: int = 0):
    kb = ui.builder()
    kb.row(InlineKeyboardButton(text=t("kb-btn-done"), callback_data=KbCb(a=action, id=article_id).pack()))
    return kb.as_markup()


async def on_body(message: Message, state: FSMContext, t: Translator) -> None:
    """One message of the body: text (with its entities), a photo or a document (kept by file_id)."""
    data = await state.get_data()
    parts, htmls, files = list(data.get("kb_parts", [])), list(data.get("kb_html", [])), list(data.get("kb_files", []))
    if len(parts) + len(files) >= PARTS_MAX:
        raise UserError("kb-body-many", n=PARTS_MAX)
    entities = message.entities if message.text is not None else message.caption_entities
    if message.photo:
        files.append([PHOTO, message.photo[-1].file_id, message_html(message) if message.caption else ""])
    elif message.document:
        files.append([DOCUMENT, message.document.file_id, message_html(message) if message.caption else ""])
    elif message.text:
        parts.append({"text": message.text,
                      "entities": [e.model_dump(mode="json", exclude_none=True) for e in entities or []]})
        htmls.append(message_html(message))
    else:
        raise UserError("kb-body-kind")
    await state.update_data(kb_parts=parts, kb_html=htmls, kb_files=files)
    action = "edone" if await state.get_state() == KbForm.edit.state else "done"
    await message.answer(t("kb-body-added", parts=len(parts), files=len(files)),
                         reply_markup=_done_keyboard(t, action, int(data.get("kb_edit", 0))))


def _draft(data: dict) -> Draft:
    return Draft(list(data.get("kb_parts", [])), "\n\n".join(data.get("kb_html", [])),
                 [(str(k), str(f), str(c)) for k, f, c in data.get("kb_files", [])])


async def on_done(query: CallbackQuery, state: FSMContext, svc: Services, t: Translator) -> None:
    if await state.get_state() != KbForm.body.state:
        raise UserError("kb-form-over")
    from bot.services.kb import check_body

    check_body(_draft(await state.get_data()))
    cats = await svc.kb.categories()
    kb = ui.builder()
    for c in cats[:90]:
        kb.row(InlineKeyboardButton(text=ui.truncate(c.name, 60), callback_data=KbCb(a="nc", c=c.id).pack()))
    kb.row(InlineKeyboardButton(text=t("kb-no-category"), callback_data=KbCb(a="nc", c=0).pack()))
    await ui.edit(query, t("kb-new-category"), kb.as_markup())


async def _audience_screen(query: CallbackQuery, svc: Services, t: Translator, data: dict) -> None:
    roles, depts = data.get("kb_roles", []), data.get("kb_depts", [])
    mark = "✅ "
    kb = ui.builder()
    kb.row(InlineKeyboardButton(text=(mark if not roles and not depts else "") + t("kb-aud-all"),
                                callback_data=KbCb(a="aud", v="all").pack()))
    for role in ("writer", "manager"):
        kb.row(InlineKeyboardButton(text=(mark if role in roles else "") + t(f"role-{role}"),
                                    callback_data=KbCb(a="aud", v=f"r-{role}").pack()))
    for d in (await svc.org.list_departments())[:40]:
        kb.row(InlineKeyboardButton(text=(mark if d.id in depts else "") + ui.truncate(d.name, 50),
                                    callback_data=KbCb(a="aud", v=f"d-{d.id}").pack()))
    kb.row(InlineKeyboardButton(text=t("kb-btn-save"), callback_data=KbCb(a="save").pack()))
    await ui.edit(query, t("kb-new-audience", title=data.get("kb_title", "")), kb.as_markup())


async def on_new_category(query: CallbackQuery, callback_data: KbCb, state: FSMContext, svc: Services,
                          t: Translator) -> None:
    if await state.get_state() != KbForm.body.state:
        raise UserError("kb-form-over")
    if callback_data.c and callback_data.c not in {c.id for c in await svc.kb.categories()}:
        raise UserError("error-bad-choice")
    await state.update_data(kb_category=callback_data.c, kb_roles=[], kb_depts=[])
    await _audience_screen(query, svc, t, await state.get_data())


async def on_audience(query: CallbackQuery, callback_data: KbCb, state: FSMContext, svc: Services,
                      t: Translator) -> None:
    if await state.get_state() != KbForm.body.state:
        raise UserError("kb-form-over")
    data = await state.get_data()
    roles, depts = list(data.get("kb_roles", [])), list(data.get("kb_depts", []))
    kind, _, value = callback_data.v.partition("-")
    if callback_data.v == "all":
        roles, depts = [], []
    elif kind == "r" and value in ("writer", "manager"):
        roles = [r for r in roles if r != value] if value in roles else [*roles, value]
    elif kind == "d":
        from bot.parsing import button_int

        dept = button_int(value)
        if dept not in {d.id for d in await svc.org.list_departments()}:
            raise UserError("error-bad-choice")
        depts = [d for d in depts if d != dept] if dept in depts else [*depts, dept]
    else:
        raise UserError("error-bad-choice")
    await state.update_data(kb_roles=roles, kb_depts=depts)
    await _audience_screen(query, svc, t, await state.get_data())


async def on_save(query: CallbackQuery, state: FSMContext, svc: Services, member: Member, t: Translator) -> None:
    key = form_key("kb_article", query.message)
    saved = await svc.kb.saved_id(key)
    if saved is None:
        if await state.get_state() != KbForm.body.state:
            raise UserError("kb-form-over")
        data = await state.get_data()
        saved, _created = await svc.kb.create_article(
            member, data.get("kb_title", ""), _draft(data), category_id=int(data.get("kb_category") or 0) or None,
            roles=list(data.get("kb_roles", [])), departments=list(data.get("kb_depts", [])), key=key)
        await state.clear()
    view = await svc.kb.article(member, saved)
    await ui.edit(query, t("kb-saved", id=saved, title=view.article.title))
    await show_article(query.message, t, view)


async def on_edit(query: CallbackQuery, callback_data: KbCb, state: FSMContext, svc: Services, member: Member,
                  t: Translator) -> None:
    view = await svc.kb.article(member, callback_data.id)
    if not view.may_edit:
        raise UserError("error-not-allowed")
    await state.clear()
    await state.set_state(KbForm.edit)
    await state.update_data(kb_edit=view.article.id, kb_parts=[], kb_html=[], kb_files=[])
    await query.message.answer(t("kb-edit-body", title=view.article.title))


async def on_edit_done(query: CallbackQuery, callback_data: KbCb, state: FSMContext, svc: Services,
                       member: Member, t: Translator) -> None:
    data = await state.get_data()
    if await state.get_state() != KbForm.edit.state or int(data.get("kb_edit", 0)) != callback_data.id:
        raise UserError("kb-form-over")
    a = await svc.kb.edit_article(member, callback_data.id, _draft(data))
    await state.clear()
    await ui.edit(query, t("kb-edited", id=a.id, title=a.title, version=a.version))
    await show_article(query.message, t, await svc.kb.article(member, a.id))


async def on_move(query: CallbackQuery, callback_data: KbCb, svc: Services, member: Member, t: Translator) -> None:
    view = await svc.kb.article(member, callback_data.id)
    if not view.may_edit:
        raise UserError("error-not-allowed")
    kb = ui.builder()
    for c in (await svc.kb.categories())[:90]:
        kb.row(InlineKeyboardButton(text=ui.truncate(c.name, 60),
                                    callback_data=KbCb(a="mvto", id=view.article.id, c=c.id).pack()))
    kb.row(InlineKeyboardButton(text=t("kb-no-category"),
                                callback_data=KbCb(a="mvto", id=view.article.id, c=0).pack()))
    await query.message.answer(t("kb-move-pick", title=view.article.title), reply_markup=kb.as_markup())


async def on_move_to(query: CallbackQuery, callback_data: KbCb, svc: Services, member: Member,
                     t: Translator) -> None:
    a = await svc.kb.move_article(member, callback_data.id, callback_data.c or None)
    await ui.edit(query, t("kb-moved", title=a.title))


async def on_archive(query: CallbackQuery, callback_data: KbCb, svc: Services, member: Member,
                     t: Translator) -> None:
    a = await svc.kb.set_archived(member, callback_data.id, callback_data.a == "arc")
    await query.message.answer(t("kb-archived" if a.archived else "kb-restored", title=a.title))


async def on_still_correct(query: CallbackQuery, callback_data: KbCb, svc: Services, member: Member,
                           t: Translator) -> None:
    a, changed = await svc.kb.confirm_fresh(member, callback_data.id)
    await ui.edit(query, t("kb-checked" if changed else "kb-checked-already", title=a.title,
                           until=a.review_at.strftime("%d.%m.%Y")))


# -- inline mode ----------------------------------------------------------------------------------------------
async def on_inline(query: InlineQuery, svc: Services, member: Member | None, t: Translator) -> None:
    """``@bot words`` in any chat: matching articles the member may read, to share (nothing for anyone else;
    ``is_personal``: Telegram caches the answer for this person only)."""
    found = await svc.kb.search(member, query.query[:200], limit=INLINE_LIMIT) if query.query.strip() else []
    categories = {c.id: c.name for c in await svc.kb.categories()} if found else {}
    results = []
    for a in found:
        body = article_head(t, a, categories.get(a.category_id)) + "\n\n" + a.body_html
        results.append(InlineQueryResultArticle(
            id=hashlib.sha1(f"kb{a.id}:{a.version}".encode()).hexdigest()[:32],
            title=text.truncate(a.title, 100),
            description=text.truncate(text.plain(a.body_html).replace("\n", " "), 100) or None,
            input_message_content=InputTextMessageContent(message_text=text.cut(body))))
    await query.answer(results, cache_time=10, is_personal=True)


def create_router() -> Router:
    router = Router(name="kb")
    router.message.register(on_kb, Command("kb"))
    router.message.register(on_categories, Command("kb_categories"))
    router.message.register(on_new, Command("kb_new"), flags=MANAGER)
    router.message.register(on_title, StateFilter(KbForm.title), F.text, ~F.text.startswith("/"), flags=MANAGER)
    router.message.register(on_body, StateFilter(KbForm.body, KbForm.edit), ~F.text.startswith("/"), flags=MANAGER)
    router.callback_query.register(on_category, KbCb.filter(F.a == "cat"))
    router.callback_query.register(on_open, KbCb.filter(F.a == "open"))
    router.callback_query.register(on_done, KbCb.filter(F.a == "done"), flags=MANAGER)
    router.callback_query.register(on_new_category, KbCb.filter(F.a == "nc"), flags=MANAGER)
    router.callback_query.register(on_audience, KbCb.filter(F.a == "aud"), flags=MANAGER)
    router.callback_query.register(on_save, KbCb.filter(F.a == "save"), flags=MANAGER)
    router.callback_query.register(on_edit, KbCb.filter(F.a == "ed"), flags=MANAGER)
    router.callback_query.register(on_edit_done, KbCb.filter(F.a == "edone"), flags=MANAGER)
    router.callback_query.register(on_move, KbCb.filter(F.a == "mv"), flags=MANAGER)
    router.callback_query.register(on_move_to, KbCb.filter(F.a == "mvto"), flags=MANAGER)
    router.callback_query.register(on_archive, KbCb.filter(F.a.in_({"arc", "unarc"})), flags=MANAGER)
    router.callback_query.register(on_still_correct, KbCb.filter(F.a == "ok"))
    router.inline_query.register(on_inline)
    return router
