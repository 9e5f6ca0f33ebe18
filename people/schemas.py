"""The public shape of people, profiles and departments, and of the input that changes them."""

from __future__ import annotations

from typing import Any, Self

from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import ConfigDict, field_validator

from people.models import ContactVisibility, Employee
from wilma.pagination import Page
from wilma.schemas import Id, PageQuery, StorableText

# --- Input -------------------------------------------------------------------------------------


class DirectoryQuery(PageQuery):
    department_id: Id | None = Field(None, description="Only this unit and its sub-units")
    skill: StorableText | None = Field(
        None, max_length=100, description="Skill, exact match, any case"
    )
    location: StorableText | None = Field(
        None, max_length=100, description="Part of the building name"
    )
    q: StorableText | None = Field(
        None, max_length=100, description="Start of a name, e.g. 'Max Mu'"
    )


class DepartmentMembersQuery(PageQuery):
    subtree: bool = Field(False, description="Also list the members of sub-units")


class ProfileIn(Schema):
    """The fields an employee may change on their own profile. Omitted fields stay as they are."""

    model_config = ConfigDict(extra="forbid")

    display_name: StorableText | None = Field(None, max_length=150)
    location: StorableText | None = Field(None, max_length=200)
    room: StorableText | None = Field(None, max_length=50)
    phone: StorableText | None = Field(None, max_length=50)
    mobile: StorableText | None = Field(None, max_length=50)
    about: StorableText | None = Field(None, max_length=5000)
    email_visibility: ContactVisibility | None = None
    phone_visibility: ContactVisibility | None = None
    mobile_visibility: ContactVisibility | None = None
    location_visibility: ContactVisibility | None = None
    share_presence: bool | None = Field(
        None, description="Share and see typing indicators and presence (docs/realtime.md)"
    )
    skills: list[StorableText] | None = Field(None, max_length=200)
    languages: list[StorableText] | None = Field(None, max_length=200)
    deputy_ids: list[Id] | None = Field(None, max_length=100)

    @field_validator("*")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        # Fields may be left out, but not set to null.
        if value is None:
            raise ValueError(_("Darf nicht leer (null) sein."))
        return value


# --- Output ------------------------------------------------------------------------------------


class DepartmentRef(Schema):
    id: int
    short_code: str
    name: str


class EmployeeRef(Schema):
    """How an employee appears next to their content (authors, reactions): who and where."""

    id: int
    username: str
    name: str
    first_name: str
    last_name: str
    job_title: str
    department: DepartmentRef | None
    avatar_url: str | None

    @staticmethod
    def resolve_avatar_url(obj: Employee) -> str | None:
        return obj.avatar.url if obj.avatar else None


class EmployeeCard(EmployeeRef):
    """How an employee appears in the directory: the reference plus their skills."""

    skills: list[str]

    @staticmethod
    def resolve_skills(obj: Employee) -> list[str]:
        # Reads the prefetched tags; `.names()` would query again.
        return sorted((tag.name for tag in obj.skills.all()), key=str.casefold)


def _contact_resolver(field: str) -> Any:
    def resolve(obj: Employee, context: dict[str, Any]) -> str | None:
        # No default on purpose: a profile built without the viewer's view of the contact
        # data must fail, not leak it.
        return context["contact"][field]

    return staticmethod(resolve)


class ProfileOut(EmployeeCard):
    """A colleague's profile. Contact fields are null where the employee hides them from the
    viewer."""

    email: str | None
    phone: str | None
    mobile: str | None
    location: str | None
    room: str | None
    about: str
    languages: list[str]
    deputies: list[EmployeeCard]
    follower_count: int
    following_count: int
    followed_by_me: bool

    resolve_email = _contact_resolver("email")
    resolve_phone = _contact_resolver("phone")
    resolve_mobile = _contact_resolver("mobile")
    resolve_location = _contact_resolver("location")
    resolve_room = _contact_resolver("room")

    @classmethod
    def build(cls, employee: Employee, contact: dict[str, str | None]) -> Self:
        """`employee` as loaded by `selectors.profile_queryset`; `contact` as the viewer may
        see it (`permissions.visible_contact`)."""
        return cls.model_validate(employee, context={"contact": contact})


class MyProfileOut(ProfileOut):
    """The own profile: all contact data plus who may see it."""

    personnel_number: str | None
    email_visibility: ContactVisibility
    phone_visibility: ContactVisibility
    mobile_visibility: ContactVisibility
    location_visibility: ContactVisibility
    share_presence: bool
    is_admin: bool

    @staticmethod
    def resolve_is_admin(obj: Employee) -> bool:
        return obj.is_superuser


class DepartmentNodeOut(Schema):
    id: int
    name: str
    short_code: str
    depth: int = Field(..., description="1 for a Referat")
    parent_id: int | None
    member_count: int = Field(..., description="Active employees of this unit itself")
    total_member_count: int = Field(..., description="Active employees of this unit and below")


class DepartmentDetailOut(DepartmentNodeOut):
    ancestors: list[DepartmentRef] = Field(..., description="Breadcrumb, Referat first")
    children: list[DepartmentRef]
    members: Page[EmployeeCard]
