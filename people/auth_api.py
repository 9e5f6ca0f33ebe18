"""Endpoints for signing in and out (session) and for personal API tokens."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth import authenticate, login, logout
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.utils import check_csrf

from people import services
from people.auth import (
    API_AUTH,
    AuthedRequest,
    clear_login_failures,
    client_address,
    login_retry_after,
    record_login_failure,
)
from people.models import ApiToken, Employee
from wilma.errors import Forbidden, NotAuthenticated, RateLimited

router = Router(tags=["auth"])


class CsrfOut(Schema):
    csrf_token: str


class LoginIn(Schema):
    username: str = Field(..., min_length=1, max_length=150)
    password: str = Field(..., min_length=1, max_length=1024)


class SessionOut(Schema):
    id: int
    username: str
    name: str
    is_admin: bool


class TokenIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    expires_at: datetime | None = None


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None


class TokenCreatedOut(TokenOut):
    token: str = Field(..., description="The secret. Shown once; only its hash is stored.")


def session_out(employee: Employee) -> SessionOut:
    return SessionOut(
        id=employee.pk,
        username=employee.username,
        name=employee.name,
        is_admin=employee.is_superuser,
    )


@router.get("/csrf", response=CsrfOut, auth=None, summary="Get a CSRF token (also set as cookie)")
def csrf(request: HttpRequest) -> CsrfOut:
    return CsrfOut(csrf_token=get_token(request))


@router.post("/login", response=SessionOut, auth=None, summary="Sign in with a session cookie")
def session_login(request: HttpRequest, payload: LoginIn) -> SessionOut:
    """Starts a session. Needs the CSRF token (see /auth/csrf). Failed attempts are throttled
    per account and per client address."""
    if check_csrf(request) is not None:
        raise Forbidden(_("CSRF-Prüfung fehlgeschlagen."), code="csrf_failed")
    address = client_address(request)
    retry_after = login_retry_after(payload.username, address)
    if retry_after is not None:
        raise RateLimited(retry_after=retry_after)
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None:
        record_login_failure(payload.username, address)
        raise NotAuthenticated(
            _("Benutzername oder Passwort ist falsch."), code="invalid_credentials"
        )
    clear_login_failures(payload.username, address)
    login(request, user)
    assert isinstance(user, Employee)
    return session_out(user)


@router.post("/logout", response={204: None}, auth=API_AUTH, summary="End the session")
def session_logout(request: AuthedRequest) -> Status[None]:
    logout(request)
    return Status(204, None)


@router.get("/session", response=SessionOut, auth=API_AUTH, summary="Who am I")
def session(request: AuthedRequest) -> SessionOut:
    return session_out(request.auth)


@router.get("/tokens", response=list[TokenOut], auth=API_AUTH, summary="List my API tokens")
def list_tokens(request: AuthedRequest) -> list[ApiToken]:
    return list(ApiToken.objects.filter(employee=request.auth))


@router.post(
    "/tokens", response={201: TokenCreatedOut}, auth=API_AUTH, summary="Create an API token"
)
def create_token(request: AuthedRequest, payload: TokenIn) -> Status[TokenCreatedOut]:
    token, secret = services.create_api_token(
        employee=request.auth, name=payload.name, expires_at=payload.expires_at
    )
    return Status(201, TokenCreatedOut(**TokenOut.model_validate(token).model_dump(), token=secret))


@router.delete(
    "/tokens/{token_id}", response={204: None}, auth=API_AUTH, summary="Revoke an API token"
)
def revoke_token(request: AuthedRequest, token_id: int) -> Status[None]:
    services.revoke_api_token(employee=request.auth, token_id=token_id)
    return Status(204, None)
