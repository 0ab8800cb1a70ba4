"""Server-rendered pages about people. Thin: forms in, services called, templates out."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from accounts import selectors, services, throttle
from accounts.forms import InviteLoginForm, PasswordResetForm, PeopleImportForm
from accounts.languages import SESSION_KEY, session_language_set
from accounts.models import Person
from core.errors import DomainError
from core.languages import shipped_codes
from core.validation import query_text


def _require_hr(request):
    if not selectors.user_is_hr(request.user):
        raise PermissionDenied


@login_required
def home(request):
    person = selectors.person_for_user(request.user)
    context = {
        "person": person,
        "is_manager": bool(person and selectors.person_has_reports(person_id=person.id)),
    }
    return render(request, "accounts/home.html", context)


@login_required
def people_list(request):
    people = selectors.people_visible_to(user=request.user).order_by("name", "id")
    query = query_text(request.GET, "q", max_length=Person._meta.get_field("email").max_length)
    if query:
        people = people.filter(name__icontains=query) | people.filter(email__icontains=query)
    page = Paginator(people.select_related("user"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/people_list.html",
        {"page": page, "query": query, "invite_form": InviteLoginForm()},
    )


@login_required
@require_POST
def people_invite(request):
    _require_hr(request)
    form = InviteLoginForm(request.POST)
    if form.is_valid():
        try:
            services.logins_invite(
                emails=[form.cleaned_data["email"]], hr=form.cleaned_data["hr"], actor=request.user
            )
        except DomainError as exc:
            for line in exc.messages():
                messages.error(request, line)
        else:
            messages.success(
                request,
                gettext("Login invitation sent to %(email)s.")
                % {"email": form.cleaned_data["email"]},
            )
    else:
        messages.error(request, gettext("Enter a valid email."))
    return redirect("people")


@login_required
@require_http_methods(["GET", "POST"])
def people_import(request):
    _require_hr(request)
    result, errors = None, []
    form = PeopleImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.people_import(file=form.cleaned_data["file"], actor=request.user)
        except DomainError as exc:
            errors = [exc.detail, *exc.messages()] if exc.errors else [exc.detail]
        else:
            form = PeopleImportForm()
    status = 400 if errors or (request.method == "POST" and form.errors) else 200
    return render(
        request,
        "accounts/people_import.html",
        {"form": form, "result": result, "errors": errors},
        status=status,
    )


class PasswordResetView(auth_views.PasswordResetView):
    """Links in reset emails are built from SITE_URL, never from the request's Host header
    (which a client controls). Read at request time, like every other setting use.

    A few emails an hour per address and per client (accounts.throttle); past that the
    answer is the same "check your email" page, so it tells nobody whether the address has
    a login or was throttled."""

    form_class = PasswordResetForm

    def form_valid(self, form):
        if throttle.password_reset_throttled(self.request):
            return HttpResponseRedirect(self.get_success_url())
        self.extra_email_context = {"site_url": settings.SITE_URL}
        return super().form_valid(form)


@login_required
@require_http_methods(["GET", "POST"])
def language(request):
    """The signed-in person's language (issue 18): their pages, emails and surveys."""
    person = selectors.person_for_user(request.user)
    current = person.language if person is not None else request.session.get(SESSION_KEY, "")
    if request.method == "POST":
        chosen = request.POST.get("language", "")
        try:
            if person is not None:
                services.person_language_set(person=person, language=chosen)
            elif chosen and chosen not in shipped_codes():
                raise DomainError(gettext("Choose one of the languages offered."))
        except DomainError as exc:
            messages.error(request, exc.detail)
            return redirect("language")
        session_language_set(request, chosen)
        response = redirect("language")
        if chosen:
            translation.activate(chosen)
        else:
            # Back to the browser's language: forget the cookie that held the old choice.
            response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
            translation.activate(translation.get_language_from_request(request))
        messages.success(request, gettext("Your language was saved."))
        return response
    return render(
        request,
        "accounts/language.html",
        {"current": current, "languages": settings.LANGUAGES, "has_person": person is not None},
    )
