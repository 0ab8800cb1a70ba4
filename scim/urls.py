"""SCIM 2.0 under /scim/v2/: no trailing slashes, as identity providers append
``/Users`` and ``/Users/<id>`` to the base URL themselves."""

from django.urls import path

from scim import views

urlpatterns = [
    path("ServiceProviderConfig", views.service_provider_config, name="scim_spc"),
    path("ResourceTypes", views.resource_types, name="scim_resource_types"),
    path("ResourceTypes/<str:resource_id>", views.resource_type, name="scim_resource_type"),
    path("Schemas", views.schemas, name="scim_schemas"),
    path("Schemas/<str:resource_id>", views.schema, name="scim_schema"),
    path("Users", views.users, name="scim_users"),
    path("Users/<str:resource_id>", views.user, name="scim_user"),
    path("Groups", views.groups, name="scim_groups"),
    path("Groups/<str:resource_id>", views.group, name="scim_group"),
]
