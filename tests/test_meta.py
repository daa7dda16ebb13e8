"""Meta-tests: the shape the project promises.

Cogs load and have setup(); the layers hold for every module, found by walking the tree (a
new module is covered without editing a list): the core imports no discord at run time,
no import cycle, no cog imports another, no SQL outside the store, no module too long.
The import rules per folder are ruff's (TID251, see pyproject.toml and each ruff.toml).
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "cogs")
MAX_LINES = 400


def cog_names() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules([str(ROOT / "cogs")]))


def source_files() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def runtime_imports(path: Path) -> set[str]:
    """The modules `path` imports when it is imported (not under TYPE_CHECKING, not lazily)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        for inner in [node] if not isinstance(node, ast.Try) else node.body:
            found |= _names(inner, package)
    return found


def _names(node: ast.stmt, package: str) -> set[str]:
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names}
    if not isinstance(node, ast.ImportFrom):
        return set()
    if node.level:
        base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
        module = f"{base}.{node.module}" if node.module else base
    else:
        module = node.module or ""
    # `from pkg import sub` imports the submodule pkg.sub when there is one
    subs = {f"{module}.{a.name}" for a in node.names if _is_module(f"{module}.{a.name}")}
    return subs or {module}


def _is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def import_graph() -> dict[str, set[str]]:
    ours = {module_name(p): p for p in source_files()}
    return {
        name: {m for m in runtime_imports(path) if m in ours and m != name}
        for name, path in ours.items()
    }


def test_every_cog_imports_and_has_setup():
    names = cog_names()
    assert {"about", "ng_list", "privacy"} <= set(names)
    for name in names:
        module = importlib.import_module(f"cogs.{name}")
        assert callable(getattr(module, "setup", None)), name


def test_a_cog_package_init_holds_only_setup():
    for name in cog_names():
        tree = ast.parse((ROOT / "cogs" / name / "__init__.py").read_text(encoding="utf-8"))
        defined = [
            n.name
            for n in tree.body
            if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        ]
        assert defined == ["setup"], f"cogs/{name}/__init__.py defines {defined}"


def test_no_module_of_the_core_imports_discord_at_run_time():
    core = sorted(m for m in import_graph() if m.startswith("bot.core"))
    code = f"import sys; import {', '.join(core)}; print('discord' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_there_is_no_import_cycle():
    graph = import_graph()
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> None:
        if name in path:
            cycle = [*path[path.index(name) :], name]
            raise AssertionError("import cycle: " + " -> ".join(cycle))
        if name in done:
            return
        for nxt in sorted(graph[name]):
            visit(nxt, [*path, name])
        done.add(name)

    for name in sorted(graph):
        visit(name, [])


def test_no_cog_imports_another_cog():
    for name, imports in import_graph().items():
        if name.startswith("cogs."):
            own = ".".join(name.split(".")[:2])
            others = {m for m in imports if m.startswith("cogs.") and not m.startswith(own)}
            assert not others, f"{name} imports {sorted(others)}: reach them through the bot"


SQL = re.compile(
    r"\bSELECT\b.*\bFROM\b|\bINSERT\s+INTO\b|\bUPDATE\s+\w+\s+SET\b|\bDELETE\s+FROM\b",
    re.IGNORECASE,
)


def test_no_sql_outside_the_store():
    for path in source_files():
        if path.is_relative_to(ROOT / "bot" / "store"):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            assert not SQL.search(line), f"{path.relative_to(ROOT)}:{number} has SQL: {line}"


def test_no_module_is_longer_than_it_should_be():
    for path in source_files():
        where = path.relative_to(ROOT).as_posix()
        lines = len(path.read_text(encoding="utf-8").splitlines())
        assert lines <= MAX_LINES, f"{where} has {lines} lines: split it"
