from django.conf import settings

from accounts.selectors import user_is_hr


def navigation(request):
    user = getattr(request, "user", None)
    return {
        "is_hr": bool(user and user.is_authenticated and user_is_hr(user)),
        "debug": settings.DEBUG,
    }
