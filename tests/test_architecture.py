"""The house: how the project's folders may depend on each other (STYLE.md, "The house").

The apps stand in floors, each importing only the floors below it: core (the ground floor of
shared infrastructure) < accounts < courses < quizzes < certificates < reporting < demo.
`cme_site` sits on top (settings, URLs, WSGI/ASGI, the Celery app) and no app imports it.
No module import circle exists anywhere in the project, and no module imports a Celery
tasks module: tasks sit at the top of their app and are queued by name
(core.tasks.enqueue).

Read from the source with `ast`, so that every import counts: at module level, inside
functions (deferred imports are still arrows), in migrations and management commands.
"""

import ast
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

# The floors, lowest first. A new app takes its place here (the test below says so).
FLOORS = ["core", "accounts", "courses", "quizzes", "certificates", "reporting", "demo"]
SITE = "cme_site"
PACKAGES = [*FLOORS, SITE]


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> dict[str, Path]:
    return {
        module_name(path): path
        for package in PACKAGES
        for path in sorted((REPO / package).rglob("*.py"))
    }


MODULES = project_modules()


def owning_module(dotted: str) -> str | None:
    """The project module that `dotted` names or lies in (a function, a class), if any."""
    while dotted:
        if dotted in MODULES:
            return dotted
        dotted = dotted.rpartition(".")[0]
    return None


def imports_of(name: str) -> set[str]:
    """The project modules that module `name` imports, wherever the import statement is."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for target in targets:
            module = owning_module(target)
            if module is not None and module != name:
                found.add(module)
    return found


GRAPH = {name: imports_of(name) for name in MODULES}


def floor_of(module: str) -> str:
    return module.split(".")[0]


def is_upward(source: str, target: str) -> bool:
    """An app importing an app on a higher floor."""
    a, b = floor_of(source), floor_of(target)
    return a in FLOORS and b in FLOORS and FLOORS.index(b) > FLOORS.index(a)


def is_into_the_site(source: str, target: str) -> bool:
    """An app importing cme_site."""
    return floor_of(source) in FLOORS and floor_of(target) == SITE


def arrows(condition) -> list[str]:
    return sorted(
        f"{source} -> {target}"
        for source, targets in GRAPH.items()
        for target in targets
        if condition(source, target)
    )


def test_every_app_has_its_floor():
    apps = sorted(path.parent.name for path in REPO.glob("*/apps.py"))

    assert sorted(set(apps) - set(FLOORS)) == [], "add the new app to FLOORS, at its floor"


def test_no_app_imports_an_app_above_it():
    assert arrows(is_upward) == []


def test_the_ground_floor_imports_no_other_app():
    assert arrows(lambda s, t: floor_of(s) == "core" and floor_of(t) != "core") == []


def test_no_app_imports_cme_site():
    assert arrows(is_into_the_site) == []


def test_cme_site_holds_only_settings_urls_wsgi_asgi_and_the_celery_app():
    allowed = {"settings", "urls", "wsgi", "asgi", "celery"}
    parts = [name.split(".") for name in MODULES if floor_of(name) == SITE]

    assert sorted(".".join(p) for p in parts if len(p) > 1 and p[1] not in allowed) == []


def test_no_module_imports_a_tasks_module():
    assert arrows(lambda s, t: t.split(".")[-1] == "tasks" and floor_of(t) != "core") == []


def import_cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index, low, on_stack, stack, cycles = {}, {}, set(), [], []

    def visit(module):
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in GRAPH[module]:
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in sorted(GRAPH):
        if module not in index:
            visit(module)
    return sorted(cycles)


def test_no_module_import_cycle():
    assert import_cycles() == []


# The checks themselves, on a small made-up graph: they must see what they look for.


@pytest.fixture
def made_up_graph(monkeypatch):
    graph = {
        "courses.views": {"certificates.queries"},
        "certificates.queries": set(),
        "certificates.claims": {"certificates.issuance"},
        "certificates.issuance": {"certificates.tasks"},
        "certificates.tasks": {"certificates.claims"},
        "core.health": {"cme_site.celery"},
        "cme_site.celery": set(),
    }
    monkeypatch.setattr(sys.modules[__name__], "GRAPH", graph)
    return graph


def test_the_checks_find_upward_arrows_cycles_and_the_site(made_up_graph):
    assert arrows(is_upward) == ["courses.views -> certificates.queries"]
    assert import_cycles() == [
        ["certificates.claims", "certificates.issuance", "certificates.tasks"]
    ]
    assert arrows(is_into_the_site) == ["core.health -> cme_site.celery"]


def test_imports_inside_functions_and_relative_imports_count(tmp_path, monkeypatch):
    package = tmp_path / "quizzes"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "regrading.py").write_text(
        "from . import grading\n\ndef apply():\n    from certificates.models import Certificate\n"
    )
    (package / "grading.py").write_text("")
    (tmp_path / "certificates").mkdir()
    (tmp_path / "certificates" / "models.py").write_text("")
    module = sys.modules[__name__]
    monkeypatch.setattr(module, "REPO", tmp_path)
    monkeypatch.setattr(module, "PACKAGES", ["quizzes", "certificates"])
    monkeypatch.setattr(module, "MODULES", project_modules())

    assert imports_of("quizzes.regrading") == {"quizzes.grading", "certificates.models"}
