"""Stream names and channel-layer group names (who may subscribe: `realtime.access`).

A stream is `<kind>.<id>`: `community.<id>` (a community's posts, members and settings),
`profile.<employee id>` (posts on a profile), `post.<id>` (a post's comments, reactions and
poll), `user.<employee id>` (private events for one employee) and `announcements.<department
id>` (announcements addressed to that unit's subtree) or `announcements.all` (addressed to
everyone). Every name is built here and nowhere else; so are the channel-layer group names
(channels allows only `[a-zA-Z0-9-_.]`, shorter than 100 characters).
"""

from __future__ import annotations

import re

from wilma.schemas import MAX_ID

STREAM_PATTERN = re.compile(r"(community|profile|post|user|announcements)\.([1-9][0-9]{0,18})")
# `announcements.all` parses as ("announcements", EVERYONE).
ANNOUNCEMENTS_TO_EVERYONE = "announcements.all"
EVERYONE = 0
_GROUP_PATTERN = re.compile(r"[a-zA-Z0-9\-_.]{1,99}")


def community_stream(community_id: int) -> str:
    return f"community.{int(community_id)}"


def profile_stream(employee_id: int) -> str:
    return f"profile.{int(employee_id)}"


def user_stream(employee_id: int) -> str:
    return f"user.{int(employee_id)}"


def post_stream(post_id: int) -> str:
    return f"post.{int(post_id)}"


def announcements_stream(department_id: int | None) -> str:
    """Announcements addressed to a department's subtree, or (None) to everyone."""
    if department_id is None:
        return ANNOUNCEMENTS_TO_EVERYONE
    return f"announcements.{int(department_id)}"


def parse_stream(value: object) -> tuple[str, int] | None:
    """`("community", 5)` for `"community.5"`, `("announcements", EVERYONE)` for
    `"announcements.all"`; None for anything that is not a stream name."""
    if not isinstance(value, str):
        return None
    if value == ANNOUNCEMENTS_TO_EVERYONE:
        return "announcements", EVERYONE
    match = STREAM_PATTERN.fullmatch(value)
    if match is None or int(match.group(2)) > MAX_ID:
        return None
    return match.group(1), int(match.group(2))


def group_name(key: str) -> str:
    """The channel-layer group for a stream (`community.5`) or a control key
    (`ctl.user.5`): one prefix for all of WILMA's groups, validated once here."""
    name = f"wilma.{key}"
    if not _GROUP_PATTERN.fullmatch(name):
        raise ValueError(f"not usable as a channel-layer group: {key!r}")
    return name


def stream_group(stream: str) -> str:
    return group_name(f"s.{stream}")


def user_control_group(employee_id: int) -> str:
    """Every connection of one employee listens here (re-check access, close)."""
    return group_name(f"ctl.user.{int(employee_id)}")


def org_control_group() -> str:
    """Connections holding a subscription whose access depends on the organisation tree
    (a department-restricted community, its posts, a unit's announcements) listen here: a
    department moved in the tree makes them re-check those subscriptions."""
    return group_name("ctl.org")


def community_control_group(community_id: int) -> str:
    """Connections subscribed to anything that depends on one community's access rules (the
    community's stream and its posts' streams) listen here."""
    return group_name(f"ctl.community.{int(community_id)}")
