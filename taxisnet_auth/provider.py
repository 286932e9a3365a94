"""The TaxisNet provider of allauth: the person is known by the ΑΦΜ that GSIS vouches for."""

from allauth.socialaccount.providers.base import ProviderAccount
from allauth.socialaccount.providers.oauth2.provider import OAuth2Provider
from django.utils.translation import gettext

from debts.validators import normalize_afm

from .gsis import PROVIDER_ID
from .views import TaxisNetOAuth2Adapter


class TaxisNetAccount(ProviderAccount):
    def to_str(self) -> str:
        data = self.account.extra_data
        name = " ".join(part for part in (data.get("lastname"), data.get("firstname")) if part)
        if not name:
            return gettext("ΑΦΜ %(afm)s") % {"afm": self.account.uid}
        return gettext("%(name)s, ΑΦΜ %(afm)s") % {"name": name, "afm": self.account.uid}


class TaxisNetProvider(OAuth2Provider):
    id = PROVIDER_ID
    name = "TaxisNet"
    account_class = TaxisNetAccount
    oauth2_adapter_class = TaxisNetOAuth2Adapter

    def get_default_scope(self) -> list[str]:
        return ["read"]

    def extract_uid(self, data: dict) -> str:
        """The 9-digit ΑΦΜ; the TaxisNet username (``userid``) can change, the ΑΦΜ cannot.

        A value that normalises to nothing is kept as sent, so that the portal refuses it as an
        invalid ΑΦΜ instead of failing on an empty uid.
        """
        return normalize_afm(data["taxid"]) or data["taxid"]

    def extract_common_fields(self, data: dict) -> dict:
        return {"first_name": data.get("firstname", ""), "last_name": data.get("lastname", "")}


provider_classes = [TaxisNetProvider]
