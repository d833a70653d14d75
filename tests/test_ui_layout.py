"""ui/ is the frame every page uses (modules at its top) plus one package per page (ui/<page>/).

A page package is that page's alone: the frame never imports one, and no page (file in pages/ or
module in ui/<page>/) imports another page's package. What two pages share lives in the frame or
in metrics/.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
UI = ROOT / "ui"
PACKAGES = sorted(p.name for p in UI.iterdir() if (p / "__init__.py").is_file())


def ui_packages_imported(path: Path) -> set[str]:
    """The page packages (ui.<page>) a module imports, however it spells the import."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if len(parts) >= 2 and parts[0] == "ui" and parts[1] in PACKAGES:
                found.add(parts[1])
    return found


def test_every_core_page_has_its_package() -> None:
    assert {"catalog", "delivery", "overview", "retention", "satisfaction", "segments", "voice"} <= set(PACKAGES)


@pytest.mark.parametrize("module", sorted(UI.glob("*.py")), ids=lambda p: p.name)
def test_the_frame_imports_no_page_package(module: Path) -> None:
    assert ui_packages_imported(module) == set()


@pytest.mark.parametrize("module", sorted(UI.glob("*/*.py")), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_a_page_package_imports_only_itself(module: Path) -> None:
    assert ui_packages_imported(module) <= {module.parent.name}


@pytest.mark.parametrize("page", sorted((ROOT / "pages").glob("*.py")), ids=lambda p: p.name)
def test_a_page_imports_only_its_own_package(page: Path) -> None:
    assert ui_packages_imported(page) <= {page.stem}


def test_the_check_sees_a_cross_page_import(tmp_path: Path) -> None:
    """The rule above is only worth something if it catches each spelling of the import it forbids."""
    for source in ("from ui.voice import data\n", "from ui import voice\n", "import ui.voice.data\n"):
        module = tmp_path / "page.py"
        module.write_text(source)
        assert ui_packages_imported(module) == {"voice"}, source
    (tmp_path / "page.py").write_text("from ui import cards, verbatims\n")
    assert ui_packages_imported(tmp_path / "page.py") == set()
