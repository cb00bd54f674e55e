"""The parts every emitted module shares: the header, the imports, the ``__main__`` self-test.

An emitted module is plain text assembled from sections; nothing here imports a
framework. The self-test compares the emitted backward with the framework's own
differentiation of a forward pass (PyTorch: ``gradcheck`` and ``autograd``; JAX:
``jax.vjp``; NumPy: central differences) and exits 1 when they disagree.
"""

from __future__ import annotations

import ast
import json
import re
import textwrap
from collections.abc import Sequence
from typing import Any

FRAMEWORKS = ("numpy", "torch", "jax")
DISPLAY = {"numpy": "NumPy", "torch": "PyTorch", "jax": "JAX"}

IMPORTS = {
    "numpy": "import numpy as np",
    "torch": "import torch\nimport torch.nn.functional as F",
    "jax": "import jax\nimport jax.numpy as jnp\nfrom jax import lax",
}


def literal(value: Any) -> str:
    """A Python literal for a constant: tuples stay tuples, lists become tuples."""
    if isinstance(value, (list, tuple)):
        items = [literal(v) for v in value]
        if len(items) == 1:
            return f"({items[0]},)"
        return f"({', '.join(items)})"
    if isinstance(value, str):  # double quotes, as the formatter writes them
        return json.dumps(value, ensure_ascii=False)
    return repr(value)


def parenthesized(code: str) -> bool:
    """Whether one pair of parentheses encloses the whole of ``code``."""
    if not (code.startswith("(") and code.endswith(")")):
        return False
    depth = 0
    for i, ch in enumerate(code):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0:
            return i == len(code) - 1
    return False


def header(
    *, title: str, framework: str, command_line: str, config: dict[str, Any], api: str,
    oracle: str | None = None,
) -> str:
    """The module docstring: what it is, how it was produced, the configuration; ``oracle``
    names what the self-test compares with, when not the layer modules' usual one."""
    config_lines = json.dumps(config, sort_keys=False, ensure_ascii=False, indent=None)
    wrapped = textwrap.wrap(config_lines, width=88, break_long_words=False, break_on_hyphens=False)
    body = "\n".join(f"    {line}" for line in wrapped)
    return (
        f'"""{title}: the forward pass and the backward pass gradsym derived, in {DISPLAY[framework]}.\n'
        f"\n"
        f"Produced by: {command_line}\n"
        f"\n"
        f"Configuration (the JSON \"config\"):\n"
        f"{body}\n"
        f"\n"
        f"{api}\n"
        f"\n"
        f"Needs only {DISPLAY[framework]} (never gradsym). Run `python THIS_FILE.py` for the self-test: it\n"
        f"compares the backward with {oracle or _oracle(framework)} on random inputs, prints the\n"
        f"largest difference and exits with status 1 if they disagree.\n"
        f'"""\n'
    )


def _oracle(framework: str) -> str:
    return {
        "numpy": "central differences of the forward pass",
        "torch": "torch.autograd.gradcheck (float64) and PyTorch's own autograd",
        "jax": "jax.vjp of the forward pass",
    }[framework]


def module(*sections: str) -> str:
    """Join sections with two blank lines, one trailing newline (ruff/black layout)."""
    parts = [s.strip("\n") for s in sections if s.strip()]
    return split_long_assignments(parts[0] + "\n\n" + "\n\n\n".join(parts[1:]) + "\n")


def imports(framework: str) -> str:
    lines = ["import sys", "", IMPORTS[framework]]
    return "\n".join(lines) + "\n"


def constants(pairs: Sequence[tuple[str, Any, str]]) -> str:
    """``NAME = literal  # comment`` lines; a long tuple one item a line, as the formatter
    lays it out."""
    out = []
    for name, value, comment in pairs:
        tail = f"  # {comment}" if comment else ""
        if isinstance(value, str):
            out.append(f"{name} = {value}{tail}")
        else:
            out.append("\n".join(_laid_out(value, f"{name} = ", "", tail, 0)))
    return "\n".join(out) + "\n"


def _laid_out(value: Any, head: str, comma: str, tail: str, indent: int) -> list[str]:
    """The lines of ``head + literal(value) + comma + tail`` at ``indent``: on one line when
    it fits in 100 columns, else each item of a tuple on a line of its own (recursively)."""
    flat = " " * indent + head + literal(value) + comma + tail
    if len(flat) <= 100 or not isinstance(value, (list, tuple)) or not value:
        return [flat]
    lines = [" " * indent + head + "("]
    for item in value:
        lines += _laid_out(item, "", ",", "", indent + 4)
    return lines + [" " * indent + ")" + comma + tail]


def layer_forward(framework: str, class_name: str, args: Sequence[str],
                  reference: tuple[str, str] | None = None) -> str:
    """``forward(*args)`` of a layer module: for torch a ``torch.autograd.Function`` around
    ``forward_plain`` whose backward is the derived ``backward(grad_output, *args)``, plus
    ``reference_forward`` when ``reference`` gives (its docstring, its body) — PyTorch's own
    operation, whose autograd the self-test compares with; elsewhere ``forward_plain`` itself."""
    names = ", ".join(args)
    if framework != "torch":
        return f"""

def forward({names}):
    return forward_plain({names})
"""
    out = f'''

class {class_name}(torch.autograd.Function):
    """The layer as a torch.autograd.Function whose backward is the derived one."""

    @staticmethod
    def forward(ctx, {names}):
        ctx.save_for_backward({names})
        return forward_plain({names})

    @staticmethod
    def backward(ctx, grad_output):
        return backward(grad_output, *ctx.saved_tensors)


def forward({names}):
    return {class_name}.apply({names})
'''
    if reference is not None:
        doc, body = reference
        indented = "\n".join("    " + line if line else line for line in body.split("\n"))
        out += f'''

def reference_forward({names}):
    """{doc}"""
{indented}
'''
    return out


# ---------------------------------------------------------------------------
# Self-tests of layer modules: forward(*args), backward(grad_output, *args)


def arguments(entries: Sequence[tuple[str, Any, Any]]) -> str:
    """The ``ARGUMENTS`` constant :func:`layer_self_test` reads: ``(name, shape, used)`` for
    each argument of ``forward``, in order."""
    rows = [f'("{name}", {literal(shape)}, {used})' for name, shape, used in entries]
    if len(rows) == 1:  # the formatter keeps a one-item tuple on one line
        return constants([("ARGUMENTS", f"({rows[0]},)", "")])
    return constants([("ARGUMENTS", "(\n" + "".join(f"    {r},\n" for r in rows) + ")", "")])


def layer_self_test(framework: str, *, name: str, reference: str | None = None) -> str:
    """``_self_test()`` and the ``__main__`` guard for a module with ``forward``/``backward``.

    The module defines ``ARGUMENTS``: ``(name, shape, used)`` for each argument of
    ``forward`` in order, and ``_draw(rng_or_key, name, shape)`` for its random values.
    ``reference`` names a function computing the forward with the framework's own
    operations (PyTorch only), whose autograd the backward is compared with.
    """
    if framework == "numpy":
        body = _NUMPY_LAYER_TEST
    elif framework == "torch":
        body = _TORCH_LAYER_TEST.replace("REFERENCE", reference or "forward")
    else:
        body = _JAX_LAYER_TEST
    return body.replace("NAME", name).rstrip("\n") + "\n" + _MAIN


_MAIN = '''

if __name__ == "__main__":
    sys.exit(_self_test())
'''

_NUMPY_LAYER_TEST = '''
def _self_test():
    """Compare backward with central differences of forward along random directions."""
    rng = np.random.default_rng(0)
    args = [_draw(rng, name, shape) if used else None for name, shape, used in ARGUMENTS]
    y = forward(*args)
    grad_output = rng.standard_normal(np.shape(y))
    grads = backward(grad_output, *args)
    grads = grads if isinstance(grads, tuple) else (grads,)

    def loss(values):
        return float(np.sum(forward(*values) * grad_output))

    worst, step = 0.0, 1e-6
    for i, value in enumerate(args):
        if value is None:
            continue
        if np.shape(grads[i]) != np.shape(value):
            print(
                f"self-test NAME (NumPy): gradient {i} has shape {np.shape(grads[i])}, "
                f"expected {np.shape(value)}: FAILED"
            )
            return 1
        for _ in range(3):
            direction = rng.standard_normal(np.shape(value))
            plus, minus = list(args), list(args)
            plus[i] = value + step * direction
            minus[i] = value - step * direction
            numeric = (loss(plus) - loss(minus)) / (2 * step)
            derived = float(np.sum(grads[i] * direction))
            worst = max(worst, abs(numeric - derived) / max(1.0, abs(numeric)))
    ok = worst < 1e-5
    print(
        f"self-test NAME (NumPy): largest difference from central differences "
        f"{worst:.2e}: {'OK' if ok else 'FAILED'}"
    )
    return 0 if ok else 1
'''

_TORCH_LAYER_TEST = '''
def _self_test():
    """gradcheck the autograd.Function in float64, then compare with PyTorch's own autograd."""
    generator = torch.Generator().manual_seed(0)
    args = [
        _draw(generator, name, shape).requires_grad_() if used else None
        for name, shape, used in ARGUMENTS
    ]
    inputs = tuple(a for a in args if a is not None)

    def rebuild(*values):
        it = iter(values)
        return [next(it) if a is not None else None for a in args]

    passed = torch.autograd.gradcheck(
        lambda *values: forward(*rebuild(*values)), inputs, raise_exception=False
    )
    y = REFERENCE(*args)
    grad_output = torch.randn(y.shape, generator=generator, dtype=torch.float64)
    expected = torch.autograd.grad(y, inputs, grad_output)
    with torch.no_grad():
        grads = backward(grad_output, *[a.detach() if a is not None else None for a in args])
    grads = grads if isinstance(grads, tuple) else (grads,)
    grads = [g for g, a in zip(grads, args) if a is not None]
    worst = 0.0
    for derived, reference in zip(grads, expected):
        if derived is None or tuple(derived.shape) != tuple(reference.shape):
            passed = False
            continue
        worst = max(worst, float((derived - reference).abs().max()))
    ok = passed and worst < 1e-9
    print(
        f"self-test NAME (PyTorch): gradcheck {'passed' if passed else 'FAILED'}, largest "
        f"difference from torch.autograd {worst:.2e}: {'OK' if ok else 'FAILED'}"
    )
    return 0 if ok else 1
'''

_JAX_LAYER_TEST = '''
def _self_test():
    """Compare backward with jax.vjp of forward, in float64."""
    jax.config.update("jax_enable_x64", True)
    key = jax.random.PRNGKey(0)
    args = []
    for name, shape, used in ARGUMENTS:
        key, sub = jax.random.split(key)
        args.append(_draw(sub, name, shape) if used else None)
    used = [i for i, a in enumerate(args) if a is not None]

    def partial(*values):
        full = list(args)
        for i, v in zip(used, values):
            full[i] = v
        return forward(*full)

    y, vjp = jax.vjp(partial, *[args[i] for i in used])
    key, sub = jax.random.split(key)
    grad_output = jax.random.normal(sub, y.shape, dtype=jnp.float64)
    expected = vjp(grad_output)
    grads = backward(grad_output, *args)
    grads = grads if isinstance(grads, tuple) else (grads,)
    worst, ok = 0.0, True
    for i, reference in zip(used, expected):
        derived = grads[i]
        if derived is None or jnp.shape(derived) != jnp.shape(reference):
            ok = False
            continue
        worst = max(worst, float(jnp.max(jnp.abs(derived - reference))))
    ok = ok and worst < 1e-9
    print(
        f"self-test NAME (JAX): largest difference from jax.vjp {worst:.2e}: "
        f"{'OK' if ok else 'FAILED'}"
    )
    return 0 if ok else 1
'''


def draw_function(framework: str, kinds: dict[str, str] | None = None) -> str:
    """``_draw(source, name, shape)``: standard normal values, or positive ones for names in
    ``kinds`` mapped to ``"positive"``."""
    positive = sorted(n for n, k in (kinds or {}).items() if k == "positive")
    pos = literal(tuple(positive)) if positive else "()"
    if framework == "numpy":
        return f'''
def _draw(rng, name, shape):
    """Random test values: standard normal, positive for {pos}."""
    values = rng.standard_normal(shape)
    return np.abs(values) + 0.5 if name in {pos} else values
'''
    if framework == "torch":
        return f'''
def _draw(generator, name, shape):
    """Random test values in float64: standard normal, positive for {pos}."""
    values = torch.randn(shape, generator=generator, dtype=torch.float64)
    return values.abs() + 0.5 if name in {pos} else values
'''
    return f'''
def _draw(key, name, shape):
    """Random test values in float64: standard normal, positive for {pos}."""
    values = jax.random.normal(key, shape, dtype=jnp.float64)
    return jnp.abs(values) + 0.5 if name in {pos} else values
'''


# -- long assignments, computed in parts ---------------------------------------------------
ROOM = 80  # the longest right-hand side a part gets: `    tmp12 = …` stays within 100 columns
_SHORT = 12  # a part this short stays in place when its neighbours are named
_ASSIGNMENT = re.compile(r"^( +)([A-Za-z_][\w\[\]\"']*) = (.+)$")
# what a line assigns: ``a, b = …``, ``x += …``, ``for i, j in …``, ``with … as f``
_ASSIGNED = re.compile(r"^\s*(?:for (.+?) in |with .* as (.+?):|([\w\[\]\"', ()]+?) [-+*/@%]?= )")
# an operand the formatter writes ``**`` next to without spaces: a name, an attribute, a
# number, either negated
_SIMPLE = re.compile(r"-?(?:[A-Za-z_][\w.]*|\d+(?:\.\d+)?(?:e[+-]?\d+)?)")
_PRECEDENCE = {ast.Add: 10, ast.Sub: 10, ast.Mult: 11, ast.Div: 11, ast.MatMult: 11,
               ast.FloorDiv: 11, ast.Mod: 11, ast.Pow: 13}
_SYMBOL = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.MatMult: "@",
           ast.FloorDiv: "//", ast.Mod: "%", ast.Pow: "**"}


def split_long_assignments(code: str) -> str:
    """Every ``target = expression`` line of ``code`` longer than 100 columns, computed in
    parts first (``tmp1 = …``), each line within 100 columns and written as the formatter
    writes it: the least parentheses, ``**`` hugged between simple operands. A part met
    again in the same block, its names unchanged since, is computed once."""
    lines = code.split("\n")
    if all(len(line) <= 100 for line in lines):
        return code
    parts = _Parts(_names(code))
    out = []
    for line in lines:
        if line.strip():
            parts.block(line[: len(line) - len(line.lstrip())])
        match = _ASSIGNMENT.match(line)
        tree = None
        if len(line) > 100 and match is not None and "#" not in line:  # comments stay put
            try:
                tree = ast.parse(match.group(3), mode="eval").body
            except SyntaxError:  # the first line of a statement that goes on
                tree = None
        if tree is None or match is None:
            out.append(line)
        else:
            out.extend(parts.lines_for(match.group(2), parts.fit(tree)))
        assigned = _ASSIGNED.match(line)
        if assigned:
            targets = next(group for group in assigned.groups() if group)
            parts.forget(_names(targets))
    return "\n".join(out)


def _names(code: str) -> set[str]:
    """The identifiers ``code`` mentions."""
    return set(re.findall(r"[A-Za-z_]\w*", code))


def _code(node: ast.expr, child: Any = None) -> str:
    """``node`` as code with the least parentheses; ``child`` writes the sub-expressions."""
    child = child or _code
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Constant):
        return repr(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        # the formatter writes -(a**2) for -a**2: a power under a minus keeps its parentheses
        powered = isinstance(node.operand, ast.BinOp) and isinstance(node.operand.op, ast.Pow)
        return "-" + _operand(node.operand, 14 if powered else 12, child)
    if isinstance(node, ast.BinOp):
        own = _PRECEDENCE[type(node.op)]
        if isinstance(node.op, ast.Pow):  # right-associative; -x binds looser on the left only
            return power(_operand(node.left, own + 1, child), _operand(node.right, 12, child))
        left, right = _operand(node.left, own, child), _operand(node.right, own + 1, child)
        return f"{left} {_SYMBOL[type(node.op)]} {right}"
    if isinstance(node, ast.Call):
        args = [child(a) for a in node.args] + [f"{k.arg}={child(k.value)}" for k in node.keywords]
        return f"{_operand(node.func, 14, child)}({', '.join(args)})"
    if isinstance(node, ast.Attribute):
        return f"{_operand(node.value, 14, child)}.{node.attr}"
    if isinstance(node, ast.Tuple):
        items = [child(e) for e in node.elts]
        return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"
    if isinstance(node, ast.Subscript):
        return f"{_operand(node.value, 14, child)}[{child(node.slice)}]"
    return ast.unparse(node)


def power(base: str, exponent: str) -> str:
    """``base ** exponent`` as the formatter writes it: hugged between simple operands
    (``a_1**2``, ``x**-2``), spaced otherwise (``(a + b) ** 2``)."""
    simple = _SIMPLE.fullmatch(base) and _SIMPLE.fullmatch(exponent)
    return f"{base}**{exponent}" if simple else f"{base} ** {exponent}"


def _level(node: ast.expr) -> int:
    if isinstance(node, ast.BinOp):
        return _PRECEDENCE[type(node.op)]
    if isinstance(node, ast.UnaryOp):
        return 12
    return 14


def _operand(node: ast.expr, minimum: int, child: Any) -> str:
    code = child(node)
    named = code.isidentifier()  # a part computed first: a name binds tightest
    return code if named or _level(node) >= minimum else f"({code})"


class _Parts:
    """The parts of long assignments, each into a fresh variable; within one block (lines of
    one indentation) a part already computed is reused while none of its names changes."""

    def __init__(self, taken: set[str]) -> None:
        self.taken = taken
        self.count = 0
        self.indent = ""
        self.lines: list[str] = []
        self.known: dict[str, tuple[str, set[str]]] = {}  # code → (its variable, names read)

    def block(self, indent: str) -> None:
        if indent != self.indent:
            self.indent, self.known = indent, {}

    def forget(self, names: set[str]) -> None:
        """``names`` were assigned: the parts that read them are stale."""
        self.known = {code: (variable, read) for code, (variable, read) in self.known.items()
                      if variable not in names and not names & read}

    def name(self, code: str) -> str:
        if code.isidentifier():
            return code
        if code in self.known:
            return self.known[code][0]
        while True:
            self.count += 1
            variable = f"tmp{self.count}"
            if variable not in self.taken:
                break
        self.taken.add(variable)
        self.known[code] = variable, _names(code)
        self.lines.append(f"{self.indent}{variable} = {code}")
        return variable

    def fit(self, node: ast.expr) -> str:
        """``node`` as code of at most ``ROOM`` characters, its long parts named first."""
        code = _code(node)
        if len(code) <= ROOM:
            return code
        kids: dict[int, str] = {}
        for sub in ast.iter_child_nodes(node):
            if isinstance(sub, ast.expr):
                kids[id(sub)] = self.fit(sub)

        def child(sub: ast.expr) -> str:
            return kids.get(id(sub)) or _code(sub)

        code = _code(node, child)
        if len(code) <= ROOM:
            return code
        if isinstance(node, ast.BinOp):  # a left-deep chain: name what came before, then the rest
            kids[id(node.left)] = self.name(kids[id(node.left)])
            code = _code(node, child)
            if len(code) > ROOM:
                kids[id(node.right)] = self.name(kids[id(node.right)])
            return _code(node, child)
        for key, sub_code in list(kids.items()):
            if len(sub_code) > _SHORT:
                kids[key] = self.name(sub_code)
        return _code(node, child)

    def lines_for(self, target: str, code: str) -> list[str]:
        lines, self.lines = self.lines, []
        return lines + [f"{self.indent}{target} = {code}"]
