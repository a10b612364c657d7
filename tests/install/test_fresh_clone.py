"""A clone of the project alone, without ../shared beside it, as a newcomer has it.

The clone (of this checkout's HEAD, in a temporary folder with no shared/ next to
it) collects every test without an error; the tests that read ../shared skip there
with one line naming the folder (and fail under CI=true); the screenshot test leaves
the clone's tracked files as they were.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Keeps only the tests that ask for the shared_dir fixture (loaded with -p from PYTHONPATH).
SHARED_ONLY = '''
def pytest_collection_modifyitems(config, items):
    items[:] = [item for item in items if "shared_dir" in getattr(item, "fixturenames", ())]
'''


def git(*argv: str, cwd: Path) -> str:
    return subprocess.run(["git", *argv], cwd=cwd, check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Path:
    if not (ROOT / ".git").exists():
        pytest.skip(f"{ROOT} is not a git checkout: nothing to clone")
    folder = tmp_path_factory.mktemp("fresh") / "tip-inbox"
    git("clone", "--quiet", "--no-checkout", str(ROOT), str(folder), cwd=ROOT)
    git("checkout", "--quiet", git("rev-parse", "HEAD", cwd=ROOT).strip(), cwd=folder)
    assert not (folder.parent / "shared").exists()
    return folder


def pytest_in(clone: Path, *argv: str, ci: str | None = None, plugin_dir: Path | None = None):
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "PYTEST_XDIST_WORKER", "PYTEST_ADDOPTS")}
    if ci is not None:
        env["CI"] = ci
    if plugin_dir is not None:
        env["PYTHONPATH"] = str(plugin_dir)
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *argv], cwd=clone, env=env,
                          capture_output=True, text=True, timeout=600)


def test_the_clone_imports_its_own_code(clone):
    done = subprocess.run([sys.executable, "-c", "import inbox; print(inbox.__file__)"], cwd=clone,
                          capture_output=True, text=True, check=True)
    assert Path(done.stdout.strip()).is_relative_to(clone)


def test_every_test_collects_in_a_clone_without_shared(clone):
    done = pytest_in(clone, "--collect-only", "-q")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert re.search(r"^\d+ tests collected", done.stdout, re.M), done.stdout[-500:]
    assert "error" not in done.stdout.lower().splitlines()[-1]


@pytest.fixture(scope="module")
def shared_only(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("plugin")
    (folder / "shared_only.py").write_text(SHARED_ONLY, encoding="utf-8")
    return folder


def test_tests_that_read_shared_skip_with_one_line_naming_it(clone, shared_only):
    done = pytest_in(clone, "-n", "0", "-p", "shared_only", "tests/unit", "tests/browser", plugin_dir=shared_only)
    out = done.stdout
    assert done.returncode == 0, out[-3000:]
    skipped = re.findall(r"^SKIPPED \[\d+\] (.*)$", out, re.M)
    assert len(skipped) >= 4, out[-2000:]  # the XSS payloads (sanitiser and board), both corpus sweeps
    for line in skipped:  # one line a test, naming the folder
        assert line.endswith(f"{clone.parent / 'shared'} is missing (the corpora and eval data beside the clone): "
                             "skipped; CI=true makes this a failure"), line
    assert re.search(r"^=+ \d+ skipped", out.splitlines()[-1]), out[-1000:]


def test_the_screenshot_test_writes_only_under_build(clone):
    done = pytest_in(clone, "-n", "0", "tests/browser/test_screenshots.py")
    assert done.returncode == 0, done.stdout[-3000:]
    assert (clone / "build" / "screenshots" / "board.png").is_file()
    assert git("status", "--porcelain", cwd=clone) == ""


def test_under_ci_a_missing_shared_fails_those_tests(clone, shared_only):
    done = pytest_in(clone, "-n", "0", "-p", "shared_only", "tests/unit/test_clean.py", "tests/unit/test_corpus_sweep.py",
                     ci="true", plugin_dir=shared_only)
    assert done.returncode == 1
    assert f"{clone.parent / 'shared'} is missing (the corpora and eval data beside the clone), and CI=true needs it" \
        in done.stdout
    last = done.stdout.splitlines()[-1]  # the fixture fails them: pytest counts errors at set-up
    assert re.search(r"^=+ \d+ (failed|errors?) in", last) and "passed" not in last and "skipped" not in last, last
