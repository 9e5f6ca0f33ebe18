"""Polls: creation rules, voting (single, multiple, changing, retracting), closed polls,
hidden polls, results over the API, and concurrent votes."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from communities.models import Visibility
from polls import selectors, services
from polls.models import Poll, PollOption, PollVote
from tests.factories import CommunityFactory, EmployeeFactory, add_member
from tests.polls.helpers import make_post
from wilma.errors import Conflict, InvalidInput, NotFound

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def make_poll(author, *, community=None, options=("Ja", "Nein", "Vielleicht"), **kwargs) -> Poll:
    post = make_post(author, community)
    return services.create_poll(
        post=post, question="Betriebsausflug im Juni?", options=list(options), **kwargs
    )


def counts(poll: Poll) -> list[int]:
    return list(PollOption.objects.filter(poll=poll).values_list("vote_count", flat=True))


def option_ids(poll: Poll) -> list[int]:
    return list(PollOption.objects.filter(poll=poll).values_list("pk", flat=True))


@pytest.fixture
def poll(employee) -> Poll:
    return make_poll(employee)


# --- Creating -------------------------------------------------------------------------------


def test_create_poll_keeps_options_in_order(employee):
    poll = make_poll(employee, options=["  Ja ", "Nein"], allows_multiple=True)
    assert [(o.text, o.position) for o in poll.options.all()] == [("Ja", 0), ("Nein", 1)]
    assert poll.allows_multiple


@pytest.mark.parametrize(
    ("question", "options", "field"),
    [
        ("Frage?", ["Nur eine"], "poll.options"),
        ("Frage?", [f"Antwort {i}" for i in range(11)], "poll.options"),
        ("Frage?", ["Ja", "ja "], "poll.options"),
        ("Frage?", ["Ja", "  "], "poll.options"),
        ("Frage?", ["Ja", "x" * 201], "poll.options"),
        ("   ", ["Ja", "Nein"], "poll.question"),
        ("x" * 301, ["Ja", "Nein"], "poll.question"),
    ],
)
def test_create_poll_validates_question_and_options(employee, question, options, field):
    post = make_post(employee)
    with pytest.raises(InvalidInput) as exc:
        services.create_poll(post=post, question=question, options=options)
    assert field in exc.value.fields
    assert not Poll.objects.exists()


def test_option_limit_is_a_setting(employee, settings):
    settings.WILMA = {**settings.WILMA, "POLL_MAX_OPTIONS": 3}
    with pytest.raises(InvalidInput):
        make_poll(employee, options=["A", "B", "C", "D"])
    assert make_poll(employee, options=["A", "B", "C"]).options.count() == 3


def test_create_poll_refuses_closing_time_in_the_past(employee):
    with pytest.raises(InvalidInput) as exc:
        make_poll(employee, closes_at=timezone.now() - timedelta(minutes=1))
    assert "poll.closes_at" in exc.value.fields


def test_naive_closing_time_is_taken_as_local_time(employee):
    naive = (timezone.localtime() + timedelta(days=1)).replace(tzinfo=None)
    poll = make_poll(employee, closes_at=naive)
    assert poll.closes_at is not None and timezone.is_aware(poll.closes_at)


def test_second_poll_on_a_post_is_a_conflict(employee):
    poll = make_poll(employee)
    with pytest.raises(Conflict):
        services.create_poll(post=poll.post, question="Noch eine?", options=["A", "B"])


# --- Voting ---------------------------------------------------------------------------------


def test_single_choice_vote_counts(poll, employee, other_employee):
    ja, nein, _vielleicht = option_ids(poll)
    services.vote(voter=employee, poll=poll, option_ids=[ja])
    services.vote(voter=other_employee, poll=poll, option_ids=[nein])
    assert counts(poll) == [1, 1, 0]


def test_single_choice_refuses_two_options_and_changes_nothing(poll, employee):
    ja, nein, _vielleicht = option_ids(poll)
    services.vote(voter=employee, poll=poll, option_ids=[ja])
    with pytest.raises(InvalidInput) as exc:
        services.vote(voter=employee, poll=poll, option_ids=[ja, nein])
    assert exc.value.code == "single_choice"
    assert counts(poll) == [1, 0, 0]


def test_changing_a_vote_moves_it(poll, employee):
    ja, nein, _vielleicht = option_ids(poll)
    services.vote(voter=employee, poll=poll, option_ids=[ja])
    services.vote(voter=employee, poll=poll, option_ids=[nein])
    assert counts(poll) == [0, 1, 0]
    assert list(PollVote.objects.values_list("option_id", flat=True)) == [nein]


def test_voting_the_same_again_changes_nothing(poll, employee):
    ja, _nein, _vielleicht = option_ids(poll)
    services.vote(voter=employee, poll=poll, option_ids=[ja])
    services.vote(voter=employee, poll=poll, option_ids=[ja, ja])
    assert counts(poll) == [1, 0, 0]


def test_multiple_choice_replaces_the_whole_choice(employee):
    poll = make_poll(employee, allows_multiple=True)
    ja, nein, vielleicht = option_ids(poll)
    services.vote(voter=employee, poll=poll, option_ids=[ja, nein])
    assert counts(poll) == [1, 1, 0]
    services.vote(voter=employee, poll=poll, option_ids=[nein, vielleicht])
    assert counts(poll) == [0, 1, 1]


def test_empty_choice_is_refused(poll, employee):
    with pytest.raises(InvalidInput):
        services.vote(voter=employee, poll=poll, option_ids=[])


def test_option_of_another_poll_is_refused(poll, employee):
    other = make_poll(employee)
    with pytest.raises(InvalidInput) as exc:
        services.vote(voter=employee, poll=poll, option_ids=[option_ids(other)[0]])
    assert exc.value.code == "unknown_option"
    assert counts(poll) == [0, 0, 0] and counts(other) == [0, 0, 0]


def test_retract_vote(poll, employee):
    ja, _nein, _vielleicht = option_ids(poll)
    services.vote(voter=employee, poll=poll, option_ids=[ja])
    services.retract_vote(voter=employee, poll=poll)
    services.retract_vote(voter=employee, poll=poll)  # idempotent
    assert counts(poll) == [0, 0, 0]
    assert not PollVote.objects.exists()


def close(poll: Poll) -> None:
    Poll.objects.filter(pk=poll.pk).update(closes_at=timezone.now() - timedelta(seconds=1))


def test_vote_in_closed_poll_is_409_and_changes_nothing(employee):
    poll = make_poll(employee, closes_at=timezone.now() + timedelta(hours=1))
    ja, nein, _vielleicht = option_ids(poll)
    services.vote(voter=employee, poll=poll, option_ids=[ja])
    close(poll)
    with pytest.raises(Conflict) as exc:
        services.vote(voter=employee, poll=poll, option_ids=[nein])
    assert exc.value.code == "poll_closed"
    with pytest.raises(Conflict):
        services.retract_vote(voter=employee, poll=poll)
    assert counts(poll) == [1, 0, 0]


def test_vote_in_archived_community_is_409(employee):
    community = CommunityFactory()
    add_member(community, employee)
    poll = make_poll(employee, community=community)
    community.is_archived = True
    community.save()
    with pytest.raises(Conflict) as exc:
        services.vote(voter=employee, poll=poll, option_ids=option_ids(poll)[:1])
    assert exc.value.code == "archived"


def test_vote_on_unreadable_post_is_404(employee, other_employee):
    secret = CommunityFactory(visibility=Visibility.SECRET)
    add_member(secret, employee)
    poll = make_poll(employee, community=secret)
    with pytest.raises(NotFound):
        services.vote(voter=other_employee, poll=poll, option_ids=option_ids(poll)[:1])
    assert counts(poll) == [0, 0, 0]


def test_results_selector_has_a_fixed_query_budget(poll, employee, django_assert_num_queries):
    for _ in range(5):
        voter = EmployeeFactory()
        services.vote(voter=voter, poll=poll, option_ids=option_ids(poll)[:1])
    fresh = Poll.objects.get(pk=poll.pk)
    with django_assert_num_queries(3):
        loaded = selectors.poll_results(employee, fresh)
    assert loaded.voter_count == 5


# --- API ------------------------------------------------------------------------------------


def test_api_vote_and_results(poll, employee, other_employee, client_for):
    ja, nein, vielleicht = option_ids(poll)
    response = client_for(employee).post_json(f"/polls/{poll.pk}/vote", {"option_ids": [ja]})
    assert response.status_code == 200, response.json()
    client_for(other_employee).post_json(f"/polls/{poll.pk}/vote", {"option_ids": [ja]})
    body = client_for(employee).get_json(f"/polls/{poll.pk}").json()
    assert body["id"] == poll.pk and body["post_id"] == poll.post_id
    assert [o["vote_count"] for o in body["options"]] == [2, 0, 0]
    assert [o["id"] for o in body["options"]] == [ja, nein, vielleicht]
    assert body["my_votes"] == [ja]
    assert body["total_votes"] == 2 and body["voter_count"] == 2
    assert body["is_closed"] is False


def test_api_change_and_retract(poll, employee, client_for):
    ja, nein, _vielleicht = option_ids(poll)
    client = client_for(employee)
    client.post_json(f"/polls/{poll.pk}/vote", {"option_ids": [ja]})
    body = client.post_json(f"/polls/{poll.pk}/vote", {"option_ids": [nein]}).json()
    assert [o["vote_count"] for o in body["options"]] == [0, 1, 0]
    response = client.delete_json(f"/polls/{poll.pk}/vote")
    assert response.status_code == 200
    assert response.json()["my_votes"] == [] and response.json()["total_votes"] == 0


def test_api_closed_poll_answers_409(poll, employee, client_for):
    close(poll)
    response = client_for(employee).post_json(
        f"/polls/{poll.pk}/vote", {"option_ids": option_ids(poll)[:1]}
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "poll_closed"
    assert counts(poll) == [0, 0, 0]
    assert client_for(employee).get_json(f"/polls/{poll.pk}").json()["is_closed"] is True


@pytest.mark.parametrize(
    "payload",
    [{}, {"option_ids": []}, {"option_ids": ["x"]}, {"option_ids": [0]}, {"other": 1}],
)
def test_api_invalid_vote_is_422(poll, employee, client_for, payload):
    response = client_for(employee).post_json(f"/polls/{poll.pk}/vote", payload)
    assert response.status_code == 422


def test_api_poll_in_secret_community_is_404_for_outsiders(employee, other_employee, client_for):
    secret = CommunityFactory(visibility=Visibility.SECRET)
    add_member(secret, employee)
    poll = make_poll(employee, community=secret)
    services.vote(voter=employee, poll=poll, option_ids=option_ids(poll)[:1])
    outsider = client_for(other_employee)
    missing = outsider.get_json("/polls/999999")
    for response in (
        outsider.get_json(f"/polls/{poll.pk}"),
        outsider.post_json(f"/polls/{poll.pk}/vote", {"option_ids": option_ids(poll)[:1]}),
        outsider.delete_json(f"/polls/{poll.pk}/vote"),
    ):
        assert response.status_code == 404
        assert response.json() == missing.json()
    assert counts(poll) == [1, 0, 0]
    assert client_for(employee).get_json(f"/polls/{poll.pk}").status_code == 200


def test_api_poll_of_deleted_post_is_404(poll, employee, client_for):
    type(poll.post).objects.filter(pk=poll.post_id).update(deleted_at=timezone.now())
    assert client_for(employee).get_json(f"/polls/{poll.pk}").status_code == 404


def test_api_needs_authentication(poll, anon):
    assert anon.get_json(f"/polls/{poll.pk}").status_code == 401
    assert anon.post_json(f"/polls/{poll.pk}/vote", {"option_ids": [1]}).status_code == 401


def test_api_huge_poll_id_is_404_not_500(employee, client_for):
    assert client_for(employee).get_json(f"/polls/{2**70}").status_code in (404, 422)


# --- Concurrency (PostgreSQL: SQLite serializes writers anyway) ------------------------------


def _run_concurrently(*actions) -> list[BaseException]:
    barrier = threading.Barrier(len(actions))
    errors: list[BaseException] = []

    def run(action):
        try:
            connection.ensure_connection()  # connect first, so the votes themselves collide
            barrier.wait()
            action()
        except Exception as exc:  # noqa: BLE001 - collected and asserted on by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return errors


@pytest.mark.postgres
@pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL for truly concurrent writers")
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_votes_by_the_same_voter_count_once(org):
    voter = EmployeeFactory(department=org.kvr)
    poll = make_poll(voter)
    ja, nein, _vielleicht = option_ids(poll)
    for _round in range(10):
        errors = _run_concurrently(
            lambda: services.vote(voter=voter, poll=poll, option_ids=[ja]),
            lambda: services.vote(voter=voter, poll=poll, option_ids=[ja]),
        )
        assert errors == []
        assert counts(poll) == [1, 0, 0]
        services.retract_vote(voter=voter, poll=poll)
        errors = _run_concurrently(
            lambda: services.vote(voter=voter, poll=poll, option_ids=[ja]),
            lambda: services.vote(voter=voter, poll=poll, option_ids=[nein]),
        )
        assert errors == []
        assert sum(counts(poll)) == 1
        assert PollVote.objects.filter(poll=poll, voter=voter).count() == 1
        services.retract_vote(voter=voter, poll=poll)


@pytest.mark.postgres
@pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL for truly concurrent writers")
@pytest.mark.django_db(transaction=True)
def test_concurrent_votes_of_different_voters_all_count(org):
    voters = [EmployeeFactory(department=org.kvr) for _ in range(4)]
    poll = make_poll(voters[0])
    ja = option_ids(poll)[0]
    errors = _run_concurrently(
        *[
            (lambda voter=voter: services.vote(voter=voter, poll=poll, option_ids=[ja]))
            for voter in voters
        ]
    )
    assert errors == []
    assert counts(poll) == [4, 0, 0]
