"""The layer contract, held by a test instead of prose.

    cli  ->  services  ->  adapters  ->  domain

An import may point down (or stay inside its own layer, except between two
services); never up. Services never import one another. Each outside library
lives in exactly one module. The whole tree is read with ``ast``, function-level
imports included, so a lazy import is held to the same contract.
"""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parent.parent / "src" / "avustus_cli"
LAYERS = ("domain", "adapters", "services", "cli")  # bottom to top

# outside library -> the only modules (paths under src/avustus_cli) that may import it
LIBRARIES = {
    "openpyxl": {"adapters/excel.py"},
    "python_calamine": {"adapters/excel.py"},
    "sqlite_utils": {"adapters/store/"},
    "sqlite3": {"adapters/store/"},
    "jinja2": {"adapters/render.py"},
    "docxtpl": {"adapters/render.py"},
    "docx": {"adapters/render.py"},
    "babel": {"domain/fmt.py"},
    "holidays": {"domain/deadlines.py"},
    "stdnum": {"domain/ids.py"},
    "typer": {"cli/"},
    "click": {"cli/"},
    "rich": {"cli/"},
    "smtplib": {"adapters/mail.py"},
    "email": {"adapters/mail.py"},
}


def _modules(pkg: Path = PKG) -> list[Path]:
    return sorted(p for p in pkg.rglob("*.py"))


def _dotted(path: Path, pkg: Path = PKG) -> list[str]:
    parts = list(path.relative_to(pkg).with_suffix("").parts)
    return parts[:-1] if parts[-1] == "__init__" else parts


def _imports(path: Path, pkg: Path = PKG) -> list[tuple[int, str]]:
    """(line, absolute dotted module) of every import in the file, at any depth."""
    return _imports_of(path, pkg, path.stat().st_mtime_ns)


@functools.cache
def _imports_of(path: Path, pkg: Path, mtime_ns: int) -> list[tuple[int, str]]:
    # parsed once per file version: every test of the contract walks the whole tree
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    here = _dotted(path, pkg)
    package = here if path.name == "__init__.py" else here[:-1]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, a.name) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                mod = ".".join(["avustus_cli", *base, *([node.module] if node.module else [])])
            else:
                mod = node.module or ""
            found.append((node.lineno, mod))
            # `from avustus_cli.services import importing` names a module, not a symbol
            if mod.startswith("avustus_cli"):
                found.extend((node.lineno, f"{mod}.{a.name}") for a in node.names)
    return found


def _layer(dotted: list[str]) -> str | None:
    return dotted[0] if dotted and dotted[0] in LAYERS else None


def _edges(pkg: Path = PKG):
    for path in _modules(pkg):
        src = _dotted(path, pkg)
        for line, mod in _imports(path, pkg):
            yield path, src, line, mod


def test_every_module_sits_in_a_layer():
    loose = [str(p.relative_to(PKG)) for p in _modules() if _layer(_dotted(p)) is None
             and p.name not in ("__init__.py", "__main__.py")]
    assert loose == [], f"modules outside domain/, adapters/, services/, cli/: {loose}"


def _upward(pkg: Path = PKG) -> list[str]:
    upward = []
    for path, src, line, mod in _edges(pkg):
        parts = mod.split(".")
        if parts[0] != "avustus_cli" or len(parts) < 2:
            continue
        have, want = _layer(src), _layer(parts[1:])
        if have and want and LAYERS.index(want) > LAYERS.index(have):
            upward.append(f"{path.relative_to(pkg)}:{line} imports {mod}")
    return upward


def test_no_import_points_up_a_layer():
    assert _upward() == []


def test_services_never_import_each_other():
    crossing = []
    for path, src, line, mod in _edges():
        parts = mod.split(".")
        if _layer(src) == "services" and len(parts) > 2 and parts[:2] == ["avustus_cli", "services"]:
            # a service package may use its own private modules (services/proposing/_sheet.py)
            if parts[2] != src[1] and not (src[1] == "__init__"):
                crossing.append(f"{path.relative_to(PKG)}:{line} imports {mod}")
    assert crossing == []


@pytest.mark.parametrize("library", sorted(LIBRARIES))
def test_each_outside_library_lives_in_its_own_module(library):
    allowed = LIBRARIES[library]
    users = set()
    for path, _src, _line, mod in _edges():
        if mod == library or mod.startswith(library + "."):
            rel = path.relative_to(PKG).as_posix()
            if not any(rel == a or (a.endswith("/") and rel.startswith(a)) for a in allowed):
                users.add(rel)
    assert users == set(), f"{library} imported outside {sorted(allowed)}"


def test_the_domain_reads_no_files_and_no_terminal():
    banned = {"subprocess", "shutil", "tempfile", "sqlite3", "typer", "rich", "openpyxl", "jinja2"}
    offenders = [f"{path.relative_to(PKG)}:{line} imports {mod}" for path, src, line, mod in _edges()
                 if _layer(src) == "domain" and mod.split(".")[0] in banned]
    assert offenders == []


def test_cents_stay_inside_the_store():
    """Money is stored as integer cents; everything outside adapters/store/ sees euros (Decimal)."""
    store = PKG / "adapters" / "store"
    offenders = [f"{path.relative_to(PKG)}:{n}" for path in sorted(PKG.rglob("*.py")) if store not in path.parents
                 for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if re.search(r"\w+_cents\b|\bcents\(", line)]
    assert offenders == []


def test_the_contract_test_sees_an_upward_edge(tmp_path):
    """The checker itself: a domain module importing a service, relatively or not, is reported."""
    for layer in ("domain", "services"):
        (tmp_path / layer).mkdir()
        (tmp_path / layer / "__init__.py").write_text("")
    (tmp_path / "services" / "importing.py").write_text("")
    (tmp_path / "domain" / "a.py").write_text("from avustus_cli.services import importing\n")
    (tmp_path / "domain" / "b.py").write_text("def f():\n    from ..services.importing import x\n")
    assert _upward(tmp_path) == [
        "domain/a.py:1 imports avustus_cli.services",
        "domain/a.py:1 imports avustus_cli.services.importing",
        "domain/b.py:2 imports avustus_cli.services.importing",
        "domain/b.py:2 imports avustus_cli.services.importing.x",
    ]
