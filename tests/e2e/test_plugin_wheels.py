"""Each plugin installs alone from its own wheel next to the core's wheel, and is listed.

The wheels are built from the working tree and installed (``--no-deps``) into a directory of
their own; the check runs ``hub plugins list`` in an isolated interpreter whose path holds that
directory and the third-party packages of this environment, never the editable installs of hub
and its other plugins. So a plugin that imports another plugin, or a core internal missing from
the core's wheel (package data, templates, migrations), fails here. (``-S``: no site-packages)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PLUGINS = sorted(p.parent.name for p in (ROOT / "plugins").glob("*/pyproject.toml"))
OURS = ("commerce_hub", "hub_", "__editable__", "distutils-precedence")


def build_wheel(source: Path, into: Path) -> Path:
    """Build ``source``'s wheel from a copy (parallel builds and the tree never share ``build/``)."""
    copy = into / "src"
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns(
        ".*", "build", "*.egg-info", "__pycache__", "tests", "plugins", "bench", "docs", "deploy"))
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                            "--no-build-isolation", "--disable-pip-version-check", "-w", str(into),
                            str(copy)], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr[-2000:]
    return next(into.glob("*.whl"))


@pytest.fixture(scope="module")
def third_party(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This environment's site-packages without hub's own distributions (links, not copies)."""
    target = tmp_path_factory.mktemp("third-party")
    site = Path(sysconfig.get_paths()["purelib"])
    for entry in site.iterdir():
        if not entry.name.startswith(OURS):
            (target / entry.name).symlink_to(entry)
    return target


@pytest.fixture(scope="module")
def core_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_wheel(ROOT, tmp_path_factory.mktemp("core-wheel"))


@pytest.mark.parametrize("plugin", PLUGINS)
def test_plugin_installs_alone_from_its_wheel(plugin: str, tmp_path: Path, core_wheel: Path,
                                               third_party: Path) -> None:
    wheel = build_wheel(ROOT / "plugins" / plugin, tmp_path / "wheel")
    site = tmp_path / "site"
    installed = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                                "--disable-pip-version-check", "--target", str(site), str(core_wheel),
                                str(wheel)], capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stderr[-2000:]
    assert not (site / "hub" / "__init__.py").is_symlink()
    program = ("import sys; sys.path[:0] = sys.argv[1:3]; del sys.argv[1:3]; "
               "from hub.cli import main; sys.argv[0] = 'hub'; main()")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HUB_", "PYTHON"))}
    env["HUB_DATA_DIR"] = str(tmp_path / "data")
    listed = subprocess.run([sys.executable, "-I", "-S", "-c", program, str(site), str(third_party),
                             "plugins", "list", "--json"], capture_output=True, text=True, env=env,
                            timeout=120)
    assert listed.returncode == 0, listed.stderr[-2000:]
    plugins = json.loads(listed.stdout)["plugins"]
    assert [p["distribution"] for p in plugins] == [f"hub-{plugin}"], plugins
    assert plugins[0]["hooks"], plugins[0]
