"""The GSIS sandbox on its own: only while the setting is on, and as strict as GSIS where the
portal's correctness depends on it (client, registered redirect URI, codes, tokens)."""

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.urls import reverse

from taxisnet_auth.gsis import parse_userinfo
from taxisnet_auth.sandbox import views as sandbox

pytestmark = pytest.mark.django_db

CALLBACK = "http://testserver/accounts/taxisnet/login/callback/"


@pytest.fixture(autouse=True)
def sandbox_on(settings):
    settings.TAXISNET_SANDBOX = True


def authorize_url(**params) -> str:
    query = {
        "response_type": "code",
        "client_id": "sandbox",
        "redirect_uri": CALLBACK,
        "scope": "read",
        "state": "s1",
        **params,
    }
    return f"{reverse('taxisnet_sandbox:authorize')}?{urlencode(query)}"


def code_for(client, **choices) -> str:
    """The code GSIS's page hands back after consent."""
    fields = parse_qs(urlsplit(authorize_url()).query)
    data = {name: values[0] for name, values in fields.items()}
    response = client.post(
        reverse("taxisnet_sandbox:authorize"), {**data, "decision": "grant", **choices}
    )
    assert response.status_code == 302, response.content.decode()
    back = urlsplit(response["Location"])
    assert back._replace(query="").geturl() == CALLBACK
    query = parse_qs(back.query)
    assert query["state"] == ["s1"]
    return query["code"][0]


def token_for(client, grant: str, **overrides):
    data = {
        "grant_type": "authorization_code",
        "code": grant,
        "redirect_uri": CALLBACK,
        "client_id": "sandbox",
        "client_secret": "sandbox",
        **overrides,
    }
    return client.post(reverse("taxisnet_sandbox:token"), data)


@pytest.mark.parametrize("name", ["authorize", "token", "userinfo"])
def test_every_endpoint_is_404_when_the_sandbox_is_off(client, settings, name):
    settings.TAXISNET_SANDBOX = False
    url = reverse(f"taxisnet_sandbox:{name}")
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404


def test_logout_is_404_when_the_sandbox_is_off(client, settings):
    settings.TAXISNET_SANDBOX = False
    assert client.get(reverse("taxisnet_sandbox:logout", args=["sandbox"])).status_code == 404


def test_the_authorize_page_lists_the_demo_citizens(client, make_debtor):
    vavoula = make_debtor(afm="068933130", last_name="ΒΑΒΟΥΛΑ", first_name="ΕΥΤΥΧΙΑ")
    business = make_debtor(kind="business", last_name="ΚΑΦΕ Ο.Ε.", first_name="")

    response = client.get(authorize_url())

    html = response.content.decode()
    assert response.status_code == 200
    assert str(vavoula) in html
    assert str(business) not in html, "only persons, besides the named demo citizens"
    assert 'name="decision" value="grant"' in html
    assert 'name="decision" value="deny"' in html


@pytest.mark.parametrize(
    "params",
    [
        {"client_id": "another"},
        {"response_type": "token"},
        {"redirect_uri": "https://evil.example/accounts/taxisnet/login/callback/"},
        {"redirect_uri": "http://testserver/en/accounts/taxisnet/login/callback/"},
        {"redirect_uri": "http://testserver/accounts/taxisnet/login/callback/?next=/"},
        {"redirect_uri": "javascript://testserver/accounts/taxisnet/login/callback/"},
    ],
    ids=["client", "response-type", "foreign-uri", "unregistered-uri", "query", "scheme"],
)
def test_a_bad_authorization_request_is_not_sent_back(client, params):
    response = client.get(authorize_url(**params))
    assert response.status_code == 400
    assert "Μη έγκυρο αίτημα" in response.content.decode()


def test_consent_needs_a_citizen_or_an_afm(client):
    data = {name: values[0] for name, values in parse_qs(urlsplit(authorize_url()).query).items()}
    response = client.post(reverse("taxisnet_sandbox:authorize"), {**data, "decision": "grant"})
    assert response.status_code == 200
    assert "Επιλέξτε έναν δημότη επίδειξης ή γράψτε έναν ΑΦΜ." in response.content.decode()


def test_refused_consent_goes_back_with_access_denied_and_the_state(client):
    data = {name: values[0] for name, values in parse_qs(urlsplit(authorize_url()).query).items()}
    response = client.post(reverse("taxisnet_sandbox:authorize"), {**data, "decision": "deny"})
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query["error"] == ["access_denied"]
    assert query["state"] == ["s1"]


def test_code_token_and_userinfo(client, make_debtor):
    make_debtor(afm="068933130", last_name="ΒΑΒΟΥΛΑ", first_name="ΕΥΤΥΧΙΑ")
    code = code_for(client, afm="068933130", mother_name="ΑΝΝΑ", birth_year="1950")

    answer = token_for(client, code)
    assert answer.status_code == 200
    token = answer.json()
    assert token["token_type"] == "bearer"

    userinfo = client.get(
        reverse("taxisnet_sandbox:userinfo"),
        {"format": "xml"},
        headers={"Authorization": f"Bearer {token['access_token']}"},
    )
    assert userinfo.status_code == 200
    assert userinfo["Content-Type"] == "application/xml"
    assert b'taxid="068933130   "' in userinfo.content
    assert b"&#914;&#913;&#914;&#927;&#933;&#923;&#913;" in userinfo.content
    assert parse_userinfo(userinfo.content) == {
        "userid": "User068933130",
        "taxid": "068933130",
        "lastname": "ΒΑΒΟΥΛΑ",
        "firstname": "ΕΥΤΥΧΙΑ",
        "fathername": "",
        "mothername": "ΑΝΝΑ",
        "birthyear": "1950",
    }


@pytest.mark.parametrize(
    ("overrides", "status", "error"),
    [
        ({"client_secret": "guess"}, 401, "invalid_client"),
        ({"client_id": "another"}, 401, "invalid_client"),
        ({"code": "forged"}, 400, "invalid_grant"),
        ({"redirect_uri": "http://testserver/elsewhere/"}, 400, "invalid_grant"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
    ],
)
def test_the_token_endpoint_refuses_in_json(client, overrides, status, error):
    answer = token_for(client, code_for(client, afm="068933130"), **overrides)
    assert answer.status_code == status
    assert answer.json()["error"] == error


def test_an_expired_code_is_refused(client, monkeypatch):
    code = code_for(client, afm="068933130")
    monkeypatch.setattr(sandbox, "CODE_MAX_AGE", -1)
    assert token_for(client, code).json()["error"] == "invalid_grant"


def test_userinfo_wants_a_valid_bearer_token(client):
    url = reverse("taxisnet_sandbox:userinfo")
    assert client.get(url, {"format": "xml"}).status_code == 401
    forged = {"Authorization": "Bearer forged"}
    assert client.get(url, {"format": "xml"}, headers=forged).json()["error"] == "invalid_token"


def test_logout_offers_the_way_back_only_to_the_portal(client):
    url = reverse("taxisnet_sandbox:logout", args=["sandbox"])

    home = client.get(url, {"url": "http://testserver/"}).content.decode()
    assert 'href="http://testserver/"' in home
    assert "Αποσυνδεθήκατε από το TaxisNet" in home

    elsewhere = client.get(url, {"url": "https://evil.example/"}).content.decode()
    assert "evil.example" not in elsewhere

    assert client.get(reverse("taxisnet_sandbox:logout", args=["another"])).status_code == 400
