"""HR's admin for the questionnaire and cycles. Answers are never shown here."""

from django import forms
from django.contrib import admin, messages

from accounts.selectors import user_is_hr
from core.errors import DomainError
from feedback import selectors, services
from feedback.models import (
    Cycle,
    FeedbackRequest,
    Framework,
    Item,
    ItemTranslation,
    Question,
    QuestionTranslation,
    Rater,
    item_key_new,
)


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


class ItemForm(forms.ModelForm):
    """A statement edited in a copied version keeps its key (and so is compared with
    earlier cycles) only when HR says the new wording means the same; otherwise it gets a
    new key and its figures are not compared (issue 16)."""

    same_meaning = forms.BooleanField(
        required=False,
        label="Same meaning",
        help_text="Tick when only the wording changed: the statement is then still "
        "compared with earlier cycles. Untick when it asks something different.",
    )

    class Meta:
        model = Item
        fields = ["position", "behaviour", "pole", "rater_text", "self_text"]

    def save(self, commit=True):
        item = super().save(commit=False)
        meaning = {"behaviour", "pole", "rater_text", "self_text"}
        if item.pk and meaning & set(self.changed_data) and not self.cleaned_data["same_meaning"]:
            item.key = item_key_new()
        if commit:
            item.save()
        return item


class ItemInline(_FrozenWhenUsed, admin.TabularInline):
    model = Item
    form = ItemForm
    extra = 0
    fields = ["position", "key", "behaviour", "pole", "rater_text", "self_text", "same_meaning"]
    readonly_fields = ["key"]
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


class _TranslationAdmin(_FrozenWhenUsed, admin.ModelAdmin):
    """The questionnaire in German, French and Spanish (issue 18): each text belongs to its
    version and is frozen with it once a cycle opens. The survey caches the texts per
    version and language, so a running worker reads a change only after a restart; a
    version still being edited is not used by any survey yet."""

    list_display = ["__str__", "language", "version"]
    list_filter = ["language"]

    @admin.display(description="Version")
    def version(self, obj):
        return obj.framework.version

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # A new translation only for a version no cycle has used: a used one is history.
        if db_field.name in ("item", "question"):
            used = Cycle.objects.exclude(status=Cycle.Status.DRAFT).values("framework_id")
            kwargs["queryset"] = db_field.related_model.objects.exclude(
                framework_id__in=used
            ).select_related("framework")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(ItemTranslation)
class ItemTranslationAdmin(_TranslationAdmin):
    fields = ["item", "language", "rater_text", "self_text"]
    list_select_related = ["item__framework"]
    list_filter = ["language", "item__framework"]


@admin.register(QuestionTranslation)
class QuestionTranslationAdmin(_TranslationAdmin):
    fields = ["question", "language", "rater_text", "self_text"]
    list_select_related = ["question__framework"]
    list_filter = ["language", "question__framework"]


class CycleAdminForm(forms.ModelForm):
    """A draft's settings, checked by the same rules as the API before anything is saved."""

    class Meta:
        model = Cycle
        fields = list(services.CYCLE_SETTINGS)

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            services.cycle_settings_validate(**{f: cleaned[f] for f in services.CYCLE_SETTINGS})
        except DomainError as exc:
            for field, messages_ in exc.errors.items():
                self.add_error(field if field in self.fields else None, messages_)
            if not exc.errors:
                raise forms.ValidationError(exc.detail) from None
        return cleaned


@admin.register(Cycle)
class CycleAdmin(admin.ModelAdmin):
    """Cycles follow their state machine here too: every write is a feedback service.

    A draft's settings are edited (``cycle_settings_update``) and a draft deleted
    (``cycle_delete``); once open a cycle is read-only, and it moves on only through the
    actions below (``cycle_open``, ``cycle_close``, ``cycle_release``), which refuse what
    the API refuses and say why. The status is never a field anyone types.
    """

    form = CycleAdminForm
    list_display = ["name", "status", "closes_at", "framework", "min_anonymous_raters"]
    list_filter = ["status"]
    actions = ["open_cycles", "close_cycles", "release_cycles"]
    readonly_fields = [
        "status",
        "framework",
        "opened_at",
        "closed_at",
        "released_at",
        "results_read_at",
        "answers_purged_at",
        "created_by",
        "created_at",
    ]

    def get_fields(self, request, obj=None):
        return [*services.CYCLE_SETTINGS, *self.readonly_fields]

    @staticmethod
    def _is_draft(obj) -> bool:
        return obj is None or obj.status == Cycle.Status.DRAFT

    # Who may write: HR (a superuser is HR), as in the API; other staff may only look.
    def has_add_permission(self, request):
        return user_is_hr(request.user) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        # An open, closed or released cycle is shown, never edited (view permission).
        return (
            self._is_draft(obj)
            and user_is_hr(request.user)
            and super().has_change_permission(request, obj)
        )

    def has_delete_permission(self, request, obj=None):
        # Checked per object by the delete page and the bulk delete action alike.
        return (
            self._is_draft(obj)
            and user_is_hr(request.user)
            and super().has_delete_permission(request, obj)
        )

    def has_transition_permission(self, request):
        return user_is_hr(request.user)

    def save_model(self, request, obj, form, change):
        settings = {field: form.cleaned_data[field] for field in services.CYCLE_SETTINGS}
        if change:
            saved = services.cycle_settings_update(cycle=obj, actor=request.user, **settings)
        else:
            saved = services.cycle_create(created_by=request.user, **settings)
        # The admin goes on with ``obj`` (its log entry, the redirect): make it the saved row.
        obj.pk = saved.pk
        obj.refresh_from_db()

    def delete_model(self, request, obj):
        services.cycle_delete(cycle=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for cycle in queryset:
            services.cycle_delete(cycle=cycle, actor=request.user)

    def _transition(self, request, queryset, service, done: str):
        for cycle in queryset.order_by("pk"):
            try:
                cycle = service(cycle=cycle, actor=request.user)
            except DomainError as exc:
                self.message_user(request, f"{cycle.name}: {exc.detail}", messages.ERROR)
            else:
                self.message_user(request, f"{cycle.name} is now {done}.", messages.SUCCESS)

    @admin.action(description="Open (draft -> open)", permissions=["transition"])
    def open_cycles(self, request, queryset):
        self._transition(request, queryset, services.cycle_open, "open")

    @admin.action(
        description="Close (open -> closed, results computed)", permissions=["transition"]
    )
    def close_cycles(self, request, queryset):
        self._transition(request, queryset, services.cycle_close, "closed")

    @admin.action(description="Release (closed -> released, final)", permissions=["transition"])
    def release_cycles(self, request, queryset):
        self._transition(request, queryset, services.cycle_release, "released")


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

    def has_delete_permission(self, request, obj=None):
        # Deleting a request would take its raters, answers and results with it, released
        # figures included; raters are removed through the API's rules instead.
        return False
