"""The public shape of communities, members, join requests and invitations, and the inputs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from ninja import Field, Schema

from communities.models import (
    Community,
    InvitationStatus,
    JoinPolicy,
    Membership,
    RequestStatus,
    Role,
    Visibility,
)
from communities.services import (
    DESCRIPTION_MAX_LENGTH,
    MESSAGE_MAX_LENGTH,
    NAME_MAX_LENGTH,
)
from people.models import Employee
from people.schemas import DepartmentRef
from wilma.schemas import Id, PageQuery, Storable

Name = Annotated[str, Field(min_length=1, max_length=NAME_MAX_LENGTH), Storable]
Description = Annotated[str, Field(max_length=DESCRIPTION_MAX_LENGTH), Storable]
Message = Annotated[str, Field(max_length=MESSAGE_MAX_LENGTH), Storable]
# Hard caps against abuse; the configurable limits are enforced by the services.
Tag = Annotated[str, Field(max_length=100), Storable]
Tags = Annotated[list[Tag], Field(max_length=100)]
Slug = Annotated[str, Field(pattern=r"^[-a-zA-Z0-9_]{1,80}$")]
SearchText = Annotated[str, Field(max_length=200), Storable]


# --- Output ---------------------------------------------------------------------------------


class PersonRef(Schema):
    id: int
    username: str
    name: str
    job_title: str
    department_code: str | None

    @staticmethod
    def resolve_department_code(obj: Employee) -> str | None:
        return obj.department.short_code if obj.department else None


class CommunityRef(Schema):
    id: int
    slug: str
    name: str
    visibility: Visibility


class CommunityOut(Schema):
    """A community with the caller's own state in it (role, pending request or invitation)."""

    id: int
    slug: str
    name: str
    description: str
    visibility: Visibility
    join_policy: JoinPolicy
    department: DepartmentRef | None
    is_archived: bool
    created_at: datetime
    tags: list[str]
    member_count: int
    my_role: Role | None
    my_pending_request: bool
    my_pending_invitation_id: int | None

    @staticmethod
    def resolve_tags(obj: Community) -> list[str]:
        return sorted(tag.name for tag in obj.tags.all())


class CommunityInfoOut(Schema):
    """A community without the viewer's own state (`CommunityOut` minus `member_count` and the
    `my_*` fields): the payload of the realtime event `community.updated`."""

    id: int
    slug: str
    name: str
    description: str
    visibility: Visibility
    join_policy: JoinPolicy
    department: DepartmentRef | None
    is_archived: bool
    tags: list[str]

    @staticmethod
    def resolve_tags(obj: Community) -> list[str]:
        return sorted(tag.name for tag in obj.tags.all())


class MemberOut(Schema):
    employee: PersonRef
    role: Role
    joined_at: datetime

    @staticmethod
    def resolve_employee(obj: Membership) -> Employee:
        return obj.employee


class JoinRequestOut(Schema):
    id: int
    employee: PersonRef
    message: str
    status: RequestStatus
    created_at: datetime
    decided_at: datetime | None


class InvitationOut(Schema):
    id: int
    community: CommunityRef
    invitee: PersonRef
    invited_by: PersonRef | None
    message: str
    status: InvitationStatus
    created_at: datetime
    decided_at: datetime | None


# --- Input ----------------------------------------------------------------------------------


class CommunityIn(Schema):
    name: Name
    slug: Slug | None = Field(None, description="Leer lassen: wird aus dem Namen gebildet.")
    description: Description = ""
    visibility: Visibility = Visibility.PUBLIC
    join_policy: JoinPolicy | None = Field(
        None, description="Leer lassen: public → open, private → request, secret → invitation."
    )
    department_id: Id | None = Field(None, description="Nur für diese Organisationseinheit.")
    tags: Tags = []


class CommunityPatch(Schema):
    """Only the fields sent are changed; `department_id: null` lifts the restriction."""

    name: Name | None = None
    description: Description | None = None
    visibility: Visibility | None = None
    join_policy: JoinPolicy | None = None
    department_id: Id | None = None
    tags: Tags | None = None


class RoleIn(Schema):
    role: Role


class EmployeeIdIn(Schema):
    employee_id: Id


class JoinRequestIn(Schema):
    message: Message = ""


class InvitationIn(Schema):
    employee_id: Id
    message: Message = ""


class CommunityListParams(PageQuery):
    mine: bool = Field(False, description="Nur Communities, in denen ich Mitglied bin.")
    department: Id | None = Field(
        None, description="Nur Communities, die auf diese Einheit oder darunter beschränkt sind."
    )
    tag: SearchText | None = None
    q: SearchText | None = Field(None, description="Name enthält (Groß-/Kleinschreibung egal).")
    visibility: Visibility | None = None


class MemberListParams(PageQuery):
    role: Role | None = None


class JoinRequestListParams(PageQuery):
    status: RequestStatus | None = Field(None, description="Standard: pending")


class InvitationListParams(PageQuery):
    status: InvitationStatus | None = Field(None, description="Standard: pending")
