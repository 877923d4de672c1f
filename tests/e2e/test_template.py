"""``hub plugins new`` renders a plugin that installs from its own wheel and passes its tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HUB = Path(sys.executable).parent / "hub"


def test_generated_plugin_installs_and_passes_the_kit(tmp_path: Path) -> None:
    target = tmp_path / "hub-acme"
    made = subprocess.run([str(HUB), "plugins", "new", "acme", "--directory", str(target)],
                          capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    site = tmp_path / "site"
    # --no-build-isolation: the dev extra already installs setuptools>=77, and an isolated build
    # environment downloads it again, which is what made this test slow and flaky on a busy box.
    built = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                            "--no-build-isolation", "--disable-pip-version-check",
                            "--target", str(site), str(target)],
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr[-2000:]
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env["PYTHONPATH"] = str(site)
    listed = subprocess.run([str(HUB), "plugins", "list", "--json"], capture_output=True, text=True,
                            env=env, timeout=60)
    assert '"acme"' in listed.stdout and '"hub-acme"' in listed.stdout
    tests = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider",
                            str(target / "tests")], capture_output=True, text=True, env=env,
                           cwd=target, timeout=300)
    assert tests.returncode == 0, tests.stdout[-3000:]
    assert " passed" in tests.stdout and "failed" not in tests.stdout


def test_plugins_new_refuses_bad_names_and_existing_directories(tmp_path: Path) -> None:
    bad = subprocess.run([str(HUB), "plugins", "new", "Bad-Name", "--directory", str(tmp_path / "x")],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "must be lower-case letters" in bad.stderr
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "file").write_text("x")
    taken = subprocess.run([str(HUB), "plugins", "new", "acme", "--directory", str(tmp_path / "full")],
                           capture_output=True, text=True, timeout=60)
    assert taken.returncode == 2 and "already exists" in taken.stderr
