"""`python -m metrics new` on a full copy of the tree: what it writes passes lint, types, the suite's metric
and page tests, and a page it writes is in the app's navigation."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_cli import assert_user_error, run
from ui import navigation

ROOT = Path(__file__).resolve().parent.parent
NAME, STEM = "delivery.first_attempt", "delivery_first_attempt"
# Everything but version control, the environment and caches: the copy is the project as a new clone has it.
NOT_COPIED = shutil.ignore_patterns(
    ".git", ".venv", "__pycache__", ".pytest_cache", ".hypothesis", ".mypy_cache", ".ruff_cache", "test-output", "*.pyc"
)


@pytest.fixture
def repo_copy(tmp_path) -> Path:
    copy = tmp_path / "repo"
    shutil.copytree(ROOT, copy, ignore=NOT_COPIED)
    return copy


def in_copy(copy: Path, *command: str, timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *command], cwd=copy, capture_output=True, text=True, timeout=timeout)


def test_new_with_a_page_keeps_lint_types_tests_and_navigation_green(repo_copy):
    result = run("new", NAME, "--page", cwd=repo_copy)
    assert result.returncode == 0, result.stderr
    module, test, page = (
        repo_copy / "metrics" / f"{STEM}.py",
        repo_copy / "tests" / f"test_metric_{STEM}.py",
        repo_copy / "pages" / f"{STEM}.py",
    )
    assert result.stdout.split() == ["wrote", str(module), "wrote", str(test), "wrote", str(page)]

    # make lint, as written: ruff check, ruff format --check, mypy
    for command in (("ruff", "check", "--no-cache", "."), ("ruff", "format", "--check", "--no-cache", "."), ("mypy",)):
        lint = in_copy(repo_copy, *command)
        assert lint.returncode == 0, f"{' '.join(command)}:\n{lint.stdout}{lint.stderr}"

    # The page is in the app's navigation, titled after the metric (read from the copy's files).
    found = navigation.discovered(repo_copy)
    assert [(e.file, e.url_path) for e in found] == [(f"pages/{STEM}.py", STEM)]
    assert found[0].title == "Delivery first attempt"  # this process's registry predates the copy's new metric

    # The tests the new files join: its own, the registry's and the generic page's over every metric, and every
    # page of the app under AppTest (which fails on a page missing from the navigation).
    tests = in_copy(
        repo_copy,
        "pytest",
        "-v",
        "-p",
        "no:cacheprovider",
        "-rs",
        str(test.relative_to(repo_copy)),
        "tests/test_registry.py",
        "tests/test_metric_page.py",
        "tests/test_app.py",
        "-k",
        f"{STEM} or {NAME} or registry",
    )
    assert tests.returncode == 0, tests.stdout[-4000:]
    assert "1 skipped" in tests.stdout and f"TODO {NAME}" in tests.stdout
    for ran in (
        f"test_every_page_renders_with_default_filters[pages/{STEM}.py] PASSED",
        f"test_every_page_takes_filters_from_the_url[pages/{STEM}.py] PASSED",
        f"test_generic_page_renders_from_the_spec[{NAME}] PASSED",
        f"test_runs_on_sample_data[{NAME}] PASSED",
    ):
        assert ran in tests.stdout, tests.stdout[-4000:]


def test_new_without_page_writes_metric_and_test_only(repo_copy):
    result = run("new", NAME, cwd=repo_copy)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.split()) == 4
    assert not (repo_copy / "pages" / f"{STEM}.py").exists()
    listed = run("list", cwd=repo_copy).stdout
    assert NAME in listed


def test_new_refuses_to_overwrite_and_names_already_defined(repo_copy):
    assert run("new", NAME, cwd=repo_copy).returncode == 0
    module = repo_copy / "metrics" / f"{STEM}.py"
    before = module.read_text()
    assert_user_error(run("new", NAME, cwd=repo_copy), "refusing to overwrite", f"metrics/{STEM}.py")
    assert module.read_text() == before
    assert_user_error(run("new", "voice.themes", cwd=repo_copy), "already defined in metrics/voice.py")
    assert not (repo_copy / "metrics" / "voice_themes.py").exists()


def _files(root: Path) -> dict[str, bytes]:
    skip = {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".hypothesis", "test-output"}
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and not skip & set(p.relative_to(root).parts)
    }


SHOWN = """
# A newcomer's addition: the new metric's trend on this page.
page.metric_trend("delivery-first-attempt-trend", "delivery.first_attempt", f)
"""


def test_a_metric_on_an_existing_page_touches_three_files(repo_copy):
    """The metric, its test and the page: nothing else (no README list, no ui/ module, no app.py) to edit."""
    before = _files(repo_copy)
    assert run("new", NAME, cwd=repo_copy).returncode == 0
    delivery = repo_copy / "pages" / "delivery.py"
    delivery.write_text(delivery.read_text() + SHOWN)
    after = _files(repo_copy)
    touched = {f for f in after if before.get(f) != after[f]} | (before.keys() - after.keys())
    assert touched == {f"metrics/{STEM}.py", f"tests/test_metric_{STEM}.py", "pages/delivery.py"}

    for command in (("ruff", "check", "--no-cache", "."), ("ruff", "format", "--check", "--no-cache", "."), ("mypy",)):
        lint = in_copy(repo_copy, *command)
        assert lint.returncode == 0, f"{' '.join(command)}:\n{lint.stdout}{lint.stderr}"
    tests = in_copy(
        repo_copy,
        "pytest", "-q", "-p", "no:cacheprovider",
        f"tests/test_metric_{STEM}.py", "tests/test_registry.py", "tests/test_navigation.py", "tests/test_ui_layout.py",
        "tests/test_app.py", "-k", f"{STEM} or {NAME} or navigation or layout or page or delivery",
    )  # fmt: skip
    assert tests.returncode == 0, tests.stdout[-4000:]
    # The chart opens alone from its single-chart link (run in the copy, where the metric exists).
    shown = subprocess.run(
        [sys.executable, "-c", "from tests.apptest import drawn_charts, run_page\n"
         "at = run_page('pages/delivery.py', {'chart': 'delivery-first-attempt-trend'})\n"
         "print(len(at.get('vega_lite_chart')), *drawn_charts(at))"],
        cwd=repo_copy, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr[-4000:]
    assert shown.stdout.split() == ["1", "delivery-first-attempt-trend"], shown.stdout[-2000:]
