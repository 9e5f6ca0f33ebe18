"""`manage.py seed_demo` and the demo organisation it builds (wilma/demo.py).

Building takes a few seconds, so the organisation is built once per module inside an outer
transaction that is rolled back at the end; every test runs in a savepoint within it.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.models import Count, F, Max, Q
from django.utils import timezone

from announcements.models import Announcement, AnnouncementAck, DepartmentEditor
from communities.models import (
    Community,
    Invitation,
    InvitationStatus,
    JoinPolicy,
    JoinRequest,
    Membership,
    RequestStatus,
    Role,
    Visibility,
)
from feed.models import Comment, Mention, Post, PostRevision, Reaction, SavedPost, TaggedPost
from people.models import Department, Employee, Follow
from polls.models import Poll, PollOption, PollVote
from wilma.demo import DEFAULT_SEED, DEMO_PASSWORD, FEED_DAYS, build_demo

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]


@pytest.fixture(autouse=True)
def _fast_password_hashing() -> None:
    """Overrides the suite's fast hasher: the demo is built once per module with the real one."""


NAMED_COMMUNITIES = (
    "Digitalisierung",
    "Open Government",
    "Smart City",
    "E-Mobilität",
    "Nachwuchskräfte",
    "BarCamp Digitale Stadt",
)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        summary = build_demo(seed=DEFAULT_SEED)
        yield summary
        transaction.set_rollback(True)


def _post_key(prefix: str = "") -> tuple[str, str, str]:
    """The fields that name a post by its content (for values_list across relations)."""
    return (f"{prefix}community__slug", f"{prefix}author__username", f"{prefix}body")


def _sorted(rows: Iterable[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    # Rows with NULLs (profile posts have no community) do not compare: sort by their repr.
    return sorted(rows, key=repr)


def fingerprint() -> str:
    """A digest of everything the seed decides, independent of primary keys and timestamps."""
    parts = [
        sorted(Department.objects.values_list("short_code", "name", "depth", "path")),
        sorted(
            Employee.objects.values_list(
                "username",
                "first_name",
                "last_name",
                "personnel_number",
                "job_title",
                "department__short_code",
                "location",
                "room",
                "phone",
                "about",
                "is_active",
                "is_superuser",
            )
        ),
        sorted(Employee.objects.values_list("username", "skills__name").exclude(skills=None)),
        sorted(Employee.objects.values_list("username", "languages")),
        sorted(
            Employee.deputies.through.objects.values_list(
                "from_employee__username", "to_employee__username"
            )
        ),
        sorted(Follow.objects.values_list("follower__username", "followed__username")),
        sorted(
            Community.objects.values_list(
                "slug", "name", "visibility", "join_policy", "department__short_code", "is_archived"
            )
        ),
        sorted(Membership.objects.values_list("community__slug", "employee__username", "role")),
        sorted(
            JoinRequest.objects.values_list(
                "community__slug", "employee__username", "status", "message"
            )
        ),
        sorted(
            Invitation.objects.values_list(
                "community__slug", "invitee__username", "invited_by__username", "status", "message"
            )
        ),
        # The feed, by content.
        _sorted(
            Post.objects.values_list(
                *_post_key(), "is_pinned", "comments_locked", "comment_count", "body_html"
            )
            .annotate(edits=Count("revisions"))
            .order_by()
        ),
        _sorted(
            Comment.objects.values_list(
                *_post_key("post__"), "author__username", "body", "parent__body"
            )
        ),
        _sorted(
            Reaction.objects.values_list(
                *_post_key("post__"),
                "comment__post__body",
                "comment__body",
                "employee__username",
                "kind",
            )
        ),
        _sorted(TaggedPost.objects.values_list(*_post_key("content_object__"), "tag__name")),
        _sorted(
            Mention.objects.values_list(
                *_post_key("post__"), "comment__post__body", "comment__body", "employee__username"
            )
        ),
        _sorted(PostRevision.objects.values_list(*_post_key("post__"), "body", "editor__username")),
        _sorted(SavedPost.objects.values_list(*_post_key("post__"), "employee__username")),
        _sorted(
            PollOption.objects.values_list(
                "poll__question", "poll__allows_multiple", "position", "text", "vote_count"
            )
        ),
        _sorted(PollVote.objects.values_list("poll__question", "option__text", "voter__username")),
        _sorted(
            Announcement.objects.values_list(
                "title", "body", "author__username", "department__short_code", "requires_ack"
            )
        ),
        _sorted(AnnouncementAck.objects.values_list("announcement__title", "employee__username")),
        _sorted(
            DepartmentEditor.objects.values_list("department__short_code", "employee__username")
        ),
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _flush() -> None:
    # PostgreSQL refuses to TRUNCATE tables with pending deferred foreign-key checks.
    connection.check_constraints()
    call_command("flush", interactive=False, verbosity=0)
    # flush re-creates the content types; taggit must not use the cached old rows.
    ContentType.objects.clear_cache()


# --- The organisation ---------------------------------------------------------------------------


def test_builds_the_referate_with_abteilungen_and_sachgebiete(demo):
    referate = list(Department.objects.get_root_nodes())
    assert len(referate) >= 15
    assert {"D", "KVR", "ITR", "RBS", "SOZ", "POR", "SKA"} <= {r.short_code for r in referate}
    for referat in referate:
        abteilungen = list(Department.objects.get_children(referat))
        assert 2 <= len(abteilungen) <= 4, referat
        for abteilung in abteilungen:
            assert re.fullmatch(rf"{referat.short_code}-[IVX]+", abteilung.short_code)
            sachgebiete = list(Department.objects.get_children(abteilung))
            assert 1 <= len(sachgebiete) <= 3, abteilung
            for sachgebiet in sachgebiete:
                assert sachgebiet.short_code.startswith(f"{abteilung.short_code}-")
                assert sachgebiet.is_leaf()
    assert Department.objects.filter(depth__gt=3).count() == 0
    assert demo.counts["referate"] == len(referate)


def test_builds_about_300_employees_with_profiles(demo):
    employees = list(Employee.objects.select_related("department"))
    assert 280 <= len(employees) <= 320
    for employee in employees:
        assert employee.username in demo.logins or re.fullmatch(
            r"[a-z]+(-[a-z]+)*\.[a-z]+(-[a-z]+)*[0-9]*", employee.username
        )
        assert employee.department is not None
        assert employee.job_title and employee.location and employee.room
        assert employee.phone.startswith("+49 89 99998-")
        assert employee.email.endswith("@muenchen.example")
        assert "de" in employee.languages
    assert len({e.personnel_number for e in employees}) == len(employees)
    assert sum(bool(e.about) for e in employees) > 50
    assert 0 < Employee.objects.filter(is_active=False).count() < 10
    assert Follow.objects.count() > 300
    assert Employee.deputies.through.objects.count() > 30
    assert Employee.objects.filter(skills__name="Verwaltungsrecht").exists()
    # Heads of units exist in every Referat.
    assert Employee.objects.filter(job_title="Referatsleitung").count() == 15


def test_demo_accounts_sign_in_with_the_documented_password(demo):
    admin = Employee.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser and admin.check_password(DEMO_PASSWORD)
    erika = Employee.objects.get(username="erika.mustermann")
    assert not erika.is_staff and Department.objects.get_root(erika.department).short_code == "KVR"
    assert erika.check_password(DEMO_PASSWORD)
    max_huber = Employee.objects.get(username="max.huber")
    assert Department.objects.get_root(max_huber.department).short_code == "RBS"
    assert Membership.objects.filter(employee=max_huber, role=Role.MODERATOR).exists()
    generated = Employee.objects.exclude(username__in=demo.logins).filter(is_active=True).first()
    assert generated.check_password(DEMO_PASSWORD)
    assert demo.password == DEMO_PASSWORD
    assert set(demo.logins) == {"admin", "erika.mustermann", "max.huber"}


# --- Communities ----------------------------------------------------------------------------------


def test_builds_communities_with_every_visibility_and_join_policy(demo):
    communities = list(Community.objects.all())
    assert len(communities) >= 25
    assert set(NAMED_COMMUNITIES) <= {c.name for c in communities}
    combinations = {(c.visibility, c.join_policy) for c in communities}
    assert combinations >= {
        (Visibility.PUBLIC, JoinPolicy.OPEN),
        (Visibility.PUBLIC, JoinPolicy.REQUEST),
        (Visibility.PUBLIC, JoinPolicy.INVITATION),
        (Visibility.PRIVATE, JoinPolicy.REQUEST),
        (Visibility.PRIVATE, JoinPolicy.INVITATION),
        (Visibility.SECRET, JoinPolicy.INVITATION),
    }
    assert any(c.is_archived for c in communities)
    assert {c.department.short_code for c in communities if c.department} >= {"KVR", "RBS"}
    assert Community.tags.through.objects.exists()


def test_every_role_is_present_and_every_community_has_an_owner(demo):
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)
    owners = Counter(
        Membership.objects.filter(role=Role.OWNER).values_list("community_id", flat=True)
    )
    assert all(owners[c] >= 1 for c in Community.objects.values_list("id", flat=True))
    assert any(n > 1 for n in owners.values())


def test_community_sizes_are_skewed(demo):
    sizes = sorted(
        Counter(Membership.objects.values_list("community_id", flat=True)).values(), reverse=True
    )
    assert sizes[0] >= 100
    assert sizes[len(sizes) // 2] <= 15


def test_pending_join_requests_and_invitations_exist(demo):
    assert JoinRequest.objects.filter(status=RequestStatus.PENDING).count() >= 5
    assert Invitation.objects.filter(status=InvitationStatus.PENDING).count() >= 5
    assert Invitation.objects.filter(
        invitee__username="erika.mustermann", status=InvitationStatus.PENDING
    ).exists()
    assert JoinRequest.objects.filter(
        employee__username="erika.mustermann", status=RequestStatus.PENDING
    ).exists()
    # Nothing is pending in an archived community.
    assert not JoinRequest.objects.filter(
        community__is_archived=True, status=RequestStatus.PENDING
    ).exists()


def test_restricted_communities_only_involve_their_subtree(demo):
    restricted = Community.objects.filter(department__isnull=False).select_related("department")
    assert restricted.count() >= 2
    for community in restricted:
        prefix = community.department.path
        people = set(community.memberships.values_list("employee__department__path", flat=True))
        people |= set(community.join_requests.values_list("employee__department__path", flat=True))
        people |= set(community.invitations.values_list("invitee__department__path", flat=True))
        assert people
        assert all(path.startswith(prefix) for path in people), community


def test_inactive_employees_have_no_memberships(demo):
    assert not Membership.objects.filter(employee__is_active=False).exists()


# --- The feed -------------------------------------------------------------------------------------


def test_posts_are_spread_over_the_communities_and_profiles(demo):
    assert 150 <= Post.objects.count() <= 250
    assert demo.counts["posts"] == Post.objects.count()
    assert Post.objects.filter(community__isnull=True).count() >= 10
    per_community = Counter(
        Post.objects.exclude(community=None).values_list("community__name", flat=True)
    )
    assert set(per_community) == set(Community.objects.values_list("name", flat=True))
    median = sorted(per_community.values())[len(per_community) // 2]
    for name in NAMED_COMMUNITIES:
        assert per_community[name] > median, name
    # The demo logins have something of their own in the feed.
    for username in ("erika.mustermann", "max.huber"):
        assert Post.objects.filter(author__username=username).exists()


def test_community_posts_are_written_by_members(demo):
    members = set(Membership.objects.values_list("community_id", "employee_id"))
    posts = Post.objects.exclude(community=None)
    for community_id, author_id in posts.values_list("community_id", "author_id"):
        assert (community_id, author_id) in members
    # Explicitly, since a leak there would matter most: nobody outside a secret community
    # wrote in it.
    secret = posts.filter(community__visibility=Visibility.SECRET)
    assert secret.count() >= 3
    for community_id, author_id in secret.values_list("community_id", "author_id"):
        assert Membership.objects.filter(community_id=community_id, employee_id=author_id).exists()


def test_comments_and_replies_come_from_readers(demo):
    assert Comment.objects.count() >= 300
    replies = Comment.objects.filter(parent__isnull=False)
    assert replies.exists()
    assert not replies.filter(parent__parent__isnull=False).exists()  # one level deep
    assert not replies.exclude(parent__post=F("post")).exists()
    counts = Counter(Comment.objects.values_list("post_id", flat=True))
    for post_id, comment_count in Post.objects.values_list("pk", "comment_count"):
        assert counts[post_id] == comment_count
    assert max(counts.values()) <= 9  # 0 to 8, the locked post one more
    # Outside public communities only members may read, so only they comment and react.
    members = set(Membership.objects.values_list("community_id", "employee_id"))
    closed = Q(post__community__isnull=False) & ~Q(post__community__visibility=Visibility.PUBLIC)
    for community_id, author_id in Comment.objects.filter(closed).values_list(
        "post__community_id", "author_id"
    ):
        assert (community_id, author_id) in members
    closed_reactions = Reaction.objects.filter(closed).values_list(
        "post__community_id", "employee_id"
    )
    assert closed_reactions
    for community_id, employee_id in closed_reactions:
        assert (community_id, employee_id) in members


def test_reactions_use_the_configured_kinds(demo):
    kinds = Counter(Reaction.objects.values_list("kind", flat=True))
    assert sum(kinds.values()) >= 300
    assert set(kinds) <= set(django_settings.WILMA["REACTIONS"])
    assert len(kinds) >= 4
    assert Reaction.objects.filter(comment__isnull=False).exists()
    assert not Reaction.objects.filter(employee__is_active=False).exists()


def test_posts_use_markdown_hashtags_and_mentions(demo):
    hashtags = set(TaggedPost.objects.values_list("tag__name", flat=True))
    assert {"Digitalisierung", "OpenData", "Barrierefreiheit", "E-Mobilität", "BarCamp2026"} <= (
        hashtags
    )
    html = list(Post.objects.values_list("body_html", flat=True))
    for fragment in ("<strong>", "<ul>", "<ol>", "<code>", 'href="https://stadt.muenchen.example/'):
        assert any(fragment in text for text in html), fragment
    assert Mention.objects.filter(post__isnull=False).count() >= 20
    assert Mention.objects.filter(comment__isnull=False).count() >= 20
    # Every @mention names a real demo account (only readers are recorded as mentions).
    usernames = set(Employee.objects.values_list("username", flat=True))
    texts = list(Post.objects.values_list("body", flat=True))
    texts += list(Comment.objects.values_list("body", flat=True))
    mentioned = {name for text in texts for name in re.findall(r"(?<![\w.])@([\w.-]*\w)", text)}
    assert mentioned and mentioned <= usernames


def test_pinned_locked_edited_and_saved_posts(demo):
    pinned = Post.objects.filter(is_pinned=True)
    assert 1 <= pinned.count() <= 2
    assert not pinned.filter(pinned_at__isnull=True).exists()
    assert Post.objects.filter(comments_locked=True).count() == 1
    edited = Post.objects.get(edited_at__isnull=False)
    revisions = list(edited.revisions.all())
    assert revisions and all(r.body != edited.body for r in revisions)
    assert revisions[0].created_at == edited.created_at
    assert revisions[-1].replaced_at == edited.edited_at
    assert SavedPost.objects.count() >= 10
    for username in ("erika.mustermann", "max.huber"):
        assert SavedPost.objects.filter(employee__username=username).exists()


def test_polls_have_votes_and_one_is_closed(demo):
    polls = list(Poll.objects.prefetch_related("options"))
    assert 4 <= len(polls) <= 6
    assert "Welcher Termin passt für das nächste BarCamp?" in {p.question for p in polls}
    assert any(p.allows_multiple for p in polls)
    now = timezone.now()
    closed = [p for p in polls if p.closes_at is not None and p.closes_at <= now]
    assert len(closed) == 1
    for poll in polls:
        votes = PollVote.objects.filter(poll=poll)
        assert votes.count() >= 3, poll
        for option in poll.options.all():
            assert option.vote_count == votes.filter(option=option).count()
        assert not votes.filter(created_at__lt=poll.post.created_at).exists()
    assert not PollVote.objects.filter(poll=closed[0], created_at__gt=closed[0].closes_at).exists()


def test_announcements_to_everyone_to_the_kvr_and_one_expired(demo):
    now = timezone.now()
    announcements = Announcement.objects.select_related("author", "department")
    assert 2 <= announcements.count() <= 3
    to_all = announcements.get(requires_ack=True)
    assert to_all.department is None and to_all.author.username == "admin"
    assert to_all.expires_at is not None and to_all.expires_at > now
    acks = AnnouncementAck.objects.filter(announcement=to_all)
    assert 0 < acks.count() < Employee.objects.filter(is_active=True).count()
    assert not acks.filter(acknowledged_at__lt=to_all.created_at).exists()
    # The demo logins still see the request to acknowledge.
    assert not acks.filter(employee__username__in=demo.logins).exists()
    kvr = announcements.get(department__short_code="KVR")
    assert not kvr.author.is_superuser
    assert DepartmentEditor.objects.filter(
        department__short_code="KVR", employee=kvr.author
    ).exists()
    assert announcements.filter(expires_at__lte=now).count() == 1


def test_the_feed_has_a_consistent_history(demo):
    now = timezone.now()
    start = now - timedelta(days=FEED_DAYS + 3)
    posts = Post.objects.annotate(last_comment=Max("comments__created_at"))
    assert not posts.filter(Q(created_at__lt=start) | Q(created_at__gt=now)).exists()
    # Spread over the period, not all at once.
    days = {post.created_at.date() for post in posts}
    assert len(days) >= 40
    for post in posts:
        assert post.last_activity_at == (post.last_comment or post.created_at), post
    assert not Comment.objects.filter(created_at__lte=F("post__created_at")).exists()
    assert not Comment.objects.filter(created_at__lte=F("parent__created_at")).exists()
    assert not Reaction.objects.filter(created_at__lt=F("post__created_at")).exists()
    assert not Reaction.objects.filter(created_at__lt=F("comment__created_at")).exists()
    assert not Mention.objects.filter(created_at__gt=now).exists()
    assert not SavedPost.objects.filter(created_at__lt=F("post__created_at")).exists()
    # Posts of the archived community predate its archiving.
    archived = Community.objects.get(is_archived=True)
    assert archived.posts.exists()
    assert not archived.posts.filter(created_at__gte=archived.archived_at).exists()


# --- The command ----------------------------------------------------------------------------------


def test_seed_demo_is_a_noop_when_departments_exist(demo):
    before = (Employee.objects.count(), Community.objects.count(), Membership.objects.count())
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "Demo data already present" in out.getvalue()
    after = (Employee.objects.count(), Community.objects.count(), Membership.objects.count())
    assert after == before


def test_same_seed_builds_the_same_organisation(demo, settings):
    first = fingerprint()
    _flush()
    assert not Employee.objects.exists()
    settings.DEBUG = True
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert fingerprint() == first
    output = out.getvalue()
    assert "Demo organisation built" in output
    assert DEMO_PASSWORD in output and "erika.mustermann" in output


def test_seed_demo_refuses_on_an_empty_database_without_debug(demo, settings):
    _flush()
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("seed_demo", stdout=StringIO())
    assert not Department.objects.exists()
