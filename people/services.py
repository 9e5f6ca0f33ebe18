"""Every write to people, departments, follows and API tokens goes through a function here."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from people.auth import mint_token, token_digest
from people.models import ApiToken, Employee
from wilma.errors import Conflict, InvalidInput, NotFound

# --- API tokens ------------------------------------------------------------------------------


@transaction.atomic
def create_api_token(
    *, employee: Employee, name: str, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """Create a personal API token; returns the row and the secret, which is never stored."""
    name = name.strip()
    if not name:
        raise InvalidInput(fields={"name": [_("Bitte einen Namen angeben.")]})
    # Lock the employee row so two concurrent creates cannot both pass the limit check.
    Employee.objects.select_for_update().filter(pk=employee.pk).first()
    if employee.api_tokens.count() >= int(settings.WILMA["API_TOKENS_PER_USER"]):
        raise Conflict(
            _("Zu viele API-Tokens. Bitte zuerst ein altes widerrufen."), code="token_limit"
        )
    secret, prefix = mint_token()
    token = ApiToken.objects.create(
        employee=employee,
        name=name,
        prefix=prefix,
        digest=token_digest(secret),
        expires_at=expires_at,
    )
    return token, secret


def revoke_api_token(*, employee: Employee, token_id: int) -> None:
    """Delete one of the employee's own tokens; another's token id answers 404."""
    deleted, _details = ApiToken.objects.filter(pk=token_id, employee=employee).delete()
    if not deleted:
        raise NotFound()
