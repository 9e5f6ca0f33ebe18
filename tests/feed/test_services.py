"""Every feed service: happy path, denial (404 hidden / 403 forbidden / 409 state), invalid
input (422), and nothing changed on failure. Personas and posts come from `feed_world`."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from taggit.models import Tag

from attachments.models import Attachment
from feed import services
from feed.models import Comment, Mention, Post, PostRevision, Reaction, SavedPost, TaggedPost
from polls.models import Poll
from tests.factories import CommentFactory, EmployeeFactory, PostFactory
from wilma.errors import Conflict, Forbidden, InvalidInput, NotFound

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]


def state() -> tuple:
    """Everything the feed services write, to assert that a failed call changed nothing."""
    return (
        list(Post.objects.order_by("pk").values_list()),
        list(PostRevision.objects.order_by("pk").values_list("post", "body", "editor")),
        list(Comment.objects.order_by("pk").values_list()),
        list(Mention.objects.order_by("pk").values_list("employee", "post", "comment")),
        list(Reaction.objects.order_by("pk").values_list("employee", "post", "comment", "kind")),
        list(SavedPost.objects.order_by("pk").values_list("employee", "post")),
        list(TaggedPost.objects.order_by("pk").values_list("content_object", "tag")),
        list(Tag.objects.order_by("pk").values_list("name")),
        list(Poll.objects.order_by("pk").values_list("post")),
        list(Attachment.objects.order_by("pk").values_list("post", "comment")),
    )


def refused(call, error, *, code: str | None = None, field: str | None = None):
    """Run `call`, expect `error` (with `code` / a message for `field`) and no change at all."""
    before = state()
    with pytest.raises(error) as info:
        call()
    if code is not None:
        assert info.value.code == code
    if field is not None:
        assert field in info.value.fields
    assert state() == before
    return info.value


def mentioned(target) -> set[str]:
    key = "post" if isinstance(target, Post) else "comment"
    return set(Mention.objects.filter(**{key: target}).values_list("employee__username", flat=True))


def hashtags(post: Post) -> set[str]:
    return set(Post.objects.get(pk=post.pk).hashtags.names())


def reload(obj):
    return type(obj).objects.get(pk=obj.pk)


@pytest.fixture
def w(feed_world):
    return feed_world


@pytest.fixture
def p(feed_world):
    return feed_world.personas


# --- create_post ----------------------------------------------------------------------------


def test_create_profile_post_renders_and_records_hashtags_and_mentions(p):
    body = "Neu im #Bürgerbüro <b>hallo</b> @mia.member @Olga.Owner @niemand.da #bürgerbüro"
    post = services.create_post(author=p["author"], body=body)
    post = reload(post)
    assert post.community is None
    assert post.body == body  # stored as written
    assert post.body_html == (
        "<p>Neu im #Bürgerbüro &lt;b&gt;hallo&lt;/b&gt; @mia.member @Olga.Owner @niemand.da "
        "#bürgerbüro</p>"
    )
    assert post.last_activity_at is not None
    assert post.edited_at is None
    assert hashtags(post) == {"Bürgerbüro"}
    assert mentioned(post) == {"mia.member", "olga.owner"}


def test_create_keeps_surrounding_whitespace_as_written(p):
    post = services.create_post(author=p["author"], body="  Hallo\n\n")
    assert reload(post).body == "  Hallo\n\n"


def test_member_posts_in_community(w, p):
    post = services.create_post(author=p["member"], community=w.communities["secret"], body="Hi")
    assert reload(post).community == w.communities["secret"]


def test_admin_posts_in_community_without_membership(w, p):
    post = services.create_post(author=p["admin"], community=w.communities["private"], body="Hi")
    assert post.community_id == w.communities["private"].pk


def test_non_member_of_public_community_is_forbidden(w, p):
    refused(
        lambda: services.create_post(
            author=p["outsider"], community=w.communities["public"], body="Hi"
        ),
        Forbidden,
        code="members_only",
    )


def test_visible_non_member_of_private_community_is_forbidden(w, p):
    refused(
        lambda: services.create_post(
            author=p["outsider"], community=w.communities["private"], body="Hi"
        ),
        Forbidden,
    )


@pytest.mark.parametrize(
    ("persona", "community"), [("outsider", "secret"), ("other_dept", "restricted")]
)
def test_posting_into_a_hidden_community_is_404(w, p, persona, community):
    refused(
        lambda: services.create_post(
            author=p[persona], community=w.communities[community], body="Hi"
        ),
        NotFound,
    )


def test_posting_into_an_archived_community_is_409(w, p):
    refused(
        lambda: services.create_post(
            author=p["member"], community=w.communities["archived"], body="Hi"
        ),
        Conflict,
        code="archived",
    )


def test_inactive_employee_cannot_post(p):
    refused(lambda: services.create_post(author=p["inactive"], body="Hi"), Forbidden)


def test_create_rechecks_a_stale_community(w, p):
    stale = w.communities["public"]
    type(stale).objects.filter(pk=stale.pk).update(is_archived=True)
    refused(
        lambda: services.create_post(author=p["member"], community=stale, body="Hi"),
        Conflict,
        code="archived",
    )


@pytest.mark.parametrize(
    "body",
    ["", "   \n\t ", "x" * 20_001, "a\x00b", "\ud800", None, 42, ["Hallo"]],
    ids=["empty", "blank", "too-long", "nul", "surrogate", "none", "int", "list"],
)
def test_create_refuses_invalid_bodies(p, body):
    refused(lambda: services.create_post(author=p["author"], body=body), InvalidInput, field="body")


def test_create_accepts_the_longest_body(p):
    post = services.create_post(author=p["author"], body="x" * 20_000)
    assert len(reload(post).body) == 20_000


def test_post_length_limit_is_a_setting(settings, p):
    settings.WILMA = {**settings.WILMA, "POST_MAX_LENGTH": 10}
    refused(
        lambda: services.create_post(author=p["author"], body="x" * 11),
        InvalidInput,
        field="body",
    )


def test_too_many_hashtags_is_422(settings, p):
    settings.WILMA = {**settings.WILMA, "MAX_HASHTAGS_PER_POST": 2}
    refused(
        lambda: services.create_post(author=p["author"], body="#a #b #c"),
        InvalidInput,
        field="body",
    )
    services.create_post(author=p["author"], body="#a #b #A")  # duplicates count once


def test_too_many_mentions_is_422(settings, p):
    settings.WILMA = {**settings.WILMA, "MAX_MENTIONS_PER_POST": 2}
    refused(
        lambda: services.create_post(author=p["author"], body="@a @b @c"),
        InvalidInput,
        field="body",
    )


def test_mention_of_someone_who_cannot_read_the_post_records_nothing(w, p):
    body = "@erika.mustermann @max.huber @mia.member"  # outsider, other_dept, member
    post = services.create_post(author=p["author"], community=w.communities["private"], body=body)
    assert mentioned(post) == {"mia.member"}


def test_mention_in_a_restricted_community_skips_other_departments(w, p):
    body = "@erika.mustermann @max.huber"
    post = services.create_post(
        author=p["author"], community=w.communities["restricted"], body=body
    )
    assert mentioned(post) == {"erika.mustermann"}


def test_mentions_skip_inactive_unknown_self_and_code(p):
    body = "@ina.inactive @unbekannt @anna.autorin `@mia.member` mia.member@muenchen.de"
    post = services.create_post(author=p["author"], body=body)
    assert mentioned(post) == set()


def test_hashtags_reuse_existing_tags_case_insensitively(p):
    first = services.create_post(author=p["author"], body="#Radverkehr")
    second = services.create_post(author=p["member"], body="#radverkehr und #RADVERKEHR")
    assert hashtags(first) == hashtags(second) == {"Radverkehr"}
    assert Tag.objects.filter(name__iexact="radverkehr").count() == 1


def test_create_with_poll_creates_it_in_the_same_transaction(p):
    poll = {"question": "Wann?", "options": ["Montag", "Dienstag"], "allows_multiple": False}
    post = services.create_post(author=p["author"], body="Umfrage", poll=poll)
    created = Poll.objects.get(post=post)
    assert created.question == "Wann?"
    assert list(created.options.values_list("text", flat=True)) == ["Montag", "Dienstag"]


@pytest.mark.parametrize(
    "poll",
    [
        {"question": "Wann?", "options": ["nur eine"]},
        {"question": "", "options": ["a", "b"]},
        {"question": "Wann?", "options": ["a", "b"], "unbekannt": 1},
        "keine Umfrage",
    ],
)
def test_create_with_invalid_poll_creates_nothing(p, poll):
    refused(lambda: services.create_post(author=p["author"], body="Hi", poll=poll), InvalidInput)


def _upload(uploader, name="plan.pdf") -> Attachment:
    return Attachment.objects.create(
        uploader=uploader,
        file=f"attachments/2026/01/{name}",
        name=name,
        content_type="application/pdf",
        size=1234,
    )


def test_create_with_attachments_attaches_them(p):
    first, second = _upload(p["author"]), _upload(p["author"], "b.pdf")
    post = services.create_post(
        author=p["author"], body="Dateien", attachment_ids=[first.pk, second.pk]
    )
    assert set(post.attachments.values_list("pk", flat=True)) == {first.pk, second.pk}


def test_create_with_someone_elses_attachment_creates_nothing(p):
    foreign = _upload(p["member"])
    refused(
        lambda: services.create_post(author=p["author"], body="Hi", attachment_ids=[foreign.pk]),
        InvalidInput,
        field="attachment_ids",
    )


# --- edit_post ------------------------------------------------------------------------------


def test_edit_keeps_the_previous_text_as_a_revision(w, p):
    post = w.posts["public"]
    original = post.body
    edited = services.edit_post(editor=p["author"], post=post, body="Neuer *Text*")
    edited = reload(edited)
    assert edited.body == "Neuer *Text*"
    assert edited.body_html == "<p>Neuer <em>Text</em></p>"
    assert edited.edited_at is not None
    revision = PostRevision.objects.get(post=post)
    assert (revision.body, revision.created_at, revision.editor) == (
        original,
        post.created_at,
        p["author"],
    )
    services.edit_post(editor=p["author"], post=edited, body="Dritte Fassung")
    revisions = list(PostRevision.objects.filter(post=post))
    assert [r.body for r in revisions] == [original, "Neuer *Text*"]
    assert revisions[1].created_at == edited.edited_at


def test_edit_resyncs_hashtags_and_mentions(w, p):
    post = services.create_post(
        author=p["author"],
        community=w.communities["public"],
        body="#Alt #Bleibt @mia.member @olga.owner",
    )
    services.edit_post(
        editor=p["author"], post=post, body="#Bleibt #Neu @olga.owner @mona.moderator"
    )
    assert hashtags(post) == {"Bleibt", "Neu"}
    assert mentioned(post) == {"olga.owner", "mona.moderator"}


def test_edit_with_unchanged_text_changes_nothing(w, p):
    post = w.posts["public"]
    before = state()
    services.edit_post(editor=p["author"], post=post, body=post.body)
    assert state() == before


@pytest.mark.parametrize("persona", ["member", "moderator", "owner", "admin"])
def test_only_the_author_edits(w, p, persona):
    refused(
        lambda: services.edit_post(editor=p[persona], post=w.posts["public"], body="X"),
        Forbidden,
    )


@pytest.mark.parametrize(("persona", "post"), [("outsider", "secret"), ("author", "deleted")])
def test_edit_of_hidden_or_deleted_post_is_404(w, p, persona, post):
    refused(lambda: services.edit_post(editor=p[persona], post=w.posts[post], body="X"), NotFound)


def test_edit_in_archived_community_is_409(w, p):
    refused(
        lambda: services.edit_post(editor=p["author"], post=w.posts["archived"], body="X"),
        Conflict,
        code="archived",
    )


@pytest.mark.parametrize("body", ["", "  ", "x" * 20_001, "a\x00"])
def test_edit_refuses_invalid_bodies(w, p, body):
    refused(
        lambda: services.edit_post(editor=p["author"], post=w.posts["public"], body=body),
        InvalidInput,
        field="body",
    )


# --- delete_post ----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["author", "moderator", "owner", "admin"])
def test_author_moderation_and_admin_delete(w, p, persona):
    post = w.posts["private"]
    services.delete_post(actor=p[persona], post=post)
    assert reload(post).deleted_at is not None


def test_author_deletes_in_an_archived_community(w, p):
    services.delete_post(actor=p["author"], post=w.posts["archived"])
    assert reload(w.posts["archived"]).deleted_at is not None


@pytest.mark.parametrize(("persona", "post"), [("member", "public"), ("moderator", "profile")])
def test_others_cannot_delete(w, p, persona, post):
    refused(lambda: services.delete_post(actor=p[persona], post=w.posts[post]), Forbidden)


@pytest.mark.parametrize(("persona", "post"), [("outsider", "secret"), ("author", "deleted")])
def test_delete_of_hidden_or_deleted_post_is_404(w, p, persona, post):
    refused(lambda: services.delete_post(actor=p[persona], post=w.posts[post]), NotFound)


# --- pin_post and lock_comments -------------------------------------------------------------


def test_moderator_pins_and_unpins(w, p):
    post = services.pin_post(actor=p["moderator"], post=w.posts["public"], pinned=True)
    assert post.is_pinned
    pinned_at = reload(post).pinned_at
    assert pinned_at is not None
    again = services.pin_post(actor=p["owner"], post=post, pinned=True)
    assert reload(again).pinned_at == pinned_at  # idempotent
    services.pin_post(actor=p["admin"], post=post, pinned=False)
    assert (reload(post).is_pinned, reload(post).pinned_at) == (False, None)


@pytest.mark.parametrize("persona", ["author", "member"])
def test_members_cannot_pin(w, p, persona):
    refused(
        lambda: services.pin_post(actor=p[persona], post=w.posts["public"], pinned=True),
        Forbidden,
    )


def test_profile_posts_cannot_be_pinned(w, p):
    refused(
        lambda: services.pin_post(actor=p["author"], post=w.posts["profile"], pinned=True),
        Conflict,
        code="not_pinnable",
    )


def test_pin_hidden_post_is_404(w, p):
    refused(
        lambda: services.pin_post(actor=p["outsider"], post=w.posts["secret"], pinned=True),
        NotFound,
    )


def test_pin_in_archived_community_is_409(w, p):
    refused(
        lambda: services.pin_post(actor=p["owner"], post=w.posts["archived"], pinned=True),
        Conflict,
        code="archived",
    )


@pytest.mark.parametrize("flag", [None, "yes", 1])
def test_pin_and_lock_refuse_non_booleans(w, p, flag):
    post = w.posts["public"]
    refused(
        lambda: services.pin_post(actor=p["owner"], post=post, pinned=flag),
        InvalidInput,
        field="pinned",
    )
    refused(
        lambda: services.lock_comments(actor=p["owner"], post=post, locked=flag),
        InvalidInput,
        field="locked",
    )


def test_moderator_locks_and_unlocks_comments(w, p):
    post = services.lock_comments(actor=p["moderator"], post=w.posts["public"], locked=True)
    assert reload(post).comments_locked
    services.lock_comments(actor=p["moderator"], post=post, locked=False)
    assert not reload(post).comments_locked


def test_author_locks_comments_on_own_profile_post(w, p):
    services.lock_comments(actor=p["author"], post=w.posts["profile"], locked=True)
    assert reload(w.posts["profile"]).comments_locked


@pytest.mark.parametrize(("persona", "post"), [("member", "profile"), ("author", "public")])
def test_others_cannot_lock_comments(w, p, persona, post):
    refused(
        lambda: services.lock_comments(actor=p[persona], post=w.posts[post], locked=True),
        Forbidden,
    )


# --- Comments -------------------------------------------------------------------------------


def test_comment_counts_and_bumps_the_post(w, p):
    post = w.posts["public"]
    before = reload(post).last_activity_at
    comment = services.create_comment(author=p["member"], post=post, body="Gute Idee!")
    assert comment.body_html == "<p>Gute Idee!</p>"
    fresh = reload(post)
    assert fresh.comment_count == 1
    assert fresh.last_activity_at > before
    assert fresh.last_activity_at == reload(comment).created_at


def test_counter_uses_the_database_value_not_a_stale_instance(w, p):
    post = w.posts["public"]
    Post.objects.filter(pk=post.pk).update(comment_count=5)  # `post` still says 0
    services.create_comment(author=p["member"], post=post, body="eins")
    assert reload(post).comment_count == 6


def test_public_reader_comments_without_joining(w, p):
    comment = services.create_comment(author=p["outsider"], post=w.posts["public"], body="Hallo")
    assert comment.author == p["outsider"]


def test_reply_and_reply_to_a_reply_share_the_top_level_thread(w, p):
    post = w.posts["public"]
    top = services.create_comment(author=p["member"], post=post, body="Frage")
    reply = services.create_comment(author=p["owner"], post=post, body="Antwort", parent=top)
    nested = services.create_comment(author=p["member"], post=post, body="Danke", parent=reply)
    assert reply.parent_id == top.pk
    assert nested.parent_id == top.pk
    assert reload(post).comment_count == 3


def test_reply_to_a_comment_of_another_post_is_422(w, p):
    other = CommentFactory(post=w.posts["profile"], author=p["member"])
    refused(
        lambda: services.create_comment(
            author=p["member"], post=w.posts["public"], body="x", parent=other
        ),
        InvalidInput,
        field="parent",
    )


def test_reply_to_a_deleted_comment_is_422(w, p):
    post = w.posts["public"]
    parent = CommentFactory(post=post, author=p["member"], deleted_at=timezone.now())
    refused(
        lambda: services.create_comment(author=p["member"], post=post, body="x", parent=parent),
        InvalidInput,
        field="parent",
    )


def test_commenting_on_a_locked_post_is_409(w, p):
    refused(
        lambda: services.create_comment(author=p["owner"], post=w.posts["locked"], body="x"),
        Conflict,
        code="comments_locked",
    )


def test_commenting_in_an_archived_community_is_409(w, p):
    refused(
        lambda: services.create_comment(author=p["member"], post=w.posts["archived"], body="x"),
        Conflict,
        code="archived",
    )


@pytest.mark.parametrize(
    ("persona", "post"),
    [
        ("outsider", "secret"),
        ("outsider", "private"),
        ("other_dept", "restricted"),
        ("member", "deleted"),
        ("inactive", "public"),
    ],
)
def test_commenting_on_a_hidden_post_is_404(w, p, persona, post):
    refused(
        lambda: services.create_comment(author=p[persona], post=w.posts[post], body="x"),
        NotFound,
    )


@pytest.mark.parametrize("body", ["", " \n", "x" * 5_001, "\x00"])
def test_comment_refuses_invalid_bodies(w, p, body):
    refused(
        lambda: services.create_comment(author=p["member"], post=w.posts["public"], body=body),
        InvalidInput,
        field="body",
    )


def test_comment_mentions_only_readers(w, p):
    comment = services.create_comment(
        author=p["member"],
        post=w.posts["private"],
        body="@erika.mustermann @anna.autorin @mia.member",
    )
    assert mentioned(comment) == {"anna.autorin"}


def test_comment_with_attachments_attaches_them(w, p):
    upload = _upload(p["member"])
    comment = services.create_comment(
        author=p["member"], post=w.posts["public"], body="Anbei", attachment_ids=[upload.pk]
    )
    assert reload(upload).comment_id == comment.pk


def test_comment_with_invalid_attachment_changes_nothing(w, p):
    refused(
        lambda: services.create_comment(
            author=p["member"], post=w.posts["public"], body="x", attachment_ids=[987654]
        ),
        InvalidInput,
        field="attachment_ids",
    )


@pytest.fixture
def comment(w, p):
    return services.create_comment(
        author=p["member"], post=w.posts["public"], body="Erste Fassung @olga.owner"
    )


def test_author_edits_comment_and_mentions_follow(comment, p):
    edited = services.edit_comment(
        editor=p["member"], comment=comment, body="**Neu** @mona.moderator"
    )
    edited = reload(edited)
    assert (edited.body, edited.body_html) == (
        "**Neu** @mona.moderator",
        "<p><strong>Neu</strong> @mona.moderator</p>",
    )
    assert edited.edited_at is not None
    assert mentioned(edited) == {"mona.moderator"}


@pytest.mark.parametrize("persona", ["owner", "admin", "author"])
def test_only_the_comment_author_edits(comment, p, persona):
    refused(lambda: services.edit_comment(editor=p[persona], comment=comment, body="x"), Forbidden)


def test_edit_comment_on_locked_post_is_409(comment, p):
    Post.objects.filter(pk=comment.post_id).update(comments_locked=True)
    refused(
        lambda: services.edit_comment(editor=p["member"], comment=comment, body="x"),
        Conflict,
        code="comments_locked",
    )


def test_edit_deleted_comment_is_404(comment, p):
    Comment.objects.filter(pk=comment.pk).update(deleted_at=timezone.now())
    refused(lambda: services.edit_comment(editor=p["member"], comment=comment, body="x"), NotFound)


def test_edit_comment_refuses_invalid_body(comment, p):
    refused(
        lambda: services.edit_comment(editor=p["member"], comment=comment, body="  "),
        InvalidInput,
        field="body",
    )


@pytest.mark.parametrize("persona", ["member", "moderator", "owner", "admin"])
def test_comment_author_and_moderation_delete(comment, p, persona):
    services.delete_comment(actor=p[persona], comment=comment)
    assert reload(comment).deleted_at is not None
    assert reload(comment.post).comment_count == 0


def test_profile_owner_deletes_comments_on_own_profile_post(w, p):
    comment = services.create_comment(author=p["member"], post=w.posts["profile"], body="x")
    services.delete_comment(actor=p["author"], comment=comment)
    assert reload(comment).deleted_at is not None


@pytest.mark.parametrize("persona", ["author", "outsider"])
def test_others_cannot_delete_comments(comment, p, persona):
    refused(lambda: services.delete_comment(actor=p[persona], comment=comment), Forbidden)


def test_deleting_twice_is_404_and_counts_once(comment, p):
    services.delete_comment(actor=p["member"], comment=comment)
    refused(lambda: services.delete_comment(actor=p["member"], comment=comment), NotFound)
    assert reload(comment.post).comment_count == 0


def test_delete_comment_of_hidden_post_is_404(w, p):
    comment = CommentFactory(post=w.posts["secret"], author=p["member"])
    refused(lambda: services.delete_comment(actor=p["outsider"], comment=comment), NotFound)


def test_comment_count_never_goes_below_zero(w, p):
    comment = CommentFactory(post=w.posts["public"], author=p["member"])  # not counted
    services.delete_comment(actor=p["member"], comment=comment)
    assert reload(w.posts["public"]).comment_count == 0


# --- Reactions ------------------------------------------------------------------------------


def test_reaction_toggles_on_and_off(w, p):
    post = w.posts["public"]
    assert services.toggle_reaction(employee=p["member"], post=post, kind="👍") is True
    assert services.toggle_reaction(employee=p["member"], post=post, kind="❤️") is True
    assert services.toggle_reaction(employee=p["owner"], post=post, kind="👍") is True
    kinds = sorted(Reaction.objects.filter(post=post).values_list("kind", flat=True))
    assert kinds == sorted(["👍", "❤️", "👍"])
    assert services.toggle_reaction(employee=p["member"], post=post, kind="👍") is False
    assert Reaction.objects.filter(post=post, employee=p["member"]).count() == 1


def test_reaction_on_a_comment(comment, p):
    assert services.toggle_reaction(employee=p["owner"], comment=comment, kind="🎉") is True
    assert Reaction.objects.get(comment=comment).kind == "🎉"


def test_reactions_stay_open_on_locked_posts(w, p):
    assert services.toggle_reaction(employee=p["member"], post=w.posts["locked"], kind="🙏")


@pytest.mark.parametrize("kind", ["🚲", "", "x" * 40, None, "👍🏿"])
def test_unknown_reaction_is_422(w, p, kind):
    refused(
        lambda: services.toggle_reaction(employee=p["member"], post=w.posts["public"], kind=kind),
        InvalidInput,
        code="unknown_reaction",
        field="kind",
    )


def test_reactions_are_configurable(settings, w, p):
    settings.WILMA = {**settings.WILMA, "REACTIONS": ["🚲", "🥨"]}
    post = w.posts["public"]
    assert services.toggle_reaction(employee=p["member"], post=post, kind="🥨")
    refused(
        lambda: services.toggle_reaction(employee=p["member"], post=post, kind="👍"),
        InvalidInput,
        code="unknown_reaction",
    )


def test_reaction_needs_exactly_one_target(w, comment, p):
    refused(lambda: services.toggle_reaction(employee=p["member"], kind="👍"), InvalidInput)
    refused(
        lambda: services.toggle_reaction(
            employee=p["member"], post=w.posts["public"], comment=comment, kind="👍"
        ),
        InvalidInput,
        field="target",
    )


@pytest.mark.parametrize(("persona", "post"), [("outsider", "secret"), ("member", "deleted")])
def test_reaction_on_hidden_post_is_404(w, p, persona, post):
    refused(
        lambda: services.toggle_reaction(employee=p[persona], post=w.posts[post], kind="👍"),
        NotFound,
    )


def test_reaction_on_deleted_or_hidden_comment_is_404(w, comment, p):
    hidden = CommentFactory(post=w.posts["secret"], author=p["member"])
    refused(
        lambda: services.toggle_reaction(employee=p["outsider"], comment=hidden, kind="👍"),
        NotFound,
    )
    Comment.objects.filter(pk=comment.pk).update(deleted_at=timezone.now())
    refused(
        lambda: services.toggle_reaction(employee=p["member"], comment=comment, kind="👍"),
        NotFound,
    )


def test_reaction_in_archived_community_is_409(w, p):
    refused(
        lambda: services.toggle_reaction(employee=p["member"], post=w.posts["archived"], kind="👍"),
        Conflict,
        code="archived",
    )


# --- Saved posts ----------------------------------------------------------------------------


def test_save_and_unsave_are_idempotent(w, p):
    post = w.posts["public"]
    services.save_post(employee=p["outsider"], post=post)
    services.save_post(employee=p["outsider"], post=post)
    assert SavedPost.objects.filter(employee=p["outsider"], post=post).count() == 1
    services.unsave_post(employee=p["outsider"], post=post)
    services.unsave_post(employee=p["outsider"], post=post)
    assert not SavedPost.objects.exists()


@pytest.mark.parametrize(("persona", "post"), [("outsider", "secret"), ("member", "deleted")])
def test_saving_a_hidden_post_is_404(w, p, persona, post):
    refused(lambda: services.save_post(employee=p[persona], post=w.posts[post]), NotFound)


def test_unsave_works_after_losing_access(w, p):
    post = w.posts["private"]
    services.save_post(employee=p["member"], post=post)
    post.community.memberships.filter(employee=p["member"]).delete()
    services.unsave_post(employee=p["member"], post=post)
    assert not SavedPost.objects.exists()


# --- Concurrency (PostgreSQL: real parallel transactions) ----------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_comments_and_reactions_count_correctly(org):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL for parallel transactions")
    author = EmployeeFactory(department=org.kvr)
    writers = [EmployeeFactory(department=org.kvr) for _ in range(6)]
    post = PostFactory(author=author, last_activity_at=timezone.now() - timedelta(days=1))
    barrier = threading.Barrier(len(writers))

    def write(employee) -> None:
        try:
            barrier.wait(timeout=30)
            services.create_comment(author=employee, post=post, body="parallel")
            services.toggle_reaction(employee=employee, post=post, kind="👍")
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(writers)) as pool:
        for future in [pool.submit(write, employee) for employee in writers]:
            future.result()  # re-raises whatever a writer raised
    assert reload(post).comment_count == len(writers) == Comment.objects.filter(post=post).count()
    assert Reaction.objects.filter(post=post).count() == len(writers)
