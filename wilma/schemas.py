"""Schema building blocks every API module shares: ids, storable text, page parameters."""

from __future__ import annotations

from typing import Annotated

from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import AfterValidator

MAX_ID = 2**63 - 1  # the largest primary key (bigint)


def is_storable_text(value: str) -> bool:
    """False for text no database stores: NUL characters and lone surrogates (both are valid
    JSON; PostgreSQL refuses NUL, and no UTF-8 database can hold a lone surrogate)."""
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _require_storable(value: str) -> str:
    if not is_storable_text(value):
        raise ValueError(_("Enthält unzulässige Zeichen."))
    return value


Storable = AfterValidator(_require_storable)
StorableText = Annotated[str, Storable]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class PageQuery(Schema):
    cursor: StorableText | None = Field(
        None, max_length=500, description="`next_cursor` of the previous page"
    )
    limit: int | None = Field(None, ge=1, le=MAX_ID, description="Page size (capped by the server)")
