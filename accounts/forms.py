from django import forms
from django.contrib.auth import forms as auth_forms
from django.utils.translation import gettext_lazy

from core.languages import in_language


class PeopleImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy(
            "Columns: email, name, title, team, manager_email. UTF-8; Excel’s “CSV UTF-8” works."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


class InviteLoginForm(forms.Form):
    email = forms.EmailField()
    hr = forms.BooleanField(required=False, label=gettext_lazy("Give HR rights"))


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's, with the email in its recipient's language (issue 18)."""

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        person = getattr(context.get("user"), "person", None)
        with in_language(person.language if person is not None else ""):
            super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)
