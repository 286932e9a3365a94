"""Tying a portal account to the debtor card of the ΑΦΜ that GSIS vouched for."""

from dataclasses import dataclass

from django.db import IntegrityError, transaction

from debts.models import Debtor, registry_name


class AccountConflict(Exception):
    """The ΑΦΜ's card is tied to another account, or the account to another ΑΦΜ's card."""


@dataclass(frozen=True)
class Identity:
    """Who GSIS says the person is: the ΑΦΜ and the names TaxisNet keeps."""

    afm: str
    last_name: str = ""
    first_name: str = ""
    father_name: str = ""

    @classmethod
    def from_userinfo(cls, afm: str, data: dict) -> "Identity":
        return cls(
            afm=afm,
            last_name=data.get("lastname", ""),
            first_name=data.get("firstname", ""),
            father_name=data.get("fathername", ""),
        )


def tie_account(user, identity: Identity) -> Debtor:
    """The card of ``identity.afm``, tied to ``user``: the municipality's existing card, or a new
    empty one (a citizen with no debts may still pay a παράβολο). Running it again changes nothing.

    TaxisNet's names fill only the fields the card leaves blank: the Ταμείο's record wins. The
    unique ΑΦΜ and the one-to-one user are the last word against a concurrent login; a clash
    becomes AccountConflict, with nothing changed.
    """
    try:
        with transaction.atomic():
            if Debtor.objects.filter(user=user).exclude(afm=identity.afm).exists():
                raise AccountConflict
            debtor = Debtor.objects.select_for_update().filter(afm=identity.afm).first()
            if debtor is None:
                debtor = Debtor(afm=identity.afm, kind=Debtor.Kind.PERSON, user=user)
                _fill_blank_names(debtor, identity)
                debtor.save()
                return debtor
            if debtor.user_id not in (None, user.pk):
                raise AccountConflict
            changed = _fill_blank_names(debtor, identity)
            if debtor.user_id is None:
                debtor.user = user
                changed.append("user")
            if changed:
                debtor.save(update_fields=[*changed, "updated_at"])
            return debtor
    except IntegrityError as error:
        raise AccountConflict from error


def _fill_blank_names(debtor: Debtor, identity: Identity) -> list[str]:
    """Copy the names the card lacks, as the registry keeps names (``registry_name``: the
    admin's search finds them so); a business has neither first name nor father's name."""
    names = {"last_name": identity.last_name}
    if debtor.kind == Debtor.Kind.PERSON:
        names |= {"first_name": identity.first_name, "father_name": identity.father_name}
    changed = []
    for field, value in names.items():
        if value and not getattr(debtor, field):
            name = registry_name(value)[: Debtor._meta.get_field(field).max_length]
            setattr(debtor, field, name)
            changed.append(field)
    return changed
