"""``hub plugins``: what is installed and what each plugin implements."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from hub.cli.output import emit_json, json_option, say, table


@click.group("plugins")
def plugins() -> None:
    """Installed platform plugins."""


@plugins.command("list")
@json_option
def list_plugins(as_json: bool) -> None:
    """Name, distribution, version, capabilities and hooks of every plugin."""
    from hub.core.plugins import get_host

    host = get_host()
    rows: list[dict[str, Any]] = []
    for loaded in host.plugins.values():
        info = host.platforms.get(loaded.platform) if loaded.platform else None
        rows.append({"name": loaded.name, "platform": loaded.platform,
                     "distribution": loaded.distribution, "version": loaded.version,
                     "capabilities": [str(c) for c in info.capabilities] if info else [],
                     "hooks": loaded.hooks})
    problems = [{"entry_point": p.entry_point, "distribution": p.distribution, "error": p.error}
                for p in host.problems]
    if as_json:
        emit_json({"plugins": rows, "problems": problems})
    else:
        table([(r["name"], r["distribution"], r["version"], ",".join(r["capabilities"]),
                len(r["hooks"])) for r in rows],
              ["name", "distribution", "version", "capabilities", "hooks"])
        for p in problems:
            say(f"hub: warning: plugin {p['entry_point']} ({p['distribution']}) not loaded: "
                f"{p['error']}")


@plugins.command("new")
@click.argument("name")
@click.option("--directory", type=click.Path(file_okay=False, path_type=Path),
              help="Where to create it (default: plugins/NAME here, or ./hub-NAME).")
def new_plugin(name: str, directory: Path | None) -> None:
    """Create a new platform plugin package that passes the conformance kit as generated."""
    from hub.core.template import render

    if directory is None:
        directory = Path("plugins") / name if Path("plugins").is_dir() else Path(f"hub-{name}")
    render(name, directory)
    say(f"created {directory}: pip install -e '{directory}[test]' && pytest {directory}")
    say("then follow docs/plugins/tutorial.md to speak the real platform's API")


def register(cli: click.Group) -> None:
    cli.add_command(plugins)
