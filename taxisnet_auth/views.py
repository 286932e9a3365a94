"""The OAuth2 exchange with GSIS, on allauth's OAuth2 views."""

from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.providers.oauth2.views import (
    OAuth2Adapter,
    OAuth2CallbackView,
    OAuth2LoginView,
)
from allauth.utils import build_absolute_uri
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from . import gsis


def callback_path() -> str:
    """The callback's path without a language prefix: GSIS accepts only the one URI registered
    with ΚΕ.Δ, whatever language the citizen reads the portal in."""
    with translation.override(settings.LANGUAGE_CODE):
        return reverse(f"{gsis.PROVIDER_ID}_callback")


class TaxisNetOAuth2Adapter(OAuth2Adapter):
    provider_id = gsis.PROVIDER_ID

    @property
    def authorize_url(self) -> str:
        return gsis.endpoint("oauth/authorize")

    @property
    def access_token_url(self) -> str:
        return gsis.endpoint("oauth/token")

    @property
    def profile_url(self) -> str:
        return gsis.endpoint("userinfo")

    def get_callback_url(self, request, app) -> str:
        return build_absolute_uri(request, callback_path(), self.redirect_uri_protocol)

    def complete_login(self, request, app, token, **kwargs):
        with get_adapter().get_requests_session() as session:
            response = session.get(
                self.profile_url,
                params={"format": "xml"},
                headers={"Authorization": f"Bearer {token.token}"},
            )
        data = gsis.userinfo_from_response(response)
        return self.get_provider().sociallogin_from_response(request, data)


_login = OAuth2LoginView.adapter_view(TaxisNetOAuth2Adapter)
_callback = OAuth2CallbackView.adapter_view(TaxisNetOAuth2Adapter)
LANGUAGE_SESSION_KEY = "taxisnet_language"


def oauth2_login(request, *args, **kwargs):
    """Remember the language the citizen started in: GSIS calls back on an unprefixed URI."""
    request.session[LANGUAGE_SESSION_KEY] = translation.get_language()
    return _login(request, *args, **kwargs)


def oauth2_callback(request, *args, **kwargs):
    """Carry on in the citizen's language, so the pages after the callback keep it."""
    language = request.session.pop(LANGUAGE_SESSION_KEY, settings.LANGUAGE_CODE)
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    with translation.override(language):
        response = _callback(request, *args, **kwargs)
        # A template response renders later, outside this block: render it in the language.
        if hasattr(response, "render") and not response.is_rendered:
            response.render()
    return response
