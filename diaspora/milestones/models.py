"""Earn-learn-return plans: templates of milestones, a person's plan, its dated milestones.

A template milestone hangs on the plan's start or end by a signed number of days; a plan made
from it copies each one with its due date worked out. A milestone a person adds is `fixed`.
"""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diaspora.auth.models import User
from diaspora.core.time import utcnow
from diaspora.core.words import N_
from diaspora.extensions import db


class TemplateStatus(StrEnum):
    ACTIVE = "active"
    CLOSING = "closing"  # still starts plans, with a warning (e.g. a scheme winding down)
    RETIRED = "retired"  # starts no new plans; plans made from it carry on


TEMPLATE_STATUS_LABELS = {
    TemplateStatus.ACTIVE: N_("Active"),
    TemplateStatus.CLOSING: N_("Closing"),
    TemplateStatus.RETIRED: N_("Retired"),
}


class Anchor(StrEnum):
    START = "start"
    END = "end"
    FIXED = "fixed"  # a date of its own; moving the plan never moves it


class PlanTemplate(db.Model):
    __tablename__ = "plan_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Templates shipped with the product have a key, so loading them again finds them.
    key: Mapped[str | None] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(150))
    scheme: Mapped[str] = mapped_column(String(40))  # a short code, e.g. "MTI"
    description: Mapped[str] = mapped_column(Text, default="")
    months: Mapped[int | None] = mapped_column(SmallInteger)  # typical length of a plan
    status: Mapped[str] = mapped_column(String(10), default=TemplateStatus.ACTIVE)
    status_note: Mapped[str] = mapped_column(Text, default="")  # why it is closing or retired
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    created_by: Mapped[User | None] = relationship()
    milestones: Mapped[list["TemplateMilestone"]] = relationship(
        back_populates="template",
        cascade="all, delete-orphan",
        order_by="TemplateMilestone.position, TemplateMilestone.id",
    )

    def __repr__(self) -> str:
        return f"<PlanTemplate {self.id} {self.status}>"


class TemplateMilestone(db.Model):
    __tablename__ = "template_milestones"
    __table_args__ = (CheckConstraint("anchor IN ('start', 'end')", name="anchor_start_or_end"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(
        ForeignKey("plan_templates.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    anchor: Mapped[str] = mapped_column(String(10))
    offset_days: Mapped[int] = mapped_column(Integer, default=0)
    position: Mapped[int] = mapped_column(SmallInteger, default=0)

    template: Mapped[PlanTemplate] = relationship(back_populates="milestones")


class Plan(db.Model):
    __tablename__ = "plans"
    __table_args__ = (
        # The reminder job asks which lead times are in use; most plans keep the default (NULL).
        # The reminder job reads the plans changed since its last run.
        Index("ix_plans_updated", "updated_at"),
        Index(
            "ix_plans_custom_lead_days",
            "lead_days",
            sqlite_where=text("lead_days IS NOT NULL"),
            postgresql_where=text("lead_days IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    template_id: Mapped[int | None] = mapped_column(
        ForeignKey("plan_templates.id", ondelete="SET NULL")
    )
    scheme: Mapped[str] = mapped_column(String(150))  # the scheme's name, as the person sees it
    starts_on: Mapped[date] = mapped_column(Date)
    expected_end_on: Mapped[date] = mapped_column(Date)
    return_country: Mapped[str | None] = mapped_column(String(2))
    coordinator_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # Days before a due date to remind, largest first, e.g. "30,7,1"; NULL is the default.
    lead_days: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    coordinator: Mapped[User | None] = relationship(foreign_keys=[coordinator_id])
    template: Mapped[PlanTemplate | None] = relationship()
    milestones: Mapped[list["Milestone"]] = relationship(
        back_populates="plan",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Milestone.due_on, Milestone.position, Milestone.id",
    )

    def __repr__(self) -> str:  # no personal data
        return f"<Plan {self.id}>"


class Milestone(db.Model):
    __tablename__ = "milestones"
    __table_args__ = (
        # The reminder scan: open milestones by due date (done ones are most of a plan's past).
        Index(
            "ix_milestones_open_due",
            "due_on",
            sqlite_where=text("done_at IS NULL"),
            postgresql_where=text("done_at IS NULL"),
        ),
        Index("ix_milestones_plan_due", "plan_id", "due_on"),
        # The reminder job reads the open milestones set, moved or opened since its last run.
        Index(
            "ix_milestones_open_scheduled",
            "scheduled_at",
            sqlite_where=text("done_at IS NULL"),
            postgresql_where=text("done_at IS NULL"),
        ),
        CheckConstraint("anchor IN ('start', 'end', 'fixed')", name="anchor_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    due_on: Mapped[date] = mapped_column(Date)  # a local date, the owner's
    anchor: Mapped[str] = mapped_column(String(10), default=Anchor.FIXED)
    offset_days: Mapped[int] = mapped_column(Integer, default=0)
    # When due_on was last set: reminders "before" it whose day had passed by then never go.
    scheduled_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    done_note: Mapped[str] = mapped_column(Text, default="")
    created_by_user: Mapped[bool] = mapped_column(default=False)  # the person's own milestone
    position: Mapped[int] = mapped_column(SmallInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    plan: Mapped[Plan] = relationship(back_populates="milestones")

    @property
    def is_done(self) -> bool:
        return self.done_at is not None

    def __repr__(self) -> str:
        return f"<Milestone {self.id} of {self.plan_id}>"


class ReminderRun(db.Model):
    """How far a reminder job has run: every reminder due at or before `ran_until` was written
    (or was not due to anyone), so the next run reads only the time zones whose 09:00 came
    after it, and what changed since (see jobs.py)."""

    __tablename__ = "reminder_runs"

    job: Mapped[str] = mapped_column(String(40), primary_key=True)
    ran_until: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    def __repr__(self) -> str:
        return f"<ReminderRun {self.job}>"
