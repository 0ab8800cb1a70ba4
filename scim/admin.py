from django.contrib import admin
from django.template.response import TemplateResponse

from scim.models import ScimToken
from scim.tokens import scim_token_create


@admin.register(ScimToken)
class ScimTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at", "created_by", "last_used_at", "revoked_at"]
    readonly_fields = ["created_at", "created_by", "last_used_at"]

    def get_fields(self, request, obj=None):
        # Adding asks only for a name; the token itself is generated, shown once, never stored.
        return ["name"] if obj is None else ["name", *self.readonly_fields, "revoked_at"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        row, token = scim_token_create(name=obj.name, actor=request.user)
        obj.pk, obj.token_hash = row.pk, row.token_hash
        request._scim_token = token

    def response_add(self, request, obj, post_url_continue=None):
        # Rendered straight into this response, never put in a message: messages may
        # travel in a cookie, and the token must not outlive this page.
        return TemplateResponse(
            request,
            "scim/token_created.html",
            {
                **self.admin_site.each_context(request),
                "title": "SCIM token created",
                "token_row": obj,
                "token": request._scim_token,
                "opts": self.model._meta,
            },
        )
