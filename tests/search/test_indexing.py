"""The indexing queue and worker: changes enqueue in their transaction, the worker drains,
an outage loses nothing, and a rebuild equals the incremental index."""

from __future__ import annotations

import asyncio

import pytest
from channels.db import database_sync_to_async
from django.db import connection, transaction
from django.utils import timezone

from feed import services as feed_services
from people import services as people_services
from realtime import background
from search import indexing
from search.backends import get_backend
from search.models import IndexTask, SearchEntry
from search.query import SearchRequest
from tests.factories import CommentFactory, CommunityFactory, EmployeeFactory, PostFactory

pytestmark = pytest.mark.embedded


def tasks() -> set[tuple[str, int]]:
    return set(IndexTask.objects.values_list("kind", "object_id"))


def test_changes_enqueue_in_their_transaction(employee):
    IndexTask.objects.all().delete()
    with pytest.raises(RuntimeError), transaction.atomic():
        PostFactory(author=employee, body="Zurückgerollt")
        raise RuntimeError
    assert tasks() == set()
    post = feed_services.create_post(author=employee, body="Festgeschrieben")
    assert ("post", post.pk) in tasks()


def test_irrelevant_saves_enqueue_nothing(employee):
    IndexTask.objects.all().delete()
    employee.last_login = timezone.now()
    employee.save(update_fields=["last_login"])
    assert tasks() == set()


def test_worker_indexes_and_removes(employee):
    post = feed_services.create_post(author=employee, body="Hochwasserschutz an der Isar")
    assert indexing.drain() >= 1
    assert SearchEntry.objects.filter(kind="post", object_id=post.pk).exists()
    feed_services.delete_post(actor=employee, post=post)
    indexing.drain()
    assert not SearchEntry.objects.filter(kind="post", object_id=post.pk).exists()
    assert IndexTask.objects.count() == 0


def test_a_change_during_indexing_is_not_lost(employee, monkeypatch):
    post = feed_services.create_post(author=employee, body="Erste Fassung")
    original = indexing.documents.load

    def load_then_change(kind, ids):
        docs = original(kind, ids)
        if kind == "post" and post.pk in ids:
            # Another request edits the post after the worker has read it.
            monkeypatch.setattr(indexing.documents, "load", original)
            feed_services.edit_post(editor=employee, post=post, body="Zweite Fassung")
        return docs

    monkeypatch.setattr(indexing.documents, "load", load_then_change)
    indexing.drain_once()
    assert ("post", post.pk) in tasks()  # re-enqueued, so kept
    indexing.drain()
    entry = SearchEntry.objects.get(kind="post", object_id=post.pk)
    assert entry.body == "Zweite Fassung"


def test_outage_keeps_the_queue_and_catches_up(employee, monkeypatch):
    backend = get_backend()
    posts = [
        feed_services.create_post(author=employee, body=f"Baustelle Nummer {n}") for n in range(3)
    ]

    def down(docs):
        raise ConnectionError("search backend down")

    monkeypatch.setattr(backend, "index", down)
    with pytest.raises(ConnectionError):
        indexing.drain_once(backend)
    assert {("post", p.pk) for p in posts} <= tasks()
    assert IndexTask.objects.filter(attempts__gte=1).exists()
    assert indexing.lag()["queued"] >= 3
    monkeypatch.undo()
    indexing.drain(backend)
    result = backend.search(SearchRequest(q="Baustelle"), employee)
    assert {h.object_id for h in result.hits} == {p.pk for p in posts}
    assert indexing.lag() == {"queued": 0, "oldest_seconds": 0.0}


def test_worker_loop_survives_failures_and_stops(employee, monkeypatch, settings):
    settings.WILMA = {**settings.WILMA, "SEARCH_WORKER_IDLE_SECONDS": 0.01}
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("down")
        return 0

    monkeypatch.setattr(indexing, "_step", flaky)

    async def main():
        stop = asyncio.Event()
        task = asyncio.create_task(indexing.run(stop))
        while len(calls) < 3:
            await asyncio.sleep(0.01)
        stop.set()
        await asyncio.wait_for(task, 5)

    asyncio.run(main())
    assert len(calls) >= 3


@pytest.mark.django_db(transaction=True)
def test_the_servers_background_tasks_index_new_posts(settings):
    """What `make run` does on the embedded default: the worker runs on the server's loop
    (`WILMA["BACKGROUND_TASKS"]`, started by `manage.py serve`)."""
    settings.WILMA = {
        **settings.WILMA,
        "BACKGROUND_TASKS": ["search.indexing.run"],
        "SEARCH_WORKER_IDLE_SECONDS": 0.05,
    }
    author = EmployeeFactory()
    post = feed_services.create_post(author=author, body="Glasfaserausbau im Westend")
    assert IndexTask.objects.exists()

    async def main():
        runner = background.BackgroundTasks(background.load(background.configured_tasks()))
        runner.start()
        try:
            for _ in range(200):
                if not await database_sync_to_async(IndexTask.objects.exists)():
                    break
                await asyncio.sleep(0.05)
        finally:
            await runner.stop()

    asyncio.run(main())
    hits = get_backend().search(SearchRequest(q="Glasfaserausbau"), author).hits
    assert [(h.kind, h.object_id) for h in hits] == [("post", post.pk)]


def test_a_moved_department_reindexes_its_people(org):
    """People carry their departments' names with those above: a move changes them."""
    person = EmployeeFactory(department=org.kvr_i_1, last_name="Brandhuber")
    backend = get_backend()
    indexing.drain(backend)

    def found_with(*words: str) -> set[str]:
        found = set()
        for word in words:
            request = SearchRequest(q=f"Brandhuber {word}", kinds=("person",))
            if backend.search(request, person).hits:
                found.add(word)
        return found

    above = ("Sicherheit", "Ordnung", "Bildung", "RBS")  # KVR-I, and RBS
    assert found_with(*above) == {"Sicherheit", "Ordnung"}
    people_services.move_department(department=org.kvr_i_1, parent=org.rbs)
    indexing.drain(backend)
    assert found_with(*above) == {"Bildung", "RBS"}


def _index_state() -> list[tuple]:
    rows = list(
        SearchEntry.objects.order_by("kind", "object_id").values_list(
            "kind",
            "object_id",
            "community_id",
            "author_id",
            "department_id",
            "post_id",
            "created_at",
            "title",
            "body",
        )
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT kind, object_id, vector::text FROM search_searchentry ORDER BY 1, 2"
            )
        else:
            cursor.execute(
                "SELECT e.kind, e.object_id, f.title, f.body, f.parts, f.names "
                "FROM search_fts f JOIN search_searchentry e ON e.id = f.rowid ORDER BY 1, 2"
            )
        text = cursor.fetchall()
    return [rows, text]


def test_rebuild_equals_incremental(org, employee, other_employee):
    community = CommunityFactory(name="Isarauen", description="Renaturierung der Isar")
    author = EmployeeFactory(department=org.rbs, first_name="Sepp", last_name="Huber")
    author.skills.add("Wasserwirtschaft", "GIS")
    post = feed_services.create_post(author=author, body="Die Flößerei auf der Isar #Geschichte")
    CommentFactory(post=post, author=employee, body="Spannende Straßenbahn-Geschichte!")
    deleted = feed_services.create_post(author=author, body="Wird gelöscht")
    feed_services.delete_post(actor=author, post=deleted)
    community.save()
    indexing.drain()
    incremental = _index_state()
    assert incremental[0], "the incremental index is empty"
    count = get_backend().rebuild(batch_size=2)
    assert count == len(incremental[0])
    assert _index_state() == incremental
