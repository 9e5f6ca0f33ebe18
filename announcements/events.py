"""The realtime events of announcements (docs/realtime.md lists them).

Stream: `announcements.<department id>` for an announcement to a unit's subtree,
`announcements.all` for one to everyone. Every announcement on a stream has the same target,
so the stream's read rule is exactly each announcement's (`can_see_announcement`: the
subtree's employees and those who manage it); no per-employee fan-out is written.
Payloads are `AnnouncementOut` for a neutral viewer (`acknowledged: false`). Withdrawing
redacts the earlier events, as REST no longer hands the announcement out.

There is no `announcement.expired`: expiring is not a write, and the payload's `expires_at`
tells clients when to hide it (an edit of `expires_at` sends `announcement.edited`).
"""

from __future__ import annotations

from announcements.models import Announcement
from realtime.events import dumps, record_event, redact_events, subject
from realtime.streams import announcements_stream


def _data(announcement: Announcement) -> str:
    from announcements.schemas import AnnouncementOut

    loaded = Announcement.objects.select_related("author__department", "department").get(
        pk=announcement.pk
    )
    return dumps(AnnouncementOut.from_orm(loaded).model_dump(mode="json"))


def _record(announcement: Announcement, type: str, data: str | dict[str, int]) -> None:
    record_event(
        stream=announcements_stream(announcement.department_id),
        type=type,
        data=data,
        subject=subject("announcement", announcement.pk),
    )


def announcement_published(announcement: Announcement) -> None:
    _record(announcement, "announcement.published", _data(announcement))


def announcement_edited(announcement: Announcement) -> None:
    _record(announcement, "announcement.edited", _data(announcement))


def announcement_withdrawn(announcement: Announcement) -> None:
    redact_events("announcement", announcement.pk)
    _record(announcement, "announcement.withdrawn", {"id": announcement.pk})
