"""The portal in English: a complete, compiled catalogue, English pages and a language switch.

Greek is the source language (LANGUAGE_CODE, and the text in the code); English comes from
locale/en/LC_MESSAGES/django.po, compiled to its .mo by `make setup`.
"""

import ast
import re
from datetime import date
from pathlib import Path

import allauth
import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext, ngettext

from debts.models import Debt, Debtor, PaymentNotice
from debts.services import build_notice, cancel_notice
from debts.validators import validate_afm

PO = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")
ALLAUTH_GREEK = Path(allauth.__file__).parent / "locale" / "el" / "LC_MESSAGES" / "django.po"
ALLAUTH_WORDS = re.compile(r"συνθηματικ|e-mail", re.IGNORECASE)


def po_entries(path: Path) -> list[dict]:
    """The entries of a .po, each with its flags and its unquoted msgid, msgid_plural, msgstr…"""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry, field = {"flags": set()}, None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"].update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith("#~"):
                entry["obsolete"] = True
            elif match := re.match(r'^(msgid|msgid_plural|msgstr(?:\[\d+\])?) (".*")$', line):
                field = match.group(1)
                entry[field] = ast.literal_eval(match.group(2))
            elif line.startswith('"') and field:
                entry[field] += ast.literal_eval(line)
        if "msgid" in entry or entry.get("obsolete"):
            entries.append(entry)
    return entries


def test_every_entry_of_the_english_catalogue_is_translated():
    entries = po_entries(PO)
    header, messages = entries[0], entries[1:]
    assert header["msgid"] == "" and "fuzzy" not in header["flags"]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header["msgstr"]
    assert len(messages) > 150
    for entry in messages:
        msgid = entry["msgid"]
        assert not entry.get("obsolete"), f"obsolete entry left in the .po: {msgid!r}"
        assert "fuzzy" not in entry["flags"], f"fuzzy: {msgid!r}"
        if "msgid_plural" in entry:
            forms = [entry.get(f"msgstr[{n}]", "") for n in range(2)]
            assert all(forms), f"untranslated plural: {msgid!r}"
            sources = [msgid, entry["msgid_plural"]]
        else:
            forms, sources = [entry["msgstr"]], [msgid]
            assert entry["msgstr"], f"untranslated: {msgid!r}"
        for form, source in zip(forms, sources, strict=True):
            assert sorted(PLACEHOLDER.findall(form)) == sorted(PLACEHOLDER.findall(source)), msgid
            # Greek left in a translation is a string someone forgot; the glosses are in Latin.
            assert not re.search(r"[\u0370-\u03ff]", form) or msgid == "Ελληνικά", form


def test_the_compiled_catalogue_is_there_and_up_to_date():
    """The .mo is built by `make setup` (and in the image); a missing or stale one fails here."""
    assert MO.exists(), "locale/en/LC_MESSAGES/django.mo is missing: run `make setup`"
    assert MO.stat().st_mtime >= PO.stat().st_mtime, "django.mo is older than django.po"
    with translation.override("en"):
        assert str(Debt._meta.verbose_name_plural) == "debts"
        assert str(Debtor._meta.get_field("afm").verbose_name) == "Tax ID (AFM)"
        assert str(PaymentNotice.Status.OPEN.label) == "Awaiting payment"
        assert gettext("Οφειλές") == "Debts"
    with translation.override("el"):
        assert str(Debt._meta.verbose_name_plural) == "οφειλές"


def test_allauth_speaks_the_portal_s_greek():
    """One word for a password, «κωδικός πρόσβασης», and «email» on every page, message and mail:
    locale/el overrides each of allauth's Greek strings that says «συνθηματικό» or «e-mail»."""
    theirs = [
        entry
        for entry in po_entries(ALLAUTH_GREEK)[1:]
        if not entry.get("obsolete") and ALLAUTH_WORDS.search(entry.get("msgstr", ""))
    ]
    assert len(theirs) > 40
    with translation.override("el"):
        for entry in theirs:
            ours = gettext(entry["msgid"])
            assert ours != entry["msgid"] or entry["msgid"] == "Email", ours
            assert not ALLAUTH_WORDS.search(ours), ours
        assert gettext("Password successfully changed.") == "Ο κωδικός πρόσβασης άλλαξε."


def test_plural_forms_follow_the_count():
    singular, plural = "Ακυρώθηκε %(count)d ειδοποιητήριο.", "Ακυρώθηκαν %(count)d ειδοποιητήρια."
    with translation.override("en"):
        assert ngettext(singular, plural, 1) % {"count": 1} == "1 payment notice cancelled."
        assert ngettext(singular, plural, 3) % {"count": 3} == "3 payment notices cancelled."


@pytest.mark.django_db
def test_english_home_page(client):
    response = client.get("/en/")
    assert response.status_code == 200
    assert response["Content-Language"] == "en"
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "What you owe the municipality, without queuing at the Cashier's office" in html
    assert "Skip to main content" in html
    assert "Οι οφειλές σας" not in html
    # The switch, labelled in English, offers Greek in Greek and marks English as current.
    assert 'aria-label="Language"' in html
    assert 'name="next" value="/en/"' in html
    assert 'value="el" lang="el"' in html
    assert "Αλλαγή γλώσσας στα Ελληνικά" in html
    assert (
        '<span class="portal-language__current" lang="en" aria-current="true">English</span>'
        in html
    )


@pytest.mark.django_db
def test_greek_home_page_stays_greek_whatever_the_browser_asks(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="el">' in html
    assert "Οι οφειλές σας προς τον Δήμο, χωρίς ουρά στο Ταμείο" in html
    assert 'aria-label="Γλώσσα"' in html
    assert 'name="next" value="/"' in html
    assert 'value="en" lang="en"' in html
    assert "Change the language to English" in html
    assert 'lang="el" aria-current="true">Ελληνικά</span>' in html


@pytest.mark.django_db
def test_switching_to_english_sets_the_cookie_and_goes_to_the_english_page(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/en/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert '<html lang="en">' in client.get(response["Location"]).content.decode()


@pytest.mark.django_db
def test_switching_back_to_greek_from_an_english_page(client):
    english = client.get("/en/").content.decode()
    action = re.search(r'<form class="[^"]*portal-language" action="([^"]+)"', english).group(1)
    response = client.post(action, {"language": "el", "next": "/en/"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "el"
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_switching_language_refuses_to_leave_the_site(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "https://evil.example/"})
    assert response.status_code == 302
    assert not response["Location"].startswith("https://evil.example")


@pytest.mark.django_db
def test_the_admin_after_switching_to_english(admin_client, make_debtor, make_debt):
    make_debt(make_debtor())  # the actions are offered only when there is something to act on
    response = admin_client.post(
        "/i18n/setlang/", {"language": "en", "next": "/admin/debts/debt/"}, follow=True
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Municipality of Thermi: Cashier&#x27;s office and Revenue department" in html
    assert "Select debt to change" in html
    assert "By certification" in html
    assert "Not certified" in html
    assert "Issue a payment notice for the selected debts" in html


@pytest.mark.django_db
def test_service_refusals_in_english(make_debtor, make_debt, revenue):
    debtor = make_debtor()
    with translation.override("en"), pytest.raises(ValidationError) as error:
        build_notice(debtor)
    assert error.value.messages == ["Select at least one debt."]

    notice = build_notice(debtor, debts=[make_debt(debtor, due_date=date(2030, 1, 31))])
    cancel_notice(notice, cause="test")
    with translation.override("en"), pytest.raises(ValidationError) as error:
        cancel_notice(notice, cause="test again")
    assert error.value.messages == [
        f"“{notice.formatted_rf}” is “Cancelled” and cannot become “Cancelled”."
    ]


def test_validator_messages_in_english():
    with translation.override("en"):
        with pytest.raises(ValidationError) as error:
            validate_afm("123456789")
        # The message is lazy: it is rendered in the language active when it is read.
        assert error.value.messages == [
            "The tax ID (AFM) “123456789” is not valid: it must have 9 digits with a correct "
            "check digit."
        ]
