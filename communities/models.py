"""Communities, memberships with roles, join requests and invitations."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Öffentlich")
    PRIVATE = "private", _("Privat")
    SECRET = "secret", _("Geheim")


class JoinPolicy(models.TextChoices):
    OPEN = "open", _("Offen")
    REQUEST = "request", _("Auf Anfrage")
    INVITATION = "invitation", _("Nur auf Einladung")


class Role(models.TextChoices):
    OWNER = "owner", _("Eigentümer*in")
    MODERATOR = "moderator", _("Moderator*in")
    MEMBER = "member", _("Mitglied")


class Community(models.Model):
    name = models.CharField(_("Name"), max_length=120)
    slug = models.SlugField(_("Kurzname"), max_length=80, unique=True)
    description = models.TextField(_("Beschreibung"), blank=True)
    avatar = models.ImageField(_("Bild"), upload_to="communities/", blank=True)
    visibility = models.CharField(
        _("Sichtbarkeit"), max_length=16, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    join_policy = models.CharField(
        _("Beitritt"), max_length=16, choices=JoinPolicy.choices, default=JoinPolicy.OPEN
    )
    department = models.ForeignKey(
        "people.Department",
        verbose_name=_("Beschränkt auf Organisationseinheit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="restricted_communities",
    )
    is_archived = models.BooleanField(_("Archiviert"), default=False)
    archived_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    tags = TaggableManager(verbose_name=_("Schlagwörter"), blank=True)

    class Meta:
        verbose_name = _("Community")
        verbose_name_plural = _("Communities")
        indexes = [models.Index(fields=["name", "id"])]
        constraints = [
            # Nobody can ask to join what they cannot see: secret means invitation only.
            models.CheckConstraint(
                condition=~Q(visibility="secret") | Q(join_policy="invitation"),
                name="secret_is_invitation_only",
            ),
            # Private content is for members only; an open door would make it public.
            models.CheckConstraint(
                condition=~Q(visibility="private") | ~Q(join_policy="open"),
                name="private_is_not_open",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="memberships")
    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["community", "employee"], name="unique_membership")
        ]
        indexes = [models.Index(fields=["employee", "community"])]

    def __str__(self) -> str:
        return f"{self.employee_id} in {self.community_id} ({self.role})"


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Offen")
    APPROVED = "approved", _("Angenommen")
    DECLINED = "declined", _("Abgelehnt")
    WITHDRAWN = "withdrawn", _("Zurückgezogen")


class JoinRequest(models.Model):
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="join_requests")
    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="join_requests"
    )
    message = models.TextField(blank=True)
    status = models.CharField(
        max_length=16, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["community", "employee"],
                condition=Q(status="pending"),
                name="unique_pending_join_request",
            )
        ]

    def __str__(self) -> str:
        return f"{self.employee_id} -> {self.community_id} ({self.status})"


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("Offen")
    ACCEPTED = "accepted", _("Angenommen")
    DECLINED = "declined", _("Abgelehnt")
    REVOKED = "revoked", _("Zurückgenommen")


class Invitation(models.Model):
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="invitations")
    invitee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    message = models.TextField(blank=True)
    status = models.CharField(
        max_length=16, choices=InvitationStatus.choices, default=InvitationStatus.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["community", "invitee"],
                condition=Q(status="pending"),
                name="unique_pending_invitation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.invitee_id} <- {self.community_id} ({self.status})"
