"""Keyset (cursor) pagination, the one way every growing list is paged.

A cursor is an opaque, URL-safe token holding the sort-key values of the last item of the
previous page. Pages cost the same however deep the client goes, and rows inserted meanwhile
never shift a page (unlike OFFSET).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _
from ninja import Schema

from wilma.errors import InvalidInput

T = TypeVar("T")
M = TypeVar("M", bound=Model)


class Page(Schema, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


@dataclass(frozen=True)
class PageResult(Generic[M]):
    items: list[M]
    next_cursor: str | None


def clamp_limit(limit: int | None) -> int:
    conf = settings.WILMA
    if limit is None:
        return int(conf["PAGE_SIZE_DEFAULT"])
    return max(1, min(int(limit), int(conf["PAGE_SIZE_MAX"])))


def _encode_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"dt": value.isoformat()}
    return value


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"dt"}:
        return dt.datetime.fromisoformat(value["dt"])
    return value


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps([_encode_value(v) for v in values], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, length: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        if not isinstance(values, list) or len(values) != length:
            raise ValueError
        decoded = [_decode_value(v) for v in values]
        if not all(isinstance(v, str | int | float | dt.datetime) for v in decoded):
            raise ValueError
        return decoded
    except (ValueError, UnicodeError, TypeError, json.JSONDecodeError):
        raise InvalidInput(fields={"cursor": [_("Ungültiger Cursor.")]}) from None


def _after(order: Sequence[str], values: Sequence[Any]) -> Q:
    """Rows strictly after `values` in the lexicographic order given by `order`."""
    condition = Q()
    for i in reversed(range(len(order))):
        field = order[i].lstrip("-")
        op = "lt" if order[i].startswith("-") else "gt"
        strictly = Q(**{f"{field}__{op}": values[i]})
        condition = (
            strictly if i == len(order) - 1 else strictly | (Q(**{field: values[i]}) & condition)
        )
    # The OR above is exact but gives the planner no range to start the index scan from;
    # the redundant bound on the first field does, so deep pages cost what page 1 costs.
    first = order[0].lstrip("-")
    bound = "lte" if order[0].startswith("-") else "gte"
    return Q(**{f"{first}__{bound}": values[0]}) & condition


def paginate(
    queryset: QuerySet[M],
    *,
    order: Sequence[str],
    cursor: str | None,
    limit: int | None,
    load: Callable[[QuerySet[M]], QuerySet[M]] | None = None,
) -> PageResult[M]:
    """One page of `queryset` ordered by `order` (whose last field must be unique, e.g. id).

    Costs the queryset's own queries once: the page is fetched with one extra row to tell
    whether a next page exists.

    With `load`, the page's keys are chosen first on the bare `queryset` (a subquery: sort and
    limit over the filtered rows only) and `load` adds the rest (joins, annotations) to the
    rows of the page alone, still one query. Where the database has to gather and sort many
    candidate rows (a feed of a few small sources), this keeps joins off every candidate; the
    query's result is the same.
    """
    size = clamp_limit(limit)
    qs = queryset.order_by(*order)
    if cursor:
        try:
            qs = qs.filter(_after(order, decode_cursor(cursor, len(order))))
        except (ValueError, TypeError, ValidationError):
            # A well-formed cursor whose values do not fit the sort fields: forged or stale.
            raise InvalidInput(fields={"cursor": [_("Ungültiger Cursor.")]}) from None
    if load is not None:
        keys = qs.values("pk")[: size + 1]
        qs = load(queryset.model._default_manager.filter(pk__in=keys)).order_by(*order)
    rows = list(qs[: size + 1])
    items = rows[:size]
    next_cursor = None
    if len(rows) > size:
        last = items[-1]
        next_cursor = encode_cursor([_attr(last, f.lstrip("-")) for f in order])
    return PageResult(items=items, next_cursor=next_cursor)


def _attr(obj: Any, path: str) -> Any:
    for part in path.split("__"):
        obj = getattr(obj, part)
    return obj
