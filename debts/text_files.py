"""Text files that people and banks send: UTF-8 (a byte-order mark allowed), or else Windows-1253,
the Greek code page in which Greek Excel saves a CSV and Greek banks' e-banking exports write."""

from pathlib import Path


def read_text(path: Path) -> str:
    """The whole text of ``path``, as UTF-8 when it decodes so, else as Windows-1253;
    ``UnicodeDecodeError`` when neither does (bytes the Greek code page leaves undefined)."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1253")
