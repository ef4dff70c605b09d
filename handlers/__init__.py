"""One aiogram Router per feature. Handlers are thin: parse, call a service, render.

:func:`create_routers` builds fresh routers (a router can belong to one dispatcher only),
in the order they are matched; the fallback router is always last.
"""

from __future__ import annotations

from aiogram import Router


def create_routers() -> list[Router]:
    from handlers import (
        clients,
        common,
        courses,
        dashboard,
        digests,
        fallback,
        invites,
        kb,
        leads,
        members,
        plans,
        ratings,
        reporting,
        settings,
        smm,
        tasks,
    )

    # reporting first: it serves most updates (/report, unit buttons), and aiogram tries every earlier
    # router's filters on each update. Order matters only where filters overlap, and they do not: the
    # routers before it match commands and their own callback prefixes only, its text handlers refuse "/"
    routers = [
        # leads first: it claims "/team leads" and "/export leads" from the routers that own /team and /export
        leads.create_router(),
        reporting.create_router(),
        common.create_router(),
        clients.create_router(),  # before the team's /projects: a client's /projects is their own
        invites.create_router(),
        members.create_router(),
        settings.create_router(),
        plans.create_router(),
        ratings.create_router(),
        digests.create_router(),
        kb.create_router(),
        courses.create_router(),
        smm.create_router(),
        dashboard.create_router(),
        tasks.create_router(),
    ]
    routers.append(fallback.create_router())
    return routers
