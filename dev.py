#!/usr/bin/env python3
"""Set-up and tasks for hub, from nothing but Python 3.11+ and pip.

    python3 dev.py demo    # the main job: the whole cycle against local sandboxes
    python3 dev.py test    # lint, type check and the whole test suite (core and every plugin)
    python3 dev.py lint | fix | bench | hub ARGS...
    python3 dev.py screenshots  # docs/console/*.png: the console's main pages, in Chromium

Each command creates (once) a virtual environment in .venv and installs the
core and every plugin under plugins/ in it, editable; it reinstalls only when a
pyproject.toml changed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".hub-install"


def plugin_dirs() -> list[Path]:
    return sorted(p.parent for p in (ROOT / "plugins").glob("*/pyproject.toml"))


def ensure_env() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py may be started by an older python3
        sys.exit(f"hub needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    if not (BIN / "python").exists():
        print("dev: creating .venv", file=sys.stderr)
        venv.EnvBuilder(with_pip=True).create(VENV)
    files = [ROOT / "pyproject.toml", *(d / "pyproject.toml" for d in plugin_dirs())]
    digest = hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest()
    if STAMP.exists() and STAMP.read_text() == digest:
        return
    print("dev: installing hub and its plugins into .venv", file=sys.stderr)
    args = [str(BIN / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
            "-e", f"{ROOT}[dev]"]
    for plugin in plugin_dirs():
        args += ["-e", str(plugin)]
    subprocess.run(args, check=True)
    STAMP.write_text(digest)


def typed_paths() -> list[str]:
    """What mypy checks: the core, the benchmarks and each plugin's package (never its .egg-info)."""
    return ["hub", "bench", *(str(p.relative_to(ROOT)) for d in plugin_dirs()
                     for p in sorted(d.glob("hub_*")) if p.is_dir() and (p / "__init__.py").exists())]


def typecheck() -> int:
    """mypy over :func:`typed_paths` (settings in pyproject.toml); a one-line hint on failure."""
    code = run("mypy", *typed_paths())
    if code:
        print("dev: mypy found type errors (see above; settings in pyproject.toml [tool.mypy])",
              file=sys.stderr)
    return code


def run(*args: str) -> int:
    return subprocess.run([str(BIN / args[0]), *args[1:]], cwd=ROOT).returncode


def main(argv: list[str]) -> int:
    task = argv[0] if argv else "help"
    if task not in {"demo", "test", "lint", "fix", "bench", "hub", "screenshots"}:
        print(__doc__)
        return 0 if task in ("help", "-h", "--help") else 2
    ensure_env()
    if task == "demo":
        return run("hub", "demo", *argv[1:])
    if task == "hub":
        return run("hub", *argv[1:])
    if task == "lint":
        return run("ruff", "check", ".") or typecheck()
    if task == "fix":
        return run("ruff", "check", "--fix", ".")
    if task == "bench":
        return run("python", "-m", "bench", *argv[1:])
    if task == "screenshots":
        return screenshots()
    code = run("ruff", "check", ".")
    if code:
        print("dev: ruff found problems (python3 dev.py fix repairs the automatic ones)",
              file=sys.stderr)
        return code
    return typecheck() or run("python", "-m", "pytest", "-n", str(workers()), *argv[1:])


def screenshots() -> int:
    """Regenerate docs/console/*.png by walking the console in Debian's Chromium (the browser
    test with ``HUB_CONSOLE_SCREENSHOTS`` set), so the guide's pictures cannot drift."""
    if not Path("/usr/bin/chromium").exists():
        print("dev: screenshots need Debian's chromium: apt-get install -y chromium",
              file=sys.stderr)
        return 2
    env = {**os.environ, "HUB_CONSOLE_SCREENSHOTS": str(ROOT / "docs" / "console")}
    return subprocess.run([str(BIN / "python"), "-m", "pytest", "-q", "-n", "0", "-p",
                           "no:cacheprovider", "tests/console/test_browser.py"],
                          cwd=ROOT, env=env).returncode


def workers() -> int:
    """pytest-xdist workers: one per core this process may use, at least 2 (the suite waits on
    sockets and subprocesses), overridable with ``HUB_TEST_WORKERS``."""
    configured = os.environ.get("HUB_TEST_WORKERS", "").strip()
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(2, cores)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
