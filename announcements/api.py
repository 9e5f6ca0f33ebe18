"""Router for announcements, their acknowledgements and report, and department editors.

Announcements not addressed to the caller (and not managed by them) answer 404 like missing
ones. Editor endpoints live here (not under /departments) because they belong to this app.
"""

from __future__ import annotations

from ninja import Path, Query, Router, Status

from announcements import selectors, services
from announcements.models import Announcement, DepartmentEditor
from announcements.permissions import (
    access_ack_report,
    access_announcement,
    access_managed_announcement,
)
from announcements.schemas import (
    AckOut,
    AckReportOut,
    AnnouncementIn,
    AnnouncementOut,
    AnnouncementPatch,
    EditorIn,
    EditorOut,
    ReportQuery,
)
from people.auth import AuthedRequest
from people.permissions import access_department, access_employee
from wilma.pagination import Page, PageResult
from wilma.schemas import Id, PageQuery

router = Router(tags=["announcements"])

NO_CONTENT = {204: None}


@router.get("/", response=Page[AnnouncementOut], summary="My current announcements")
def list_mine(request: AuthedRequest, page: Query[PageQuery]) -> PageResult[Announcement]:
    """Active (not expired, not withdrawn) announcements addressed to me, newest first: the ones
    the home feed shows on top."""
    return selectors.my_announcements(request.auth, **page.dict())


@router.post("/", response={201: AnnouncementOut}, summary="Publish an announcement")
def publish(request: AuthedRequest, payload: AnnouncementIn) -> Status[Announcement]:
    """Admins publish to any unit or (without `department_id`) to everyone; editors only to the
    units they edit and their sub-units (403 `not_editor` otherwise)."""
    department = (
        selectors.department_by_id(payload.department_id) if payload.department_id else None
    )
    announcement = services.publish_announcement(
        author=request.auth,
        title=payload.title,
        body=payload.body,
        department=department,
        expires_at=payload.expires_at,
        requires_ack=payload.requires_ack,
    )
    return Status(201, selectors.announcement_detail(request.auth, announcement))


# Static routes before /{announcement_id}.


@router.get("/managed", response=Page[AnnouncementOut], summary="Announcements I manage")
def list_managed(request: AuthedRequest, page: Query[PageQuery]) -> PageResult[Announcement]:
    """For admins and editors: the announcements they may edit, withdraw and see reports of,
    expired ones included, newest first."""
    return selectors.managed_announcements(request.auth, **page.dict())


@router.get("/editors/{department_id}", response=list[EditorOut], summary="Editors of a department")
def list_editors(request: AuthedRequest, department_id: Path[Id]) -> list[DepartmentEditor]:
    """Who may publish to this unit: its own editors and those of the units above it."""
    return selectors.department_editors(access_department(request.auth, department_id))


@router.post(
    "/editors/{department_id}",
    response={201: EditorOut},
    summary="Appoint an editor for a department",
)
def appoint_editor(
    request: AuthedRequest, department_id: Path[Id], payload: EditorIn
) -> Status[DepartmentEditor]:
    """Site admins only (403). Idempotent. The editor may then publish to the unit's subtree."""
    department = access_department(request.auth, department_id)
    editor = services.appoint_editor(
        admin=request.auth,
        department=department,
        employee=access_employee(request.auth, payload.employee_id),
    )
    return Status(201, editor)


@router.delete(
    "/editors/{department_id}/{employee_id}",
    response=NO_CONTENT,
    summary="Remove an editor from a department",
)
def remove_editor(
    request: AuthedRequest, department_id: Path[Id], employee_id: Path[Id]
) -> Status[None]:
    """Site admins only (403). Idempotent."""
    department = access_department(request.auth, department_id)
    services.remove_editor(
        admin=request.auth,
        department=department,
        employee=access_employee(request.auth, employee_id),
    )
    return Status(204, None)


@router.get("/{announcement_id}", response=AnnouncementOut, summary="An announcement")
def get_announcement(request: AuthedRequest, announcement_id: Path[Id]) -> Announcement:
    """Addressees and managers; expired ones stay readable by id until withdrawn."""
    announcement = access_announcement(request.auth, announcement_id)
    return selectors.announcement_detail(request.auth, announcement)


@router.patch("/{announcement_id}", response=AnnouncementOut, summary="Edit an announcement")
def edit_announcement(
    request: AuthedRequest, announcement_id: Path[Id], payload: AnnouncementPatch
) -> Announcement:
    """Admins and the editors of its unit. Only the fields sent change; the target cannot."""
    announcement = access_managed_announcement(request.auth, announcement_id)
    services.edit_announcement(
        editor=request.auth, announcement=announcement, **payload.dict(exclude_unset=True)
    )
    return selectors.announcement_detail(request.auth, announcement)


@router.delete("/{announcement_id}", response=NO_CONTENT, summary="Withdraw an announcement")
def withdraw_announcement(request: AuthedRequest, announcement_id: Path[Id]) -> Status[None]:
    """Admins and the editors of its unit. It disappears from every feed at once."""
    announcement = access_managed_announcement(request.auth, announcement_id)
    services.withdraw_announcement(actor=request.auth, announcement=announcement)
    return Status(204, None)


@router.post("/{announcement_id}/ack", response=AckOut, summary="Confirm having read it")
def acknowledge(request: AuthedRequest, announcement_id: Path[Id]) -> AckOut:
    """Idempotent. Addressees only (403 `not_addressee`); 409 `ack_not_required` if the
    announcement asks for no confirmation."""
    announcement = access_announcement(request.auth, announcement_id)
    ack = services.acknowledge(employee=request.auth, announcement=announcement)
    return AckOut(announcement_id=announcement.pk, acknowledged_at=ack.acknowledged_at)


@router.get(
    "/{announcement_id}/report", response=AckReportOut, summary="Who has confirmed, per unit"
)
def report(
    request: AuthedRequest, announcement_id: Path[Id], params: Query[ReportQuery]
) -> selectors.AckReport:
    """Admins and the editors of its unit. Per unit of the target subtree: addressees, confirmed
    and missing (own members and whole subtree), and one page of who has not confirmed yet."""
    announcement = access_ack_report(request.auth, announcement_id)
    department = (
        access_department(request.auth, params.department_id) if params.department_id else None
    )
    return selectors.acknowledgement_report(
        announcement, department=department, cursor=params.cursor, limit=params.limit
    )
