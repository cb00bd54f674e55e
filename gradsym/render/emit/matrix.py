"""Emitted code for ``matrix``: ``value(**tensors)`` and ``gradient(**tensors)`` in closed form.

A small printer turns the objective (the elaborated expression tree) and each closed-form
gradient (the engine's linear combinations of matrix atoms) into framework code: matrix
products, transposes, inverses, determinants, traces, Hadamard products and the scalar
functions — whole arrays, never element loops.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from gradsym.errors import SpecError
from gradsym.exprparse import BinOp, Call, Name, Neg, Node, Num, Transpose
from gradsym.layers.matrix import algebra_name
from gradsym.render.emit import writer
from gradsym.render.emit.writer import literal

HELPERS = {
    "mul", "rank", "transpose", "trace", "det", "inverse", "adjugate", "power", "total", "norm", "identity", "ones",
    "sigmoid", "as_matrix", "value", "gradient", "np", "torch", "jax", "jnp", "lax", "F", "sys",
    "exp", "log", "sqrt", "sin", "cos", "tanh", "abs", "sign", "hessian", "tensors", "diag",
}

_RUNTIME = '''
# -- matrix algebra: a 0-d array is a number, 2-D arrays are matrices --
def as_matrix(v, shape):
    """The argument as the derivation reads it: a vector of size n is an n×1 column."""
    v = @ASARRAY@(v)
    return v.reshape(()) if shape == () else v.reshape(shape if len(shape) == 2 else (-1, 1))


def rank(a):
    """0 for a number (a Python number or a 0-d array), 2 for a matrix."""
    return getattr(a, "ndim", 0)


def mul(*factors):
    """Matrix products left to right; a number scales."""
    out = factors[0]
    for f in factors[1:]:
        out = out * f if rank(out) == 0 or rank(f) == 0 else out @ f
    return out


def transpose(a):
    return a if rank(a) < 2 else a.T


def trace(a):
    """tr(A); a 1×1 matrix used as a number is its only entry."""
    return a if rank(a) == 0 else @XP@.trace(a)


def det(a):
    return @XP@.linalg.det(a)


def inverse(a):
    return @XP@.linalg.inv(a)


def adjugate(a):
    """adj(A): the transposed cofactors (defined also where A is singular)."""
    n = a.shape[0]
    if n == 1:
        return @XP@.ones((1, 1), dtype=a.dtype)
    rows = []
    for i in range(n):
        row = []
        for j in range(n):
            keep_r = [k for k in range(n) if k != j]
            keep_c = [k for k in range(n) if k != i]
            minor = a[keep_r][:, keep_c]
            row.append((-1) ** (i + j) * @XP@.linalg.det(minor))
        rows.append(@XP@.stack(row))
    return @XP@.stack(rows)


def power(a, k):
    """a**k: a number's power, or the matrix power A·A·…·A."""
    return a**k if rank(a) == 0 else @XP@.linalg.matrix_power(a, k)


def total(a):
    """sum(A): the sum of all entries."""
    return a.sum()


def norm(a):
    """The Frobenius norm √tr(AᵀA)."""
    return @XP@.sqrt((a * a).sum())


def identity(n):
    return @XP@.eye(n, dtype=@DTYPE@)


def ones(rows, cols):
    return @XP@.ones((rows, cols), dtype=@DTYPE@)


def sigmoid(a):
    return 1 / (1 + @XP@.exp(-a))


def diag(a):
    return @XP@.diag(a.reshape(-1))
'''

_FRAMEWORK = {
    "numpy": {"@XP@": "np", "@ASARRAY@": "np.asarray", "@DTYPE@": "float"},
    "torch": {"@XP@": "torch", "@ASARRAY@": "torch.as_tensor", "@DTYPE@": "torch.float64"},
    "jax": {"@XP@": "jnp", "@ASARRAY@": "jnp.asarray", "@DTYPE@": "jnp.float64"},
}


def _wrap(code: str) -> str:
    """``code`` in parentheses, unless it is in them already (the formatter drops doubled
    parentheses)."""
    return code if writer.parenthesized(code) else f"({code})"


def _number(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    return f"({value.numerator} / {value.denominator})"


class Printer:
    """Framework code for expression trees (the value) and closed forms (the gradients)."""

    def __init__(self, names: dict[str, str], xp: str) -> None:
        self.names = names  # user's (or bare) name → local variable
        self.xp = xp

    # -- the objective: the elaborated tree
    def node(self, n: Node) -> str:
        if isinstance(n, Num):
            return _number(n.value)
        if isinstance(n, Name):
            return self.names[n.id]
        if isinstance(n, Neg):
            return f"-{_wrap(self.node(n.operand))}"
        if isinstance(n, Transpose):
            return f"transpose({self.node(n.operand)})"
        if isinstance(n, BinOp):
            left, right = self.node(n.left), self.node(n.right)
            if n.op in ("+", "-"):
                return f"({left} {n.op} {right})"
            if n.op in ("*", "@"):
                return f"mul({left}, {right})"
            if n.op == "/":
                return f"({left} / {right})"
            return f"power({left}, {right})"
        assert isinstance(n, Call)
        args = [self.node(a) for a in n.args]
        return self.call(n.func, args)

    def call(self, func: str, args: list[str]) -> str:
        simple = {"trace": "trace", "det": "det", "inv": "inverse", "sum": "total", "norm": "norm",
                  "sigmoid": "sigmoid"}
        if func in simple:
            return f"{simple[func]}({args[0]})"
        if func == "hadamard":
            return f"({args[0]} * {args[1]})"
        if func == "ediv":
            return f"({args[0]} / {args[1]})"
        if func == "Identity":
            return f"identity({args[0]})"
        if func == "OneMatrix":
            return f"ones({args[0]}, {args[1]})"
        # the scalar functions (log exp sqrt sin cos tanh abs sign): the framework's own
        return f"{self.xp}.{func}({args[0]})"

    # -- the closed forms: the engine's linear combinations of atoms
    def lc(self, lc: Any) -> str:
        if not lc.terms:
            return "0" if lc.shape == () else f"{self.xp}.zeros({literal(lc.shape)})"
        parts = []
        for i, term in enumerate(lc.terms):
            text = self.term(term, abs(term.coef))
            if i == 0:
                parts.append(text if term.coef > 0 else f"-{text}")
            else:
                parts.append(f"{'+' if term.coef > 0 else '-'} {text}")
        return " ".join(parts)

    def term(self, term: Any, coef: Fraction) -> str:
        factors = [] if coef == 1 else [_number(coef)]
        for atom, exponent in term.scalars:
            base = self.atom(atom)
            factors.append(base if exponent == 1 else f"{base} ** {_number(exponent)}")
        mats = [self.atom(m) for m in term.mats]
        if len(mats) == 1:
            factors.append(mats[0])
        elif mats:
            factors.append(f"mul({', '.join(mats)})")
        return " * ".join(factors) if factors else "1"

    def atom(self, atom: Any) -> str:
        from gradsym.layers import matrix_algebra as m

        if isinstance(atom, m.Sym):
            return self.names[atom.name]
        if isinstance(atom, m.Tr):
            return f"transpose({self.atom(atom.arg)})"
        if isinstance(atom, m.Ident):
            return f"identity({atom.n})"
        if isinstance(atom, m.Ones):
            return f"ones({atom.rows}, {atom.cols})"
        if isinstance(atom, m.Inv):
            return f"inverse({self.atom(atom.arg)})"
        if isinstance(atom, m.Adj):
            return f"adjugate({self.atom(atom.arg)})"
        if isinstance(atom, m.MatPow):
            return f"power({self.atom(atom.arg)}, {atom.k})"
        if isinstance(atom, m.Had):
            return f"({_wrap(self.lc(atom.left))} * {_wrap(self.lc(atom.right))})"
        if isinstance(atom, m.Group):
            return _wrap(self.lc(atom.lc))
        if isinstance(atom, m.Diag):
            return f"diag({self.lc(atom.arg)})"
        if isinstance(atom, m.Elem) and atom.func == "recip":
            return f"(1 / {_wrap(self.lc(atom.arg))})"
        # Elem: the framework's functions act entry by entry; ScalarOf: of the whole matrix
        assert isinstance(atom, m.Elem | m.ScalarOf)
        return self.call(atom.func, [self.lc(atom.arg)])


def emit_matrix(d: Any, framework: str, command_line: str) -> str:
    forms = getattr(d, "forms", None)
    if not forms:
        raise SpecError("emit.matrix_scalar")
    missing = [n for n, f in forms.items() if f.lc is None]
    if missing:
        raise SpecError("emit.matrix_open", name=missing[0])
    declared = d.declared
    reserved = HELPERS
    local = {name: (name + "_" if name in reserved else name) for name in declared}
    by_bare = {algebra_name(name, x): local[name] for name, x in declared.items()}
    tree_names = {name: local[name] for name in declared}
    xp = _FRAMEWORK[framework]["@XP@"]
    value_printer = Printer(tree_names, xp)
    grad_printer = Printer(by_bare, xp)
    shapes = {name: tuple(x.shape) for name, x in declared.items()}
    order = list(declared)
    unpack = "\n".join(
        f'    {local[n]} = as_matrix(tensors["{n}"], {literal(shapes[n])})' for n in order
    )
    grads = []
    for name, form in forms.items():
        grads.append(f"    # ∂J/∂{name} = {_lc_text(form.lc)}")
        grads.append(f'    grads["{name}"] = ({grad_printer.lc(form.lc)}).reshape({literal(shapes[name])})')
    wrt = list(forms)
    api = objective_api("J", order, wrt, shapes)
    body = objective_constants("the objective and its closed-form gradients", d.config["expression"],
                               order, wrt, shapes) + f'''

def value(**tensors):
    """J = {d.config["expression"]}, a number."""
{unpack}
    result = {value_printer.node(d.explicit)}
    return @ASARRAY@(result).reshape(())


def gradient(**tensors):
    """{{name: dJ/dname}} for each --wrt name, from the closed matrix forms."""
{unpack}
    grads = {{}}
{chr(10).join(grads)}
    return grads
'''
    body += _hessian_code(d, grad_printer, unpack, shapes)
    runtime = _RUNTIME
    for key, text in _FRAMEWORK[framework].items():
        runtime = runtime.replace(key, text)
        body = body.replace(key, text)
    uses_positive = any(f in d.config["expression"] for f in ("log", "sqrt"))
    test = _self_test(framework, uses_positive)
    if getattr(d, "hessians", None):
        test = _with_hessian_test(test, framework, uses_positive)
    return writer.module(
        writer.header(title="Matrix calculus (matrix)", framework=framework,
                      command_line=command_line, config=d.config, api=api),
        writer.imports(framework),
        runtime,
        body,
        test,
    )


def _hessian_code(d: Any, printer: Printer, unpack: str, shapes: dict[str, tuple[int, ...]]
                  ) -> str:
    """``hessian(**tensors)`` from the closed Hessian forms (``--hessian``)."""
    hessians = getattr(d, "hessians", None)
    if not hessians:
        return ""
    missing = [n for n, h in hessians.items() if h.lc is None]
    if missing:
        name = missing[0]
        raise SpecError("emit.matrix_hessian", name=name)
    lines = []
    for name, h in hessians.items():
        shape = literal(shapes[name] * 2)
        lines.append(f"    # ∂²J/∂{name}² = {_lc_text(h.lc)}")
        lines.append(f'    hess["{name}"] = @ASARRAY@({printer.lc(h.lc)}).reshape({shape})')
    return f'''

def hessian(**tensors):
    """{{name: d²J/dname²}} for each --wrt name, shape (variable shape + variable shape)."""
{unpack}
    hess = {{}}
{chr(10).join(lines)}
    return hess
'''


def _with_hessian_test(test: str, framework: str, positive: bool) -> str:
    """The self-test, then hessian() against central differences of gradient()."""
    asarray = _FRAMEWORK[framework]["@ASARRAY@"]
    shift = "numpy.abs(values) + 0.1" if positive else "values"
    extra = f'''

_gradient_self_test = _self_test


def _self_test():
    """The gradient self-test, then hessian() against central differences of gradient()."""
    import numpy

    status = _gradient_self_test()
    rng = numpy.random.default_rng(1)
    tensors = {{}}
    for name, shape in SHAPES.items():
        values = 0.3 * rng.standard_normal(shape)
        values = {shift}
        if len(shape) == 2 and shape[0] == shape[1]:
            values = values + numpy.eye(shape[0])
        tensors[name] = {asarray}(values)
    hess = hessian(**tensors)

    def plain(a):
        a = a.detach().numpy() if hasattr(a, "detach") else numpy.asarray(a)
        return numpy.array(a, dtype=float)

    worst, step = 0.0, 1e-5
    for name in WRT:
        base = plain(tensors[name])
        shape = numpy.shape(base)
        numeric = numpy.zeros(shape + shape)
        for index in numpy.ndindex(*shape):
            for sign in (1, -1):
                moved = base.copy()
                moved[index] += sign * step
                g = plain(gradient(**{{**tensors, name: {asarray}(moved)}})[name])
                numeric[(Ellipsis, *index)] += sign * g / (2 * step)
        got = plain(hess[name])
        if got.shape != numeric.shape:
            worst = float("inf")
            continue
        scale = max(1.0, float(numpy.max(numpy.abs(numeric))))
        worst = max(worst, float(numpy.max(numpy.abs(got - numeric))) / scale)
    ok = worst < 1e-5
    print(
        f"self-test hessian: largest difference from central differences of gradient() "
        f"{{worst:.2e}}: {{'OK' if ok else 'FAILED'}}"
    )
    return status if ok else 1
'''
    guard = '\n\nif __name__ == "__main__":'
    head, _, tail = test.rpartition(guard)
    return head + extra + guard + tail


def _lc_text(lc: Any) -> str:
    from gradsym.layers.matrix import lc_text

    return lc_text(lc)


def _self_test(framework: str, positive: bool, command: str = "matrix") -> str:
    """``_draw`` and ``_self_test()`` comparing ``gradient()`` with the framework's own
    differentiation of ``value()`` (also expr's modules: ``command`` names the printed line)."""
    return _self_test_text(framework, positive).replace("COMMAND", command)


def objective_api(result: str, order: list[str], wrt: list[str], shapes: dict[str, Any]) -> str:
    """The header's API lines of a module for a scalar objective named ``result`` (matrix: J,
    expr: f): value() of the variables in ``order``, gradient() of each ``wrt`` name, the shapes."""
    return (
        f"value({', '.join(n + '=…' for n in order)}) -> {result} (a number)\n"
        f"gradient(…) -> {{{', '.join(repr(n) + f': d{result}/d' + n for n in wrt)}}}, each the "
        f"shape of its variable\nShapes: "
        + ", ".join(f"{n} {literal(shapes[n]) if shapes[n] else 'scalar'}" for n in order) + "."
    )


def objective_constants(comment: str, expression: str, order: list[str], wrt: list[str],
                        shapes: dict[str, Any]) -> str:
    """The module constants EXPRESSION, SHAPES and WRT under a ``# -- comment --`` line."""
    return f'''
# -- {comment} --
EXPRESSION = {literal(expression)}
SHAPES = {{{", ".join(f'"{n}": {literal(shapes[n])}' for n in order)}}}
WRT = {literal(tuple(wrt))}
'''


# The self-tests' shared text: value() as a function of the --wrt tensors alone, the
# comparison of gradient() with the framework's autodiff (PyTorch, JAX), the closing lines.
_OBJECTIVE = '''
    def objective(*values):
        return value(**{**tensors, **dict(zip(WRT, values))})

'''
_MAIN = '''    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(_self_test())
'''


def _compare(start: str, flag: str, shape: str, largest: str) -> str:
    """The loop comparing gradient() with the autodiff gradients ``expected``: ``start``
    sets ``worst`` (and ``flag``), ``shape`` formats a shape with ``{}`` for the tensor,
    ``largest`` is the largest absolute difference; ``ok`` ends the run."""
    return f'''    grads = gradient(**tensors)
    {start}
    for name, reference in zip(WRT, expected):
        if {shape.format("grads[name]")} != {shape.format("reference")}:
            {flag} = False
            continue
        worst = max(worst, float({largest}))
    ok = {flag} and worst < 1e-9
'''


def _self_test_text(framework: str, positive: bool) -> str:
    draw = {
        "numpy": "rng.standard_normal(shape)",
        "torch": "torch.randn(shape, generator=generator, dtype=torch.float64)",
        "jax": "jax.random.normal(sub, shape, dtype=jnp.float64)",
    }[framework]
    abs_fn = {"numpy": "np.abs", "torch": "torch.abs", "jax": "jnp.abs"}[framework]
    eye = {"numpy": "np.eye", "torch": "torch.eye", "jax": "jnp.eye"}[framework]
    dtype = ", dtype=torch.float64" if framework == "torch" else ""
    shift = f"{abs_fn}(values) + 0.1" if positive else "values"
    draw_fn = f'''
def _draw(SOURCE, shape):
    """Test values: small, positive where the expression takes a log or a root, square
    matrices near the identity (invertible, positive determinant)."""
    values = 0.3 * {draw}
    values = {shift}
    if len(shape) == 2 and shape[0] == shape[1]:
        values = values + {eye}(shape[0]{dtype})
    return values
'''
    if framework == "numpy":
        return draw_fn.replace("SOURCE", "rng") + '''

def _self_test():
    """Compare gradient() with central differences of value(), entry by entry."""
    rng = np.random.default_rng(0)
    tensors = {name: _draw(rng, shape) for name, shape in SHAPES.items()}
    grads = gradient(**tensors)
    worst, step = 0.0, 1e-6
    for name in WRT:
        base = tensors[name]
        numeric = np.zeros(np.shape(base))
        for index in np.ndindex(np.shape(base)):
            for sign in (1, -1):
                moved = np.array(base, dtype=float)
                moved[index] += sign * step
                numeric[index] += sign * value(**{**tensors, name: moved}) / (2 * step)
        if np.shape(grads[name]) != np.shape(base):
            worst = float("inf")
            continue
        scale = max(1.0, float(np.max(np.abs(numeric))))
        worst = max(worst, float(np.max(np.abs(grads[name] - numeric))) / scale)
    ok = worst < 1e-5
    print(
        f"self-test COMMAND (NumPy): largest difference from central differences "
        f"{worst:.2e}: {'OK' if ok else 'FAILED'}"
    )
''' + _MAIN
    if framework == "torch":
        return draw_fn.replace("SOURCE", "generator") + '''

def _self_test():
    """gradcheck value() in float64, then compare gradient() with PyTorch's autograd."""
    generator = torch.Generator().manual_seed(0)
    tensors = {name: _draw(generator, shape) for name, shape in SHAPES.items()}
    leaves = [tensors[name].clone().requires_grad_() for name in WRT]
''' + _OBJECTIVE + '''    passed = torch.autograd.gradcheck(objective, leaves, raise_exception=False)
    expected = torch.autograd.grad(objective(*leaves), leaves)
''' + _compare("worst = 0.0", "passed", "tuple({}.shape)",
                  "(grads[name] - reference).abs().max()") + '''    print(
        f"self-test COMMAND (PyTorch): gradcheck {'passed' if passed else 'FAILED'}, largest "
        f"difference from torch.autograd {worst:.2e}: {'OK' if ok else 'FAILED'}"
    )
''' + _MAIN
    return draw_fn.replace("SOURCE", "sub") + '''

def _self_test():
    """Compare gradient() with jax.grad of value(), in float64."""
    jax.config.update("jax_enable_x64", True)
    key = jax.random.PRNGKey(0)
    tensors = {}
    for name, shape in SHAPES.items():
        key, sub = jax.random.split(key)
        tensors[name] = _draw(sub, shape)
''' + _OBJECTIVE + '''    expected = jax.grad(objective, argnums=tuple(range(len(WRT))))(*[tensors[n] for n in WRT])
''' + _compare("worst, ok = 0.0, True", "ok", "jnp.shape({})",
                  "jnp.max(jnp.abs(grads[name] - reference))") + '''    print(
        f"self-test COMMAND (JAX): largest difference from jax.grad {worst:.2e}: "
        f"{'OK' if ok else 'FAILED'}"
    )
''' + _MAIN
