"""`make run` installs Debian's graphviz, Pango and Chromium when missing: with the package lock held by another
install it waits for it, and if it still cannot install, it says plainly what follows rather than failing."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HELD = """#!/bin/sh
echo "$@" >> "$APT_LOG"
echo "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242 (apt-get)" >&2
exit 100
"""


@pytest.mark.parametrize("target, package", [("graphviz", "graphviz"), ("pdf-libraries", "libpangoft2-1.0-0"),
                                             ("chromium", "chromium")])
def test_a_held_package_lock_is_waited_for_and_explained(tmp_path, target, package):
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    stubs = tmp_path / "bin"
    stubs.mkdir()
    (stubs / "apt-get").write_text(HELD)
    (stubs / "id").write_text("#!/bin/sh\necho 0\n")  # as root, so the recipe tries to install
    for stub in stubs.iterdir():
        stub.chmod(0o755)
    log = tmp_path / "apt.log"
    # Only the stubs on PATH: dot, chromium, ldconfig and fc-list are "missing".
    done = subprocess.run([make, "-s", "-C", str(ROOT), target], env={"PATH": str(stubs), "APT_LOG": str(log)},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    calls = log.read_text().splitlines()
    assert calls and all("DPkg::Lock::Timeout=300" in call for call in calls), calls
    assert any(call.endswith(package) or f" {package} " in call for call in calls if "install" in call)
    assert "waiting up to 300 s" in done.stdout and "Not installed yet" in done.stdout
    assert "Run the same make command again" in done.stdout
    assert "Error" not in done.stdout + done.stderr and "Could not get lock" not in done.stdout + done.stderr
