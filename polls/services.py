"""Every write to polls: creating one with its post, voting and taking a vote back.

Votes are race-safe: each vote locks the poll row first, so two votes in the same poll run one
after the other, and the denormalized `PollOption.vote_count` is changed with `F()` in the same
transaction as the vote rows. The unique (option, voter) constraint is the backstop.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from feed.models import Post
from feed.permissions import can_read_post
from people.models import Employee
from polls.events import poll_updated
from polls.models import Poll, PollOption, PollVote
from polls.permissions import is_closed
from wilma.errors import Conflict, InvalidInput, NotFound

MIN_OPTIONS = 2
QUESTION_MAX_LENGTH = Poll._meta.get_field("question").max_length or 300
OPTION_MAX_LENGTH = PollOption._meta.get_field("text").max_length or 200
# A vote that collides with a concurrent one (only possible if the row lock is bypassed) is
# retried once before it answers 409.
VOTE_ATTEMPTS = 2


def _aware(value: datetime) -> datetime:
    return timezone.make_aware(value) if timezone.is_naive(value) else value


@transaction.atomic
def create_poll(
    *,
    post: Post,
    question: str,
    options: list[str],
    allows_multiple: bool = False,
    closes_at: datetime | None = None,
) -> Poll:
    """Attach a poll with 2 to `WILMA["POLL_MAX_OPTIONS"]` distinct options to a new post.
    Called by `feed.services.create_post` inside its transaction."""
    question = " ".join(question.split())
    if not question or len(question) > QUESTION_MAX_LENGTH:
        raise InvalidInput(
            fields={
                "poll.question": [
                    _("Bitte eine Frage angeben (höchstens %(n)d Zeichen).")
                    % {"n": QUESTION_MAX_LENGTH}
                ]
            }
        )
    texts = [" ".join(text.split()) for text in options]
    max_options = int(settings.WILMA["POLL_MAX_OPTIONS"])
    errors: list[str] = []
    if not MIN_OPTIONS <= len(texts) <= max_options:
        errors.append(
            _("Eine Umfrage hat %(min)d bis %(max)d Antworten.")
            % {"min": MIN_OPTIONS, "max": max_options}
        )
    if any(not text for text in texts):
        errors.append(_("Antworten dürfen nicht leer sein."))
    if any(len(text) > OPTION_MAX_LENGTH for text in texts):
        errors.append(_("Eine Antwort hat höchstens %(n)d Zeichen.") % {"n": OPTION_MAX_LENGTH})
    if len({text.casefold() for text in texts}) != len(texts):
        errors.append(_("Jede Antwort darf nur einmal vorkommen."))
    if errors:
        raise InvalidInput(fields={"poll.options": errors})
    if closes_at is not None:
        closes_at = _aware(closes_at)
        if closes_at <= timezone.now():
            raise InvalidInput(
                fields={"poll.closes_at": [_("Das Ende der Umfrage muss in der Zukunft liegen.")]}
            )
    if Poll.objects.filter(post=post).exists():
        raise Conflict(_("Dieser Beitrag hat schon eine Umfrage."), code="poll_exists")
    poll = Poll.objects.create(
        post=post, question=question, allows_multiple=allows_multiple, closes_at=closes_at
    )
    PollOption.objects.bulk_create(
        PollOption(poll=poll, text=text, position=index) for index, text in enumerate(texts)
    )
    return poll


def vote(*, voter: Employee, poll: Poll, option_ids: list[int]) -> Poll:
    """Set the voter's choice in the poll, replacing any earlier one (changeable until the poll
    closes). Single choice takes exactly one option, multiple choice one or more. Closed polls
    answer 409 `poll_closed`, archived communities 409 `archived`, options of another poll
    422, a poll the voter may not read 404. Returns the poll reloaded."""
    wanted = list(dict.fromkeys(option_ids))
    if not wanted:
        raise InvalidInput(
            fields={"option_ids": [_("Bitte mindestens eine Antwort wählen.")]},
            code="no_option",
        )
    return _apply(voter, poll, wanted)


def retract_vote(*, voter: Employee, poll: Poll) -> Poll:
    """Take back the voter's vote (idempotent) while the poll is open. Returns the poll."""
    return _apply(voter, poll, [])


def _apply(voter: Employee, poll: Poll, wanted: list[int]) -> Poll:
    for attempt in range(VOTE_ATTEMPTS):
        try:
            with transaction.atomic():
                _set_votes(voter, poll, wanted)
            break
        except IntegrityError:
            if attempt == VOTE_ATTEMPTS - 1:
                raise Conflict(
                    _("Die Stimme konnte nicht gezählt werden. Bitte erneut versuchen."),
                    code="vote_conflict",
                ) from None
    return Poll.objects.select_related("post").get(pk=poll.pk)


def _set_votes(voter: Employee, poll: Poll, wanted: list[int]) -> None:
    # Lock the poll row: concurrent votes in this poll wait here, so the read of the voter's
    # current choice below and the counter updates cannot interleave.
    locked = (
        Poll.objects.select_for_update(of=("self",))
        .select_related("post__community")
        .filter(pk=poll.pk)
        .first()
    )
    if locked is None or not can_read_post(voter, locked.post):
        raise NotFound(_("Umfrage nicht gefunden."))
    community = locked.post.community
    if community is not None and community.is_archived:
        raise Conflict(_("Die Community ist archiviert."), code="archived")
    if is_closed(locked):
        raise Conflict(_("Die Umfrage ist beendet."), code="poll_closed")
    valid = set(locked.options.values_list("pk", flat=True))
    if any(option_id not in valid for option_id in wanted):
        raise InvalidInput(
            fields={"option_ids": [_("Unbekannte Antwort für diese Umfrage.")]},
            code="unknown_option",
        )
    if wanted and not locked.allows_multiple and len(wanted) != 1:
        raise InvalidInput(
            fields={"option_ids": [_("Bei dieser Umfrage ist genau eine Antwort möglich.")]},
            code="single_choice",
        )
    current = set(
        PollVote.objects.filter(poll=locked, voter=voter).values_list("option_id", flat=True)
    )
    removed = current - set(wanted)
    added = [option_id for option_id in wanted if option_id not in current]
    if removed:
        PollVote.objects.filter(poll=locked, voter=voter, option_id__in=removed).delete()
        _count(removed, -1)
    if added:
        PollVote.objects.bulk_create(
            PollVote(poll=locked, voter=voter, option_id=option_id) for option_id in added
        )
        _count(added, +1)
    if removed or added:
        poll_updated(locked, voter)


def _count(option_ids: Iterable[int], delta: int) -> None:
    PollOption.objects.filter(pk__in=list(option_ids)).update(vote_count=F("vote_count") + delta)
