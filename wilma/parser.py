"""The JSON body parser of the API: ninja's, plus a refusal of NUL characters.

PostgreSQL cannot store NUL in text, so a string containing one would fail deep in the
database with a 500; it is refused up front with a 422 instead.
"""

from __future__ import annotations

import json
from typing import Any, cast

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.parser import Parser
from ninja.types import DictStrAny

from wilma.errors import InvalidInput


def contains_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(contains_nul(k) or contains_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(contains_nul(v) for v in value)
    return False


class StrictJsonParser(Parser):
    def parse_body(self, request: HttpRequest) -> DictStrAny:
        data = json.loads(request.body)
        if contains_nul(data):
            raise InvalidInput(_("Die Eingabe enthält ein NUL-Zeichen."), code="nul_character")
        return cast(DictStrAny, data)
