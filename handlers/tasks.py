"""Tasks: /task (a short flow: title → due time → assignee for managers → repeat; or one line
``/task <title> <due>``), /tasks (overdue, today, upcoming, done today; a task's card with Done, +1 hour,
Tomorrow, another time, reassign for managers) and the buttons under the scheduler's reminders."""

from __future__ import annotations

from datetime import datetime

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot import access, text, ui
from bot.callbacks import TaskCb
from bot.domain.tasks import RECURRENCES
from bot.errors import UserError
from bot.i18n import Catalog, Translator
from bot.parsing import is_int, parse_id
from bot.sender import Sender
from bot.services import Services
from bot.services.base import form_key
from bot.services.tasks import HOUR, TOMORROW, Overview, TaskView
from bot.views import task_buttons, task_card, task_card_text, task_due, task_line, translator_for
from models.org import Member

SHOWN = 8  # task buttons per page of /tasks (overdue first, then today, upcoming)
LEAD_MARKS = "LlЛл"  # /task L45 …: a task linked to lead 45 (Latin or Cyrillic L)


class TaskForm(StatesGroup):
    title = State()
    due = State()
    pick = State()  # assignee and repeat buttons
    move = State()  # a typed new due time


# -- telling the assignee ----------------------------------------------------------------------------------------
async def tell_assignee(sender: Sender, catalog: Catalog, svc: Services, actor: Member, view: TaskView,
                        head: str = "task-assigned-head") -> None:
    """A task given to someone else: they get its card (their language, their zone) through the one sender."""
    if view.assignee is None or view.assignee.id == actor.id:
        return
    t = translator_for(catalog, svc.settings.default_language, view.assignee)
    own = await svc.tasks.notice_view(view.assignee, view.task.id, int(view.task.due_at.timestamp()),
                                      as_assignee=True)
    if own is None:
        return
    body, markup = task_card(t, own, head)
    await sender.send_text(view.assignee.telegram_id, body + "\n" + t("task-assigned-by", name=actor.display_name),
                           reply_markup=markup, kind="task_assigned")


# -- /task -------------------------------------------------------------------------------------------------------
async def on_task(message: Message, command: CommandObject, state: FSMContext, svc: Services, member: Member,
                  t: Translator, sender: Sender, catalog: Catalog) -> None:
    await state.clear()
    if command.args:
        args, unit_id, lead_id = command.args.strip(), None, None
        if args.startswith("#"):  # /task #45 Проверить правки завтра 10:00 — linked to unit 45
            head, _, args = args.partition(" ")
            unit_id = parse_id(head[1:])
        elif args[:1] in LEAD_MARKS and is_int(args.partition(" ")[0][1:]):
            head, _, args = args.partition(" ")  # /task L45 Позвонить завтра 10:00 — linked to lead 45
            lead_id = parse_id(head[1:])
        title, due = svc.tasks.split_one_line(member, args)
        view, created = await svc.tasks.create(member, title, due, unit_id=unit_id, lead_id=lead_id,
                                               key=form_key("task", message))
        body, markup = task_card(t, view)
        await message.answer(body + "\n\n" + t("task-created" if created else "task-created-before"),
                             reply_markup=markup)
        return
    await state.set_state(TaskForm.title)
    await message.answer(t("task-ask-title"))


async def on_lead_step(query: CallbackQuery, callback_data: TaskCb, state: FSMContext, svc: Services,
                       member: Member, t: Translator) -> None:
    """*Next step* on a lead card: the /task flow with the lead linked (checked now and again on save)."""
    lead = await svc.tasks.lead_for_task(member, callback_data.id)
    await state.clear()
    await state.set_state(TaskForm.title)
    await state.update_data(lead=lead.id)
    if query.message is not None:
        await query.message.answer(t("task-ask-title-lead", id=lead.id, name=lead.name or "—"))


async def on_title(message: Message, state: FSMContext, svc: Services, t: Translator) -> None:
    title = svc.tasks.check_title(message.text)
    await state.update_data(title=title)
    await state.set_state(TaskForm.due)
    await message.answer(t("task-ask-due", title=title) + "\n" + t("task-due-formats"))


def _repeat_keyboard(t: Translator) -> InlineKeyboardMarkup:
    kb = ui.builder()
    kb.row(InlineKeyboardButton(text=t("task-repeat-none"), callback_data=TaskCb(a="rp", v="-").pack()))
    for rule in RECURRENCES:
        kb.row(InlineKeyboardButton(text=t(f"task-repeat-{rule}"), callback_data=TaskCb(a="rp", v=rule).pack()))
    return kb.as_markup()


async def on_due(message: Message, state: FSMContext, svc: Services, member: Member, t: Translator) -> None:
    due = svc.tasks.parse_due(member, message.text)
    await state.update_data(due=due.isoformat(), assignee=member.id)
    await state.set_state(TaskForm.pick)
    people = await svc.tasks.assignees(member)
    if len(people) > 1:
        kb = ui.builder()
        for p in people[:40]:
            label = t("task-assignee-me") if p.id == member.id else text.truncate(p.display_name, 40)
            kb.row(InlineKeyboardButton(text=label, callback_data=TaskCb(a="as", m=p.id).pack()))
        await message.answer(t("task-ask-assignee"), reply_markup=kb.as_markup())
        return
    await message.answer(t("task-ask-repeat"), reply_markup=_repeat_keyboard(t))


async def on_assignee(query: CallbackQuery, callback_data: TaskCb, state: FSMContext, svc: Services,
                      member: Member, t: Translator) -> None:
    if await state.get_state() != TaskForm.pick.state:
        raise UserError("task-form-expired")
    if callback_data.m not in {p.id for p in await svc.tasks.assignees(member)}:
        raise UserError("error-not-allowed")  # a forged button: someone outside the actor's departments
    await state.update_data(assignee=callback_data.m)
    await ui.edit(query, t("task-ask-repeat"), _repeat_keyboard(t))


async def on_repeat(query: CallbackQuery, callback_data: TaskCb, state: FSMContext, svc: Services,
                    member: Member, t: Translator, sender: Sender, catalog: Catalog) -> None:
    key = form_key("task", query.message) if query.message is not None else None
    data = await state.get_data()
    if "due" not in data:  # the form is over: a second press of the same buttons shows what the first made
        saved = await svc.tasks.saved_view(member, key) if key else None
        if saved is None:
            raise UserError("task-form-expired")
        body, markup = task_card(t, saved)
        await ui.edit(query, body + "\n\n" + t("task-created-before"), markup)
        return
    if callback_data.v != "-" and callback_data.v not in RECURRENCES:
        raise UserError("error-bad-choice")
    view, created = await svc.tasks.create(
        member, data["title"], datetime.fromisoformat(data["due"]), assignee_id=data.get("assignee"),
        recurrence=None if callback_data.v == "-" else callback_data.v, lead_id=data.get("lead"), key=key)
    await state.clear()
    body, markup = task_card(t, view)
    await ui.edit(query, body + "\n\n" + t("task-created" if created else "task-created-before"), markup)
    if created:
        await tell_assignee(sender, catalog, svc, member, view)


# -- /tasks ------------------------------------------------------------------------------------------------------
def render_overview(t: Translator, data: Overview, viewer_id: int, page: int = 0) -> tuple[str, InlineKeyboardMarkup]:
    """The lists (fitted into one message) and a page of buttons, one per open task (overdue first)."""
    lines = [t("tasks-title")]
    sections = (("tasks-overdue", data.overdue), ("tasks-today", data.today), ("tasks-upcoming", data.upcoming),
                ("tasks-done-today", data.done_today))
    if not any(views for _, views in sections):
        lines.append(t("tasks-empty"))
    for key, views in sections:
        if views:
            lines += ["", t(key, n=len(views)), *(task_line(t, v, viewer_id) for v in views)]
    lines += ["", t("tasks-hint")]
    kb = ui.builder()
    page = ui.clamp_page(page, len(data.open), SHOWN)
    buttons = [InlineKeyboardButton(text=text.truncate(t("tasks-btn-open", id=v.task.id, title=v.task.title), 60),
                                    callback_data=TaskCb(a="op", id=v.task.id).pack())
               for v in ui.page_items(data.open, page, SHOWN)]
    for i in range(0, len(buttons), 2):
        kb.row(*buttons[i:i + 2])
    nav = ui.nav_row(page, ui.pages_of(len(data.open), SHOWN), lambda p: TaskCb(a="ls", m=p).pack())
    if nav:
        kb.row(*nav)
    return "\n".join(text.fit(lines, lambda n: t("list-more", n=n))), kb.as_markup()


async def on_tasks(message: Message, state: FSMContext, svc: Services, member: Member, t: Translator) -> None:
    await state.clear()
    body, markup = render_overview(t, await svc.tasks.overview(member), member.id)
    await message.answer(body, reply_markup=markup)


async def on_list(query: CallbackQuery, callback_data: TaskCb, svc: Services, member: Member, t: Translator) -> None:
    body, markup = render_overview(t, await svc.tasks.overview(member), member.id, callback_data.m)
    await ui.edit(query, body, markup)


def card_keyboard(t: Translator, task_id: int, *, manager: bool) -> InlineKeyboardMarkup:
    kb = ui.builder()
    kb.row(*task_buttons(t, task_id).inline_keyboard[0])
    row = [InlineKeyboardButton(text=t("task-btn-move"), callback_data=TaskCb(a="mv", id=task_id).pack())]
    if manager:
        row.append(InlineKeyboardButton(text=t("task-btn-reassign"), callback_data=TaskCb(a="ra", id=task_id).pack()))
    kb.row(*row)
    kb.row(InlineKeyboardButton(text=t("tasks-btn-back"), callback_data=TaskCb(a="ls").pack()))
    return kb.as_markup()


async def on_open(query: CallbackQuery, callback_data: TaskCb, svc: Services, member: Member, t: Translator) -> None:
    view = await svc.tasks.card(member, callback_data.id)
    await ui.edit(query, task_card_text(t, view), card_keyboard(t, view.task.id, manager=access.is_manager(member)))


# -- the buttons under a task --------------------------------------------------------------------------------------
async def on_done(query: CallbackQuery, callback_data: TaskCb, svc: Services, member: Member, t: Translator,
                  callback_answer: CallbackAnswer) -> None:
    done = await svc.tasks.complete(member, callback_data.id)
    callback_answer.text = t("task-done-answer")
    body = task_card_text(t, done.view) + "\n\n" + t("task-done")
    if done.next is not None:
        body += "\n" + t("task-next", due=task_due(done.next))
    await ui.edit(query, body)


async def on_postpone(query: CallbackQuery, callback_data: TaskCb, svc: Services, member: Member, t: Translator,
                      callback_answer: CallbackAnswer) -> None:
    view = await svc.tasks.postpone(member, callback_data.id, HOUR if callback_data.a == "h1" else TOMORROW)
    callback_answer.text = t("task-moved-answer", due=task_due(view))
    await ui.edit(query, task_card_text(t, view) + "\n\n" + t("task-moved", due=task_due(view)),
                  task_buttons(t, view.task.id))


async def on_move(query: CallbackQuery, callback_data: TaskCb, state: FSMContext, svc: Services, member: Member,
                  t: Translator) -> None:
    view = await svc.tasks.card(member, callback_data.id)
    await state.set_state(TaskForm.move)
    await state.update_data(task=view.task.id)
    await ui.edit(query, task_card_text(t, view) + "\n\n" + t("task-ask-move") + "\n" + t("task-due-formats"))


async def on_move_text(message: Message, state: FSMContext, svc: Services, member: Member, t: Translator) -> None:
    data = await state.get_data()
    try:
        view = await svc.tasks.move(member, data["task"], message.text)
    except UserError as exc:
        if not exc.key.startswith("task-due-"):
            await state.clear()  # done, reassigned or gone meanwhile: the form is over
        raise
    await state.clear()
    await message.answer(task_card_text(t, view) + "\n\n" + t("task-moved", due=task_due(view)),
                         reply_markup=task_buttons(t, view.task.id))


async def on_reassign(query: CallbackQuery, callback_data: TaskCb, svc: Services, member: Member,
                      t: Translator) -> None:
    view, choices = await svc.tasks.reassign_choices(member, callback_data.id)
    kb = ui.builder()
    for p in choices[:40]:
        kb.row(InlineKeyboardButton(text=text.truncate(p.display_name, 40),
                                    callback_data=TaskCb(a="to", id=view.task.id, m=p.id).pack()))
    kb.row(InlineKeyboardButton(text=t("tasks-btn-back"), callback_data=TaskCb(a="op", id=view.task.id).pack()))
    await ui.edit(query, task_card_text(t, view) + "\n\n" + t("task-ask-reassign" if choices else "task-no-choices"),
                  kb.as_markup())


async def on_reassign_to(query: CallbackQuery, callback_data: TaskCb, svc: Services, member: Member, t: Translator,
                         sender: Sender, catalog: Catalog, callback_answer: CallbackAnswer) -> None:
    moved = await svc.tasks.reassign(member, callback_data.id, callback_data.m)
    callback_answer.text = t("task-reassigned-answer", name=moved.view.assignee.display_name)
    await ui.edit(query, task_card_text(t, moved.view),
                  card_keyboard(t, moved.view.task.id, manager=True))
    await tell_assignee(sender, catalog, svc, member, moved.view)


def create_router() -> Router:
    router = Router(name="tasks")
    plain = F.text & ~F.text.startswith("/")
    router.message.register(on_task, Command("task"))
    router.message.register(on_tasks, Command("tasks"))
    router.message.register(on_title, StateFilter(TaskForm.title), plain)
    router.message.register(on_due, StateFilter(TaskForm.due), plain)
    router.message.register(on_move_text, StateFilter(TaskForm.move), plain)
    router.message.register(ui.on_not_text, StateFilter(TaskForm.title, TaskForm.due, TaskForm.move), ~F.text)
    router.callback_query.register(on_lead_step, TaskCb.filter(F.a == "nl"))
    router.callback_query.register(on_assignee, TaskCb.filter(F.a == "as"))
    router.callback_query.register(on_repeat, TaskCb.filter(F.a == "rp"))
    router.callback_query.register(on_list, TaskCb.filter(F.a == "ls"))
    router.callback_query.register(on_open, TaskCb.filter(F.a == "op"))
    router.callback_query.register(on_done, TaskCb.filter(F.a == "done"))
    router.callback_query.register(on_postpone, TaskCb.filter(F.a.in_({"h1", "tm"})))
    router.callback_query.register(on_move, TaskCb.filter(F.a == "mv"))
    router.callback_query.register(on_reassign, TaskCb.filter(F.a == "ra"), flags={"role": "manager"})
    router.callback_query.register(on_reassign_to, TaskCb.filter(F.a == "to"), flags={"role": "manager"})
    return router
