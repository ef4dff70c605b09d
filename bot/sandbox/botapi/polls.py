"""Polls and quizzes: ``sendPoll`` (checked as the spec says), ``stopPoll``, and a user's vote (the web chat's
:meth:`PollsMixin.vote`, ``FakeUser.answer_poll`` in tests) with its ``poll_answer`` and ``poll`` updates."""

from __future__ import annotations

import copy
from typing import Any

from bot.sandbox.spec import ApiError, formatted_text
from bot.sandbox.state import EmuMessage
from bot.sandbox.users import FakeUser


class PollsMixin:
    """Polls, quizzes and votes. A part of :class:`BotAPIEmulator` (its state is set in
    ``BotAPIEmulator.__init__``)."""

    def _poll_text(self, text: str, parse_mode: str | None, entities: list | None, what: str,
                   limit: tuple[int, int]) -> tuple[str, list[dict]]:
        """A poll's question, option or explanation as Telegram shows it (its parse mode applied), its length
        checked after parsing as the spec says."""
        if entities is not None and not parse_mode:
            plain, ents = text, list(entities)
        else:
            plain, ents = formatted_text(text, parse_mode)
        low, high = limit
        if not low <= len(plain) <= high:
            raise ApiError(f"Bad Request: {what} length must be {low}-{high}", violation=True)
        return plain, ents

    async def _api_sendpoll(self, params: dict, files: dict) -> dict:
        """A poll kept in the chat as a poll message (question, options, type, correct option ids, explanation,
        anonymity, multiple answers, closed); answered by :meth:`vote` (the web chat) or
        :meth:`FakeUser.answer_poll` (tests)."""
        chat_id = self._resolve_chat(params["chat_id"])
        self._flood_check("sendPoll", chat_id)
        options = params["options"]
        if not 1 <= len(options) <= 12:
            raise ApiError("Bad Request: poll must have 1-12 options", violation=True)
        question, question_entities = self._poll_text(params["question"], params.get("question_parse_mode"),
                                                      params.get("question_entities"), "poll question", (1, 300))
        shown = []
        for o in options:
            o = o if isinstance(o, dict) else {"text": str(o)}
            text, _ = self._poll_text(o["text"], o.get("text_parse_mode"), o.get("text_entities"), "poll option",
                                      (1, 100))
            shown.append(text)
        if len(set(shown)) != len(shown):
            raise ApiError("Bad Request: poll options must be different", violation=True)
        kind = params.get("type") or "regular"
        if kind not in ("regular", "quiz"):
            raise ApiError("Bad Request: wrong poll type specified", violation=True)
        correct = params.get("correct_option_ids")
        if kind == "quiz":
            if not correct or any(not 0 <= int(i) < len(options) for i in correct) or \
                    list(correct) != sorted(set(correct)):
                raise ApiError("Bad Request: wrong correct option ids for a quiz", violation=True)
        elif correct is not None:
            raise ApiError("Bad Request: correct option ids are for quizzes only", violation=True)
        explanation, explanation_entities = None, []
        if params.get("explanation"):
            if kind != "quiz":
                raise ApiError("Bad Request: an explanation is for quizzes only", violation=True)
            explanation, explanation_entities = self._poll_text(
                params["explanation"], params.get("explanation_parse_mode"), params.get("explanation_entities"),
                "quiz explanation", (0, 200))
            if explanation.count("\n") > 2:
                raise ApiError("Bad Request: quiz explanation has more than 2 line feeds", violation=True)
        if "open_period" in params and "close_date" in params:
            raise ApiError("Bad Request: open_period and close_date can't be used together", violation=True)
        poll_id = f"5{next(self._poll_ids):018d}"
        poll: dict[str, Any] = {
            "id": poll_id, "question": question,
            "options": [{"persistent_id": str(i), "text": text, "voter_count": 0} for i, text in enumerate(shown)],
            "total_voter_count": 0, "is_closed": bool(params.get("is_closed", False)),
            "is_anonymous": bool(params.get("is_anonymous", True)), "type": kind,
            "allows_multiple_answers": bool(params.get("allows_multiple_answers", False)),
            # the spec: revoting defaults to False for quizzes and True for regular polls
            "allows_revoting": bool(params.get("allows_revoting", kind != "quiz")),
            "members_only": False,
        }
        if question_entities:
            poll["question_entities"] = question_entities
        if correct is not None:
            poll["correct_option_ids"] = [int(i) for i in correct]
        if explanation:
            poll["explanation"] = explanation
            if explanation_entities:
                poll["explanation_entities"] = explanation_entities
        msg = self._new_bot_message(chat_id, "sendPoll", params, reply_markup=params.get("reply_markup"))
        msg.extra["poll"] = poll
        self.polls[poll_id] = (chat_id, msg.message_id)
        return msg.to_api()

    async def _api_stoppoll(self, params: dict, files: dict) -> dict:
        """Close a poll the bot sent: nobody may answer it any more; returns the final poll."""
        chat_id = self._resolve_chat(params["chat_id"])
        msg = self.find_message(chat_id, params["message_id"])
        poll = msg.extra.get("poll") if msg is not None and not msg.deleted else None
        if poll is None:
            raise ApiError("Bad Request: message with poll to stop not found")
        if not msg.from_bot:
            raise ApiError("Bad Request: poll can't be stopped")
        if poll["is_closed"]:
            raise ApiError("Bad Request: poll has already been closed")
        poll["is_closed"] = True
        if "reply_markup" in params:
            msg.reply_markup = params.get("reply_markup")
        return copy.deepcopy(poll)

    def poll_message(self, poll_id: str) -> EmuMessage | None:
        where = self.polls.get(poll_id)
        return self.find_message(*where) if where is not None else None

    def poll_choice(self, poll_id: str, user_id: int) -> list[int] | None:
        """The options this person chose in this poll (None: not answered, or the vote was retracted)."""
        return self.poll_votes.get(poll_id, {}).get(user_id)

    def vote(self, user: FakeUser, poll_id: str, option_ids: list[int]) -> None:
        """``user`` answers a poll as a Telegram client would let them, or :class:`ApiError` says why not: a
        closed poll, an option that does not exist, several options where one is allowed, a second answer to a
        quiz (or to any poll that does not allow revoting). The answer updates the counts and queues a
        ``poll_answer`` update (non-anonymous polls) and a ``poll`` update with the new state (delivered when
        the bot's allowed updates include it, as Telegram does for polls the bot sent)."""
        msg = self.poll_message(poll_id)
        poll = msg.extra.get("poll") if msg is not None else None
        if poll is None or msg.deleted or msg.chat_id != user.id:
            raise ApiError("Bad Request: poll not found")
        if poll["is_closed"]:
            raise ApiError("Bad Request: the poll is closed")
        option_ids = [int(i) for i in option_ids]
        if len(set(option_ids)) != len(option_ids) or any(not 0 <= i < len(poll["options"]) for i in option_ids):
            raise ApiError("Bad Request: wrong option ids")
        if len(option_ids) > 1 and not poll["allows_multiple_answers"]:
            raise ApiError("Bad Request: the poll allows one answer")
        votes = self.poll_votes.setdefault(poll_id, {})
        before = votes.get(user.id)
        if before is not None and not poll["allows_revoting"]:
            raise ApiError("Bad Request: the answer can't be changed" if poll["type"] == "quiz"
                           else "Bad Request: the poll doesn't allow revoting")
        if not option_ids and before is None:
            raise ApiError("Bad Request: nothing to retract")
        for i in before or []:
            poll["options"][i]["voter_count"] -= 1
        for i in option_ids:
            poll["options"][i]["voter_count"] += 1
        if option_ids:
            votes[user.id] = sorted(option_ids)
        else:
            votes.pop(user.id, None)
        poll["total_voter_count"] = len(votes)
        user._mark_action()
        if not poll["is_anonymous"]:
            self._queue_update("poll_answer", {"poll_id": poll_id, "user": user.user_api(),
                                               "option_ids": sorted(option_ids),
                                               "option_persistent_ids": [str(i) for i in sorted(option_ids)]})
        self._queue_update("poll", copy.deepcopy(poll))
