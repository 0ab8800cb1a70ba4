from django.utils.translation import gettext_lazy
from rest_framework.permissions import BasePermission

from accounts.selectors import user_is_hr


class IsHR(BasePermission):
    message = gettext_lazy("Only HR can do this.")

    def has_permission(self, request, view):
        return user_is_hr(request.user)
