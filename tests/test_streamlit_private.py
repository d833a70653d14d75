"""What ui/streamlit_private.py relies on in Streamlit's internals: these fail when Streamlit changes it."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner import script_runner

from ui import streamlit_private


@pytest.fixture
def flag() -> Iterator[None]:
    """Restore the process-wide flag whatever a test does to it."""
    saved = PagesManager.uses_pages_directory
    yield
    PagesManager.uses_pages_directory = saved


def test_a_pages_folder_next_to_the_main_script_turns_the_old_mode_on(tmp_path: Path, flag: None) -> None:
    (tmp_path / "pages").mkdir()
    (tmp_path / "app.py").write_text("")
    PagesManager.uses_pages_directory = None
    PagesManager(str(tmp_path / "app.py"))
    assert PagesManager.uses_pages_directory is True


def test_without_a_pages_folder_the_mode_stays_off(tmp_path: Path, flag: None) -> None:
    (tmp_path / "app.py").write_text("")
    PagesManager.uses_pages_directory = None
    PagesManager(str(tmp_path / "app.py"))
    assert PagesManager.uses_pages_directory is False


def test_st_navigation_clears_the_flag_as_we_do(flag: None) -> None:
    PagesManager.uses_pages_directory = True
    st.navigation([st.Page(lambda: None, title="only")], position="hidden")
    assert PagesManager.uses_pages_directory is False


def test_the_script_runner_still_runs_a_page_bare_on_that_flag() -> None:
    """The flag is what makes Streamlit run pages/<page>.py instead of app.py (its v1 multipage path)."""
    source = inspect.getsource(script_runner)
    assert "if PagesManager.uses_pages_directory:" in source
    assert "_mpa_v1(" in source


def test_leaving_the_mode_flips_the_flag_once(flag: None) -> None:
    PagesManager.uses_pages_directory = True
    assert streamlit_private.leave_pages_folder_mode() is True
    assert PagesManager.uses_pages_directory is False
    assert streamlit_private.leave_pages_folder_mode() is False


def test_no_other_module_touches_the_private_api() -> None:
    root = Path(__file__).resolve().parent.parent
    users = [
        p.relative_to(root).as_posix()
        for folder in ("ui", "pages", "metrics", "connectors")
        for p in (root / folder).rglob("*.py")
        if "PagesManager" in p.read_text(encoding="utf-8")
    ]
    users += [p.name for p in root.glob("*.py") if "PagesManager" in p.read_text(encoding="utf-8")]
    assert users == ["ui/streamlit_private.py"]


def test_never_pages_folder_mode_holds_for_sessions_made_later(flag: None, tmp_path: Path) -> None:
    """Set at server start, the flag stays off even for an app whose folder has pages/ (Streamlit only sets it
    while it is None), so concurrent first views never run a page bare."""
    (tmp_path / "pages").mkdir()
    (tmp_path / "app.py").write_text("")
    PagesManager.uses_pages_directory = None
    streamlit_private.never_pages_folder_mode()
    PagesManager(str(tmp_path / "app.py"))
    assert PagesManager.uses_pages_directory is False
