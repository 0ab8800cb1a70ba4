"""Sign-in pages of issue 17: the login page (password and/or single sign-on), the
provider's callback, and the second-factor pages. Included before Django's auth URLs so
its login view wins."""

from django.urls import path

from accounts import signin_views, two_factor

urlpatterns = [
    path("login/", signin_views.LoginView.as_view(), name="login"),
    path("password_reset/", signin_views.password_reset, name="password_reset"),
    path("oidc/authenticate/", signin_views.sso_start, name="oidc_authentication_init"),
    path("oidc/callback/", signin_views.sso_callback, name="oidc_authentication_callback"),
    path("two-factor/", two_factor.overview, name="two_factor"),
    path("two-factor/setup/", two_factor.setup, name="two_factor_setup"),
    path("two-factor/verify/", two_factor.verify, name="two_factor_verify"),
    path("two-factor/recovery-codes/", two_factor.recovery_codes, name="two_factor_recovery"),
    path("two-factor/remove/", two_factor.remove, name="two_factor_remove"),
]
