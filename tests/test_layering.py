"""The apps' floors (ARCHITECTURE.md, "Which app may know which"): no app imports, or includes
the templates of, an app above it, so each can be read and changed on its own.

Imports are read from the source (``ast``), every one of them: at module level, inside functions
(a deferred import is a dependency all the same) and in migrations. A model relation named by a
string (``"payments.Payment"``) is no import and is allowed.
"""

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
OURS = ("debts", "receipts", "payments", "taxisnet_auth", "thermi_portal")
# What each app may import besides itself; the top floor composes them all.
ALLOWED = {
    "debts": set(),
    "receipts": {"debts"},
    "payments": {"receipts", "debts"},
    "taxisnet_auth": {"debts"},
    "thermi_portal": set(OURS),
}
# The folder of templates/ each app's templates live in.
TEMPLATE_FOLDERS = {app: app for app in OURS} | {"thermi_portal": "portal"}
APP_OF_FOLDER = {folder: app for app, folder in TEMPLATE_FOLDERS.items()}
TEMPLATE_TAG = re.compile(r"""{%\s*(?:include|extends)\s+["']([^"']+)["']""")


def imports(path: Path) -> list[tuple[int, str, str]]:
    """(line, statement, absolute module) of every import in the file, relative ones resolved."""
    package = ".".join(path.relative_to(BASE_DIR).with_suffix("").parts)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, ast.unparse(node), alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = package.rsplit(".", node.level - 1)[0]
                module = f"{base}.{module}" if module else base
            found.append((node.lineno, ast.unparse(node), module))
    return found


def upward_imports(app: str) -> list[str]:
    problems = []
    for path in sorted((BASE_DIR / app).rglob("*.py")):
        for line, statement, module in imports(path):
            target = module.partition(".")[0]
            if target in OURS and target != app and target not in ALLOWED[app]:
                problems.append(f"{path.relative_to(BASE_DIR)}:{line}: {statement}")
    return problems


def template_files(app: str) -> list[Path]:
    """The app's templates: its folder of templates/, of templates/admin/, and its own."""
    folder = TEMPLATE_FOLDERS[app]
    return sorted(
        [
            *(BASE_DIR / "templates" / folder).rglob("*.html"),
            *(BASE_DIR / "templates" / "admin" / folder).rglob("*.html"),
            *(BASE_DIR / app / "templates").rglob("*.html"),
        ]
    )


def app_of_template(name: str) -> str | None:
    """The app whose template ``name`` is ("payments/…" or "admin/payments/…"), None if ours of
    none (base.html, Django's admin/…)."""
    return APP_OF_FOLDER.get(name.removeprefix("admin/").partition("/")[0])


def upward_templates(app: str) -> list[str]:
    problems = []
    for path in template_files(app):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for name in TEMPLATE_TAG.findall(line):
                target = app_of_template(name)
                if target not in (None, app) and target not in ALLOWED[app]:
                    problems.append(f"{path.relative_to(BASE_DIR)}:{number} uses {name}")
    return problems


def allowed(app: str) -> str:
    return ", ".join(sorted(ALLOWED[app])) or "no app of ours"


@pytest.mark.parametrize("app", OURS)
def test_no_app_imports_an_app_above_it(app):
    problems = upward_imports(app)
    assert not problems, f"{app} may import {allowed(app)}; it imports:\n" + "\n".join(problems)


@pytest.mark.parametrize("app", OURS)
def test_no_app_template_uses_a_template_of_an_app_above_it(app):
    problems = upward_templates(app)
    assert not problems, f"{app} may use templates of {allowed(app)}:\n" + "\n".join(problems)


def test_the_walk_sees_imports_inside_functions_and_relative_ones(tmp_path, monkeypatch):
    """The checks above pass because nothing reaches up, not because the walk misses it."""
    monkeypatch.setattr(f"{__name__}.BASE_DIR", tmp_path)
    (tmp_path / "debts" / "sub").mkdir(parents=True)
    (tmp_path / "debts" / "sub" / "module.py").write_text(
        "from .. import models\n"
        "from ..models import Debtor\n"
        "def later():\n"
        "    from payments.services import settle\n"
        "    import thermi_portal.ledger_cache\n"
    )
    (tmp_path / "templates" / "debts").mkdir(parents=True)
    (tmp_path / "templates" / "debts" / "page.html").write_text(
        '{% extends "base.html" %}{% include "debts/_part.html" %}\n'
        "{% include 'payments/_payment_table.html' %}\n"
    )
    (tmp_path / "templates" / "admin" / "debts").mkdir(parents=True)
    (tmp_path / "templates" / "admin" / "debts" / "form.html").write_text(
        '{% extends "admin/change_form.html" %}\n{% include "admin/payments/_tender.html" %}\n'
    )
    assert upward_imports("debts") == [
        "debts/sub/module.py:4: from payments.services import settle",
        "debts/sub/module.py:5: import thermi_portal.ledger_cache",
    ]
    assert upward_templates("debts") == [
        "templates/admin/debts/form.html:2 uses admin/payments/_tender.html",
        "templates/debts/page.html:2 uses payments/_payment_table.html",
    ]


@pytest.mark.parametrize("app", OURS)
def test_the_walk_reads_each_app_s_real_files(app):
    """Each app's checks read its modules and its templates, not an empty folder."""
    assert any(line for path in (BASE_DIR / app).rglob("*.py") for line in imports(path))
    assert template_files(app)
