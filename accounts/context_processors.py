from django.conf import settings

from accounts.selectors import person_for_user, person_has_reports, user_is_hr


def navigation(request):
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    person = person_for_user(user) if signed_in else None
    return {
        "is_hr": signed_in and user_is_hr(user),
        # Lazily evaluated: pages that never show the nav pay no query for it.
        "nav_is_manager": lambda: bool(person and person_has_reports(person_id=person.id)),
        "debug": settings.DEBUG,
    }
