"""Routers for the people directory, own profile and the department tree."""

from __future__ import annotations

from ninja import File, Query, Router, Status, UploadedFile

from people import selectors, services
from people.auth import AuthedRequest
from people.models import Employee
from people.permissions import access_employee, visible_contact
from people.schemas import (
    DepartmentDetailOut,
    DepartmentMembersQuery,
    DepartmentNodeOut,
    DirectoryQuery,
    EmployeeCard,
    MyProfileOut,
    ProfileIn,
    ProfileOut,
)
from wilma.pagination import Page, PageResult
from wilma.schemas import PageQuery

people_router = Router(tags=["people"])
me_router = Router(tags=["me"])
departments_router = Router(tags=["departments"])

NO_CONTENT = {204: None}


# --- Directory and profiles -----------------------------------------------------------------


@people_router.get("/", response=Page[EmployeeCard], summary="Search the people directory")
def list_people(request: AuthedRequest, filters: Query[DirectoryQuery]) -> PageResult[Employee]:
    """Active employees by name. Filters combine: department (with its sub-units), skill,
    location and the start of a name."""
    return selectors.directory(request.auth, **filters.dict())


@people_router.get("/{id_or_username}", response=ProfileOut, summary="A colleague's profile")
def get_person(request: AuthedRequest, id_or_username: str) -> ProfileOut:
    """By numeric id or username. Contact fields the employee hides from you are null."""
    employee = selectors.employee_detail(request.auth, id_or_username)
    return ProfileOut.build(employee, visible_contact(request.auth, employee))


@people_router.post("/{id_or_username}/follow", response=NO_CONTENT, summary="Follow a colleague")
def follow(request: AuthedRequest, id_or_username: str) -> Status[None]:
    """Idempotent: following someone you already follow changes nothing."""
    employee = access_employee(request.auth, id_or_username)
    services.follow(follower=request.auth, followed=employee)
    return Status(204, None)


@people_router.delete(
    "/{id_or_username}/follow", response=NO_CONTENT, summary="Stop following a colleague"
)
def unfollow(request: AuthedRequest, id_or_username: str) -> Status[None]:
    """Idempotent: unfollowing someone you do not follow changes nothing."""
    employee = access_employee(request.auth, id_or_username)
    services.unfollow(follower=request.auth, followed=employee)
    return Status(204, None)


@people_router.get(
    "/{id_or_username}/followers", response=Page[EmployeeCard], summary="Who follows a colleague"
)
def list_followers(
    request: AuthedRequest, id_or_username: str, page: Query[PageQuery]
) -> PageResult[Employee]:
    employee = access_employee(request.auth, id_or_username)
    return selectors.followers(employee, **page.dict())


@people_router.get(
    "/{id_or_username}/following", response=Page[EmployeeCard], summary="Whom a colleague follows"
)
def list_following(
    request: AuthedRequest, id_or_username: str, page: Query[PageQuery]
) -> PageResult[Employee]:
    employee = access_employee(request.auth, id_or_username)
    return selectors.following(employee, **page.dict())


# --- Own profile ------------------------------------------------------------------------------


def _my_profile(me: Employee) -> MyProfileOut:
    employee = selectors.employee_detail(me, me.pk)
    return MyProfileOut.build(employee, visible_contact(me, employee))


@me_router.get("", response=MyProfileOut, summary="My profile")
def get_me(request: AuthedRequest) -> MyProfileOut:
    """All of my profile, including who may see my contact data."""
    return _my_profile(request.auth)


@me_router.patch("", response=MyProfileOut, summary="Change my profile")
def update_me(request: AuthedRequest, payload: ProfileIn) -> MyProfileOut:
    """Only the fields sent change. Lists (skills, languages, deputy_ids) replace the old ones.
    Name, e-mail, job title and department come from HR and cannot be changed here."""
    services.update_profile(employee=request.auth, **payload.dict(exclude_unset=True))
    return _my_profile(request.auth)


@me_router.post("/avatar", response=MyProfileOut, summary="Upload my profile picture")
def upload_avatar(request: AuthedRequest, avatar: File[UploadedFile]) -> MyProfileOut:
    """Multipart field `avatar`: a JPEG, PNG, WebP or GIF image. It is cropped to a square and
    resized; too large a file answers 413, anything that is not an image 422."""
    services.set_avatar(employee=request.auth, upload=avatar)
    return _my_profile(request.auth)


@me_router.delete("/avatar", response=NO_CONTENT, summary="Remove my profile picture")
def delete_avatar(request: AuthedRequest) -> Status[None]:
    services.remove_avatar(employee=request.auth)
    return Status(204, None)


# --- Departments ------------------------------------------------------------------------------


@departments_router.get(
    "/", response=list[DepartmentNodeOut], summary="The whole organisation tree"
)
def list_departments(request: AuthedRequest) -> list[selectors.DepartmentNode]:
    """Flat, in tree order (each unit follows its parent); rebuild the tree from `parent_id`."""
    return selectors.department_tree()


@departments_router.get(
    "/{department_id}", response=DepartmentDetailOut, summary="A unit with its members"
)
def get_department(
    request: AuthedRequest, department_id: int, page: Query[DepartmentMembersQuery]
) -> selectors.DepartmentDetail:
    """Breadcrumb, sub-units, member counts and one page of active members (`subtree=true`
    includes the members of sub-units)."""
    return selectors.department_detail(request.auth, department_id, **page.dict())
