"""A lead's contacts as people type them: phone numbers (E.164 through ``phonenumbers``, region RU by
default), Instagram handles or links (→ the handle), e-mail addresses (``email-validator``, no DNS), and the
one-line form ``Анна Смирнова +7 916 123-45-67 @anna.sm anna@example.com``.

Pure: no I/O. Every refusal is a :class:`ContactError` naming the field (``phone``, ``email``,
``instagram``), which the service turns into a message with an example.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from email_validator import EmailNotValidError, validate_email

DEFAULT_REGION = "RU"
HANDLE_MAX = 30


class ContactError(ValueError):
    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


def parse_phone(text: str, region: str = DEFAULT_REGION) -> str:
    """A phone number → E.164 (``+79161234567``); a national number is read in ``region``. Refuses what
    ``phonenumbers`` does not consider a valid number."""
    raw = (text or "").strip()
    if not raw or len(raw) > 32 or not re.fullmatch(r"[0-9+()\-\s.]+", raw, re.ASCII):
        raise ContactError("phone")
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise ContactError("phone") from exc
    if not phonenumbers.is_valid_number(number):
        raise ContactError("phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str) -> str:
    """An E.164 number as people read it (``+7 916 123-45-67``)."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


_HANDLE_RE = re.compile(r"[a-z0-9_](?:[a-z0-9_]|\.(?!\.))*", re.ASCII)
_IG_URL_RE = re.compile(r"(?:https?://)?(?:www\.|m\.)?(?:instagram\.com|instagr\.am)/([^/?#\s]+)/?(?:[?#]\S*)?",
                        re.IGNORECASE | re.ASCII)
_NOT_PROFILES = frozenset({"p", "reel", "reels", "stories", "explore", "accounts", "direct", "tv"})


def parse_handle(text: str) -> str:
    """``@anna.sm``, ``anna.sm`` or a profile link (``https://www.instagram.com/anna.sm/?igsh=…``) → ``anna.sm``:
    1–30 of a–z, 0–9, ``_`` and ``.`` (no two dots in a row, not ending with one), lower case."""
    raw = (text or "").strip()
    m = _IG_URL_RE.fullmatch(raw)
    if m is not None:
        raw = m.group(1)
        if raw.lower() in _NOT_PROFILES:
            raise ContactError("instagram")
    raw = raw.removeprefix("@").lower()
    if not raw or len(raw) > HANDLE_MAX or not _HANDLE_RE.fullmatch(raw) or raw.endswith("."):
        raise ContactError("instagram")
    return raw


def parse_email(text: str) -> str:
    """An e-mail address, checked for its form (no DNS look-up), normalised and in lower case."""
    raw = (text or "").strip()
    if not raw or len(raw) > 254:
        raise ContactError("email")
    try:
        info = validate_email(raw, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ContactError("email") from exc
    return info.normalized.lower()


@dataclass(frozen=True, slots=True)
class Contacts:
    phone: str | None = None
    instagram: str | None = None
    email: str | None = None

    @property
    def any(self) -> bool:
        return bool(self.phone or self.instagram or self.email)


@dataclass(frozen=True, slots=True)
class LineForm:
    """What the one-line form says: a name and the contacts found in it."""

    name: str
    contacts: Contacts


_EMAIL_TOKEN = re.compile(r"[^\s@]+@\S*")  # anything with an @ after its first letter is meant as an e-mail
_URL_TOKEN = re.compile(r"\S*(?:instagram\.com|instagr\.am)/\S*", re.IGNORECASE)
_HANDLE_TOKEN = re.compile(r"@\S+")
_PHONE_RUN = re.compile(r"(?<![\w@])\+?[0-9(][0-9()\-\s.]{4,}[0-9]", re.ASCII)


def parse_contacts(text: str, region: str = DEFAULT_REGION) -> tuple[Contacts, str]:
    """The contacts in a free text (an e-mail, an Instagram link or ``@handle``, a phone), each checked;
    → (contacts, the words left over). A second contact of one kind is refused as that kind's error."""
    rest = f" {text or ''} "
    found: dict[str, str] = {}

    def take(field: str, value: str) -> None:
        if field in found:
            raise ContactError(field)
        found[field] = value

    for m in list(_EMAIL_TOKEN.finditer(rest)):
        take("email", parse_email(m.group(0)))
        rest = rest.replace(m.group(0), " ", 1)
    for pattern in (_URL_TOKEN, _HANDLE_TOKEN):
        for m in list(pattern.finditer(rest)):
            take("instagram", parse_handle(m.group(0)))
            rest = rest.replace(m.group(0), " ", 1)
    for m in list(_PHONE_RUN.finditer(rest)):
        take("phone", parse_phone(m.group(0), region))
        rest = rest.replace(m.group(0), " ", 1)
    return Contacts(found.get("phone"), found.get("instagram"), found.get("email")), " ".join(rest.split())


def parse_line(text: str, region: str = DEFAULT_REGION) -> LineForm:
    """``Анна Смирнова +7 916 123-45-67 @anna.sm`` → the name (the words that are no contact, whole: the service
    refuses one too long, as the step-by-step form does) and the contacts."""
    contacts, name = parse_contacts(text, region)
    return LineForm(name, contacts)
