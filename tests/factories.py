"""factory_boy factories for the domain models. Tests build data through these (or services)."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from communities.models import Community, JoinPolicy, Membership, Role, Visibility
from people.models import Department, Employee
from people.services import create_department

PASSWORD = "Sehr-geheim-2026!"


def make_department(name: str, code: str, parent: Department | None = None) -> Department:
    """Departments live in a materialized-path tree, so they are added through the service."""
    return create_department(name=name, short_code=code, parent=parent)


class EmployeeFactory(DjangoModelFactory):
    class Meta:
        model = Employee
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"person{n}")
    first_name = factory.Faker("first_name", locale="de_DE")
    last_name = factory.Faker("last_name", locale="de_DE")
    email = factory.LazyAttribute(lambda o: f"{o.username}@muenchen.example")
    job_title = "Sachbearbeitung"
    password = factory.django.Password(PASSWORD)


class CommunityFactory(DjangoModelFactory):
    class Meta:
        model = Community

    name = factory.Sequence(lambda n: f"Community {n}")
    slug = factory.Sequence(lambda n: f"community-{n}")
    description = "Austausch und Vernetzung"
    visibility = Visibility.PUBLIC
    join_policy = factory.LazyAttribute(
        lambda o: {
            Visibility.PUBLIC: JoinPolicy.OPEN,
            Visibility.PRIVATE: JoinPolicy.REQUEST,
            Visibility.SECRET: JoinPolicy.INVITATION,
        }[o.visibility]
    )


def add_member(community: Community, employee: Employee, role: str = Role.MEMBER) -> Membership:
    return Membership.objects.create(community=community, employee=employee, role=role)


class PostFactory(DjangoModelFactory):
    """A post written straight to the table (no permission checks, hashtags or mentions):
    for fixtures. Tests of behaviour create posts through `feed.services.create_post`."""

    class Meta:
        model = "feed.Post"

    author = factory.SubFactory(EmployeeFactory)
    community = None
    body = factory.Sequence(lambda n: f"Beitrag Nummer {n}")
    body_html = factory.LazyAttribute(lambda o: _render(o.body))
    last_activity_at = factory.LazyFunction(lambda: _now())


class CommentFactory(DjangoModelFactory):
    """A comment written straight to the table; it does not update `post.comment_count`."""

    class Meta:
        model = "feed.Comment"

    post = factory.SubFactory(PostFactory)
    parent = None
    author = factory.SubFactory(EmployeeFactory)
    body = factory.Sequence(lambda n: f"Kommentar Nummer {n}")
    body_html = factory.LazyAttribute(lambda o: _render(o.body))


def _render(body: str) -> str:
    from feed.markdown import render_markdown

    return render_markdown(body)


def _now():
    from django.utils import timezone

    return timezone.now()
