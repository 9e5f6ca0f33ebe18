"""Django admin for announcements and department editors. Admins appoint editors here and may
publish, edit and withdraw announcements; every change goes through the services, and the
forms run the services' checks first so a refusal shows as a form error."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import NON_FIELD_ERRORS
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from announcements import services
from announcements.models import Announcement, DepartmentEditor
from announcements.permissions import can_publish_to, is_site_admin
from people.models import Employee
from wilma.errors import ApiError


def _as_validation_error(exc: ApiError) -> forms.ValidationError:
    if exc.fields:
        return forms.ValidationError(
            {
                (name if name in ("title", "body", "expires_at") else NON_FIELD_ERRORS): messages_
                for name, messages_ in exc.fields.items()
            }
        )
    return forms.ValidationError(exc.message)


class DepartmentEditorForm(forms.ModelForm):
    request: ClassVar[HttpRequest | None] = None

    class Meta:
        model = DepartmentEditor
        fields = ("department", "employee")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        user = self.request.user if self.request else None
        if not isinstance(user, Employee) or not is_site_admin(user):
            raise forms.ValidationError(_("Nur Admins dürfen Redakteur*innen benennen."))
        employee = data.get("employee")
        if employee is not None and not employee.is_active:
            self.add_error("employee", _("Diese Person ist nicht aktiv."))
        return data


@admin.register(DepartmentEditor)
class DepartmentEditorAdmin(admin.ModelAdmin):
    form = DepartmentEditorForm
    list_display = ("employee", "department", "appointed_by", "created_at")
    list_select_related = ("employee", "department", "appointed_by")
    search_fields = ("employee__username", "employee__last_name", "department__short_code")
    raw_id_fields = ("employee",)
    autocomplete_fields = ("department",)

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        form.request = request  # type: ignore[attr-defined]
        return form

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: DepartmentEditor, form: Any, change: bool
    ) -> None:
        assert isinstance(request.user, Employee)
        editor = services.appoint_editor(
            admin=request.user, department=obj.department, employee=obj.employee
        )
        obj.pk = editor.pk

    def delete_model(self, request: HttpRequest, obj: DepartmentEditor) -> None:
        assert isinstance(request.user, Employee)
        services.remove_editor(admin=request.user, department=obj.department, employee=obj.employee)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[DepartmentEditor]) -> None:
        for obj in queryset.select_related("department", "employee"):
            self.delete_model(request, obj)


class AnnouncementForm(forms.ModelForm):
    request: ClassVar[HttpRequest | None] = None

    class Meta:
        model = Announcement
        fields = ("title", "body", "department", "expires_at", "requires_ack")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        user = self.request.user if self.request else None
        department = data.get("department", self.instance.department)
        if not isinstance(user, Employee) or not can_publish_to(user, department):
            raise forms.ValidationError(_("Dazu fehlt die Berechtigung."))
        try:
            if "title" in data:
                data["title"] = services.clean_title(data["title"])
            if "body" in data:
                services.clean_body(data["body"])
            if data.get("expires_at") is not None and "expires_at" in self.changed_data:
                services.clean_expiry(data["expires_at"])
        except ApiError as exc:
            raise _as_validation_error(exc) from None
        return data


@admin.register(Announcement)
class AnnouncementAdmin(admin.ModelAdmin):
    form = AnnouncementForm
    list_display = (
        "title",
        "department",
        "author",
        "created_at",
        "expires_at",
        "requires_ack",
        "ack_count",
        "deleted_at",
    )
    list_select_related = ("department", "author")
    list_filter = ("requires_ack", ("deleted_at", admin.EmptyFieldListFilter))
    search_fields = ("title", "body")
    date_hierarchy = "created_at"
    autocomplete_fields = ("department",)
    readonly_fields = ("author", "created_at", "edited_at", "deleted_at")
    actions = ("withdraw",)

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        form.request = request  # type: ignore[attr-defined]
        return form

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # The target is fixed once published (acknowledgements refer to it).
        return (*self.readonly_fields, "department") if obj is not None else self.readonly_fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Announcement]:
        return super().get_queryset(request).annotate(ack_total=Count("acks"))

    @admin.display(description=_("Bestätigungen"), ordering="ack_total")
    def ack_count(self, obj: Announcement) -> int:
        return int(getattr(obj, "ack_total", 0) or 0)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # withdraw instead: acknowledgements are kept for the record

    def save_model(self, request: HttpRequest, obj: Announcement, form: Any, change: bool) -> None:
        assert isinstance(request.user, Employee)
        data = form.cleaned_data
        if change:
            changes = {name: data[name] for name in form.changed_data if name in data}
            changes.pop("department", None)
            services.edit_announcement(editor=request.user, announcement=obj, **changes)
        else:
            created = services.publish_announcement(
                author=request.user,
                title=data["title"],
                body=data["body"],
                department=data.get("department"),
                expires_at=data.get("expires_at"),
                requires_ack=bool(data.get("requires_ack")),
            )
            obj.pk = created.pk

    @admin.action(description=_("Ausgewählte Ankündigungen zurückziehen"))
    def withdraw(self, request: HttpRequest, queryset: QuerySet[Announcement]) -> None:
        assert isinstance(request.user, Employee)
        count = 0
        for announcement in queryset.select_related("department"):
            try:
                services.withdraw_announcement(actor=request.user, announcement=announcement)
                count += 1
            except ApiError as exc:
                self.message_user(request, f"{announcement}: {exc.message}", messages.ERROR)
        self.message_user(
            request, _("%(count)d zurückgezogen.") % {"count": count}, messages.SUCCESS
        )
