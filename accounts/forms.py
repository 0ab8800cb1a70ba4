from django import forms


class PeopleImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="Columns: email, name, title, team, manager_email. UTF-8; Excel's “CSV UTF-8” works.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


class InviteLoginForm(forms.Form):
    email = forms.EmailField()
    hr = forms.BooleanField(required=False, label="Give HR rights")
