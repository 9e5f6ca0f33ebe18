"""The JSON body parser of the API: ninja's, plus a refusal of text no database stores.

NUL characters and lone surrogates are valid JSON but would fail deep in the database with a
500; they are refused up front with a 422 instead, for every endpoint at once.
"""

from __future__ import annotations

import json
from typing import Any, cast

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.parser import Parser
from ninja.types import DictStrAny

from wilma.errors import InvalidInput
from wilma.schemas import is_storable_text


def unstorable_path(value: Any, path: str = "") -> str | None:
    """The dotted path of the first string in `value` no database can store, or None."""
    if isinstance(value, str):
        return None if is_storable_text(value) else (path or "__all__")
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            if not is_storable_text(str(key)):
                return path or "__all__"
            if (found := unstorable_path(item, here)) is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            if found := unstorable_path(item, f"{path}.{index}" if path else str(index)):
                return found
    return None


class StrictJsonParser(Parser):
    def parse_body(self, request: HttpRequest) -> DictStrAny:
        data = json.loads(request.body)
        if (path := unstorable_path(data)) is not None:
            message = _("Enthält unzulässige Zeichen (NUL oder einzelne Surrogate).")
            raise InvalidInput(message, code="unstorable_text", fields={path: [message]})
        return cast(DictStrAny, data)
