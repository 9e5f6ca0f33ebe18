"""Departments (the organisation tree), employees (the custom user = the profile), follows
and personal API tokens."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager
from treebeard.mp_tree import MP_Node


class Department(MP_Node):
    """A unit of the city administration: Referat > Abteilung > Sachgebiet, any depth.

    The tree is a materialized path (django-treebeard): subtree and ancestor queries are one
    query each, whatever the depth.
    """

    # Annotated explicitly: the treebeard base class is untyped, so mypy cannot infer them.
    name: models.CharField[str, str] = models.CharField(_("Name"), max_length=200)
    short_code: models.CharField[str, str] = models.CharField(
        _("Kürzel"),
        max_length=32,
        unique=True,
        help_text=_("Eindeutiges Kürzel, z. B. KVR, RBS, IT-Referat: ITR"),
    )
    position: models.PositiveIntegerField[int, int] = models.PositiveIntegerField(
        _("Reihenfolge"), default=0
    )
    created_at: models.DateTimeField[Any, Any] = models.DateTimeField(auto_now_add=True)
    updated_at: models.DateTimeField[Any, Any] = models.DateTimeField(auto_now=True)

    node_order_by = ["position", "name"]

    class Meta:
        verbose_name = _("Organisationseinheit")
        verbose_name_plural = _("Organisationseinheiten")
        indexes = [models.Index(fields=["depth"])]

    def __str__(self) -> str:
        return f"{self.short_code} - {self.name}"


class ContactVisibility(models.TextChoices):
    EVERYONE = "everyone", _("Alle Beschäftigten")
    DEPARTMENT = "department", _("Eigenes Referat")
    NOBODY = "nobody", _("Niemand")


class Employee(AbstractUser):
    """A city employee: the login account and the profile in one row."""

    personnel_number = models.CharField(
        _("Personalnummer"), max_length=32, unique=True, null=True, blank=True
    )
    display_name = models.CharField(_("Anzeigename"), max_length=150, blank=True)
    job_title = models.CharField(_("Funktion"), max_length=200, blank=True)
    department = models.ForeignKey(
        Department,
        verbose_name=_("Organisationseinheit"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="employees",
    )
    location = models.CharField(_("Dienstgebäude"), max_length=200, blank=True)
    room = models.CharField(_("Raum"), max_length=50, blank=True)
    phone = models.CharField(_("Telefon"), max_length=50, blank=True)
    mobile = models.CharField(_("Mobil"), max_length=50, blank=True)
    about = models.TextField(_("Über mich"), blank=True)
    languages = models.JSONField(_("Sprachen"), default=list, blank=True)
    avatar = models.ImageField(_("Profilbild"), upload_to="avatars/", blank=True)
    deputies = models.ManyToManyField(
        "self",
        verbose_name=_("Vertretungen"),
        symmetrical=False,
        blank=True,
        related_name="deputy_for",
    )
    email_visibility = models.CharField(
        max_length=16, choices=ContactVisibility.choices, default=ContactVisibility.EVERYONE
    )
    phone_visibility = models.CharField(
        max_length=16, choices=ContactVisibility.choices, default=ContactVisibility.EVERYONE
    )
    mobile_visibility = models.CharField(
        max_length=16, choices=ContactVisibility.choices, default=ContactVisibility.DEPARTMENT
    )
    location_visibility = models.CharField(
        max_length=16, choices=ContactVisibility.choices, default=ContactVisibility.EVERYONE
    )
    skills = TaggableManager(verbose_name=_("Kenntnisse"), blank=True)
    # Opt-in (staff councils care): typing indicators and presence are shared, and shown,
    # only for employees who switched this on (docs/realtime.md).
    share_presence = models.BooleanField(
        _("Tipp- und Anwesenheitsanzeige teilen"),
        default=False,
        help_text=_("Andere sehen, wann Sie schreiben und mitlesen, und Sie sehen es bei ihnen."),
    )

    class Meta:
        verbose_name = _("Beschäftigte*r")
        verbose_name_plural = _("Beschäftigte")
        indexes = [
            models.Index(fields=["last_name", "first_name", "id"]),
            models.Index(Lower("last_name"), name="people_employee_last_lower"),
            models.Index(Lower("first_name"), name="people_employee_first_lower"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.display_name or f"{self.first_name} {self.last_name}".strip() or self.username


class Follow(models.Model):
    follower = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="following_set")
    followed = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="follower_set")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["follower", "followed"], name="unique_follow"),
            models.CheckConstraint(
                condition=~models.Q(follower=models.F("followed")), name="no_self_follow"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.follower_id} follows {self.followed_id}"


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 digest of the secret is stored."""

    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"
