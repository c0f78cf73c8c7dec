"""Fixtures for the parser tests: paths to the real samples and our own fixtures."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # the package is used from the work tree, not installed
    sys.path.insert(0, str(REPO))

SAMPLES = REPO.parent / "shared" / "samples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def samples() -> Path:
    if not SAMPLES.is_dir():
        pytest.skip(f"real samples not found at {SAMPLES}")
    return SAMPLES


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


# --- a tiny Handlebars subset, enough for Proxmox's vzdump templates -----------------------

def render_hbs(template: str, context: dict, helpers: dict) -> str:
    """Render ``{{var}}``, ``{{helper arg}}`` and ``{{#each list}}…{{/each}}`` blocks."""

    def value(expr: str, scope: dict):
        expr = expr.strip()
        parts = expr.split()
        if len(parts) == 2 and parts[0] in helpers:
            return helpers[parts[0]](lookup(parts[1], scope))
        return lookup(expr, scope)

    def lookup(path: str, scope: dict):
        current = scope
        for key in path.removeprefix("this.").split("."):
            current = current.get(key, "") if isinstance(current, dict) else ""
        return current

    def render(text: str, scope: dict) -> str:
        each = re.compile(r"\{\{#each ([\w.\-]+)\}\}(.*?)\{\{/each\}\}", re.S)
        text = each.sub(lambda m: "".join(render(m.group(2), item)
                                          for item in lookup(m.group(1), scope)), text)
        return re.sub(r"\{\{([^#/][^}]*)\}\}", lambda m: str(value(m.group(1), scope)), text)

    return render(template, context)
