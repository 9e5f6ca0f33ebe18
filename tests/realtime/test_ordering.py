"""Sequence order equals commit order under concurrent transactions (PostgreSQL): the
stream's counter row is locked until commit, so a transaction that started first but commits
last gets the later number, and a client replaying "after seq N" never skips it."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from realtime.events import record_event, replay_frames, stream_state
from realtime.models import Event

pytestmark = [
    pytest.mark.embedded,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite serializes whole write transactions, so there is "
        "no concurrency to order",
    ),
]

STREAM = "community.4711"


def _in_thread(target) -> threading.Thread:
    def run() -> None:
        try:
            target()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_first_to_start_commits_last_and_a_replaying_client_never_skips_it():
    a_started, b_committed, a_may_record = threading.Event(), threading.Event(), threading.Event()
    results: dict[str, int] = {}

    def a() -> None:  # starts first, records and commits last
        with transaction.atomic():
            Event.objects.filter(stream="unrelated").exists()  # the transaction is open
            a_started.set()
            assert b_committed.wait(10)
            a_may_record.wait(10)
            results["a"] = record_event(stream=STREAM, type="t", data={"who": "a"}).seq

    def b() -> None:
        assert a_started.wait(10)
        with transaction.atomic():
            results["b"] = record_event(stream=STREAM, type="t", data={"who": "b"}).seq
        b_committed.set()

    threads = [_in_thread(a), _in_thread(b)]
    assert b_committed.wait(10)
    # A client reads the log now: it sees b's event and remembers its seq.
    state = stream_state(STREAM, 0)
    cursor = max(seq for seq, _frame in replay_frames(STREAM, 0, state.last_seq, 100))
    a_may_record.set()
    for thread in threads:
        thread.join(10)
    assert results == {"b": 1, "a": 2}
    # Replaying after the cursor finds a's event: nothing was skipped.
    later = replay_frames(STREAM, cursor, stream_state(STREAM, cursor).last_seq, 100)
    assert [seq for seq, _frame in later] == [2]


def test_a_second_writer_waits_for_the_first_to_commit():
    first_recorded, release_first = threading.Event(), threading.Event()
    second_done = threading.Event()
    results: dict[str, int] = {}

    def first() -> None:
        with transaction.atomic():
            results["first"] = record_event(stream=STREAM, type="t", data={}).seq
            first_recorded.set()
            release_first.wait(10)

    def second() -> None:
        assert first_recorded.wait(10)
        with transaction.atomic():
            results["second"] = record_event(stream=STREAM, type="t", data={}).seq
        second_done.set()

    threads = [_in_thread(first), _in_thread(second)]
    assert first_recorded.wait(10)
    # While the first holds the counter lock, the second cannot take a number (and so cannot
    # commit a higher seq before a lower one becomes visible).
    assert not second_done.wait(0.5)
    assert not Event.objects.filter(stream=STREAM).exists()
    release_first.set()
    for thread in threads:
        thread.join(10)
    assert results == {"first": 1, "second": 2}
    assert list(
        Event.objects.filter(stream=STREAM).order_by("seq").values_list("seq", flat=True)
    ) == [1, 2]


def test_the_first_event_of_a_new_stream_is_created_once_under_concurrency():
    barrier = threading.Barrier(4)
    seqs: list[int] = []
    lock = threading.Lock()

    def writer() -> None:
        barrier.wait(10)
        with transaction.atomic():
            seq = record_event(stream="post.99", type="t", data={}).seq
        with lock:
            seqs.append(seq)

    threads = [_in_thread(writer) for _ in range(4)]
    for thread in threads:
        thread.join(10)
    assert sorted(seqs) == [1, 2, 3, 4]


def test_posting_while_members_join_does_not_deadlock(world):
    """create_post takes the stream counter and, at commit, a key-share lock on the
    community row; join_community locks the community row first and then the counter. The
    deferred foreign-key checks are run before the counter is locked, so the order is the same
    in both and neither waits for the other in a cycle."""
    from communities import services as community_services
    from feed import services as feed_services
    from tests.factories import EmployeeFactory

    joiners = [EmployeeFactory(department=world.member.department) for _ in range(4)]
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def post() -> None:
        barrier.wait(10)
        try:
            for _ in range(3):
                feed_services.create_post(author=world.owner, community=world.public, body="x")
        except BaseException as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)

    def join(employee) -> None:
        barrier.wait(10)
        try:
            community_services.join_community(employee=employee, community=world.public)
        except BaseException as error:  # noqa: BLE001
            errors.append(error)

    threads = [_in_thread(post) for _ in range(4)]
    threads += [_in_thread(lambda e=e: join(e)) for e in joiners]
    for thread in threads:
        thread.join(30)
    assert errors == []
    seqs = list(
        Event.objects.filter(stream=f"community.{world.public.pk}").values_list("seq", flat=True)
    )
    assert sorted(seqs) == list(range(1, 17))
