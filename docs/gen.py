"""Regenerate the generated parts of the docs from the code (``python docs/gen.py``).

Blocks between ``<!-- BEGIN GENERATED name -->`` and ``<!-- END GENERATED name -->`` are
rewritten: the CLI reference from ``--help``, the configuration table from
:class:`coordnet.Config`, the column-name and type-value tables from :mod:`coordnet.io`.
``python docs/gen.py --check`` exits 1 if any file would change (the test suite runs it).
"""

from __future__ import annotations

import dataclasses
import re
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent


def _settings(cmd: "click.Command") -> dict:
    # The command's own context settings (e.g. -h/--help), as when it runs, at a fixed width:
    # click caches the help option per command, so a context without them would render
    # differently depending on what ran before.
    return {**cmd.context_settings, "terminal_width": 100, "max_content_width": 100}


def cli_reference() -> str:
    import click

    from coordnet.cli import cli

    def help_of(cmd: click.Command, name: str) -> str:
        ctx = click.Context(cmd, info_name=name, **_settings(cmd))
        return cmd.get_help(ctx)

    parts = ["### coordnet", "", "```text", help_of(cli, "coordnet"), "```", ""]
    group_ctx = click.Context(cli, info_name="coordnet")
    for name in cli.list_commands(group_ctx):
        cmd = cli.get_command(group_ctx, name)
        parent = click.Context(cli, info_name="coordnet")
        ctx = click.Context(cmd, info_name=name, parent=parent, **_settings(cmd))
        parts += [f"### coordnet {name}", "", "```text", cmd.get_help(ctx), "```", ""]
    return "\n".join(parts)


def config_table() -> str:
    from coordnet.config import Config

    rows = ["| parameter | CLI option | default | stage | meaning |", "|---|---|---|---|---|"]
    for f in dataclasses.fields(Config):
        d = f.default
        shown = ", ".join(f"{x:g}" if isinstance(x, float) else str(x) for x in d) if isinstance(d, tuple) else d
        rows.append(f"| `{f.name}` | `--{f.name.replace('_', '-')}` | `{shown}` | {f.metadata['stage']} "
                    f"| {f.metadata['help']} |")
    return "\n".join(rows)


def alias_table() -> str:
    from coordnet.io import ALIASES

    rows = ["| field | column names recognised (first found wins) |", "|---|---|"]
    for field, names in ALIASES.items():
        rows.append(f"| `{field}` | " + ", ".join(f"`{n}`" for n in names) + " |")
    return "\n".join(rows)


def type_table() -> str:
    from coordnet.io import TYPE_ALIASES

    by: dict[str, list[str]] = {}
    for k, v in TYPE_ALIASES.items():
        by.setdefault(v, []).append(k)
    rows = ["| action type | values recognised (any case) |", "|---|---|"]
    for t, names in by.items():
        rows.append(f"| `{t}` | " + ", ".join(f"`{n}`" for n in names) + " |")
    return "\n".join(rows)


BLOCKS = {
    "cli": ("cli.md", cli_reference),
    "config": ("configuration.md", config_table),
    "aliases": ("input-formats.md", alias_table),
    "types": ("input-formats.md", type_table),
}


def render(text: str, name: str, body: str) -> str:
    pat = re.compile(rf"(<!-- BEGIN GENERATED {name} -->\n).*?(<!-- END GENERATED {name} -->)", re.S)
    if not pat.search(text):
        raise SystemExit(f"marker for {name!r} missing")
    return pat.sub(lambda m: m.group(1) + body.rstrip() + "\n" + m.group(2), text)


def generate(check: bool = False) -> list[str]:
    """Rewrite the generated blocks; return the files that changed (or would, with ``check``)."""
    changed = []
    files: dict[str, str] = {}
    for name, (fname, fn) in BLOCKS.items():
        text = files.get(fname) or (DOCS / fname).read_text(encoding="utf-8")
        files[fname] = render(text, name, fn())
    for fname, text in files.items():
        path = DOCS / fname
        if path.read_text(encoding="utf-8") != text:
            changed.append(fname)
            if not check:
                path.write_text(text, encoding="utf-8")
    return changed


if __name__ == "__main__":
    check = "--check" in sys.argv
    stale = generate(check=check)
    if check and stale:
        print("stale: " + ", ".join(stale) + " (run python docs/gen.py)")
        sys.exit(1)
    print("up to date" if not stale else "updated: " + ", ".join(stale))
