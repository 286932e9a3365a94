"""What the portal knows of GSIS's OAuth2 service: where it answers and what its userinfo means.

The endpoints are read from ``settings.SOCIALACCOUNT_PROVIDERS["taxisnet"]`` on every use, so
the base can be GSIS's production or test server, the portal's own sandbox, or a test server.
"""

from urllib.parse import quote, urlencode

from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from defusedxml import DefusedXmlException, ElementTree
from django.conf import settings

PROVIDER_ID = "taxisnet"
# An ΑΦΜ has 9 digits, 11 with GSIS's "00" prefix; anything much longer is not an ΑΦΜ at all.
MAX_TAXID_LENGTH = 32


def provider_settings() -> dict:
    return settings.SOCIALACCOUNT_PROVIDERS[PROVIDER_ID]


def client_id() -> str:
    return provider_settings()["APP"]["client_id"]


def endpoint(path: str) -> str:
    """The absolute URL of ``path`` on the configured GSIS server."""
    return f"{provider_settings()['BASE_URL'].rstrip('/')}/{path}"


def logout_url(return_url: str) -> str:
    """GSIS's logout page: it ends the TaxisNet session and sends the browser to ``return_url``."""
    path = f"logout/{quote(client_id(), safe='')}/"
    return f"{endpoint(path)}?{urlencode({'url': return_url})}"


def userinfo_from_response(response) -> dict[str, str]:
    """The userinfo of a ``requests`` response, or OAuth2Error: GSIS signals errors with a
    non-200 status or a JSON body, even when XML was asked for."""
    if response.status_code != 200:
        raise OAuth2Error(f"GSIS userinfo answered HTTP {response.status_code}")
    return parse_userinfo(response.content)


def parse_userinfo(body: bytes) -> dict[str, str]:
    """The attributes of the one ``<userinfo>`` element of GSIS's XML, each stripped.

    GSIS pads values with trailing spaces and may send Greek as numeric character entities
    (the parser decodes those). defusedxml refuses DTDs and entity expansion.
    """
    if body.lstrip()[:1] in (b"{", b"["):
        raise OAuth2Error(f"GSIS userinfo answered JSON: {body[:200]!r}")
    try:
        root = ElementTree.fromstring(body)
    # LookupError: an XML declaration naming an encoding Python does not know.
    except (ElementTree.ParseError, DefusedXmlException, LookupError) as error:
        raise OAuth2Error(f"GSIS userinfo is not well-formed XML: {error}") from error
    elements = [root] if root.tag == "userinfo" else root.findall(".//userinfo")
    if len(elements) != 1:
        raise OAuth2Error(f"GSIS userinfo has {len(elements)} <userinfo> elements, not one")
    data = {name: value.strip() for name, value in elements[0].attrib.items()}
    taxid = data.get("taxid", "")
    if not taxid or len(taxid) > MAX_TAXID_LENGTH:
        raise OAuth2Error(f"GSIS userinfo carries no usable taxid: {taxid!r}")
    return data
