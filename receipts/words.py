"""An amount of euros written out in Greek words, as a receipt states its total («ολογράφως»).

«ευρώ», «λεπτό» and «εκατομμύριο» are neuter nouns, so their numbers take the neuter forms
(«ένα», «τρία», «διακόσια»); «χιλιάδες» is feminine, so the number of thousands takes the
feminine ones («μία», «τρεις», «τέσσερις», «διακόσιες»): «τρεις χιλιάδες διακόσια ευρώ».
"""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999.99")

UNITS = [
    "",
    "ένα",
    "δύο",
    "τρία",
    "τέσσερα",
    "πέντε",
    "έξι",
    "επτά",
    "οκτώ",
    "εννέα",
    "δέκα",
    "έντεκα",
    "δώδεκα",
    "δεκατρία",
    "δεκατέσσερα",
    "δεκαπέντε",
    "δεκαέξι",
    "δεκαεπτά",
    "δεκαοκτώ",
    "δεκαεννέα",
]
TENS = [
    "",
    "",
    "είκοσι",
    "τριάντα",
    "σαράντα",
    "πενήντα",
    "εξήντα",
    "εβδομήντα",
    "ογδόντα",
    "ενενήντα",
]
HUNDREDS = [
    "",
    "εκατό",
    "διακόσια",
    "τριακόσια",
    "τετρακόσια",
    "πεντακόσια",
    "εξακόσια",
    "επτακόσια",
    "οκτακόσια",
    "εννιακόσια",
]
# The units whose feminine differs from the neuter; the hundreds change their ending instead.
FEMININE_UNITS = {
    "ένα": "μία",
    "τρία": "τρεις",
    "τέσσερα": "τέσσερις",
    "δεκατρία": "δεκατρείς",
    "δεκατέσσερα": "δεκατέσσερις",
}


def _feminine(word: str) -> str:
    if word.endswith("κόσια"):  # διακόσια → διακόσιες
        return word[:-1] + "ες"
    return FEMININE_UNITS.get(word, word)


def _below_thousand(number: int, *, feminine: bool = False) -> list[str]:
    """The words of 1 to 999; «εκατό» becomes «εκατόν» when more follows («εκατόν ένα»)."""
    hundreds, rest = divmod(number, 100)
    words = []
    if hundreds:
        words.append("εκατόν" if hundreds == 1 and rest else HUNDREDS[hundreds])
    if rest >= 20:
        tens, rest = divmod(rest, 10)
        words.append(TENS[tens])
    if rest:
        words.append(UNITS[rest])
    return [_feminine(word) for word in words] if feminine else words


def integer_in_words(number: int) -> str:
    """0 to 999,999,999 in words, the number of a neuter noun."""
    if number == 0:
        return "μηδέν"
    millions, rest = divmod(number, 1_000_000)
    thousands, units = divmod(rest, 1000)
    words = []
    if millions:
        words += _below_thousand(millions)
        words.append("εκατομμύριο" if millions == 1 else "εκατομμύρια")
    if thousands == 1:
        words.append("χίλια")
    elif thousands:
        words += [*_below_thousand(thousands, feminine=True), "χιλιάδες"]
    if units:
        words += _below_thousand(units)
    return " ".join(words)


def amount_in_words(amount: Decimal) -> str:
    """``amount`` in euros and cents, e.g. «Εκατόν είκοσι τρία ευρώ και πενήντα λεπτά».

    Rounded half-up to the cent; a negative amount (a reversing receipt) starts with «Μείον»;
    no cents are said for whole euros, and no euros below one euro («Πενήντα λεπτά»).
    """
    amount = Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)
    if abs(amount) > MAX_AMOUNT:
        raise ValueError(f"{amount} is beyond what a receipt states (up to {MAX_AMOUNT}).")
    euros, cents = divmod(int(abs(amount) * 100), 100)
    parts = []
    if euros or not cents:
        parts.append(f"{integer_in_words(euros)} ευρώ")
    if cents:
        parts.append("ένα λεπτό" if cents == 1 else f"{integer_in_words(cents)} λεπτά")
    text = " και ".join(parts)
    if amount < 0:
        text = f"μείον {text}"
    return text[0].upper() + text[1:]
