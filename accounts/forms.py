from django import forms
from django.utils.translation import gettext_lazy


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
