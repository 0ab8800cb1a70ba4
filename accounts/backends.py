from django.contrib.auth.backends import ModelBackend


class EmailCaseInsensitiveBackend(ModelBackend):
    """Usernames are lower-case emails; let people type theirs however they like."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username:
            username = username.strip().lower()
        return super().authenticate(request, username=username, password=password, **kwargs)
