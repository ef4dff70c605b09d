"""Peer ratings, one module per flow: :mod:`.rate` (/rate), :mod:`.results` (/ratings: own results,
dashboard, person view, top), :mod:`.policies` (/rating_policies), :mod:`.export` (/export ratings) and
:mod:`.campaign` (/rating_campaign). The monthly form is :func:`bot.views.form_message` (the scheduler
sends it too). One router, ``ratings``, holds the handlers of all of them.
"""

from __future__ import annotations

from aiogram import Router


def create_router() -> Router:
    from handlers.ratings import campaign, export, policies, rate, results

    router = Router(name="ratings")
    for flow in (rate, results, export, policies, campaign):
        flow.register(router)
    return router
