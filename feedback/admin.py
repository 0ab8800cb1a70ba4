"""HR's admin for the questionnaire and cycles. Answers are never shown here."""

from django.contrib import admin, messages

from feedback import selectors, services
from feedback.models import Cycle, FeedbackRequest, Framework, Item, Question, Rater


class _FrozenWhenUsed:
    """A questionnaire version used by a cycle is history: read-only."""

    def _frozen(self, request, obj) -> bool:
        framework = obj if isinstance(obj, Framework) else getattr(obj, "framework", None)
        return framework is not None and selectors.framework_is_used(framework=framework)

    def has_change_permission(self, request, obj=None):
        if obj is not None and self._frozen(request, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and self._frozen(request, obj):
            return False
        return super().has_delete_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        if obj is not None and self._frozen(request, obj):
            return False
        if isinstance(self, admin.ModelAdmin):
            return super().has_add_permission(request)
        return super().has_add_permission(request, obj)


class ItemInline(_FrozenWhenUsed, admin.TabularInline):
    model = Item
    extra = 0
    fields = ["position", "behaviour", "pole", "rater_text", "self_text"]
    ordering = ["position"]


class QuestionInline(_FrozenWhenUsed, admin.TabularInline):
    model = Question
    extra = 0
    fields = ["position", "rater_text", "self_text"]
    ordering = ["position"]


@admin.register(Framework)
class FrameworkAdmin(_FrozenWhenUsed, admin.ModelAdmin):
    list_display = ["version", "name", "created_at", "used"]
    inlines = [ItemInline, QuestionInline]
    actions = ["copy_as_new_version"]
    readonly_fields = ["version", "created_at"]

    @admin.display(boolean=True, description="Used by a cycle")
    def used(self, obj):
        return selectors.framework_is_used(framework=obj)

    @admin.action(description="Copy as new version (to edit the questionnaire)")
    def copy_as_new_version(self, request, queryset):
        for framework in queryset.order_by("version"):
            copy = services.framework_copy(framework=framework)
            self.message_user(
                request,
                f"Version {framework.version} copied as version {copy.version}; edit the copy. "
                "Cycles opened from now on use the highest version.",
                messages.SUCCESS,
            )

    def save_model(self, request, obj, form, change):
        if not change:
            # A new version always goes on top; the number is not HR's to choose.
            latest = Framework.objects.order_by("-version").first()
            obj.version = (latest.version if latest else 0) + 1
        super().save_model(request, obj, form, change)


@admin.register(Cycle)
class CycleAdmin(admin.ModelAdmin):
    list_display = ["name", "status", "closes_at", "framework", "min_anonymous_raters"]
    list_filter = ["status"]
    # State changes go through the API (services with their rules), not free editing.
    readonly_fields = [
        "status",
        "framework",
        "opened_at",
        "closed_at",
        "released_at",
        "results_read_at",
        "created_by",
    ]


class RaterInline(admin.TabularInline):
    model = Rater
    extra = 0
    can_delete = False
    fields = ["relationship", "email", "name", "status", "invited_at", "submitted_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(FeedbackRequest)
class FeedbackRequestAdmin(admin.ModelAdmin):
    list_display = ["subject", "cycle", "created_at", "launched_at"]
    list_filter = ["cycle"]
    list_select_related = ["subject", "cycle"]
    readonly_fields = ["cycle", "subject", "requested_by", "created_at", "launched_at"]
    inlines = [RaterInline]

    def has_add_permission(self, request):
        return False
