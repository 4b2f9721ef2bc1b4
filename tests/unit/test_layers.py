"""The house rules, checked on the source: layers, cycles, private imports, packaging, status changes.

The layering is the one in the README's architecture section: ``breachclock`` (the face: CLI, demo) →
``flows`` → ``models`` → ``playbooks``; ``flows`` and ``models`` may also use ``notifications``, which uses
nothing of ours. Installed, the folders are ``breachclock.flows``, ``breachclock.models``... (pyproject's
``package-dir``). import-linter cannot read that layout (grimp finds a package's modules by walking its own
folder, and ``breachclock.models`` lives in ``models/``), so the imports are read here with :mod:`ast`.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = {"breachclock": "breachclock", "flows": "breachclock.flows", "models": "breachclock.models",
           "playbooks": "breachclock.playbooks", "notifications": "breachclock.notifications"}
# Layer of each package, top (face) to bottom; a module may import only its own layer or a lower one.
LAYER = {"breachclock.cli": 0, "breachclock.demo": 0, "breachclock.flows": 1, "breachclock.models": 2,
         "breachclock.playbooks": 3}
# What each layer may use besides the layers below it.
MAY_ALSO_USE = {"breachclock.flows": {"breachclock.notifications"}, "breachclock.models": {"breachclock.notifications"},
                "breachclock.cli": {"breachclock.notifications"}, "breachclock.demo": {"breachclock.notifications"}}


def _modules() -> dict[str, Path]:
    out = {}
    for folder, package in FOLDERS.items():
        for path in (ROOT / folder).rglob("*.py"):
            rel = path.relative_to(ROOT / folder).with_suffix("")
            if "versions" in rel.parts:  # alembic revisions: generated, import only alembic and sqlalchemy
                continue
            parts = [p for p in rel.parts if p != "__init__"]
            name = ".".join([package, *parts])
            if folder == "breachclock" and parts and parts[0] in {"flows", "models", "playbooks", "notifications"}:
                raise AssertionError(f"{path} shadows the {parts[0]}/ folder's namespace")
            out[name] = path
    return out


MODULES = _modules()


def _imports(path: Path, *, top_level_only: bool = False) -> list[tuple[int, str, list[str]]]:
    """(line, imported module, names) for every import in the file; relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found = []
    for node in nodes:
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name, []) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}:{node.lineno}: relative import (write the full breachclock.* path)"
            found.append((node.lineno, node.module or "", [a.name for a in node.names]))
    return found


def _package(module: str) -> str | None:
    """The layer package a module belongs to (breachclock.models.x.y → breachclock.models)."""
    for pkg in sorted({*LAYER, "breachclock.notifications"}, key=len, reverse=True):
        if module == pkg or module.startswith(pkg + "."):
            return pkg
    return None


def _resolve(target: str, names: list[str]) -> list[str]:
    """The project modules an import statement loads (``from breachclock.models import db`` → .db)."""
    mods = [f"{target}.{n}" for n in names if f"{target}.{n}" in MODULES]
    return mods or ([target] if target in MODULES else [])


def test_nothing_imports_the_old_top_level_names() -> None:
    """``import models`` would load a second copy of every table class beside ``breachclock.models``."""
    bad = []
    for path in [*MODULES.values(), *(ROOT / "tests").rglob("*.py"), *(ROOT / "bench").rglob("*.py")]:
        for line, target, _ in _imports(path):
            if target.split(".")[0] in {"models", "flows", "playbooks", "notifications"}:
                bad.append(f"{path.relative_to(ROOT)}:{line}: import {target}")
    assert not bad, "\n".join(bad)


def test_imports_run_down_the_layers_only() -> None:
    bad = []
    for name, path in MODULES.items():
        here = _package(name)
        if here is None:
            continue
        for line, target, _ in _imports(path):
            there = _package(target)
            if there is None or there == here:
                continue
            if here == "breachclock.notifications":
                bad.append(f"{path.relative_to(ROOT)}:{line}: notifications imports {target}")
            elif there == "breachclock.notifications":
                if there not in MAY_ALSO_USE.get(here, set()):
                    bad.append(f"{path.relative_to(ROOT)}:{line}: {here} imports {target}")
            elif LAYER[there] < LAYER[here]:
                bad.append(f"{path.relative_to(ROOT)}:{line}: {here} imports {target} (upward)")
    assert not bad, "\n".join(bad)


def test_no_import_cycles_between_modules() -> None:
    """Module-level imports form no cycle (imports inside functions are how a face defers loading, not a cycle
    we accept either: they are included, so a deferred import cannot hide one)."""
    graph = {name: {m for _, t, ns in _imports(path) for m in _resolve(t, ns) if m != name}
             for name, path in MODULES.items()}
    cycles, state = [], {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(" → ".join(stack[stack.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [])
    assert not cycles, "\n".join(cycles)


def test_no_private_names_imported_across_modules() -> None:
    bad = []
    for path in [*MODULES.values(), *(ROOT / "tests").rglob("*.py"), *(ROOT / "bench").rglob("*.py")]:
        for line, target, names in _imports(path):
            if target.startswith("breachclock"):
                bad += [f"{path.relative_to(ROOT)}:{line}: from {target} import {n}" for n in names
                        if n.startswith("_") and not n.startswith("__")]
    assert not bad, "\n".join(bad)


def test_pyproject_installs_every_package_under_breachclock() -> None:
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    packages = {name for name, path in MODULES.items() if path.name == "__init__.py"}
    assert set(conf["packages"]) == packages
    assert conf["package-dir"] == {package: folder for folder, package in FOLDERS.items()}


def _status_assignments(path: Path) -> list[int]:
    """Lines that set a ``status``: ``x.status = ...``, ``setattr(x, "status", ...)``, ``.values(status=...)``."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets = node.targets if isinstance(node, ast.Assign) else \
            [node.target] if isinstance(node, ast.AugAssign | ast.AnnAssign) else []
        if any(isinstance(t, ast.Attribute) and t.attr == "status" for t in targets):
            lines.append(node.lineno)
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id == "setattr" and len(node.args) > 1 \
                    and isinstance(node.args[1], ast.Constant) and node.args[1].value == "status":
                lines.append(node.lineno)
            if isinstance(func, ast.Attribute) and func.attr == "values" and any(k.arg == "status" for k in node.keywords):
                lines.append(node.lineno)
    return lines


@pytest.mark.parametrize("allowed", [{"models/outbox/machine.py", "models/incident/lifecycle.py"}])
def test_status_changes_only_in_the_state_machines(allowed: set[str]) -> None:
    """Delivery and incident status are legally significant: only their machines change them. (Receipts and
    provider errors carry a provider's status as data; they live in notifications/, which has no record.)"""
    bad = []
    for path in MODULES.values():
        rel = str(path.relative_to(ROOT))
        if rel in allowed or rel.startswith("notifications/"):
            continue
        bad += [f"{rel}:{line}" for line in _status_assignments(path)]
    assert not bad, "status set outside its state machine:\n" + "\n".join(bad)


def test_the_status_check_catches_an_assignment(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("def f(d):\n    d.status = 'sent'\n    setattr(d, 'status', 'x')\n    q.values(status='y')\n")
    assert _status_assignments(probe) == [2, 3, 4]


def test_no_project_file_points_outside_the_repository() -> None:
    bad = []
    for path in [*MODULES.values(), *(ROOT / "tests").rglob("*.py"), ROOT / "README.md", *(ROOT / "docs").glob("*.md"),
                 ROOT / "prefect.yaml", ROOT / "pyproject.toml"]:
        text = path.read_text(encoding="utf-8")
        for needle in ("../shared", "TECH-NOTES", "ARCHITECTURE.md", "STYLE.md", "/work/"):
            if needle in text and path.name != "test_layers.py":
                bad.append(f"{path.relative_to(ROOT)}: {needle}")
    assert not bad, "\n".join(bad)
