"""Announcements to a department subtree or everyone, editors, read acknowledgements."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

USER = settings.AUTH_USER_MODEL


class DepartmentEditor(models.Model):
    """An employee an admin has named to publish announcements for a department subtree."""

    department = models.ForeignKey(
        "people.Department", on_delete=models.CASCADE, related_name="editors"
    )
    employee = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="editor_of")
    appointed_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["department", "employee"], name="unique_editor")
        ]

    def __str__(self) -> str:
        return f"{self.employee_id} edits {self.department_id}"


class Announcement(models.Model):
    """A notice to a department subtree (or, without department, to everyone), shown at the top
    of their home feeds until it expires; optionally to be acknowledged as read."""

    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="announcements")
    department = models.ForeignKey(
        "people.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="announcements",
    )
    title = models.CharField(_("Titel"), max_length=200)
    body = models.TextField(_("Text"))
    body_html = models.TextField(editable=False)
    requires_ack = models.BooleanField(_("Lesebestätigung erforderlich"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(_("sichtbar bis"), null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Ankündigung")
        verbose_name_plural = _("Ankündigungen")
        indexes = [models.Index(fields=["-created_at", "-id"])]

    def __str__(self) -> str:
        return self.title


class AnnouncementAck(models.Model):
    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE, related_name="acks")
    employee = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="announcement_acks")
    acknowledged_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["announcement", "employee"], name="unique_ack")
        ]

    def __str__(self) -> str:
        return f"{self.employee_id} acknowledged {self.announcement_id}"
