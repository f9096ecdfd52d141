"""The house: imports run one way (no circle between modules or between folders), the API and the CLI
start without the tutorial, and files and functions stay small enough to read in one go.

Imports are read from the source with `ast`, at module level and inside functions alike (a lazy import
that dodges a circle at import time is still a circle in the design). A package `__init__` that only
hands names on stands for the submodules it takes them from."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"
PACKAGE = SRC / "vaelab"
MAX_MODULE_LINES, MAX_FUNCTION_LINES = 300, 50
NO_TUTORIAL_AT_IMPORT = ("vaelab.api", "vaelab.run", "vaelab.cli")  # they import the tutorial only when asked


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, ast.Module]:
    return {module_name(p): ast.parse(p.read_text()) for p in sorted(PACKAGE.rglob("*.py"))}


def is_face(tree: ast.Module) -> bool:
    """An __init__ that only hands names on: a docstring, imports and __all__."""
    for node in tree.body:
        docstring = isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        names_all = isinstance(node, ast.Assign) and [getattr(t, "id", "") for t in node.targets] == ["__all__"]
        if not (docstring or names_all or isinstance(node, (ast.Import, ast.ImportFrom))):
            return False
    return True


def imports(tree: ast.Module, known: set[str]) -> list[tuple[str, str, bool]]:
    """(imported module, name taken or "", at module level) for every vaelab import in `tree`."""
    top = {id(n) for n in tree.body}
    out = []
    for node in ast.walk(tree):
        level = id(node) in top
        if isinstance(node, ast.Import):
            out += [(a.name, "", level) for a in node.names if a.name.split(".")[0] == "vaelab"]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "vaelab":
            for a in node.names:
                sub = f"{node.module}.{a.name}"
                out.append((sub, "", level) if sub in known else (node.module, a.name, level))
    return out


def graph(module_level_only: bool = False) -> dict[str, set[str]]:
    """module -> the modules it imports, a face package replaced by the submodules it hands names on from."""
    trees = modules()
    known = set(trees)
    faces = {name: tree for name, tree in trees.items() if name != "vaelab" and is_face(tree)}
    handed = {face: {n: m for m, n, _ in imports(tree, known) if n} for face, tree in faces.items()}

    def targets(module: str, name: str) -> set[str]:
        if module not in faces:
            return {module}
        if name and name in handed[module]:
            return {handed[module][name]}
        return {m for m, _, _ in imports(faces[module], known)}

    edges = defaultdict(set)
    for name, tree in trees.items():
        if name in faces:
            continue
        for module, taken, level in imports(tree, known):
            if level or not module_level_only:
                edges[name] |= targets(module, taken) - {name}
    return edges


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one member (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(set(edges) | {w for ws in edges.values() for w in ws}):
        if v not in index:
            visit(v)
    return found


def folder(module: str) -> str:
    """A module's folder under vaelab (vaelab.runs.tracking.hook -> vaelab.runs); a top-level module is its own."""
    return ".".join(module.split(".")[:2])


def test_no_import_circle_between_modules():
    assert circles(graph()) == []


def test_no_import_circle_between_folders():
    folders = defaultdict(set)
    for source, targets in graph().items():
        folders[folder(source)] |= {folder(t) for t in targets} - {folder(source)}
    assert circles(folders) == []


def test_the_api_and_the_cli_do_not_import_the_tutorial_when_they_are_imported():
    edges = graph(module_level_only=True)
    starts = [m for m in edges if any(m == s or m.startswith(s + ".") for s in NO_TUTORIAL_AT_IMPORT)]
    reached, todo = set(), list(starts)
    while todo:  # everything they import at module level, transitively
        for target in edges.get(todo.pop(), ()):
            if target not in reached:
                reached.add(target)
                todo.append(target)
    assert sorted(m for m in reached if m.startswith("vaelab.tutorial")) == []


def test_the_checks_see_a_circle_and_a_face():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []
    assert is_face(ast.parse('"""doc"""\nfrom x import y\n__all__ = ["y"]\n'))
    assert not is_face(ast.parse("from x import y\ndef f():\n    return y\n"))
    assert "vaelab.runs.train" in graph()["vaelab.parallel.jobs"]  # the graph reads real imports


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_and_functions_stay_small(path):
    lines = path.read_text().splitlines()
    assert len(lines) <= MAX_MODULE_LINES, f"{path.name} has {len(lines)} lines"
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(ast.parse("\n".join(lines)))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert long == []
