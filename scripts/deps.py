"""The lock files and the dependency audit, for scripts/lock, scripts/test, scripts/demo
and scripts/audit (standard library only: it runs before any venv exists).

  deps.py stamp LOCK    write the fingerprint of pyproject.toml's dependencies into LOCK
  deps.py check LOCK    exit 2, saying so in one line, when LOCK is older than pyproject.toml
  deps.py audit LOCK    pip-audit LOCK; exit 1 on a known vulnerability; one line and exit 0
                        when no advisory source could be reached (this is not a pass)

"Older" is read from the dependencies themselves, not from file times: a fresh clone
gives both files the checkout's time, in whatever order git wrote them.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARK = "# pyproject dependencies sha256: "
# Accepted advisories, one ID a line with a comment saying why (empty: none accepted).
IGNORED = ROOT / "requirements" / "audit-ignore.txt"
# pip-audit's reasons for not auditing a package that mean "the source had nothing to say":
# the PyPI JSON API answering 404 for every release is what a registry mirror does.
UNREACHED = ("Dependency not found on PyPI", "Connection", "Max retries", "timed out", "NameResolution")


def fingerprint() -> str:
    """sha256 of what decides the lock: requires-python, the dependencies, the extras."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    decided = {key: project.get(key) for key in ("requires-python", "dependencies", "optional-dependencies")}
    return hashlib.sha256(json.dumps(decided, sort_keys=True).encode()).hexdigest()


def stamp(lock: Path) -> int:
    lines = [line for line in lock.read_text(encoding="utf-8").splitlines() if not line.startswith(MARK)]
    lock.write_text("\n".join([MARK + fingerprint(), *lines]) + "\n", encoding="utf-8")
    return 0


def check(lock: Path) -> int:
    first = lock.read_text(encoding="utf-8").split("\n", 1)[0] if lock.exists() else ""
    if first != MARK + fingerprint():
        print(f"{os.path.relpath(lock, ROOT)} is older than pyproject.toml's dependencies: run scripts/lock", file=sys.stderr)
        return 2
    return 0


def audit(lock: Path, pip_audit: str) -> int:
    """pip-audit over the pinned, hashed lock (no resolving, no install), PyPI's advisories
    first and OSV's when PyPI had none to give."""
    ignored = []
    if IGNORED.exists():
        for line in IGNORED.read_text(encoding="utf-8").splitlines():
            if line.split("#", 1)[0].strip():
                ignored += ["--ignore-vuln", line.split("#", 1)[0].strip()]
    tried = []
    for source in ("pypi", "osv"):
        done = subprocess.run([pip_audit, "--requirement", str(lock), "--disable-pip", "--no-deps",
                               "--vulnerability-service", source, "--format", "json", "--progress-spinner", "off",
                               "--timeout", "20", *ignored], capture_output=True, text=True)
        try:
            report = json.loads(done.stdout)
        except json.JSONDecodeError:
            host = re.search(r"host='([^']+)'", done.stderr)
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            tried.append(f"{source}: cannot connect to {host.group(1)}" if host else f"{source}: {last[:120]}")
            continue
        deps = report.get("dependencies", [])
        found = [(d["name"], d["version"], v) for d in deps for v in d.get("vulns", [])]
        unreached = [d for d in deps if any(r in d.get("skip_reason", "") for r in UNREACHED)]
        if found:
            print(f"audit: {len(found)} KNOWN VULNERABILITIES in {os.path.relpath(lock, ROOT)} (advisories from {source}):",
                  file=sys.stderr)
            for name, version, v in found:
                fixes = ", ".join(v.get("fix_versions", [])) or "no fixed release"
                print(f"  {name} {version}: {v['id']} (fixed in {fixes})", file=sys.stderr)
            print("audit: upgrade with `scripts/lock --upgrade-package NAME`, or accept one in "
                  "requirements/audit-ignore.txt with the reason", file=sys.stderr)
            return 1
        if deps and len(unreached) < len(deps):
            print(f"audit: no known vulnerabilities in {len(deps) - len(unreached)} pinned packages "
                  f"({source}){f'; {len(unreached)} could not be checked' if unreached else ''}")
            return 0
        tried.append(f"{source}: no release of any of the {len(deps)} packages known to it")
    print(f"audit: NOT DONE: no advisory source could be reached ({'; '.join(tried)}); "
          "the dependencies were not checked for known vulnerabilities", file=sys.stderr)
    return 0


def main(argv: list[str]) -> int:
    action, lock = argv[0], ROOT / argv[1]
    if action == "stamp":
        return stamp(lock)
    if action == "check":
        return check(lock)
    if action == "audit":
        return audit(lock, argv[2])
    raise SystemExit(f"deps.py: unknown action {action}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
