"""Reading GSIS's userinfo answer: XML with padded values and entities, errors as JSON."""

import json

import pytest
import requests
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.oauth2.client import OAuth2Error

from taxisnet_auth.gsis import parse_userinfo, userinfo_from_response
from taxisnet_auth.provider import TaxisNetProvider
from taxisnet_auth.sandbox.views import userinfo_xml

# The example of TAXISNET.md, as GSIS sends it.
GSIS_EXAMPLE = (
    '<root><userinfo userid="User068933130   " taxid="068933130   " lastname="ΒΑΒΟΥΛΑ" '
    'firstname="ΕΥΤΥΧΙΑ" fathername="ΕΜΜΑΝΟΥΗΛ" mothername="ΑΝΝΑ" birthyear="1950"/></root>'
).encode()


def response(status: int, body: bytes, content_type: str) -> requests.Response:
    answer = requests.Response()
    answer.status_code, answer._content = status, body
    answer.headers["Content-Type"] = content_type
    return answer


def uid(data: dict) -> str:
    return TaxisNetProvider(None, app=SocialApp(provider="taxisnet")).extract_uid(data)


def test_every_value_is_stripped():
    assert parse_userinfo(GSIS_EXAMPLE) == {
        "userid": "User068933130",
        "taxid": "068933130",
        "lastname": "ΒΑΒΟΥΛΑ",
        "firstname": "ΕΥΤΥΧΙΑ",
        "fathername": "ΕΜΜΑΝΟΥΗΛ",
        "mothername": "ΑΝΝΑ",
        "birthyear": "1950",
    }


def test_greek_as_numeric_character_entities():
    body = (
        b'<root><userinfo taxid="068933130 " '
        b'lastname="&#914;&#913;&#914;&#927;&#933;&#923;&#913; "/></root>'
    )
    assert parse_userinfo(body)["lastname"] == "ΒΑΒΟΥΛΑ"


def test_the_sandbox_answers_as_gsis_does():
    body = userinfo_xml({"taxid": "068933130", "lastname": "ΒΑΒΟΥΛΑ"})
    assert body == (
        b'<root><userinfo taxid="068933130   " '
        b'lastname="&#914;&#913;&#914;&#927;&#933;&#923;&#913;   "/></root>'
    )
    assert parse_userinfo(body) == {"taxid": "068933130", "lastname": "ΒΑΒΟΥΛΑ"}


def test_a_bare_userinfo_element_is_read_too():
    assert parse_userinfo(b'<userinfo taxid="068933130"/>')["taxid"] == "068933130"


@pytest.mark.parametrize(
    "body",
    [
        b"<root><userinfo taxid='068933130'></root>",
        b"",
        b"Internal Server Error",
        b"<root/>",
        b'<root><userinfo taxid="068933130"/><userinfo taxid="094014201"/></root>',
        b'<root><userinfo lastname="VAVOULA"/></root>',
        b'<root><userinfo taxid="   "/></root>',
        b'<root><userinfo taxid="' + b"1" * 40 + b'"/></root>',
        b'<?xml version="1.0" encoding="x-unknown"?><userinfo taxid="068933130"/>',
    ],
    ids=[
        "malformed",
        "empty",
        "text",
        "no-userinfo",
        "two-userinfo",
        "no-taxid",
        "blank-taxid",
        "absurd-taxid",
        "unknown-encoding",
    ],
)
def test_anything_else_is_an_oauth_error(body):
    with pytest.raises(OAuth2Error):
        parse_userinfo(body)


def test_entity_expansion_is_refused():
    body = (
        b'<?xml version="1.0"?><!DOCTYPE root [<!ENTITY a "AAAAAAAAAA">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<root><userinfo taxid="068933130" lastname="&b;"/></root>'
    )
    with pytest.raises(OAuth2Error):
        parse_userinfo(body)


def test_a_json_error_body_is_an_error_even_with_status_200():
    error = json.dumps({"error": "invalid_token", "error_description": "expired"}).encode()
    with pytest.raises(OAuth2Error, match="JSON"):
        parse_userinfo(error)
    with pytest.raises(OAuth2Error, match="JSON"):
        userinfo_from_response(response(200, error, "application/json;charset=UTF-8"))


@pytest.mark.parametrize("status", [401, 500, 503])
def test_a_status_other_than_200_is_an_error(status):
    with pytest.raises(OAuth2Error, match=str(status)):
        userinfo_from_response(response(status, GSIS_EXAMPLE, "application/xml"))


def test_a_good_answer_is_read():
    answer = response(200, GSIS_EXAMPLE, "application/xml;charset=UTF-8")
    assert userinfo_from_response(answer)["taxid"] == "068933130"


@pytest.mark.parametrize(
    ("taxid", "afm"),
    [
        ("068933130", "068933130"),
        ("00068933130", "068933130"),
        ("EL068933130", "068933130"),
        ("068 933 130", "068933130"),
        ("123456789", "123456789"),  # invalid, kept for the portal to refuse
        ("---", "---"),  # nothing left after normalising: kept as sent, never empty
    ],
)
def test_the_uid_is_the_normalised_afm(taxid, afm):
    assert uid({"taxid": taxid}) == afm
