"""Forms of the staff admin and of the citizen's pages.

Forms only parse what was posted; every rule about what may be done lives in ``debts.services``.
"""

from django import forms
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import Debt, Debtor, Installment, SettlementScheme, registry_name
from .validators import normalize_afm


class DebtorAdminForm(forms.ModelForm):
    """The debtor card as staff edit it.

    The ΑΦΜ is taken as people write it ("EL 068933130", "068 933 130") and stored as its nine
    digits; the model's validator then judges the check digit, with its own message.
    """

    afm = forms.CharField(
        label=Debtor._meta.get_field("afm").verbose_name,
        max_length=20,
        help_text=_("9 ψηφία· γίνεται δεκτό και με πρόθεμα EL ή με κενά."),
    )

    class Meta:
        model = Debtor
        fields = (
            "afm",
            "kind",
            "last_name",
            "first_name",
            "father_name",
            "tax_office",
            "street",
            "postal_code",
            "city",
            "email",
            "phone",
        )

    def clean_afm(self) -> str:
        return normalize_afm(self.cleaned_data["afm"])

    # Names as the registry keeps them, and the cashier's search finds them: in capitals, no
    # accents («Παπαδόπουλος» typed is ΠΑΠΑΔΟΠΟΥΛΟΣ, found whether typed with accents or not).
    def clean_last_name(self) -> str:
        return registry_name(self.cleaned_data["last_name"])

    def clean_first_name(self) -> str:
        return registry_name(self.cleaned_data["first_name"])

    def clean_father_name(self) -> str:
        return registry_name(self.cleaned_data["father_name"])


class SettlementTermsForm(forms.Form):
    """The terms revenue staff set when they settle a debtor's debts in installments."""

    scheme = forms.ModelChoiceField(
        label=_("Πρόγραμμα ρύθμισης"), queryset=SettlementScheme.objects.filter(active=True)
    )
    number = forms.CharField(label=_("Αριθμός ρύθμισης"), max_length=32)
    installments = forms.IntegerField(label=_("Αριθμός δόσεων"), min_value=1)
    approved_on = forms.DateField(label=_("Ημερομηνία έγκρισης"), widget=AdminDateWidget)
    first_due_date = forms.DateField(label=_("Λήξη πρώτης δόσης"), widget=AdminDateWidget)


class IdListField(forms.Field):
    """Ids of ticked checkboxes (or of hidden inputs carrying them to the next step).

    Only the form of the ids is checked here; whose they are is for the service to judge, against
    the logged-in citizen's card.
    """

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "invalid": _(
            "Η επιλογή σας δεν διαβάστηκε. Ανοίξτε ξανά τη σελίδα και επιλέξτε πάλι τις οφειλές."
        ),
    }
    # A database id is a positive 64-bit integer; a page never lists more lines than this.
    MAX_ID = 2**63 - 1
    MAX_COUNT = 1000

    def to_python(self, value) -> list[int]:
        if value in self.empty_values:
            return []
        if not isinstance(value, list | tuple) or len(value) > self.MAX_COUNT:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            ids = {int(item) for item in value}
        except (TypeError, ValueError):
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        if not all(0 < pk <= self.MAX_ID for pk in ids):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return sorted(ids)


class NoticeSelectionForm(forms.Form):
    """The debts and installments a citizen picks for a new notice."""

    debts = IdListField(required=False)
    installments = IdListField(required=False)

    def selection(self) -> dict:
        """The picked lines as the notice services take them."""
        return {
            "debts": [Debt(pk=pk) for pk in self.cleaned_data["debts"]],
            "installments": [Installment(pk=pk) for pk in self.cleaned_data["installments"]],
        }


class NoticeConfirmForm(NoticeSelectionForm):
    """The reviewed selection, with the total the citizen was shown and agreed to."""

    total = forms.DecimalField(max_digits=12, decimal_places=2, widget=forms.HiddenInput)
