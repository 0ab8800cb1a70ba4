"""The person's own data export pages: asking for it, and the emailed link's download."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.selectors import person_for_user
from core.errors import DomainError
from privacy import services


@login_required
@require_POST
def my_data_request(request):
    person = person_for_user(request.user)
    if person is None:
        raise Http404
    try:
        services.person_export_request(person=person, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(
            request,
            ngettext(
                "We emailed %(email)s a personal link to download your data. "
                "It works for %(days)d day.",
                "We emailed %(email)s a personal link to download your data. "
                "It works for %(days)d days.",
                settings.PERSON_EXPORT_LINK_DAYS,
            )
            % {"email": person.email, "days": settings.PERSON_EXPORT_LINK_DAYS},
        )
    return redirect("home")


def my_data_download(request, token: str):
    """The person's own data as a JSON file; the emailed token is the credential."""
    try:
        person, export = services.person_export_download(token=token)
    except DomainError as exc:
        raise Http404 from exc
    response = JsonResponse(export, json_dumps_params={"indent": 2})
    response["Content-Disposition"] = f'attachment; filename="my-data-{person.pk}.json"'
    # Personal data: never stored by a browser or proxy cache.
    response["Cache-Control"] = "no-store"
    return response
