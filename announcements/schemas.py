"""The public shape of announcements, editors and the acknowledgement report, and the input
that publishes and changes announcements."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import ConfigDict, field_validator

from announcements.models import Announcement
from announcements.selectors import AckReport
from people.schemas import DepartmentRef, EmployeeRef
from wilma.schemas import Id, PageQuery, StorableText

# Hard cap against abuse; the configurable limit (WILMA_ANNOUNCEMENT_MAX_LENGTH) is the
# service's job.
BODY_MAX_CHARS = 100_000

Title = Annotated[StorableText, Field(min_length=1, max_length=200)]
Body = Annotated[StorableText, Field(min_length=1, max_length=BODY_MAX_CHARS)]


# --- Input ----------------------------------------------------------------------------------


class AnnouncementIn(Schema):
    model_config = ConfigDict(extra="forbid")

    title: Title
    body: Body = Field(..., description="Markdown subset, as in posts")
    department_id: Id | None = Field(
        None, description="Target: this unit and its sub-units; null: everyone (admins only)"
    )
    expires_at: datetime | None = Field(None, description="Shown until then; null: no end")
    requires_ack: bool = Field(False, description="Ask addressees to confirm having read it")


class AnnouncementPatch(Schema):
    """Only the fields sent change. `expires_at: null` removes the end date."""

    model_config = ConfigDict(extra="forbid")

    title: Title | None = None
    body: Body | None = None
    expires_at: datetime | None = None
    requires_ack: bool | None = None

    @field_validator("title", "body", "requires_ack")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError(_("Darf nicht leer (null) sein."))
        return value


class EditorIn(Schema):
    model_config = ConfigDict(extra="forbid")

    employee_id: Id


class ReportQuery(PageQuery):
    department_id: Id | None = Field(
        None, description="List only the missing people of this unit and its sub-units"
    )


# --- Output ---------------------------------------------------------------------------------


class AnnouncementOut(Schema):
    id: int
    title: str
    body: str = Field(..., description="As written (Markdown)")
    body_html: str = Field(..., description="Sanitized HTML to display")
    author: EmployeeRef
    department: DepartmentRef | None = Field(..., description="null: to everyone")
    requires_ack: bool
    acknowledged: bool = Field(..., description="Whether I have confirmed it")
    created_at: datetime
    edited_at: datetime | None
    expires_at: datetime | None

    @staticmethod
    def resolve_acknowledged(obj: Announcement) -> bool:
        return bool(getattr(obj, "acknowledged_by_me", False))


class PersonRef(Schema):
    id: int
    username: str
    name: str
    department: DepartmentRef | None


class EditorOut(Schema):
    department: DepartmentRef = Field(..., description="The unit (and subtree) they edit")
    employee: PersonRef
    appointed_at: datetime

    @staticmethod
    def resolve_appointed_at(obj: Any) -> datetime:
        return obj.created_at


class AckOut(Schema):
    announcement_id: int
    acknowledged: bool = True
    acknowledged_at: datetime


class DepartmentAcksOut(Schema):
    department: DepartmentRef | None = Field(..., description="null: employees without unit")
    depth: int = Field(..., description="Depth in the tree (1 = Referat; 0: no unit)")
    addressees: int = Field(..., description="Active members of this unit itself")
    confirmed: int
    missing: int
    subtree_addressees: int = Field(..., description="This unit and all its sub-units")
    subtree_confirmed: int
    subtree_missing: int

    @staticmethod
    def resolve_depth(obj: Any) -> int:
        return int(obj.department.depth) if obj.department is not None else 0


class AckReportOut(Schema):
    announcement_id: int
    addressees: int
    confirmed: int
    missing: int
    departments: list[DepartmentAcksOut] = Field(..., description="In tree order")
    missing_people: list[PersonRef] = Field(..., description="One page, by name")
    next_cursor: str | None

    @staticmethod
    def resolve_announcement_id(obj: AckReport) -> int:
        return obj.announcement.pk
