"""scripts/deps.py: the lock files follow pyproject.toml, and the audit says what it did.

pip-audit itself needs an advisory source this machine cannot reach, so the audit is
driven here with a stand-in for the pip-audit command that prints the JSON pip-audit
prints (the far edge); the lock check runs on the real files.
"""
from __future__ import annotations

import importlib.util
import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SPEC = importlib.util.spec_from_file_location("deps", ROOT / "scripts" / "deps.py")
deps = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(deps)


@pytest.mark.parametrize("lock", ["requirements/demo.lock", "requirements/test.lock"])
def test_committed_locks_match_pyproject(lock):
    done = subprocess.run([sys.executable, ROOT / "scripts" / "deps.py", "check", lock], capture_output=True, text=True)
    assert (done.returncode, done.stderr) == (0, ""), "run scripts/lock"


def test_a_lock_older_than_pyproject_is_named_in_one_line(tmp_path, capsys):
    lock = tmp_path / "test.lock"
    lock.write_text(deps.MARK + "0" * 64 + "\nflask==3.1.0\n", encoding="utf-8")
    assert deps.check(lock) == 2
    err = capsys.readouterr().err
    assert err.endswith("test.lock is older than pyproject.toml's dependencies: run scripts/lock\n")
    assert err.count("\n") == 1
    deps.stamp(lock)
    assert deps.check(lock) == 0
    assert lock.read_text(encoding="utf-8").splitlines()[1:] == ["flask==3.1.0"]


def fake_pip_audit(tmp_path: Path, by_source: dict[str, dict | None]) -> str:
    """A pip-audit stand-in: prints by_source[--vulnerability-service] as JSON, or for None
    fails as pip-audit does when it cannot connect."""
    script = tmp_path / "pip-audit"
    script.write_text(
        f"#!{sys.executable}\nimport json, sys\n"
        f"answers = json.loads({json.dumps(json.dumps(by_source))})\n"
        "answer = answers[sys.argv[sys.argv.index('--vulnerability-service') + 1]]\n"
        "if answer is None:\n"
        "    sys.exit(\"requests.exceptions.ConnectionError: HTTPSConnectionPool(host='api.osv.dev', port=443)\")\n"
        "print(json.dumps(answer))\n", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


NOT_ON_PYPI = {"dependencies": [
    {"name": n, "skip_reason": f"Dependency not found on PyPI and could not be audited: {n} (1.0)"}
    for n in ("flask", "nh3")]}


def test_audit_says_plainly_when_no_advisory_source_answers(tmp_path, capsys):
    assert deps.audit(tmp_path / "test.lock", fake_pip_audit(tmp_path, {"pypi": NOT_ON_PYPI, "osv": None})) == 0
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err == ("audit: NOT DONE: no advisory source could be reached (pypi: no release of any of the 2 "
                       "packages known to it; osv: cannot connect to api.osv.dev); the dependencies were not "
                       "checked for known vulnerabilities\n")


def test_audit_fails_on_a_known_vulnerability_and_names_it(tmp_path, capsys):
    found = {"dependencies": [
        {"name": "flask", "version": "3.1.0", "vulns": [{"id": "GHSA-4grg-w6v8-c28g", "fix_versions": ["3.1.1"]}]},
        {"name": "nh3", "version": "0.3.0", "vulns": []}]}
    assert deps.audit(tmp_path / "test.lock", fake_pip_audit(tmp_path, {"pypi": NOT_ON_PYPI, "osv": found})) == 1
    err = capsys.readouterr().err
    assert "audit: 1 KNOWN VULNERABILITIES" in err
    assert "  flask 3.1.0: GHSA-4grg-w6v8-c28g (fixed in 3.1.1)\n" in err


def test_audit_passes_when_a_source_answered_for_every_package(tmp_path, capsys):
    clean = {"dependencies": [{"name": "flask", "version": "3.1.1", "vulns": []},
                              {"name": "nh3", "version": "0.3.0", "vulns": []}]}
    assert deps.audit(tmp_path / "test.lock", fake_pip_audit(tmp_path, {"pypi": clean, "osv": None})) == 0
    assert capsys.readouterr().out == "audit: no known vulnerabilities in 2 pinned packages (pypi)\n"
