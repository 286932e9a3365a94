"""The sandbox's consent page: who logs in, and how GSIS should answer."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

FAULTS = [
    ("", _("Κανονικά")),
    ("token", _("Το endpoint token απαντά με σφάλμα JSON")),
    ("userinfo_json", _("Το userinfo απαντά με σφάλμα JSON και HTTP 200")),
    ("userinfo_500", _("Το userinfo απαντά HTTP 500")),
]


class ConsentForm(forms.Form):
    """A demo citizen or any ΑΦΜ typed in, sent on unchecked so the portal's refusal shows."""

    citizen = forms.ChoiceField(
        label=_("Δημότης επίδειξης"), required=False, widget=forms.RadioSelect
    )
    afm = forms.CharField(
        label=_("ή οποιοσδήποτε ΑΦΜ"),
        help_text=_("Στέλνεται όπως γράφεται, χωρίς έλεγχο, ακόμη κι αν δεν είναι έγκυρος."),
        required=False,
        max_length=20,
    )
    last_name = forms.CharField(label=_("Επώνυμο"), required=False, max_length=100)
    first_name = forms.CharField(label=_("Όνομα"), required=False, max_length=100)
    father_name = forms.CharField(label=_("Πατρώνυμο"), required=False, max_length=100)
    mother_name = forms.CharField(label=_("Μητρώνυμο"), required=False, max_length=100)
    birth_year = forms.CharField(label=_("Έτος γέννησης"), required=False, max_length=4)
    fault = forms.ChoiceField(label=_("Απάντηση της ΓΓΠΣ"), choices=FAULTS, required=False)

    def __init__(self, *args, citizens, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["citizen"].choices = [
            (debtor.afm, _choice_label(debtor)) for debtor in citizens
        ]

    def clean(self):
        data = super().clean()
        if not data.get("afm") and not data.get("citizen"):
            raise forms.ValidationError(
                _("Επιλέξτε έναν δημότη επίδειξης ή γράψτε έναν ΑΦΜ."), code="no_afm"
            )
        return data

    @property
    def chosen_afm(self) -> str:
        """A typed ΑΦΜ wins over the list."""
        return self.cleaned_data["afm"] or self.cleaned_data["citizen"]

    def userinfo(self, debtor=None) -> dict[str, str]:
        """The attributes GSIS would send; names typed in win over those of ``debtor`` (the
        municipality's card of the ΑΦΜ, if any), which win over the sandbox's defaults."""
        data = self.cleaned_data
        afm = self.chosen_afm
        card = {
            "lastname": debtor.last_name if debtor else "ΔΟΚΙΜΑΣΤΙΚΟΣ",
            "firstname": debtor.first_name if debtor else "ΧΡΗΣΤΗΣ",
            "fathername": debtor.father_name if debtor else "",
        }
        typed = {
            "lastname": data["last_name"],
            "firstname": data["first_name"],
            "fathername": data["father_name"],
        }
        return {
            "userid": f"User{afm}",
            "taxid": afm,
            **{key: typed[key] or card[key] for key in card},
            "mothername": data["mother_name"],
            "birthyear": data["birth_year"],
        }


def _choice_label(debtor) -> str:
    if debtor.user_id:
        return gettext("%(debtor)s · έχει ήδη λογαριασμό στην πύλη") % {"debtor": debtor}
    return str(debtor)
