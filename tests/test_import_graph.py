"""The house's import rules, checked on the import graph (lazy imports inside functions included):
the arrows ARCHITECTURE.md's table allows between the top-level packages, and no module circles."""
from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOPS = ("station", "devices", "signing", "archive", "ui")
# ARCHITECTURE.md, "Packages": who may import whom (besides the standard library and third-party packages)
ALLOWED = {"station": {"station", "devices", "signing", "archive"}, "devices": {"devices"},
           "signing": {"signing"}, "archive": {"archive", "signing"}, "ui": set(TOPS)}
LAUNCHERS = ("station.cli", "station.commands")  # the command line may launch the desktop client


def _modules() -> dict[str, Path]:
    out = {}
    for top in TOPS:
        for f in (ROOT / top).rglob("*.py"):
            name = ".".join(f.relative_to(ROOT).with_suffix("").parts)
            out[name.removesuffix(".__init__")] = f
    return out


MODULES = _modules()


def _resolve(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imports(module: str, path: Path) -> Iterator[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    typing_only = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.dump(node.test)
                   for stmt in node.body for n in ast.walk(stmt)}
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            names = [base, *(f"{base}.{a.name}" for a in node.names)]
        else:
            continue
        for name in names:
            target = _resolve(name)
            if target and target != module:
                yield target, node.lineno


GRAPH = {m: sorted({t for t, _ in _imports(m, f)}) for m, f in MODULES.items()}


def test_only_the_allowed_arrows_between_packages() -> None:
    wrong = []
    for module, path in MODULES.items():
        top = module.split(".")[0]
        for target, line in _imports(module, path):
            to = target.split(".")[0]
            launcher = module.startswith(LAUNCHERS) and to == "ui"
            if to not in ALLOWED[top] and not launcher:
                wrong.append(f"{path.relative_to(ROOT)}:{line} {module} -> {target}")
    assert not wrong, "imports against ARCHITECTURE.md's table:\n" + "\n".join(sorted(set(wrong)))


def test_no_module_circles() -> None:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in GRAPH.get(v, ()):
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
                circles.append(sorted(component))

    for v in GRAPH:
        if v not in index:
            visit(v)
    assert not circles, "module circles:\n" + "\n".join(", ".join(c) for c in circles)


def test_a_lazy_import_counts(tmp_path: Path) -> None:
    """An import inside a function is an arrow too (the checks above would see this one as wrong-way)."""
    late = tmp_path / "late.py"
    late.write_text("def f():\n    from station.errors import StationError\n    return StationError\n")
    assert ("station.errors", 2) in list(_imports("signing.late", late))
