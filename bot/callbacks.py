"""Callback data that more than one layer builds: buttons one feature puts under another feature's
message (the rating form the scheduler sends, the "Digests" button in /settings).

Every other ``CallbackData`` class lives next to its handlers. Prefixes are unique across the project
(``tests/test_architecture.py`` fails on a duplicate): a button must reach exactly one handler.
"""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData

from bot.parsing import CbInt


class RateCb(CallbackData, prefix="rt"):
    """/rate and the monthly rating form (handlers/ratings/rate.py; sent by the scheduler too)."""

    a: str  # who | page | notask | score | nocom | ok | no
    p: CbInt = 0
    m: CbInt = 0
    s: CbInt = 0
    per: str = ""  # campaign forms: the month they are for


class DigestCb(CallbackData, prefix="dg"):
    """The digest preferences screen (handlers/digests.py), opened from /settings."""

    action: str  # menu | toggle | time | smm
    value: str = ""


class ClientCb(CallbackData, prefix="cl"):
    """A client's decision buttons under a unit card (handlers/clients.py; the card is sent by the writer's
    *sent for approval* press, /pending and the reminders)."""

    a: str  # ok (approve) | ch (request changes) | r (a reason picked) | pg (/pending page) | rep (the report)
    # | pp (/projects page)
    id: CbInt = 0
    v: str = ""  # a revision reason ("-": none)


class ClientAdminCb(CallbackData, prefix="cla"):
    """The admin's clients section (handlers/clients.py), opened from /members."""

    a: str  # list | open | add | addp | rm | off | on
    id: CbInt = 0
    p: CbInt = 0
    page: CbInt = 0


class KbCb(CallbackData, prefix="kb"):
    """The knowledge base (handlers/kb.py); the freshness reminder the scheduler sends carries its
    **Still correct** and **Edit** buttons."""

    a: str  # cat | open | page | done | nc (new: category) | aud (new: toggle) | save | ed | edone | mv | mvto
    #         | arc | unarc | ok (still correct)
    id: CbInt = 0
    c: CbInt = 0  # a category (0: none) or a page
    v: str = ""  # an audience toggle: all | r-<role> | d-<department id>


class CourseCb(CallbackData, prefix="crs"):
    """Courses (handlers/courses.py); the enrolment notices and nudges carry its **Open lesson** button."""

    a: str  # les (open lesson) | read | quiz | card | addl (pick article) | addla (add it) | addq (pick lesson)
    #         | addqs (question for lesson) | pg (a page of a picker) | auto
    id: CbInt = 0  # an enrolment or a course
    p: CbInt = 0  # a lesson position, an article id, a lesson id or a page


class SmmCb(CallbackData, prefix="smw"):
    """The weekly SMM figures form (handlers/smm.py; the scheduler sends it too) and /stats, /accounts buttons."""

    a: str  # f (a figure) | s (save) | y (save anyway) | o (show the form) | st (stats) | ar (archive) | pg (page)
    id: CbInt = 0
    w: CbInt = 0  # the week's last day as date.toordinal()
    f: str = ""  # the figure of an "f" button


class TaskCb(CallbackData, prefix="tk"):
    """Buttons under a task: the scheduler's reminder and /tasks (handlers/tasks.py)."""

    a: str  # done | h1 (+1 hour) | tm (tomorrow) | mv (type a new time) | ra (reassign: pick) | to (reassign to m)
    #        | as (the /task flow: assignee m) | rp (the /task flow: repeat v) | ls (/tasks, page m) | op (a card)
    #        | nl (the /task flow for lead id: a lead card's *Next step*)
    id: CbInt = 0
    m: CbInt = 0
    v: str = ""
