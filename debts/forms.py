"""Forms of the staff admin; the citizen-facing forms live with their views."""

from django import forms
from django.contrib.admin.widgets import AdminDateWidget
from django.utils.translation import gettext_lazy as _

from .models import Debtor, SettlementScheme
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


class SettlementTermsForm(forms.Form):
    """The terms revenue staff set when they settle a debtor's debts in installments."""

    scheme = forms.ModelChoiceField(
        label=_("Πρόγραμμα ρύθμισης"), queryset=SettlementScheme.objects.filter(active=True)
    )
    number = forms.CharField(label=_("Αριθμός ρύθμισης"), max_length=32)
    installments = forms.IntegerField(label=_("Αριθμός δόσεων"), min_value=1, max_value=120)
    approved_on = forms.DateField(label=_("Ημερομηνία έγκρισης"), widget=AdminDateWidget)
    first_due_date = forms.DateField(label=_("Λήξη πρώτης δόσης"), widget=AdminDateWidget)
