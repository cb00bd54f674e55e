"""Emitted code for ``expr``: ``value(**tensors)`` and ``gradient(**tensors)``.

``expr`` has no closed matrix forms: its gradient is what the derivation found, one SymPy
expression per element (∂f/∂a_1, ∂f/∂a_2, …). A small printer writes each of them as
framework code on the elements of the arguments (``a_1, a_2, a_3 = a.reshape(-1)``) and
stacks them into an array of the variable's shape. The kinks are written as derived:
``Heaviside(z, h)`` (the subgradient h at 0), ties of ``max`` shared by ``1/m``.
"""

from __future__ import annotations

from typing import Any

from gradsym.errors import SpecError
from gradsym.render.emit import writer
from gradsym.render.emit.matrix import HELPERS, objective_api, objective_constants
from gradsym.render.emit.matrix import _self_test as matrix_self_test
from gradsym.render.emit.writer import literal

_XP = {"numpy": "np", "torch": "torch", "jax": "jnp"}

_ARRAY_RUNTIME = '''
# -- elements and arrays (float64) --PREAMBLE
def as_array(v, shape):
    return XP.asarray(v, dtype=XP.float64).reshape(shape)


def stack(entries, shape):
    return XP.stack([XP.asarray(e, dtype=XP.float64) for e in entries]).reshape(shape)


def maximum(*args):
    out = args[0]
    for a in args[1:]:
        out = XP.maximum(out, a)
    return out


def minimum(*args):
    out = args[0]
    for a in args[1:]:
        out = XP.minimum(out, a)
    return out


def heaviside(z, at_zero):
    return XP.heaviside(z, at_zero)
'''

_RUNTIME = {
    "numpy": _ARRAY_RUNTIME.replace("PREAMBLE", "\n\n").replace("XP", "np"),
    "torch": '''
# -- elements and arrays (float64; a 0-d tensor keeps autograd's graph) --
def scalar(v):
    return torch.as_tensor(v, dtype=torch.float64)


def as_array(v, shape):
    return scalar(v).reshape(shape)


def stack(entries, shape):
    return torch.stack([scalar(e) for e in entries]).reshape(shape)


def maximum(*args):
    out = scalar(args[0])
    for a in args[1:]:
        out = torch.maximum(out, scalar(a))
    return out


def minimum(*args):
    out = scalar(args[0])
    for a in args[1:]:
        out = torch.minimum(out, scalar(a))
    return out


def heaviside(z, at_zero):
    return torch.heaviside(scalar(z), scalar(at_zero))
''',
    "jax": _ARRAY_RUNTIME.replace("PREAMBLE", '\njax.config.update("jax_enable_x64", True)\n\n')
                         .replace("XP", "jnp"),
}

_FUNCTIONS = {"exp": "exp", "log": "log", "sin": "sin", "cos": "cos", "tanh": "tanh",
              "sign": "sign", "Abs": "abs"}




class ElementPrinter:
    """Framework code for one SymPy element expression (the functions gradsym's rules know)."""

    def __init__(self, xp: str) -> None:
        self.xp = xp
        self._texts: dict[Any, str] = {}

    def __call__(self, e: Any) -> str:
        text = self._texts.get(e)
        if text is None:
            text = self._texts[e] = self.text(e)
        return text

    def text(self, e: Any) -> str:
        """``e`` as code (uncached)."""
        import sympy

        if e.is_Symbol:
            return str(e.name)
        if e.is_Integer:
            return str(int(e))
        if e.is_Rational:
            return f"({e.p} / {e.q})"
        if e.is_NumberSymbol or e.is_Float:
            return repr(float(e))
        if isinstance(e, sympy.Add):
            return "(" + " + ".join(self(a) for a in e.args) + ")"
        if isinstance(e, sympy.Mul):
            return "(" + " * ".join(self(a) for a in e.args) + ")"
        if isinstance(e, sympy.Pow):
            base, power = self(e.base), e.exp
            if power == sympy.Rational(1, 2):
                return f"{self.xp}.sqrt({base})"
            if power == -1:
                return f"(1 / {base})"
            exponent = self(power)
            if e.base.is_Number and e.base < 0:
                base = f"({base})"
            return f"({writer.power(base, exponent)})"
        name = type(e).__name__
        if name in _FUNCTIONS:
            return f"{self.xp}.{_FUNCTIONS[name]}({self(e.args[0])})"
        if name in ("Max", "Min"):
            return f"{'maximum' if name == 'Max' else 'minimum'}({', '.join(self(a) for a in e.args)})"
        if name == "Heaviside":
            at_zero = e.args[1] if len(e.args) > 1 else sympy.Rational(1, 2)
            return f"heaviside({self(e.args[0])}, {self(at_zero)})"
        raise SpecError("emit.expr_function", function=name)


def _named(code: str, variable: str, taken: set[str]) -> tuple[str, str]:
    """``variable = code`` (the line, split into parts when long) and the variable."""
    while variable in taken:
        variable += "_"
    taken.add(variable)
    return f"    {variable} = {code[1:-1] if writer.parenthesized(code) else code}\n", variable


def _unpack(target: str, elements: list[str]) -> str:
    """``a_1, a_2, … = a.reshape(-1)``, in pieces when the line would run past 100 columns."""
    if len(elements) == 1:
        return f"    ({elements[0]},) = {target}.reshape(-1)"
    line = f"    {', '.join(elements)} = {target}.reshape(-1)"
    if len(line) <= 100:
        return line
    lines, start = [], 0
    while start < len(elements):
        stop = start + 1
        while stop < len(elements) and len(", ".join(elements[start : stop + 1])) <= writer.ROOM - 8:
            stop += 1
        names = ", ".join(elements[start:stop])
        if stop - start == 1:
            lines.append(f"    {names} = {target}.reshape(-1)[{start}]")
        else:
            lines.append(f"    {names} = {target}.reshape(-1)[{start}:{stop}]")
        start = stop
    return "\n".join(lines)


def emit_expr(d: Any, framework: str, command_line: str) -> str:
    if not d.scalar:
        raise SpecError("emit.expr_scalar")
    declared = d.declared
    local = {name: (name + "_" if name in HELPERS else name) for name in declared}
    shapes = {name: tuple(x.shape) for name, x in declared.items()}
    order = [n for n in declared if n in d.used or n in d.wrt]
    printer = ElementPrinter(_XP[framework])
    unpack = []
    taken = set(local.values()) | set(HELPERS)
    for name in order:
        unpack.append(f'    {local[name]} = as_array(tensors["{name}"], {literal(shapes[name])})')
        elements = [str(s) for s in d.arrays[name].reshape(-1)]
        taken.update(elements)
        unpack.append(_unpack(local[name], elements))
    unpacked = "\n".join(unpack)
    result = printer(d.forward_elems[()])
    value_parts = ""
    if len(f"    return as_array({result}, ())") > 100:
        value_parts, result = _named(result, "f", taken)
    grads = []
    for name, arr in d.gradient_elems.items():
        entries, parts = [], ""
        for symbol, e in zip(d.arrays[name].reshape(-1), arr.reshape(-1)):
            code = printer(e)
            if len(code) > writer.ROOM:  # computed first, into df_d<element>
                line, code = _named(code, f"df_d{symbol}", taken)
                parts += line
            entries.append(code)
        call = f'    grads["{name}"] = stack([{", ".join(entries)}], {literal(shapes[name])})'
        if len(call) > 100:  # as the formatter lays out a long call: one entry a line
            rows = "".join(f"            {e},\n" for e in entries)
            call = (f'    grads["{name}"] = stack(\n        [\n{rows}        ],\n'
                    f"        {literal(shapes[name])},\n    )")
        grads.append(parts + call)
    wrt = list(d.gradient_elems)
    expression = d.config["expression"]
    api = objective_api("f", order, wrt, shapes)
    body = objective_constants("the expression and its derived gradient, element by element",
                               expression, order, wrt, shapes) + f'''

def value(**tensors):
    """f = {expression}, a number."""
{unpacked}
{value_parts}    return as_array({result}, ())


def gradient(**tensors):
    """{{name: df/dname}} for each --wrt name: the derived element expressions, stacked."""
{unpacked}
    grads = {{}}
{chr(10).join(grads)}
    return grads
'''
    positive = any(f in expression for f in ("log", "sqrt"))
    return writer.module(
        writer.header(title="Gradient of an expression (expr)", framework=framework,
                      command_line=command_line, config=d.config, api=api),
        writer.imports(framework),
        _RUNTIME[framework],
        body,
        matrix_self_test(framework, positive, "expr"),
    )
