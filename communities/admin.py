"""Django admin for communities: site admins browse, edit, archive and manage members."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.forms import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from communities import services
from communities.models import Community, Invitation, JoinRequest, Membership, Role
from wilma.errors import ApiError


class MembershipFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        if self.instance.pk is None:
            return  # a new community gets the creating admin as owner, see save_related
        owners = [
            form
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("role") == Role.OWNER
        ]
        if not owners:
            raise ValidationError(_("Eine Community braucht mindestens eine Eigentümer*in."))


class MembershipInline(admin.TabularInline):
    model = Membership
    formset = MembershipFormSet
    extra = 0
    fields = ["employee", "role", "joined_at"]
    readonly_fields = ["joined_at"]
    raw_id_fields = ["employee"]


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "slug",
        "visibility",
        "join_policy",
        "department",
        "is_archived",
        "member_count",
        "created_at",
    ]
    list_filter = ["visibility", "join_policy", "is_archived"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}
    raw_id_fields = ["department"]
    readonly_fields = ["is_archived", "archived_at", "created_by", "created_at", "updated_at"]
    inlines = [MembershipInline]
    actions = ["archive", "unarchive"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Community]:
        return (
            super()
            .get_queryset(request)
            .select_related("department")
            .annotate(member_total=Count("memberships"))
        )

    @admin.display(description=_("Mitglieder"), ordering="member_total")
    def member_count(self, obj: Community) -> int:
        return int(getattr(obj, "member_total", 0))

    def save_model(self, request: HttpRequest, obj: Community, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        community = form.instance
        if not community.memberships.filter(role=Role.OWNER).exists():
            # A community is never left without an owner: the creating admin takes the role.
            Membership.objects.update_or_create(
                community=community, employee=request.user, defaults={"role": Role.OWNER}
            )

    def _run(
        self, request: HttpRequest, queryset: QuerySet[Community], service: Any, done: str
    ) -> None:
        count = 0
        for community in queryset:
            try:
                service(actor=request.user, community=community)
                count += 1
            except ApiError as exc:
                self.message_user(request, f"{community}: {exc.message}", messages.ERROR)
        self.message_user(request, done % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Ausgewählte Communities archivieren"))
    def archive(self, request: HttpRequest, queryset: QuerySet[Community]) -> None:
        self._run(request, queryset, services.archive_community, str(_("%(count)d archiviert.")))

    @admin.action(description=_("Archivierung der ausgewählten Communities aufheben"))
    def unarchive(self, request: HttpRequest, queryset: QuerySet[Community]) -> None:
        self._run(request, queryset, services.unarchive_community, str(_("%(count)d reaktiviert.")))


@admin.register(JoinRequest)
class JoinRequestAdmin(admin.ModelAdmin):
    list_display = ["community", "employee", "status", "created_at", "decided_at"]
    list_filter = ["status"]
    search_fields = ["community__name", "employee__username", "employee__last_name"]
    raw_id_fields = ["community", "employee", "decided_by"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["community", "invitee", "invited_by", "status", "created_at", "decided_at"]
    list_filter = ["status"]
    search_fields = ["community__name", "invitee__username", "invitee__last_name"]
    raw_id_fields = ["community", "invitee", "invited_by"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
