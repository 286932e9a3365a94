"""Files named on a management command's line, checked before any is read: a command given
several changes nothing when one of them is missing, is a folder or cannot be read."""

import os
from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _


def check_readable(*paths: str) -> None:
    """``CommandError`` for the first of ``paths`` that is not a file this process can read."""
    for path in paths:
        if not Path(path).exists():
            raise CommandError(_("Δεν βρέθηκε το αρχείο %(path)s.") % {"path": path})
        if not Path(path).is_file():  # a folder, or a pipe (a bank file is read twice)
            raise CommandError(_("Το %(path)s δεν είναι αρχείο.") % {"path": path})
        if not os.access(path, os.R_OK):
            raise CommandError(
                _("Το αρχείο %(path)s δεν διαβάζεται: δεν έχετε δικαίωμα ανάγνωσης.")
                % {"path": path}
            )


def check_writable(path: str) -> None:
    """``CommandError`` unless ``path`` can be written: its folder exists and takes files, and
    it is not itself a folder."""
    folder = Path(path).resolve().parent
    if not folder.is_dir():
        raise CommandError(_("Ο φάκελος %(folder)s δεν υπάρχει.") % {"folder": folder})
    if Path(path).is_dir():
        raise CommandError(_("Το %(path)s είναι φάκελος, όχι αρχείο.") % {"path": path})
    if not os.access(path if Path(path).exists() else folder, os.W_OK):
        raise CommandError(
            _("Δεν γράφεται το αρχείο %(path)s: δεν έχετε δικαίωμα εγγραφής.") % {"path": path}
        )
