"""The shape of the code: domain packages, layers and imports (read with `ast`, nothing is imported).

`portal_app/<domain>/` holds one domain with its layers: `models.py` (tables),
`services/` (plain Python), `states/` (thin Reflex states), `components/` and
`pages/` (a layer with one module is a single `<layer>.py`), `api.py` (plain HTTP
routes). `portal_app/core/` is what every domain shares and no domain owns.

- no import cycles between modules. Imports inside functions count too: a lazy
  import hides a cycle from Python's start-up but not from the reader;
- a domain never imports another domain's private (`_name`) helpers, neither with
  `from x import _name` nor as `module._name`;
- nothing under a `services/` package imports Reflex;
- pages and components reach services only through their states (see KNOWN_UI_SERVICE_IMPORTS).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[2] / "portal_app"
PACKAGE = "portal_app"

# Pages/components that import a service module today (constants such as field
# limits and the upload allowlist, the i18n table of `tr`). They do not call
# services; each entry is "importing module -> imported service module". A new
# import of a service from a page or component fails the test: go through a state.
KNOWN_UI_SERVICE_IMPORTS = {
    "portal_app.core.components.text -> portal_app.core.services.i18n",
    "portal_app.dossiers.pages.staff_dossiers -> portal_app.documents.services.uploads",
    "portal_app.dossiers.pages.staff_dossiers -> portal_app.messages.services.messages",
    "portal_app.messages.components -> portal_app.documents.services.uploads",
    "portal_app.messages.components -> portal_app.messages.services.messages",
    "portal_app.office.pages.staff_settings -> portal_app.office.services.office_settings",
    "portal_app.questionnaires.components.staff_questionnaire_dossier -> portal_app.questionnaires.services.questionnaire_admin",
    "portal_app.questionnaires.components.staff_questionnaire_editor -> portal_app.questionnaires.services.questionnaire_admin",
}


@dataclass(frozen=True)
class Import:
    source: str  # importing module
    target: str  # imported module (the module itself, or the module a name comes from)
    names: tuple[str, ...]  # names taken from `target` (empty for a module import)
    line: int
    in_function: bool


def module_name(path: Path) -> str:
    parts = list(path.relative_to(APP.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(path): path for path in sorted(APP.rglob("*.py"))}


def _walk(node: ast.AST, in_function: bool = False):
    for child in ast.iter_child_nodes(node):
        inner = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        yield child, inner
        yield from _walk(child, inner)


def imports_of(name: str) -> list[Import]:
    tree = ast.parse(MODULES[name].read_text(), filename=str(MODULES[name]))
    found = []
    for node, in_function in _walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.append(Import(name, alias.name, (), node.lineno, in_function))
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.level:
                raise AssertionError(f"{name}:{node.lineno}: relative import; the project imports absolutely")
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                if submodule in MODULES:
                    found.append(Import(name, submodule, (), node.lineno, in_function))
                else:
                    found.append(Import(name, node.module, (alias.name,), node.lineno, in_function))
    return found


IMPORTS = {name: imports_of(name) for name in MODULES}


def domain_of(module: str) -> str | None:
    """`portal_app.<domain>....` -> domain; None for the app-level modules (portal_app.py, cli, settings, ...)."""
    parts = module.split(".")
    if len(parts) > 2 and parts[0] == PACKAGE and (APP / parts[1]).is_dir() and parts[1] != "models":
        return parts[1]
    return None


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[2] if len(parts) > 2 and domain_of(module) else None


def internal_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {name: set() for name in MODULES}
    for name, found in IMPORTS.items():
        for imp in found:
            if imp.target in MODULES and imp.target != name:
                graph[name].add(imp.target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    result: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    result.append(sorted(component))
    return result


def describe_cycle(component: list[str]) -> str:
    members = set(component)
    lines = []
    for name in component:
        for imp in IMPORTS[name]:
            if imp.target in members and imp.target != name:
                where = "inside a function" if imp.in_function else "at module level"
                lines.append(f"  {name}:{imp.line} imports {imp.target} ({where})")
    return "\n".join(sorted(set(lines)))


def test_the_graph_sees_the_app():
    assert f"{PACKAGE}.portal_app" in MODULES and len(MODULES) > 100
    # sanity check of the cycle finder on a known cycle
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycles_between_modules():
    """Imports inside functions count as edges too (a lazy import is still a cycle)."""
    found = cycles(internal_graph())
    assert not found, "import cycles:\n" + "\n\n".join(describe_cycle(component) for component in found)


def _module_aliases(name: str) -> dict[str, str]:
    """Local name -> imported portal module, for `import a.b as x` and `from a import b`."""
    aliases = {}
    tree = ast.parse(MODULES[name].read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                if submodule in MODULES:
                    aliases[alias.asname or alias.name] = submodule
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname and alias.name in MODULES:
                    aliases[alias.asname] = alias.name
    return aliases


def test_no_domain_imports_another_domains_private_names():
    problems = []
    for name, found in IMPORTS.items():
        own = domain_of(name)
        for imp in found:
            if not imp.target.startswith(PACKAGE + ".") or domain_of(imp.target) == own:
                continue
            for taken in imp.names:
                if taken.startswith("_"):
                    problems.append(f"{name}:{imp.line} imports {imp.target}.{taken}")
        aliases = {local: target for local, target in _module_aliases(name).items() if domain_of(target) != own}
        for node in ast.walk(ast.parse(MODULES[name].read_text())):
            if (
                isinstance(node, ast.Attribute)
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
                and isinstance(node.value, ast.Name)
                and node.value.id in aliases
            ):
                problems.append(f"{name}:{node.lineno} uses {aliases[node.value.id]}.{node.attr}")
    assert not problems, "private names used across domains:\n" + "\n".join(problems)


def test_services_do_not_import_reflex():
    problems = [
        f"{name}:{imp.line} imports {imp.target}"
        for name, found in IMPORTS.items()
        if ".services." in f".{name}." or name.endswith(".services")
        for imp in found
        if imp.target == "reflex" or imp.target.startswith("reflex.") or imp.target.startswith("reflex_")
    ]
    assert not problems, "services are plain Python:\n" + "\n".join(problems)


def ui_service_imports() -> set[str]:
    found = set()
    for name, imports in IMPORTS.items():
        if layer_of(name) not in ("pages", "components"):
            continue
        for imp in imports:
            if layer_of(imp.target) == "services":
                found.add(f"{name} -> {imp.target}")
    return found


def test_pages_and_components_reach_services_only_through_states():
    new = ui_service_imports() - KNOWN_UI_SERVICE_IMPORTS
    assert not new, "pages/components importing services (go through a state):\n" + "\n".join(sorted(new))


def test_known_ui_service_imports_are_still_there():
    """Remove an entry from KNOWN_UI_SERVICE_IMPORTS once its import is gone."""
    stale = KNOWN_UI_SERVICE_IMPORTS - ui_service_imports()
    assert not stale, "no longer imported, drop from KNOWN_UI_SERVICE_IMPORTS:\n" + "\n".join(sorted(stale))


@pytest.mark.parametrize(
    "domain",
    sorted(p.name for p in APP.iterdir() if p.is_dir() and (p / "__init__.py").exists() and p.name != "models"),
)
def test_domain_packages_use_the_standard_layer_names(domain):
    allowed = {
        "__init__.py",
        "models.py",
        "services",
        "states",
        "components",
        "pages",
        "api.py",
        "services.py",
        "states.py",
        "components.py",
        "pages.py",
        "__pycache__",
    }
    odd = sorted(p.name for p in (APP / domain).iterdir() if p.name not in allowed)
    assert not odd, f"portal_app/{domain}/ has {odd}: put code in a layer"
