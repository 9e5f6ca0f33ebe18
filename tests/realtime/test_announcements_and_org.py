"""Announcement streams (`announcements.<department id>`, `announcements.all`) and the
revocations that come from the organisation: a department moved in the tree, an employee
moved to another department, an editor appointment withdrawn, a site-admin flag taken away."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async
from django.test import Client

from announcements import services as announcement_services
from communities.models import Visibility
from people.services import move_department, update_employee
from realtime.models import Event
from realtime.streams import announcements_stream, community_stream
from tests.factories import CommunityFactory, EmployeeFactory
from tests.realtime.conftest import connect, events_until_quiet, receive, run, subscribe

pytestmark = [pytest.mark.embedded, pytest.mark.django_db(transaction=True)]

REVOKED = "access_revoked"


def revoked_streams(messages: list[dict]) -> list[str]:
    return sorted(
        m["stream"] for m in messages if m["type"] == "unsubscribed" and m["reason"] == REVOKED
    )


async def test_announcement_events_reach_the_target_subtree_and_withdrawal_redacts(
    world, org, admin_user
):
    stream = announcements_stream(org.kvr_i.pk)
    reader = await connect(world.outsider)  # KVR-I-1: inside the KVR-I subtree
    assert (await subscribe(reader, stream, 0))["type"] == "subscribed"
    announcement = await run(
        announcement_services.publish_announcement,
        author=admin_user,
        title="Brandschutzübung",
        body="Am **Dienstag** um 10 Uhr.",
        department=org.kvr_i,
        requires_ack=True,
    )
    published = await receive(reader)
    assert (published["stream"], published["seq"], published["event"]) == (
        stream,
        1,
        "announcement.published",
    )
    data = published["data"]
    assert data["id"] == announcement.pk and data["title"] == "Brandschutzübung"
    assert "<strong>Dienstag</strong>" in data["body_html"]
    assert data["department"]["id"] == org.kvr_i.pk and data["acknowledged"] is False
    await run(
        announcement_services.edit_announcement,
        editor=admin_user,
        announcement=announcement,
        title="Brandschutzübung (verschoben)",
    )
    edited = await receive(reader)
    assert edited["event"] == "announcement.edited"
    assert edited["data"]["title"] == "Brandschutzübung (verschoben)"
    await run(
        announcement_services.withdraw_announcement, actor=admin_user, announcement=announcement
    )
    assert (await receive(reader))["data"] == {"id": announcement.pk}
    # Withdrawing again is a no-op: no second event.
    await run(
        announcement_services.withdraw_announcement, actor=admin_user, announcement=announcement
    )
    assert await reader.receive_nothing(timeout=0.3)
    # A later replay hands out no text.
    payloads = await database_sync_to_async(
        lambda: list(Event.objects.filter(stream=stream).values_list("type", "payload"))
    )()
    assert [json.loads(p) for _t, p in payloads[:2]] == [
        {"id": announcement.pk, "redacted": True}
    ] * 2
    await reader.disconnect()


async def test_announcements_to_everyone_reach_every_employee(world, org, admin_user):
    ws = await connect(world.outsider)
    assert (await subscribe(ws, "announcements.all", 0))["type"] == "subscribed"
    await run(
        announcement_services.publish_announcement,
        author=admin_user,
        title="Betriebsausflug",
        body="Alle sind eingeladen.",
    )
    event = await receive(ws)
    assert event["stream"] == "announcements.all" and event["data"]["department"] is None
    await ws.disconnect()


async def test_other_subtrees_cannot_subscribe_to_a_units_announcements(world, org):
    other = await database_sync_to_async(EmployeeFactory)(department=org.rbs)
    ws = await connect(other)
    for stream in (announcements_stream(org.kvr_i.pk), announcements_stream(999_999)):
        answer = await subscribe(ws, stream, 0)
        assert answer["type"] == "error" and answer["code"] == "not_found"
    # A parent unit is not inside its child's subtree.
    member = await connect(world.member)  # KVR-I
    assert (await subscribe(member, announcements_stream(org.kvr_i_1.pk), 0))["code"] == (
        "not_found"
    )
    for client in (ws, member):
        await client.disconnect()


async def test_withdrawn_editor_appointment_revokes_the_units_stream(world, org, admin_user):
    editor = await database_sync_to_async(EmployeeFactory)(department=org.rbs)
    await run(
        announcement_services.appoint_editor, admin=admin_user, department=org.kvr, employee=editor
    )
    ws = await connect(editor)
    stream = announcements_stream(org.kvr_i_1.pk)
    assert (await subscribe(ws, stream))["type"] == "subscribed"  # edits an ancestor
    await run(
        announcement_services.remove_editor, admin=admin_user, department=org.kvr, employee=editor
    )
    assert await receive(ws) == {"type": "unsubscribed", "stream": stream, "reason": REVOKED}
    await ws.disconnect()


async def test_employee_moved_to_another_department_loses_the_old_units_stream(world, org):
    ws = await connect(world.outsider)
    stream = announcements_stream(org.kvr_i.pk)
    await subscribe(ws, stream)
    await subscribe(ws, "announcements.all")
    await run(update_employee, employee=world.outsider, department=org.rbs)
    assert revoked_streams(await events_until_quiet(ws)) == [stream]
    await ws.disconnect()


async def test_a_department_moved_out_of_a_subtree_revokes_restricted_streams(world, org):
    restricted = await database_sync_to_async(CommunityFactory)(
        slug="kvr-i-intern", department=org.kvr_i, visibility=Visibility.PUBLIC
    )
    ws = await connect(world.outsider)  # KVR-I-1, not a member: reads by department
    streams = [community_stream(restricted.pk), announcements_stream(org.kvr_i.pk)]
    for stream in streams:
        assert (await subscribe(ws, stream))["type"] == "subscribed"
    await subscribe(ws, community_stream(world.public.pk))
    bystander = await connect(world.member)  # KVR-I: not moved, keeps everything
    for stream in streams:
        await subscribe(bystander, stream)
    await run(move_department, department=org.kvr_i_1, parent=org.rbs)
    assert revoked_streams(await events_until_quiet(ws)) == sorted(streams)
    assert await bystander.receive_nothing(timeout=0.3)
    for client in (ws, bystander):
        await client.disconnect()


async def test_a_department_moved_in_the_django_admin_revokes_as_well(world, org, admin_user):
    restricted = await database_sync_to_async(CommunityFactory)(
        slug="kvr-i-admin", department=org.kvr_i, visibility=Visibility.PUBLIC
    )
    stream = community_stream(restricted.pk)
    ws = await connect(world.outsider)  # KVR-I-1
    assert (await subscribe(ws, stream))["type"] == "subscribed"

    def drag_and_drop() -> int:  # treebeard's admin: the tree's drag and drop
        client = Client()
        client.force_login(admin_user)
        response = client.post(
            "/admin/people/department/move/",
            {"node": org.kvr_i_1.pk, "target": org.rbs.pk, "relation": "child"},
        )
        return response.status_code

    assert await database_sync_to_async(drag_and_drop)() == 200
    assert revoked_streams(await events_until_quiet(ws)) == [stream]
    await ws.disconnect()


async def test_taking_away_the_site_admin_flag_revokes_what_only_admins_read(world, org):
    admin = await database_sync_to_async(EmployeeFactory)(
        department=org.rbs, is_staff=True, is_superuser=True
    )
    ws = await connect(admin)
    secret, unit = community_stream(world.secret.pk), announcements_stream(org.kvr_i.pk)
    for stream in (secret, unit):
        assert (await subscribe(ws, stream))["type"] == "subscribed"
    await subscribe(ws, community_stream(world.public.pk))

    def demote() -> None:  # as the Django admin's change form does: the whole row
        admin.is_superuser = False
        admin.save()

    await database_sync_to_async(demote)()
    assert revoked_streams(await events_until_quiet(ws)) == sorted([secret, unit])
    await ws.disconnect()
