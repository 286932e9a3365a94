"""Text files that people and banks send: UTF-8 (a byte-order mark allowed), or else Windows-1253,
the Greek code page in which Greek Excel saves a CSV and Greek banks' e-banking exports write."""

import re
from pathlib import Path


class NulByte(ValueError):
    """A NUL byte (0x00) on ``line``: no text that people or banks write has one (the file is
    damaged, binary, or UTF-16), and PostgreSQL keeps none in a text field."""

    def __init__(self, line: int):
        super().__init__(line)
        self.line = line


def read_text(path: Path) -> str:
    """The whole text of ``path``, as UTF-8 when it decodes so, else as Windows-1253, its lines
    ending in \n whether they ended in \n, \r\n or \r (Excel for Mac), as a file opened as text
    gives them; ``UnicodeDecodeError`` when neither decodes it (bytes the Greek code page leaves
    undefined), ``NulByte`` when it holds a NUL."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1253")
    text = re.sub(r"\r\n?", "\n", text)
    if "\x00" in text:
        raise NulByte(text.count("\n", 0, text.index("\x00")) + 1)
    return text
