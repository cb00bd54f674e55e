"""The import structure: data flows cli → layers → calculus/proofs → render, never back.

Every ``import`` in ``gradsym/`` counts, at module level and inside functions (a lazy
import is still a dependency); only imports under ``if TYPE_CHECKING:`` are skipped,
because they never run. The test fails with the list of offending arrows.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "gradsym"

# The only arrows from the engine into render/: the Derivation convenience methods
# (d.to_dict(), d.to_latex(), d.to_code(), …) that hand the finished result to a renderer. They
# import inside the method, so loading the engine never loads a renderer, and they run
# only after both sides are loaded; they are left out of the cycle check too (render/
# reads layer data, e.g. render.sections.pool → layers.pool → derivation).
ALLOWED = {
    ("gradsym.derivation", "gradsym.render.json"),
    ("gradsym.derivation", "gradsym.render.text"),
    ("gradsym.derivation", "gradsym.render.latex"),
    ("gradsym.derivation", "gradsym.render.markdown"),
    ("gradsym.derivation", "gradsym.render.emit"),
    ("gradsym.derivation", "gradsym.render.html"),
    # a keyed error is worded by the catalogue when it is printed (str(exc), the CLI)
    ("gradsym.errors", "gradsym.render.wording"),
}

# Layers whose captions and sections have not moved to render/ yet. Each entry is a
# known debt; remove it when the layer's presentation moves, never add to it.
PENDING: set[str] = set()


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def all_modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    """Ids of the import nodes inside ``if TYPE_CHECKING:`` blocks."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            test = node.test
            name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", None)
            if name == "TYPE_CHECKING":
                for inner in node.body:
                    skipped.update(id(n) for n in ast.walk(inner))
    return skipped


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The gradsym modules that ``name`` imports (resolved to modules, not packages, when possible)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = _type_checking_nodes(tree)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in modules else base)
    return {m for m in found if m in modules and m != name}


def import_graph() -> dict[str, set[str]]:
    modules = all_modules()
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def _under(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def forbidden_arrows(graph: dict[str, set[str]]) -> list[str]:
    bad = []
    for source, targets in sorted(graph.items()):
        for target in sorted(targets):
            if (source, target) in ALLOWED:
                continue
            presentation = _under(source, "gradsym.render") or _under(source, "gradsym.cli")
            if not presentation and source != "gradsym.__main__" and (
                _under(target, "gradsym.render") or _under(target, "gradsym.cli")
            ):
                bad.append(f"{source} → {target} (the engine must not import render/ or cli/)")
            elif _under(source, "gradsym.render") and _under(target, "gradsym.cli"):
                bad.append(f"{source} → {target} (render/ must not import cli/)")
    return bad


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
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

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_graph_sees_lazy_and_relative_imports():
    graph = import_graph()
    # function-level import in Derivation.to_latex, module-level import in cli/conv.py
    assert "gradsym.render.latex" in graph["gradsym.derivation"]
    assert "gradsym.cli.common" in graph["gradsym.cli.conv"]
    assert "gradsym.layers.conv" in graph["gradsym.layers.chain"]
    # `from gradsym import progress` is an arrow to the module, not to the package
    assert "gradsym.progress" in graph["gradsym.calculus"]


def test_the_checks_find_planted_arrows():
    graph = {
        "gradsym.layers.a": {"gradsym.render.document", "gradsym.layers.b"},
        "gradsym.layers.b": {"gradsym.layers.a"},
        "gradsym.render.document": {"gradsym.cli.common"},
        "gradsym.cli.common": {"gradsym.render.document"},
    }
    assert forbidden_arrows(graph) == [
        "gradsym.layers.a → gradsym.render.document (the engine must not import render/ or cli/)",
        "gradsym.render.document → gradsym.cli.common (render/ must not import cli/)",
    ]
    assert sorted(cycles(graph)) == [
        ["gradsym.cli.common", "gradsym.render.document"],
        ["gradsym.layers.a", "gradsym.layers.b"],
    ]


def test_no_forbidden_arrow():
    graph = import_graph()
    bad = forbidden_arrows({m: set() if m in PENDING else t for m, t in graph.items()})
    assert not bad, "forbidden imports:\n  " + "\n  ".join(bad)


def test_pending_is_still_pending():
    graph = import_graph()
    done = sorted(m for m in PENDING if not forbidden_arrows({m: graph[m]}))
    assert not done, f"no longer imports render/, remove from PENDING: {done}"


def test_no_import_cycle():
    graph = {m: {t for t in ts if (m, t) not in ALLOWED} for m, ts in import_graph().items()}
    found = cycles(graph)
    lines = []
    for component in found:
        members = set(component)
        lines.append("cycle among " + ", ".join(component) + ":")
        lines.extend(f"    {a} → {b}" for a in component for b in sorted(graph[a] & members))
    assert not found, "import cycles:\n  " + "\n  ".join(lines)


def test_layers_return_typed_data_not_callables():
    import gradsym

    derivations = [
        gradsym.conv(input=(3, 3), kernel=(2, 2)), gradsym.conv(general=True, dims=1),
        gradsym.deconv(input=(2, 2), kernel=(2, 2), convention="jax"),
        gradsym.linear(2, 1), gradsym.mlp("1,2,1", "relu"), gradsym.pool(input=(2, 2), size=(2, 2)),
        gradsym.batchnorm(batch=2), gradsym.chain(input="3x3", kernel="2x2", depth=2, padding=1),
        gradsym.matrix("trace(X.T*X)", shape=["X=2x2"]), gradsym.expr("sum(a**2)", shape=["a=2"]),
        gradsym.sizes(input="5", kernel="2"),
    ]
    for d in derivations:
        assert not hasattr(d, "extra"), f"{d.command}: an untyped bag of extras (give the layer typed attributes)"
        # the one callable allowed is numeric: expr/matrix's forward pass in dual numbers
        found = sorted(key for key, value in vars(d).items() if callable(value) and key != "dual_forward")
        assert not found, f"{d.command}: callables {found} on the derivation (presentation belongs in render/)"
        # the steps are catalogue keys with parameters, worded only in render/
        for key, params in [d.title] if isinstance(d.title, tuple) else []:
            assert isinstance(key, str) and isinstance(params, dict)
        assert all(isinstance(key, str) and isinstance(params, dict) for key, params in d.setup), d.command


def differentiation_calls(source: str) -> list[str]:
    """Where a module differentiates by itself: ``sympy.diff``, ``diff`` imported from SymPy,
    or a ``.diff(…)`` / ``.fdiff(…)`` method call (``alg.diff``, mlp's algebra that hands
    the work to the calculus, aside)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module == "sympy":
            found += [f"line {node.lineno}: from sympy import diff" for a in node.names if a.name == "diff"]
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("diff", "fdiff"):
            receiver = node.func.value
            if not (isinstance(receiver, ast.Name) and receiver.id == "alg"):
                found.append(f"line {node.lineno}: {ast.unparse(node.func)}(…)")
    return found


def test_the_check_finds_planted_differentiation():
    planted = "import sympy\nfrom sympy import diff\na = sympy.diff(x, y)\nb = e.fdiff(1)\nc = alg.diff(o, v)\n"
    assert differentiation_calls(planted) == [
        "line 2: from sympy import diff", "line 3: sympy.diff(…)", "line 4: e.fdiff(…)"]


def test_no_layer_differentiates_on_its_own():
    """Every derivative a layer takes comes from the calculus (calculus.py: jacobian, vjp,
    sympy_jacobians, sympy_vjp, derivative), with the element-wise rules of rules.py."""
    bad = {p.name: calls for p in sorted((PACKAGE / "layers").glob("*.py"))
           if (calls := differentiation_calls(p.read_text()))}
    assert not bad, f"layers differentiating outside the calculus: {bad}"
