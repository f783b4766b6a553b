"""axe-core for the browser tests: installed from npm on first use, run inside a page.

The version is pinned in ``tests/e2e/package.json`` (with its ``package-lock.json``) and lands in
``tests/e2e/node_modules`` (git-ignored), so a fresh clone needs nothing but npm. Two xdist
workers may ask at once: a file lock lets one install while the other waits. Without npm or a
reachable registry the accessibility tests skip with the reason rather than fail.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
AXE_JS = HERE / "node_modules" / "axe-core" / "axe.min.js"
# The rule sets the pages must pass: WCAG 2.0/2.1 level A and AA, plus axe's best practices.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
BLOCKING = ("serious", "critical")


def _pinned_version() -> str:
    return json.loads((HERE / "package.json").read_text())["dependencies"]["axe-core"]


def _installed_version() -> str | None:
    manifest = HERE / "node_modules" / "axe-core" / "package.json"
    if not (manifest.exists() and AXE_JS.exists()):
        return None
    return json.loads(manifest.read_text()).get("version")


def ensure_axe() -> Path:
    """The path of axe.min.js at the pinned version, installing it if needed (or skip)."""
    wanted = _pinned_version()
    if _installed_version() == wanted:
        return AXE_JS
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed, so axe-core cannot be fetched (apt-get install npm)")
    # The lock lives outside the tree: `npm ci` replaces node_modules wholesale.
    key = hashlib.sha1(str(HERE).encode()).hexdigest()[:12]
    lock_path = Path(tempfile.gettempdir()) / f"lawexam-axe-{key}.lock"
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _installed_version() != wanted:  # another worker may have installed it meanwhile
            try:
                done = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--prefer-offline",
                                       "--prefix", str(HERE)], cwd=HERE, capture_output=True, text=True,
                                      timeout=300)
            except subprocess.TimeoutExpired:
                pytest.skip("npm ci for axe-core timed out (is the npm registry reachable?)")
            if done.returncode != 0 or _installed_version() != wanted:
                tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
                pytest.skip(f"could not install axe-core {wanted} with npm (registry unreachable?): "
                            + " | ".join(tail))
    return AXE_JS


def violations(page, source: Path) -> list[dict]:
    """Run axe on the page as it stands; the serious and critical violations it finds."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(source))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS)
    return [v for v in result["violations"] if v.get("impact") in BLOCKING]


def describe(where: str, found: list[dict]) -> list[str]:
    """One line per violation: rule id, impact, help text and the first few element targets."""
    lines = []
    for violation in found:
        targets = [" ".join(map(str, node["target"])) for node in violation["nodes"][:3]]
        more = len(violation["nodes"]) - len(targets)
        lines.append(f"{where}: {violation['id']} ({violation['impact']}) {violation['help']} "
                     f"-> {targets}{f' +{more} more' if more > 0 else ''}")
    return lines
