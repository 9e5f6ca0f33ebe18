"""Helpers for the read-path tests (feeds, post detail, comments, query budgets): posts that
carry everything a feed page shows, built straight in the tables (no services), so the read
path is tested on its own."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from attachments.models import Attachment
from communities.models import Community
from feed.models import Comment, Mention, Post, PostRevision, Reaction, SavedPost
from people.models import Employee, Follow
from polls.models import Poll, PollOption, PollVote
from tests.factories import CommentFactory, PostFactory


def make_post(
    author: Employee,
    community: Community | None = None,
    *,
    body: str = "Ein Beitrag",
    hashtags: tuple[str, ...] = (),
    minutes_ago: int | None = None,
    **fields,
) -> Post:
    post = PostFactory(author=author, community=community, body=body, **fields)
    if hashtags:
        post.hashtags.add(*hashtags)
    if minutes_ago is not None:
        when = timezone.now() - timedelta(minutes=minutes_ago)
        Post.objects.filter(pk=post.pk).update(created_at=when, last_activity_at=when)
        post.refresh_from_db()
    return post


def add_attachment(post: Post, uploader: Employee, name: str = "plan.pdf") -> Attachment:
    return Attachment.objects.create(
        uploader=uploader,
        post=post,
        file=f"attachments/2026/01/{name}",
        name=name,
        content_type="application/pdf",
        size=1234,
    )


def add_poll(post: Post, voters: list[Employee], *, multiple: bool = False) -> Poll:
    poll = Poll.objects.create(
        post=post, question="Wann treffen wir uns?", allows_multiple=multiple
    )
    options = [
        PollOption.objects.create(poll=poll, text=text, position=i)
        for i, text in enumerate(["Montag", "Dienstag", "Mittwoch"])
    ]
    for voter in voters:
        PollVote.objects.create(poll=poll, option=options[0], voter=voter)
        if multiple:
            PollVote.objects.create(poll=poll, option=options[1], voter=voter)
    for option in options:
        option.vote_count = PollVote.objects.filter(option=option).count()
        option.save(update_fields=["vote_count"])
    return poll


def react(employee: Employee, kind: str, *, post: Post | None = None, comment=None) -> Reaction:
    return Reaction.objects.create(employee=employee, post=post, comment=comment, kind=kind)


def comment_on(post: Post, author: Employee, body: str = "Ein Kommentar", parent=None) -> Comment:
    comment = CommentFactory(post=post, author=author, body=body, parent=parent)
    Post.objects.filter(pk=post.pk).update(
        comment_count=post.comment_count + 1, last_activity_at=timezone.now()
    )
    post.refresh_from_db()
    return comment


def enrich(post: Post, viewer: Employee, others: list[Employee]) -> Post:
    """Give a post every kind of related data a feed page shows, including the viewer's own
    reactions, votes and saved flag."""
    post.hashtags.add("Radl", f"tag{post.pk}")
    add_attachment(post, post.author)
    add_attachment(post, post.author, name="foto.jpg")
    add_poll(post, [viewer, *others])
    for person in [viewer, *others]:
        react(person, "like", post=post)
    react(viewer, "heart", post=post)
    thread = comment_on(post, others[0])
    comment_on(post, viewer, parent=thread)
    react(viewer, "like", comment=thread)
    Mention.objects.create(employee=viewer, post=post)
    SavedPost.objects.create(employee=viewer, post=post)
    PostRevision.objects.create(
        post=post, body="Alter Text", created_at=post.created_at, editor=post.author
    )
    return post


def follow(follower: Employee, followed: Employee) -> None:
    Follow.objects.get_or_create(follower=follower, followed=followed)
