"""The import structure of the product code: no circles, and the declared layering holds.

grimp (import-linter's graph builder) reads every import, module-level or inside a function;
the package map in docs/architecture.md, which scripts/gendocs.py draws from its own reading of
the source, must show exactly the edges grimp finds.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

from tests.docs.test_tables import GENDOCS

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ("core", "aws_lambda", "gcp_function", "azure_function", "convert", "models")
BIN = Path(sys.executable).parent


def cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), and modules importing
    themselves."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for upstream in sorted(graph.find_modules_directly_imported_by(module)):
            if upstream not in index:
                visit(upstream)
                low[module] = min(low[module], low[upstream])
            elif upstream in on_stack:
                low[module] = min(low[module], index[upstream])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1 or module in graph.find_modules_directly_imported_by(module):
                found.append(sorted(group))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10_000))
    try:
        for module in sorted(graph.modules):
            if module not in index:
                visit(module)
    finally:
        sys.setrecursionlimit(limit)
    return found


def test_no_module_imports_itself_through_a_circle() -> None:
    graph = grimp.build_graph(*PRODUCT)
    assert cycles(graph) == []


def test_the_circle_finder_finds_a_planted_circle(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "planted"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("def f():\n    from planted import b\n")
    (package / "b.py").write_text("from planted import c\n")
    (package / "c.py").write_text("import planted.a\n")
    (package / "d.py").write_text("from planted import a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert cycles(grimp.build_graph("planted")) == [["planted.a", "planted.b", "planted.c"]]


def test_the_declared_layers_hold() -> None:
    """The contracts in pyproject.toml, as `make check` runs them."""
    done = subprocess.run([str(BIN / "lint-imports"), "--no-cache"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout or "broken" not in done.stdout.split("Contracts:")[-1]


def test_the_package_map_in_the_docs_is_the_real_one() -> None:
    gendocs = GENDOCS
    graph = grimp.build_graph(*PRODUCT)
    boxes = [name for name, _ in gendocs.COMPONENTS]
    expected = set()
    for importer in boxes:
        for imported in boxes:
            if importer != imported and graph.direct_import_exists(
                    importer=importer, imported=imported, as_packages=True):
                expected.add((importer, imported))
    assert gendocs.package_edges() == expected
    assert ("core.pipeline", "core.inference") in expected  # the map is not empty
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert gendocs.package_map() in page


def test_every_core_package_says_what_it_owns_and_may_import() -> None:
    for init in sorted((ROOT / "core").rglob("__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc, init
        if init.parent != ROOT / "core" and init.parent.parent == ROOT / "core":
            assert "May import" in doc, init


def test_no_two_core_modules_share_a_name() -> None:
    names = [path.stem for path in (ROOT / "core").rglob("*.py") if path.stem != "__init__"]
    assert sorted(names) == sorted(set(names))
