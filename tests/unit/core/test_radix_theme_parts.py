"""rxconfig.py loads only the Radix Themes color tokens in RADIX_COLORS (issue 19: first paint).

A color_scheme / accent / gray color the portal uses but RADIX_COLORS lacks
would render without its colors in the browser; these tests fail then.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
RADIX_COLORS_NAMES = {
    "tomato", "red", "ruby", "crimson", "pink", "plum", "purple", "violet", "iris", "indigo", "blue", "cyan",
    "teal", "jade", "green", "grass", "brown", "orange", "sky", "mint", "lime", "yellow", "amber", "gold",
    "bronze", "gray", "mauve", "slate", "sage", "olive", "sand",
}  # fmt: skip
# a color name in quotes on a line that sets a color prop (also inside rx.cond / rx.match arms and helpers)
COLOR_LITERAL = re.compile(r"[\"']([a-z]+)[\"']")
COLOR_PROP = re.compile(r"(color_scheme|accent_color|gray_color|submit_color|color)\s*=|message\(")


@pytest.fixture(scope="module")
def rxconfig():
    import importlib.util

    spec = importlib.util.spec_from_file_location("portal_rxconfig_under_test", ROOT / "rxconfig.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def used_radix_colors() -> dict[str, str]:
    """Radix color names next to a color prop anywhere in portal_app/ -> where (first occurrence)."""
    found: dict[str, str] = {}
    for path in sorted((ROOT / "portal_app").rglob("*.py")):
        lines = path.read_text().splitlines()
        for number, line in enumerate(lines):
            # the prop's line and the next few (rx.cond / rx.match arms on their own lines)
            if not COLOR_PROP.search(line):
                continue
            for extra in lines[number : number + 8]:
                for name in COLOR_LITERAL.findall(extra):
                    if name in RADIX_COLORS_NAMES:
                        found.setdefault(name, f"{path.relative_to(ROOT)}:{number + 1}")
    return found


def test_every_color_the_pages_use_is_loaded(rxconfig):
    missing = {name: where for name, where in used_radix_colors().items() if name not in rxconfig.RADIX_COLORS}
    assert not missing, f"add these to RADIX_COLORS in rxconfig.py: {missing}"


def test_stylesheets_are_the_documented_parts_with_those_colors_only(rxconfig):
    plugin = next(p for p in rxconfig.config.plugins if isinstance(p, rxconfig.PortalRadixThemes))
    paths = plugin.get_stylesheet_paths()
    assert paths[0] == "@radix-ui/themes/tokens/base.css"
    assert paths[-2:] == ("@radix-ui/themes/components.css", "@radix-ui/themes/utilities.css")
    assert {p.rsplit("/", 1)[-1].removesuffix(".css") for p in paths[1:-2]} == set(rxconfig.RADIX_COLORS)
    assert "@radix-ui/themes/styles.css" not in paths  # the all-colors bundle
    # no namespace import of the whole library into every page (window.__reflex)
    assert plugin.get_frontend_dependencies() == ()


def test_the_check_finds_colors_at_all():
    # the scan itself must see the portal's colors, or the first test proves nothing
    assert {"red", "green", "gray"} <= set(used_radix_colors())
