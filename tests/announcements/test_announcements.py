"""Announcements: who may publish where, subtree targeting, expiry and withdrawal,
acknowledgements, the per-department report, editors, and the API around them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from announcements import selectors, services
from announcements.models import Announcement, AnnouncementAck, DepartmentEditor
from tests.factories import EmployeeFactory
from wilma.errors import Conflict, Forbidden, InvalidInput

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]


@pytest.fixture
def kvr_editor(org, admin_user):
    """Edits the KVR (and so its whole subtree); works in RBS, so is no KVR addressee."""
    editor = EmployeeFactory(department=org.rbs, username="eddi.editor")
    services.appoint_editor(admin=admin_user, department=org.kvr, employee=editor)
    return editor


@pytest.fixture
def kvr_i_editor(org, admin_user):
    editor = EmployeeFactory(department=org.kvr_i, username="ida.editor")
    services.appoint_editor(admin=admin_user, department=org.kvr_i, employee=editor)
    return editor


def publish(author, department=None, **kwargs) -> Announcement:
    kwargs.setdefault("title", "Neue Öffnungszeiten")
    kwargs.setdefault("body", "Ab **Montag** gilt: 8 bis 16 Uhr.")
    return services.publish_announcement(author=author, department=department, **kwargs)


def active_ids(employee) -> list[int]:
    return list(selectors.active_announcements_for(employee).values_list("pk", flat=True))


# --- Who may publish where --------------------------------------------------------------------


def test_admin_publishes_to_everyone_and_anywhere(org, admin_user):
    assert publish(admin_user).department is None
    assert publish(admin_user, org.rbs).department == org.rbs


def test_editor_publishes_in_own_subtree_only(org, kvr_i_editor):
    assert publish(kvr_i_editor, org.kvr_i).pk
    assert publish(kvr_i_editor, org.kvr_i_1).pk
    for department in (org.kvr, org.rbs, None):
        with pytest.raises(Forbidden):
            publish(kvr_i_editor, department)


def test_plain_employee_cannot_publish(org, employee):
    with pytest.raises(Forbidden):
        publish(employee, org.kvr_i_1)
    assert not Announcement.objects.exists()


def test_removed_editor_can_no_longer_publish(org, admin_user, kvr_i_editor):
    services.remove_editor(admin=admin_user, department=org.kvr_i, employee=kvr_i_editor)
    with pytest.raises(Forbidden):
        publish(kvr_i_editor, org.kvr_i)


def test_inactive_editor_cannot_publish(org, kvr_i_editor):
    kvr_i_editor.is_active = False
    kvr_i_editor.save()
    with pytest.raises(Forbidden):
        publish(kvr_i_editor, org.kvr_i)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"body": " \n "}, "body"),
        ({"expires_at": "past"}, "expires_at"),
    ],
)
def test_publish_validates_input(admin_user, changes, field):
    if changes.get("expires_at") == "past":
        changes["expires_at"] = timezone.now() - timedelta(minutes=1)
    with pytest.raises(InvalidInput) as exc:
        publish(admin_user, **changes)
    assert field in exc.value.fields


def test_body_length_is_a_setting(admin_user, settings):
    settings.WILMA = {**settings.WILMA, "ANNOUNCEMENT_MAX_LENGTH": 10}
    with pytest.raises(InvalidInput):
        publish(admin_user, body="x" * 11)


def test_body_is_rendered_and_sanitized(admin_user):
    announcement = publish(admin_user, body="**Wichtig** <script>alert(1)</script>")
    assert "<strong>Wichtig</strong>" in announcement.body_html
    assert "<script>" not in announcement.body_html
    assert announcement.body == "**Wichtig** <script>alert(1)</script>"


# --- Targeting, expiry, withdrawal ------------------------------------------------------------


def test_subtree_targeting(org, admin_user, employee, other_employee):
    to_all = publish(admin_user)
    to_kvr_i = publish(admin_user, org.kvr_i)
    to_rbs = publish(admin_user, org.rbs)
    to_kvr_i_1 = publish(admin_user, org.kvr_i_1)
    kvr_i_member = EmployeeFactory(department=org.kvr_i)
    homeless = EmployeeFactory(department=None)
    # Newest first.
    assert active_ids(employee) == [to_kvr_i_1.pk, to_kvr_i.pk, to_all.pk]
    assert active_ids(kvr_i_member) == [to_kvr_i.pk, to_all.pk]
    assert active_ids(other_employee) == [to_rbs.pk, to_all.pk]
    assert active_ids(admin_user) == [to_all.pk]  # KVR itself is above KVR-I
    assert active_ids(homeless) == [to_all.pk]


def test_expired_and_withdrawn_announcements_are_not_active(org, admin_user, employee):
    expiring = publish(admin_user, expires_at=timezone.now() + timedelta(hours=1))
    withdrawn = publish(admin_user)
    services.withdraw_announcement(actor=admin_user, announcement=withdrawn)
    services.withdraw_announcement(actor=admin_user, announcement=withdrawn)  # idempotent
    assert active_ids(employee) == [expiring.pk]
    Announcement.objects.filter(pk=expiring.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert active_ids(employee) == []


def test_inactive_employee_sees_nothing(admin_user, employee):
    publish(admin_user)
    employee.is_active = False
    assert active_ids(employee) == []


def test_active_announcements_are_marked_acknowledged(admin_user, employee):
    announcement = publish(admin_user, requires_ack=True)
    assert not selectors.active_announcements_for(employee).get().acknowledged_by_me
    services.acknowledge(employee=employee, announcement=announcement)
    assert selectors.active_announcements_for(employee).get().acknowledged_by_me


# --- Managing -----------------------------------------------------------------------------------


def test_editor_of_an_ancestor_manages_the_subtree(org, kvr_editor, kvr_i_editor):
    announcement = publish(kvr_i_editor, org.kvr_i_1)
    edited = services.edit_announcement(
        editor=kvr_editor, announcement=announcement, title="Geändert", body="*Neu*"
    )
    assert edited.title == "Geändert" and edited.body_html == "<p><em>Neu</em></p>"
    assert edited.edited_at is not None


def test_editor_cannot_manage_above_or_beside_their_unit(org, admin_user, kvr_i_editor):
    for department in (org.kvr, org.rbs, None):
        announcement = publish(admin_user, department)
        with pytest.raises(Forbidden):
            services.edit_announcement(editor=kvr_i_editor, announcement=announcement, title="X")
        with pytest.raises(Forbidden):
            services.withdraw_announcement(actor=kvr_i_editor, announcement=announcement)


def test_edit_refuses_unknown_fields_and_past_expiry(admin_user):
    announcement = publish(admin_user)
    with pytest.raises(InvalidInput):
        services.edit_announcement(editor=admin_user, announcement=announcement, department=None)
    with pytest.raises(InvalidInput):
        services.edit_announcement(
            editor=admin_user,
            announcement=announcement,
            expires_at=timezone.now() - timedelta(days=1),
        )
    edited = services.edit_announcement(
        editor=admin_user, announcement=announcement, expires_at=None
    )
    assert edited.expires_at is None


# --- Acknowledgements ---------------------------------------------------------------------------


def test_acknowledge_is_idempotent(admin_user, employee):
    announcement = publish(admin_user, requires_ack=True)
    first = services.acknowledge(employee=employee, announcement=announcement)
    second = services.acknowledge(employee=employee, announcement=announcement)
    assert first.pk == second.pk and first.acknowledged_at == second.acknowledged_at
    assert AnnouncementAck.objects.count() == 1


def test_only_addressees_acknowledge(org, admin_user, other_employee):
    announcement = publish(admin_user, org.kvr, requires_ack=True)
    with pytest.raises(Forbidden) as exc:
        services.acknowledge(employee=other_employee, announcement=announcement)
    assert exc.value.code == "not_addressee"
    assert not AnnouncementAck.objects.exists()


def test_acknowledging_an_announcement_without_ack_is_409(admin_user, employee):
    announcement = publish(admin_user)
    with pytest.raises(Conflict) as exc:
        services.acknowledge(employee=employee, announcement=announcement)
    assert exc.value.code == "ack_not_required"


# --- Report -------------------------------------------------------------------------------------


def test_report_counts_per_department(org, admin_user, employee, django_assert_max_num_queries):
    kvr_i = [EmployeeFactory(department=org.kvr_i, last_name=f"I{i}") for i in range(3)]
    kvr_i_1 = [employee, EmployeeFactory(department=org.kvr_i_1, last_name="Zett")]
    EmployeeFactory(department=org.kvr_i, is_active=False)  # not an addressee
    EmployeeFactory(department=org.rbs)  # outside the target
    announcement = publish(admin_user, org.kvr_i, requires_ack=True)
    for person in (kvr_i[0], kvr_i[1], employee):
        services.acknowledge(employee=person, announcement=announcement)
    services_ack_outside = AnnouncementAck.objects.create(  # moved away since: not counted
        announcement=announcement, employee=EmployeeFactory(department=org.rbs)
    )
    assert services_ack_outside.pk

    fresh = Announcement.objects.select_related("department").get(pk=announcement.pk)
    with django_assert_max_num_queries(3):
        report = selectors.acknowledgement_report(fresh)
    assert (report.addressees, report.confirmed, report.missing) == (5, 3, 2)
    rows = {row.department.short_code: row for row in report.departments}
    assert list(rows) == ["KVR-I", "KVR-I-1"]
    assert (rows["KVR-I"].addressees, rows["KVR-I"].confirmed, rows["KVR-I"].missing) == (3, 2, 1)
    assert (rows["KVR-I"].subtree_addressees, rows["KVR-I"].subtree_confirmed) == (5, 3)
    assert (rows["KVR-I-1"].addressees, rows["KVR-I-1"].confirmed) == (2, 1)
    assert [p.pk for p in report.missing_people] == [kvr_i[2].pk, kvr_i_1[1].pk]

    only_unit = selectors.acknowledgement_report(fresh, department=org.kvr_i_1)
    assert [p.pk for p in only_unit.missing_people] == [kvr_i_1[1].pk]
    paged = selectors.acknowledgement_report(fresh, limit=1)
    assert len(paged.missing_people) == 1 and paged.next_cursor
    rest = selectors.acknowledgement_report(fresh, limit=1, cursor=paged.next_cursor)
    assert [p.pk for p in rest.missing_people] == [kvr_i_1[1].pk]


def test_report_query_count_does_not_grow(org, admin_user, django_assert_max_num_queries):
    announcement = publish(admin_user, requires_ack=True)
    for department in (org.kvr, org.kvr_i, org.kvr_i_1, org.rbs):
        for _ in range(3):
            person = EmployeeFactory(department=department)
            services.acknowledge(employee=person, announcement=announcement)
    EmployeeFactory(department=None)
    fresh = Announcement.objects.get(pk=announcement.pk)
    with django_assert_max_num_queries(3):
        report = selectors.acknowledgement_report(fresh)
    # Everyone: every unit plus the employees without one.
    assert len(report.departments) == 5
    assert report.departments[-1].department is None
    assert report.confirmed == 12
    assert report.addressees == 12 + 2  # + admin_user (KVR) + the one without department


# --- Editors ------------------------------------------------------------------------------------


def test_appoint_editor_is_admin_only_and_idempotent(org, admin_user, employee, other_employee):
    first = services.appoint_editor(admin=admin_user, department=org.kvr, employee=employee)
    again = services.appoint_editor(admin=admin_user, department=org.kvr, employee=employee)
    assert first.pk == again.pk and first.appointed_by == admin_user
    with pytest.raises(Forbidden):
        services.appoint_editor(admin=employee, department=org.rbs, employee=other_employee)
    other_employee.is_active = False
    other_employee.save()
    with pytest.raises(InvalidInput):
        services.appoint_editor(admin=admin_user, department=org.rbs, employee=other_employee)
    with pytest.raises(Forbidden):
        services.remove_editor(admin=employee, department=org.kvr, employee=employee)
    assert services.remove_editor(admin=admin_user, department=org.kvr, employee=employee)
    assert not services.remove_editor(admin=admin_user, department=org.kvr, employee=employee)


# --- API ----------------------------------------------------------------------------------------


def test_api_publish_and_list(org, kvr_i_editor, employee, other_employee, client_for):
    response = client_for(kvr_i_editor).post_json(
        "/announcements/",
        {
            "title": "Brandschutzübung",
            "body": "Am **Dienstag** um 10 Uhr.",
            "department_id": org.kvr_i.pk,
            "requires_ack": True,
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["department"]["short_code"] == "KVR-I"
    assert body["author"]["username"] == "ida.editor"
    assert body["acknowledged"] is False and body["requires_ack"] is True
    listed = client_for(employee).get_json("/announcements/").json()
    assert [item["id"] for item in listed["items"]] == [body["id"]]
    assert client_for(other_employee).get_json("/announcements/").json()["items"] == []


@pytest.mark.parametrize(
    "payload",
    [
        {"title": "Alle", "body": "Text"},  # to everyone: admins only
        {"title": "Oben", "body": "Text", "department": "KVR"},
    ],
)
def test_api_editor_outside_subtree_is_403(org, kvr_i_editor, client_for, payload):
    if payload.pop("department", None):
        payload["department_id"] = org.kvr.pk
    response = client_for(kvr_i_editor).post_json("/announcements/", payload)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_editor"


@pytest.mark.parametrize(
    "payload",
    [
        {"title": "", "body": "Text"},
        {"title": "T", "body": "Text", "department_id": 999999},
        {"title": "T", "body": "Text", "extra": 1},
        {"title": "T", "body": "Text", "expires_at": "gestern"},
        {"title": "T\x00", "body": "Text"},
    ],
)
def test_api_publish_invalid_input_is_422(admin_user, client_for, payload):
    response = client_for(admin_user).post_json("/announcements/", payload)
    assert response.status_code == 422


def test_api_hidden_announcement_is_404(org, admin_user, employee, other_employee, client_for):
    announcement = publish(admin_user, org.rbs, requires_ack=True)
    client = client_for(employee)
    missing = client.get_json("/announcements/999999").json()
    for response in (
        client.get_json(f"/announcements/{announcement.pk}"),
        client.post_json(f"/announcements/{announcement.pk}/ack"),
        client.get_json(f"/announcements/{announcement.pk}/report"),
        client.patch_json(f"/announcements/{announcement.pk}", {"title": "X"}),
        client.delete_json(f"/announcements/{announcement.pk}"),
    ):
        assert response.status_code == 404
        assert response.json() == missing
    assert (
        client_for(other_employee).get_json(f"/announcements/{announcement.pk}").status_code == 200
    )


def test_api_ack_and_report(org, kvr_editor, employee, client_for):
    announcement = publish(kvr_editor, org.kvr_i, requires_ack=True)
    client = client_for(employee)
    first = client.post_json(f"/announcements/{announcement.pk}/ack")
    assert first.status_code == 200 and first.json()["acknowledged"] is True
    again = client.post_json(f"/announcements/{announcement.pk}/ack")
    assert again.json()["acknowledged_at"] == first.json()["acknowledged_at"]
    assert client.get_json(f"/announcements/{announcement.pk}").json()["acknowledged"] is True
    # Addressees who do not manage it see it, but not the report.
    forbidden = client.get_json(f"/announcements/{announcement.pk}/report")
    assert forbidden.status_code == 403
    report = client_for(kvr_editor).get_json(f"/announcements/{announcement.pk}/report")
    assert report.status_code == 200, report.json()
    body = report.json()
    assert (body["addressees"], body["confirmed"], body["missing"]) == (1, 1, 0)
    assert [row["department"]["short_code"] for row in body["departments"]] == ["KVR-I", "KVR-I-1"]
    assert body["departments"][1]["depth"] == 3
    assert body["missing_people"] == [] and body["next_cursor"] is None


def test_api_report_of_announcement_without_ack_is_409(admin_user, client_for):
    announcement = publish(admin_user)
    response = client_for(admin_user).get_json(f"/announcements/{announcement.pk}/report")
    assert response.status_code == 409


def test_api_ack_by_manager_who_is_no_addressee_is_403(org, kvr_editor, client_for):
    announcement = publish(kvr_editor, org.kvr_i, requires_ack=True)
    response = client_for(kvr_editor).post_json(f"/announcements/{announcement.pk}/ack")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_addressee"


def test_api_edit_and_withdraw(org, kvr_i_editor, employee, client_for):
    announcement = publish(kvr_i_editor, org.kvr_i_1)
    editor = client_for(kvr_i_editor)
    patched = editor.patch_json(
        f"/announcements/{announcement.pk}", {"title": "Neu", "expires_at": None}
    )
    assert patched.status_code == 200 and patched.json()["title"] == "Neu"
    assert (
        editor.patch_json(f"/announcements/{announcement.pk}", {"title": None}).status_code == 422
    )
    assert (
        editor.patch_json(
            f"/announcements/{announcement.pk}", {"department_id": org.kvr.pk}
        ).status_code
        == 422
    )
    # An addressee who does not manage it: visible, so 403 rather than 404.
    assert (
        client_for(employee)
        .patch_json(f"/announcements/{announcement.pk}", {"title": "X"})
        .status_code
        == 403
    )
    assert editor.delete_json(f"/announcements/{announcement.pk}").status_code == 204
    assert client_for(employee).get_json(f"/announcements/{announcement.pk}").status_code == 404
    assert editor.get_json(f"/announcements/{announcement.pk}").status_code == 404


def test_api_managed_list(org, admin_user, kvr_i_editor, client_for):
    inside = publish(admin_user, org.kvr_i_1, expires_at=timezone.now() + timedelta(hours=1))
    publish(admin_user, org.rbs)
    Announcement.objects.filter(pk=inside.pk).update(expires_at=timezone.now() - timedelta(hours=1))
    managed = client_for(kvr_i_editor).get_json("/announcements/managed").json()
    assert [item["id"] for item in managed["items"]] == [inside.pk]
    assert len(client_for(admin_user).get_json("/announcements/managed").json()["items"]) == 2


def test_api_editors(org, admin_user, employee, kvr_editor, client_for):
    admin = client_for(admin_user)
    response = admin.post_json(
        f"/announcements/editors/{org.kvr_i.pk}", {"employee_id": employee.pk}
    )
    assert response.status_code == 201, response.json()
    assert response.json()["employee"]["username"] == employee.username
    listed = client_for(employee).get_json(f"/announcements/editors/{org.kvr_i_1.pk}").json()
    assert {(e["department"]["short_code"], e["employee"]["username"]) for e in listed} == {
        ("KVR", "eddi.editor"),
        ("KVR-I", employee.username),
    }
    denied = client_for(employee).post_json(
        f"/announcements/editors/{org.rbs.pk}", {"employee_id": employee.pk}
    )
    assert denied.status_code == 403
    assert (
        admin.post_json("/announcements/editors/999999", {"employee_id": employee.pk}).status_code
        == 404
    )
    assert (
        admin.post_json(f"/announcements/editors/{org.rbs.pk}", {"employee_id": 999999}).status_code
        == 404
    )
    assert (
        client_for(employee)
        .delete_json(f"/announcements/editors/{org.kvr_i.pk}/{employee.pk}")
        .status_code
        == 403
    )
    assert (
        admin.delete_json(f"/announcements/editors/{org.kvr_i.pk}/{employee.pk}").status_code == 204
    )
    assert not DepartmentEditor.objects.filter(employee=employee).exists()


def test_api_needs_authentication(anon):
    assert anon.get_json("/announcements/").status_code == 401
    assert anon.post_json("/announcements/", {"title": "T", "body": "B"}).status_code == 401


# --- Admin --------------------------------------------------------------------------------------


def test_admin_appoints_editor_and_publishes(client, org, admin_user, employee):
    client.force_login(admin_user)
    response = client.post(
        "/admin/announcements/departmenteditor/add/",
        {"department": org.kvr_i.pk, "employee": employee.pk},
    )
    assert response.status_code == 302, response.content[:2000]
    assert DepartmentEditor.objects.get().appointed_by == admin_user
    response = client.post(
        "/admin/announcements/announcement/add/",
        {"title": "Hinweis", "body": "**Bitte lesen**", "department": org.kvr.pk},
    )
    assert response.status_code == 302, response.content[:2000]
    announcement = Announcement.objects.get()
    assert announcement.author == admin_user
    assert announcement.body_html == "<p><strong>Bitte lesen</strong></p>"
    for path in (
        "/admin/announcements/announcement/",
        f"/admin/announcements/announcement/{announcement.pk}/change/",
        "/admin/announcements/departmenteditor/",
        "/admin/polls/poll/",
        "/admin/attachments/attachment/",
    ):
        assert client.get(path).status_code == 200, path
