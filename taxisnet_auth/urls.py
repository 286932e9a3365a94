"""``/accounts/taxisnet/login/`` (POST) and its callback, included by ``allauth.urls``."""

from allauth.socialaccount.providers.oauth2.urls import default_urlpatterns

from .provider import TaxisNetProvider

urlpatterns = default_urlpatterns(TaxisNetProvider)
