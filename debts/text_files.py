"""Text files that people and banks send: UTF-8 (a byte-order mark allowed), or else Windows-1253,
the Greek code page in which Greek Excel saves a CSV and Greek banks' e-banking exports write."""

from pathlib import Path

ENCODINGS = ("utf-8-sig", "cp1253")


def read_text(path: Path) -> str:
    """The whole text of ``path`` in the first of ``ENCODINGS`` that decodes it all;
    ``UnicodeDecodeError`` when none does."""
    data = path.read_bytes()
    try:
        return data.decode(ENCODINGS[0])
    except UnicodeDecodeError:
        return data.decode(ENCODINGS[1])
