"""Forms of the staff's pages on money: they parse what was posted; what may be done with the
money is for ``payments.services`` to judge."""

import uuid
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from debts.forms import DebtorAdminForm, NoticeSelectionForm
from debts.models import ParavoloType, PaymentNotice
from debts.money import euros
from debts.validators import normalize_afm

from .models import OwnTransfer, Tender

#: How a cash payment's own reference begins: «ΤΑΜ-» and a UUID, made when the form is shown.
CASH_REFERENCE_PREFIX = "ΤΑΜ-"


def new_cash_reference() -> str:
    return f"{CASH_REFERENCE_PREFIX}{uuid.uuid4().hex}"


class DebtorSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Οφειλέτης"),
        max_length=100,
        help_text=_("ΑΦΜ, επώνυμο ή επωνυμία, ή κωδικός RF ειδοποιητηρίου."),
    )


class CounterPaymentForm(forms.Form):
    """How the payer pays at the counter, and the reference the money is recorded under.

    A cash payment gets its reference when the form is first shown, carried in a hidden field:
    the same form sent twice names the same money, which is then recorded once. A card payment
    is recorded under the slip the POS printed.
    """

    tender = forms.ChoiceField(
        label=_("Μέσο πληρωμής"),
        choices=Tender.choices,
        initial=Tender.CASH,
        widget=forms.RadioSelect,
    )
    pos_slip = forms.CharField(
        label=_("Αριθμός απόδειξης POS"),
        max_length=100,
        required=False,
        help_text=_("Για πληρωμή με κάρτα: ο αριθμός συναλλαγής (RRN) όπως τον τυπώνει το POS."),
    )
    cash_reference = forms.RegexField(
        regex=rf"^{CASH_REFERENCE_PREFIX}[0-9a-f]{{32}}$",
        initial=new_cash_reference,
        widget=forms.HiddenInput,
    )

    def clean(self):
        cleaned = super().clean()
        slip_refused = "pos_slip" in self.errors  # too long: said so, not said to be missing
        if (
            cleaned.get("tender") == Tender.POS
            and not slip_refused
            and not cleaned.get("pos_slip", "").strip()
        ):
            self.add_error(
                "pos_slip", _("Για πληρωμή με κάρτα γράψτε τον αριθμό της απόδειξης του POS.")
            )
        return cleaned

    @property
    def reference(self) -> str:
        if self.cleaned_data["tender"] == Tender.POS:
            return self.cleaned_data["pos_slip"].strip()
        return self.cleaned_data["cash_reference"]


class LinesForm(NoticeSelectionForm):
    """Debts and installments of one debtor a person ticked, and, once reviewed, the total they
    were shown (a notice is built only if it is still that total)."""

    total = forms.DecimalField(
        max_digits=12, decimal_places=2, required=False, widget=forms.HiddenInput
    )

    def confirmed(self) -> bool:
        """Whether the post confirms a review: asked to, with the total the review showed;
        without it, the lines are reviewed again, never applied on amounts nobody saw."""
        return "confirm" in self.data and self.cleaned_data["total"] is not None


class NoticeRfForm(forms.Form):
    rf = forms.CharField(
        label=_("Κωδικός RF ειδοποιητηρίου"),
        max_length=40,
        help_text=_("Όπως είναι τυπωμένος, με ή χωρίς κενά."),
    )


class NoticePickForm(forms.Form):
    notice = forms.ModelChoiceField(
        queryset=PaymentNotice.objects.select_related("debtor"), widget=forms.HiddenInput
    )


class PooledChoiceField(forms.ModelMultipleChoiceField):
    """Each payment as finance judges it a part: its reference, day, payer, what the payer named
    and what it holds. One no longer among them was most likely applied or returned by someone
    else since the page was shown (or its id was tampered with)."""

    default_error_messages = {
        "invalid_choice": _(
            "Η πληρωμή με αριθμό %(value)s δεν είναι πια από αυτές που διατίθενται μαζί: "
            "διατέθηκε ή επιστράφηκε στο μεταξύ; Ανοίξτε ξανά τη σελίδα."
        ),
    }

    def label_from_instance(self, payment):
        return _(
            "%(reference)s, της %(day)s, από %(payer)s («%(named)s»): αδιάθετα %(held)s "
            "από %(amount)s"
        ) % {
            "reference": payment.reference,
            "day": date_format(timezone.localtime(payment.received_at), "SHORT_DATE_FORMAT"),
            "payer": payment.payer or "—",
            "named": payment.named_reference or "—",
            "held": euros(payment.held),
            "amount": euros(payment.amount),
        }


class PoolForm(forms.Form):
    """Other held payments to pay the notice with this one, picked among ``candidates``
    (``selectors.poolable_with``, each with ``held``)."""

    together = PooledChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Μαζί με τις αδιάθετες πληρωμές"),
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["together"].queryset = candidates

    def picked(self) -> tuple:
        """The payments picked; a pick outside the candidates (a tampered id) is refused."""
        if not self.is_valid():
            raise ValidationError(self.errors["together"])
        return tuple(self.cleaned_data["together"])


class ReturnForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Ποσό προς επιστροφή (€)"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
    )
    reason = forms.CharField(label=_("Αιτιολογία"), widget=forms.Textarea(attrs={"rows": 3}))
    # The balance the page showed: a second post, or one after a change, is refused.
    balance = forms.DecimalField(max_digits=12, decimal_places=2, widget=forms.HiddenInput)


class CounterPayerForm(DebtorAdminForm):
    """A payer the registry does not know yet, registered at the counter to pay a παράβολο:
    the debtor card's own form (ΑΦΜ as people write it, names as the registry keeps them).

    The ΑΦΜ is typed twice: a typo that still passes the check digit would make the card
    another taxpayer's, whose TaxisNet login would later be tied to it and show them this
    payer's payment. No contact details, for the same reason; the receipt is printed."""

    afm_again = forms.CharField(label=_("ΑΦΜ ξανά"), max_length=20)

    class Meta(DebtorAdminForm.Meta):
        fields = ("afm", "afm_again", "kind", "last_name", "first_name", "father_name")

    def clean(self):
        cleaned = super().clean()
        afm = cleaned.get("afm")
        if afm and normalize_afm(cleaned.get("afm_again", "")) != afm:
            self.add_error(
                "afm_again",
                _("Οι δύο ΑΦΜ διαφέρουν: ελέγξτε τον στο έγγραφο του πληρωτή και γράψτε τον ξανά."),
            )
        return cleaned

    def validate_unique(self):
        """An ΑΦΜ on file is no error here: ``register_payer`` makes it that debtor."""
        try:
            self.instance.validate_unique(exclude=self._get_validation_exclusions() | {"afm"})
        except ValidationError as error:
            self._update_errors(error)


class CounterParavoloForm(forms.Form):
    """A παράβολο the payer asks for at the counter, of the kinds issued today."""

    @classmethod
    def offered(cls) -> "CounterParavoloForm | None":
        """The form, if any kind of παράβολο is issued today."""
        form = cls()
        return form if form.fields["paravolo_type"].queryset.exists() else None

    paravolo_type = forms.ModelChoiceField(
        label=_("Παράβολο"),
        queryset=ParavoloType.objects.filter(active=True).select_related("revenue_type"),
        empty_label=None,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["paravolo_type"].label_from_instance = lambda kind: (
            f"{kind.display_name} — {euros(kind.amount)}"
        )


class OwnTransferForm(forms.Form):
    kind = forms.ChoiceField(label=_("Τι είναι"), choices=OwnTransfer.Kind.choices)
    note = forms.CharField(
        label=_("Ποια μεταφορά"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Ο κωδικός της εκκαθάρισης της πύλης καρτών, ή ο αριθμός και η ημέρα του "
            "γραμματίου κατάθεσης, ή ο λογαριασμός του Δήμου από τον οποίο ήρθε."
        ),
    )
    # The balance the page showed: a second post, or one after a change, is refused.
    balance = forms.DecimalField(max_digits=12, decimal_places=2, widget=forms.HiddenInput)


class ReturnedForm(forms.Form):
    reference = forms.CharField(
        label=_("Αναφορά επιστροφής"),
        max_length=100,
        help_text=_("Η αναφορά του εμβάσματος, ή ο αριθμός του διπλοτύπου πληρωμής μετρητών."),
    )


class CameBackForm(forms.Form):
    reason = forms.CharField(
        label=_("Γιατί γύρισε πίσω"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Ό,τι είπε η τράπεζα (π.χ. λογαριασμός κλειστός ή λάθος IBAN) και η αναφορά της "
            "πίστωσης με την οποία γύρισαν τα χρήματα."
        ),
    )
    # The reference of the transfer the page showed: one made again since did not come back.
    reference = forms.CharField(widget=forms.HiddenInput)


class ReverseReceiptForm(forms.Form):
    reason = forms.CharField(
        label=_("Αιτιολογία ακύρωσης"), widget=forms.Textarea(attrs={"rows": 3})
    )


class CashDayForm(forms.Form):
    day = forms.DateField(
        label=_("Ημέρα"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    cashier = forms.ModelChoiceField(label=_("Ταμίας"), queryset=None, required=False)

    def __init__(self, *args, cashiers=None, **kwargs):
        super().__init__(*args, **kwargs)
        if cashiers is None:
            del self.fields["cashier"]
        else:
            self.fields["cashier"].queryset = cashiers
