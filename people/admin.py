"""Django admin for the organisation tree, employees and (read-only) API tokens."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm, UsernameField
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from people import services
from people.models import ApiToken, Department, Employee


@admin.register(Department)
class DepartmentAdmin(TreeAdmin):
    form = movenodeform_factory(Department)
    list_display = ("name", "short_code", "position")
    search_fields = ("name", "short_code")


# Django's user forms are bound to auth.User; these are the same forms for Employee.
class EmployeeCreationForm(AdminUserCreationForm):
    class Meta:
        model = Employee
        fields = ("username",)
        field_classes = {"username": UsernameField}


class EmployeeChangeForm(UserChangeForm):
    class Meta:
        model = Employee
        fields = "__all__"
        field_classes = {"username": UsernameField}


@admin.register(Employee)
class EmployeeAdmin(UserAdmin):
    form = EmployeeChangeForm
    add_form = EmployeeCreationForm
    list_display = ("username", "last_name", "first_name", "department", "is_active", "is_staff")
    list_filter = ("department", "is_active", "is_staff", "is_superuser")
    list_select_related = ("department",)
    search_fields = (
        "username",
        "first_name",
        "last_name",
        "display_name",
        "email",
        "personnel_number",
    )
    ordering = ("last_name", "first_name", "id")
    autocomplete_fields = ("department", "deputies")
    actions = ("deactivate",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (
            _("Person"),
            {
                "fields": (
                    "first_name",
                    "last_name",
                    "display_name",
                    "email",
                    "personnel_number",
                    "job_title",
                    "department",
                )
            },
        ),
        (
            _("Profil"),
            {
                "fields": (
                    "location",
                    "room",
                    "phone",
                    "mobile",
                    "about",
                    "languages",
                    "skills",
                    "deputies",
                    "avatar",
                )
            },
        ),
        (
            _("Sichtbarkeit der Kontaktdaten"),
            {
                "fields": (
                    "email_visibility",
                    "phone_visibility",
                    "mobile_visibility",
                    "location_visibility",
                )
            },
        ),
        (
            _("Berechtigungen"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Wichtige Daten"), {"fields": ("last_login", "date_joined")}),
    )

    @admin.action(description=_("Ausgewählte Beschäftigte deaktivieren"))
    def deactivate(self, request: HttpRequest, queryset: QuerySet[Employee]) -> None:
        changed = sum(
            services.set_employee_active(employee=employee, active=False) for employee in queryset
        )
        self.message_user(
            request,
            ngettext("%(n)d Konto deaktiviert.", "%(n)d Konten deaktiviert.", changed)
            % {"n": changed},
        )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Read-only: the secret is never stored, only its hash; revoking is up to the owner
    (deactivating the employee stops all their tokens at once)."""

    list_display = ("prefix", "name", "employee", "created_at", "last_used_at", "expires_at")
    list_select_related = ("employee",)
    search_fields = ("prefix", "name", "employee__username")
    fields = ("prefix", "name", "employee", "created_at", "last_used_at", "expires_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
