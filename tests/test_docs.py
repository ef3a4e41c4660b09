"""The docs cannot drift: generated parts are current, the site builds with warnings as
errors, and every command, option, parameter and public function is documented."""

from __future__ import annotations

import dataclasses
import importlib.util
import inspect
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest

import coordnet
from coordnet.cli import cli
from coordnet.config import Config

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _gen():
    spec = importlib.util.spec_from_file_location("docs_gen", DOCS / "gen.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_generated_docs_are_current():
    stale = _gen().generate(check=True)
    assert stale == [], f"docs out of date: {stale}; run python docs/gen.py"


def test_site_builds_with_warnings_as_errors(tmp_path):
    if shutil.which("mkdocs") is None and importlib.util.find_spec("mkdocs") is None:
        pytest.skip("mkdocs is not installed (pip install '.[test]')")
    r = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(tmp_path / "site")],
                       cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    api = (tmp_path / "site" / "api" / "index.html").read_text()
    for name in ("read_actions", "coaction", "analyze", "synchrony_pairs", "network_map"):
        assert name in api


def test_every_command_and_option_is_documented_with_help():
    text = (DOCS / "cli.md").read_text()
    ctx = click.Context(cli)
    for name in cli.list_commands(ctx):
        cmd = cli.get_command(ctx, name)
        assert f"### coordnet {name}" in text, f"command {name} missing from docs/cli.md"
        assert cmd.help, f"command {name} has no help"
        for p in cmd.params:
            if isinstance(p, click.Option):
                assert p.help, f"{name} {p.opts} has no help"
                assert p.opts[-1] in text, f"{name} {p.opts[-1]} missing from docs/cli.md"


def test_every_parameter_is_documented():
    text = (DOCS / "configuration.md").read_text()
    doc = Config.__doc__
    for f in dataclasses.fields(Config):
        assert f"`{f.name}`" in text and f.name in doc


def test_public_functions_have_numpydoc_sections():
    for name in coordnet.__all__:
        obj = getattr(coordnet, name)
        if inspect.isfunction(obj):
            doc = inspect.getdoc(obj) or ""
            for section in ("Parameters", "Returns", "Examples"):
                assert section in doc, f"coordnet.{name} lacks a {section} section"


def test_readme_quick_start_matches_docs():
    readme = (ROOT / "README.md").read_text()
    index = (DOCS / "index.md").read_text()
    for cmd in ("pip install '.[test]' && pytest",):
        assert cmd in readme and cmd in index
    first = [l for l in readme.splitlines() if l.startswith("pip install . && coordnet ")]
    assert len(first) == 1 and first[0] in index
    ci = (ROOT / ".ci" / "run").read_text()
    assert "pip install '.[test]' && pytest" in ci


def test_readme_parameter_table_lists_every_config_field():
    readme = (ROOT / "README.md").read_text()
    table = readme.split("Every parameter", 1)[1].split("\n\n", 2)[1]
    for f in dataclasses.fields(Config):
        assert f"| `{f.name}` |" in table, f"README's parameter table lacks {f.name}"
