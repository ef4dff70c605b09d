"""SMM: social accounts of client projects and their weekly figures."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime

# where a week's figures came from
FORM, PASTE, IMPORT, BOT = "form", "paste", "import", "bot"


class SmmAccount(Base):
    """A social account of a project, with the member who reports its figures (the SMM administrator)."""

    __tablename__ = "smm_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    network: Mapped[str] = mapped_column(String(16))  # bot.domain.smm.NETWORKS
    handle: Mapped[str] = mapped_column(String(200))  # normalised (bot.domain.smm.normalize_handle)
    name: Mapped[str] = mapped_column(String(100))
    responsible_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"), index=True)
    week_end: Mapped[int] = mapped_column(Integer, default=6)  # weekday the week ends on: 0 Monday .. 6 Sunday
    start_date: Mapped[date] = mapped_column(Date)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    # a Telegram channel where the bot is an administrator: it counts the subscribers itself
    chat_id: Mapped[int | None] = mapped_column(BigInteger, default=None, index=True)
    channel_status: Mapped[str | None] = mapped_column(String(8), default=None)  # admin | removed
    channel_count: Mapped[int | None] = mapped_column(Integer, default=None)  # the last count (getChatMemberCount)
    channel_counted_on: Mapped[date | None] = mapped_column(Date, default=None)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("project_id", "network", "handle", name="uq_smm_accounts_project_handle"),)


class SmmWeek(Base):
    """One account's figures for one week (named by the week's last day). ``None``: not reported."""

    __tablename__ = "smm_weeks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("smm_accounts.id", ondelete="CASCADE"))
    week_end: Mapped[date] = mapped_column(Date)
    followers: Mapped[int | None] = mapped_column(Integer, default=None)
    posts: Mapped[int | None] = mapped_column(Integer, default=None)
    likes: Mapped[int | None] = mapped_column(Integer, default=None)
    comments: Mapped[int | None] = mapped_column(Integer, default=None)
    saves: Mapped[int | None] = mapped_column(Integer, default=None)
    shares: Mapped[int | None] = mapped_column(Integer, default=None)
    reach: Mapped[int | None] = mapped_column(Integer, default=None)
    views: Mapped[int | None] = mapped_column(Integer, default=None)
    interactions: Mapped[int | None] = mapped_column(Integer, default=None)  # None: computed (bot.domain.smm)
    source: Mapped[str] = mapped_column(String(8), default=FORM)
    reported_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), default=None)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime())  # first report (on time or late)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    # /stats all, the reminders and the digest read one or two weeks of every account: this index covers what they
    # read (a range scan, no row lookups; docs/performance.md)
    __table_args__ = (UniqueConstraint("account_id", "week_end", name="uq_smm_weeks_account_week"),
                      Index("ix_smm_weeks_week_end", "week_end", "account_id", "followers", "likes", "comments",
                            "saves", "shares", "reach"))
