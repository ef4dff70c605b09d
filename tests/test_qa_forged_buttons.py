"""QA of issue 8: every button a writer and an admin see, pressed twice by its owner, once by another
member, and with forged numbers (0, -1, past the database integer, 60 digits, "²"): never "something went
wrong", never an error in the log."""
from __future__ import annotations

import logging
import re

from tests.recording import Harness
from tests.test_reporting import ADMIN, OTHER, WRITER, setup_team


async def test_every_button_twice_forged_and_foreign(harness: Harness, db, caplog) -> None:
    h = harness
    caplog.set_level(logging.WARNING)
    await setup_team(h, "Bakery", "Cafe")
    pool = []
    for who, cmd in ((WRITER, "/report smm Bakery Post"), (WRITER, "/report reputation Cafe Rev"), (WRITER, "/mine"),
                     (ADMIN, "/members"), (ADMIN, "/projects"), (ADMIN, "/streams"), (ADMIN, "/plan"),
                     (ADMIN, "/invite"), (ADMIN, "/rating_policies"), (ADMIN, "/departments"), (WRITER, "/report"),
                     (WRITER, "/settings"), (ADMIN, "/digest"), (WRITER, "/rate"), (ADMIN, "/team")):
        for m in h.messages(await h.send(who, cmd)):
            pool.append((who, m))
    seen = set()
    bad = []
    i = 0
    while i < len(pool) and i < 400:
        who, m = pool[i]
        i += 1
        for _text, data in m.buttons():
            if not data or data.startswith("http") or data in seen:
                continue
            seen.add(data)
            variants = [(who, data), (who, data)]
            other = OTHER if who is not OTHER else WRITER
            variants.append((other, data))
            nums = re.findall(r"\d+", data)
            for n in set(nums):
                for forged in ("0", "2147483648", "99999", "9" * 60, "-1", "²"):
                    variants.append((who, data.replace(n, forged, 1)))
            for p, d in variants:
                if len(d.encode()) > 64:
                    continue
                sent = await h.press(p, m, d)
                for s in sent:
                    t = s.text or s.params.get("text") or ""
                    if "went wrong" in t or "пошло не так" in t or "Что-то" in t:
                        bad.append((p.id, d, t))
                if p is who and d == data:
                    pool.extend((who, x) for x in h.messages(sent))
    errs = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(seen) > 100  # the walk reached the cards, pickers, confirmations and admin screens
    assert not bad, bad[:5]
    assert not errs, [r.getMessage() for r in errs][:5]
