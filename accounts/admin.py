from django.contrib import admin

from accounts.models import Person, Team


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "title", "team", "manager"]
    list_filter = ["team", "language"]
    search_fields = ["name", "email", "title"]
    autocomplete_fields = ["manager", "team"]
    raw_id_fields = ["user"]
    list_select_related = ["team", "manager"]
