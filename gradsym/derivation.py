"""The result of a derivation: forward pass, Jacobians, gradients, checks, numbers.

The engine fills a :class:`Derivation` with its own fast representation
(:class:`~gradsym.poly.Poly`, or SymPy expressions for non-polynomial layers).
SymPy arrays are built only when the Python API asks for them.

>>> import gradsym
>>> d = gradsym.conv(input=(3, 3), kernel=(2, 2))
>>> d.forward[0, 0]
k_1_1*x_1_1 + k_1_2*x_1_2 + k_2_1*x_2_1 + k_2_2*x_2_2
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from gradsym import progress
from gradsym.calculus import SparseJacobian
from gradsym.errors import GradsymError, SpecError, in_python_terms
from gradsym.numeric import autodiff_check, difference_jacobian, object_array, sparse_jacobians
from gradsym.poly import Poly, VarTable, evaluate, to_sympy
from gradsym.proofs import Check
from gradsym.spec import Values, parse_values
from gradsym.symbols import Tensor

Line = tuple[str, dict[str, Any]]
"""One step of a derivation as data: a catalogue key and its parameters (worded in ``render/``)."""


@dataclass
class NumericModel:
    """How to evaluate a derivation at numbers, independently of its symbolic path.

    ``options`` maps a value option (``x``) to its tensor role (``input``);
    ``forward`` computes the output from a ``{role: array}`` point with plain
    NumPy on exact numbers. ``degree`` bounds its polynomial degree in any one tensor
    (then the check uses exact difference quotients along one direction per colour of
    the symbolic pattern); None when it is not a polynomial (then sparse dual numbers).
    """

    options: dict[str, str]
    forward: Callable[[dict[str, np.ndarray]], np.ndarray]
    degree: int | None = 1
    defaults: dict[str, str] = field(default_factory=lambda: {"upstream": "ones"})


class LazyMapping(Mapping[str, Any]):
    """A read-only mapping whose values are made on first access."""

    def __init__(self, keys: list[str], make: Callable[[str], Any]) -> None:
        self._keys = keys
        self._make = make
        self._cache: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        if key not in self._keys:
            raise KeyError(key)
        if key not in self._cache:
            self._cache[key] = self._make(key)
        return self._cache[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __repr__(self) -> str:
        return f"<{', '.join(self._keys)}>"


def _sympy_array(elems: np.ndarray, convert: Callable[[Any], Any]) -> Any:
    import sympy

    if elems.ndim == 0:
        return convert(elems[()])
    return sympy.ImmutableDenseNDimArray([convert(e) for e in elems.reshape(-1)], elems.shape)


def _sparse_array(jac: SparseJacobian, convert: Callable[[Any], Any]) -> Any:
    import sympy

    shape = jac.shape or (1,)
    flat = {o * math.prod(jac.wrt_shape) + w: convert(p) for (o, w), p in jac.entries.items()}
    return sympy.ImmutableSparseNDimArray(flat, shape)


@dataclass
class Evaluation:
    """A derivation evaluated at numbers: exact forward, Jacobians and gradients."""

    values: dict[str, np.ndarray]
    forward_values: np.ndarray
    jacobian_values: dict[str, dict[tuple[int, int], Any]]
    grad_values: dict[str, np.ndarray]
    jacobian_shapes: dict[str, tuple[tuple[int, ...], tuple[int, ...]]]
    decimal: bool
    checks: list[Check] = field(default_factory=list)

    @property
    def forward(self) -> Any:
        """Output values as a SymPy array of exact numbers."""
        return _sympy_array(self.forward_values, _number_to_sympy)

    @property
    def jacobian(self) -> Mapping[str, Any]:
        def make(role: str) -> Any:
            out_shape, wrt_shape = self.jacobian_shapes[role]
            jac = SparseJacobian(out_shape, wrt_shape, self.jacobian_values[role])  # type: ignore[arg-type]
            return _sparse_array(jac, _number_to_sympy)

        return LazyMapping(list(self.jacobian_values), make)

    @property
    def grad(self) -> Mapping[str, Any]:
        return LazyMapping(
            list(self.grad_values), lambda r: _sympy_array(self.grad_values[r], _number_to_sympy)
        )


    def _summary(self) -> list[tuple[str, np.ndarray]]:
        return [("forward", self.forward_values), *((f"grad[{r!r}]", a) for r, a in self.grad_values.items())]

    def __repr__(self) -> str:
        holds = "checks hold" if all(c.holds for c in self.checks) else "a check FAILED"
        parts = [f"{name}={_short(_nested_text(arr, self.decimal))}" for name, arr in self._summary()]
        return f"<Evaluation {', '.join(parts)}: {holds}>"

    def _repr_html_(self) -> str:
        import html

        rows = []
        for name, arr in self._summary():
            grid = arr.reshape(-1, arr.shape[-1]) if arr.ndim else arr.reshape(1, 1)
            cells = "".join(
                "<tr>" + "".join(f"<td>{html.escape(_number_text(v, self.decimal))}</td>" for v in row) + "</tr>"
                for row in grid.tolist()[:20]
            )
            rows.append(f"<figure><figcaption><code>{html.escape(name)}</code> {arr.shape}</figcaption>"
                        f"<table>{cells}</table></figure>")
        checks = "".join(f"<li>{'✓' if c.holds else '✗'} <code>{html.escape(c.name)}</code></li>"
                         for c in self.checks)
        return f'<div class="gradsym-evaluation">{"".join(rows)}<ul>{checks}</ul></div>'


def _number_text(value: Any, decimal: bool) -> str:
    from gradsym.numeric import number_text

    return str(number_text(value, decimal)) if not hasattr(value, "free_symbols") else str(value)


def _nested_text(arr: Any, decimal: bool) -> str:
    if not isinstance(arr, np.ndarray):
        return _number_text(arr, decimal)
    if arr.ndim == 0:
        return _number_text(arr[()], decimal)
    return "[" + ", ".join(_nested_text(sub, decimal) for sub in arr) + "]"


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _number_to_sympy(value: Any) -> Any:
    import sympy

    if isinstance(value, Fraction):
        return sympy.Rational(value.numerator, value.denominator)
    return sympy.sympify(value)


class Derivation:
    """Forward expressions, sparse Jacobians, VJPs and proofs of one layer.

    Attributes the Python API hands out (SymPy objects, built lazily):
    ``forward``, ``jacobian[role]``, ``grad[role]``, ``checks``, ``numeric``.

    The steps of the derivation are data, worded only in ``render/``: ``title`` and
    ``setup`` are catalogue keys with parameters (:data:`Line`), ``notes`` further lines.
    A layer with more to show subclasses this and adds typed attributes (the configuration,
    closed forms, statistics), never callables.
    """

    # value keywords of :meth:`evaluate` besides the numeric model's (named in its errors)
    value_options: tuple[str, ...] = ()

    def __init__(
        self,
        *,
        command: str,
        config: dict[str, Any],
        table: VarTable,
        symbols: dict[str, Tensor],
        forward: np.ndarray,
        jacobians: dict[str, SparseJacobian],
        grads: dict[str, np.ndarray],
        checks: list[Check],
        model: NumericModel | None = None,
        title: Line | None = None,
        setup: list[Line] | None = None,
        output_letter: str = "y",
        elementwise_hidden: bool = False,
        notes: list[Any] | None = None,
    ) -> None:
        self.command = command
        self.config = config
        self.table = table
        self.symbols = symbols
        self.forward_elems = forward
        self.jacobians = jacobians
        self.grad_elems = grads
        self.checks = checks
        self.model = model
        self.title: Line | str = title if title is not None else command
        self.setup: list[Line] = setup or []  # the set-up lines, in order
        self.output_letter = output_letter  # the output's name in tables (y, L, J, …)
        self.elementwise_hidden = elementwise_hidden  # element tables too large to print unasked
        self.notes: list[Any] = notes or []  # text, or (catalogue key, params)
        self.numeric: Evaluation | None = None
        self._forward: Any = None

    @property
    def uses_sympy(self) -> bool:
        """True when the elements are SymPy expressions (non-polynomial layers)."""
        sample = next(iter(self.forward_elems.reshape(-1)), None)
        return sample is not None and not isinstance(sample, (Poly, int, Fraction))

    # -- SymPy views -----------------------------------------------------------------
    def to_sympy(self, elem: Any) -> Any:
        """One engine element (Poly, number or SymPy expression) as SymPy."""
        if isinstance(elem, (Poly, int, Fraction)):
            return to_sympy(elem, self.table.symbols())
        return elem

    @property
    def forward(self) -> Any:
        """Output expressions as a SymPy array in the output layout."""
        if self._forward is None:
            self._forward = _sympy_array(self.forward_elems, self.to_sympy)
        return self._forward

    @property
    def jacobian(self) -> Mapping[str, Any]:
        """Sparse SymPy arrays ∂output/∂tensor, shape output + tensor."""
        return LazyMapping(
            list(self.jacobians), lambda r: _sparse_array(self.jacobians[r], self.to_sympy)
        )

    @property
    def grad(self) -> Mapping[str, Any]:
        """Vector-Jacobian products with the upstream gradient ``g``."""
        return LazyMapping(
            list(self.grad_elems), lambda r: _sympy_array(self.grad_elems[r], self.to_sympy)
        )

    @property
    def holds(self) -> bool:
        """True when every check holds."""
        checks = self.checks + (self.numeric.checks if self.numeric else [])
        return all(c.holds for c in checks)

    def all_checks(self) -> list[Check]:
        return self.checks + (self.numeric.checks if self.numeric else [])

    # -- numbers -----------------------------------------------------------------
    def evaluate(self, seed: int | None = None, **given: Any) -> Evaluation:
        """Evaluate exactly at the given values (``x="arange", k=[[1, 2], [3, 4]]`` …).

        Every tensor the forward pass needs must be given; the upstream gradient
        defaults to ones. Values given when the derivation was built (``conv(x=…)``)
        are used unless given again here. Also checks the symbolic Jacobians against an
        independent numeric differentiation of the forward pass. Errors name the keyword
        arguments (``needs b``), as every function of the Python API does.
        """
        try:
            return self.evaluate_given(seed, **given)
        except GradsymError as exc:
            parameters = {"seed", *given, *self.value_options,
                          *(self.model.options if self.model else ())}
            raise in_python_terms(exc, parameters) from None

    def evaluate_given(self, seed: int | None = None, **given: Any) -> Evaluation:
        """:meth:`evaluate` for the engine and the command line: errors name ``--options``."""
        if self.model is None:
            raise SpecError("values.no_model", command=self.command)
        model = self.model
        remembered: tuple[dict[str, Any], int | None] = getattr(self, "_given_values", ({}, None))
        built, built_seed = remembered
        given = {**built, **{k: v for k, v in given.items() if v is not None}}
        seed = built_seed if seed is None else seed
        unknown = sorted(set(given) - set(model.options))
        if unknown:
            raise SpecError("values.unknown_option", got=repr(unknown[0]), command=self.command,
                            choices=", ".join(sorted(model.options)))
        parsed: dict[str, Values] = {}
        for option, role in model.options.items():
            text = given.get(option)
            if text is None:
                text = model.defaults.get(role)
            if text is None or role not in self.symbols:
                continue
            parsed[role] = parse_values(text, self.symbols[role].shape, f"--{option.replace('_', '-')}", seed=seed)
        missing = self._missing_values({k: v for k, v in given.items() if v is not None})
        if missing:
            raise SpecError("values.needs", params=missing)
        return self._evaluate(parsed)

    def exact_point(self, parsed: dict[str, Values], *, as_sympy: bool = True
                    ) -> tuple[dict[str, np.ndarray], dict[Any, Any]]:
        """The given values as exact arrays by role, and as a point for SymPy elements: element
        symbol → its number (a SymPy number, or the exact int / Fraction with ``as_sympy=False``)."""
        symbols = self.table.symbols()
        values: dict[str, np.ndarray] = {}
        point: dict[Any, Any] = {}
        for role, val in parsed.items():
            tensor = self.symbols[role]
            values[role] = object_array(val.flat, tensor.shape)
            numbers = [_number_to_sympy(v) for v in val.flat] if as_sympy else val.flat
            point.update(zip(symbols[tensor.first : tensor.first + len(val.flat)], numbers))
        return values, point

    def _evaluate(self, parsed: dict[str, Values]) -> Evaluation:
        assert self.model is not None
        point_ids: list[Any] = [None] * len(self.table)
        values: dict[str, np.ndarray] = {}
        for role, val in parsed.items():
            tensor = self.symbols[role]
            values[role] = object_array(val.flat, tensor.shape)
            for i, v in enumerate(val.flat):
                point_ids[tensor.first + i] = v
        decimal = any(v.decimal for v in parsed.values())
        symbols = self.table.symbols() if self.uses_sympy else None
        forward = _map(self.forward_elems, lambda e: _eval(e, point_ids, symbols))
        jac_values = {
            role: {key: _eval(p, point_ids, symbols) for key, p in jac.entries.items()}
            for role, jac in self.jacobians.items()
        }
        grads = {
            role: _map(arr, lambda e: _eval(e, point_ids, symbols))
            for role, arr in self.grad_elems.items()
        }
        evaluation = Evaluation(
            values,
            forward,
            jac_values,
            grads,
            {r: (j.out_shape, j.wrt_shape) for r, j in self.jacobians.items()},
            decimal,
        )
        evaluation.checks.append(self._autodiff_check(values, jac_values))
        return evaluation

    def _autodiff_check(
        self, values: dict[str, np.ndarray], jac_values: dict[str, dict[tuple[int, int], Any]]
    ) -> Check:
        """Compare with an independent differentiation of the model's own NumPy forward pass:
        exact difference quotients, one per colour of the pattern, for a polynomial model;
        else one forward-mode pass on sparse dual numbers. Both linear in the non-zeros."""
        assert self.model is not None
        model = self.model
        point = {r: a for r, a in values.items() if r != "upstream"}
        roles = [role for role in jac_values if role in point]
        stray = None
        if model.degree is None:
            _, numeric = sparse_jacobians(model.forward, point, roles)
        else:
            numeric = {}
            for role in roles:
                compressed = difference_jacobian(
                    model.forward, point, role, jac_values[role], degree=model.degree,
                    report=lambda i, n: progress.report("numeric check", i, n),
                )
                numeric[role] = compressed.entries
                if compressed.stray and stray is None:
                    (o, colour), value = next(iter(compressed.stray.items()))
                    stray = (f"∂output/∂{role}: output {o} has {value} along colour {colour} that no "
                             "symbolic entry explains")
        return autodiff_check(
            "the symbolic Jacobians evaluated at the given values equal an independent "
            "exact numeric differentiation of the forward pass",
            {role: jac_values[role] for role in roles}, numeric, known_mismatch=stray,
        )

    def with_values(self, seed: int | None = None, **given: Any) -> Derivation:
        """Attach a numeric evaluation when values are given (the functions' value options).

        Values that are given are always validated; the evaluation needs every tensor the
        forward pass uses (a SpecError names the missing ones).
        """
        values = {k: v for k, v in given.items() if v is not None}
        if not values:
            return self
        self._given_values = (values, seed)  # evaluate() starts from these
        missing = self._missing_values(values)
        if missing:
            assert self.model is not None
            for option, text in values.items():  # still report malformed values
                role = self.model.options.get(option)
                if role in self.symbols:
                    parse_values(text, self.symbols[role].shape, f"--{option.replace('_', '-')}", seed=seed)
            raise SpecError("values.needs_also", params=missing, given_params=list(values))
        return self.attach_numeric(lambda: self.evaluate_given(seed=seed, **values))

    def attach_numeric(self, evaluate: Callable[[], Any]) -> Any:
        """Run ``evaluate`` (the numeric check at the given values) as the step the progress
        bar names, and keep its result as :attr:`numeric`; returns this derivation."""
        with progress.step("numeric check at the given values"):
            self.numeric = evaluate()
        return self

    def _missing_values(self, values: dict[str, Any]) -> list[str]:
        if self.model is None:
            return []
        return [  # the parameters' names: errors name them as the caller knows them
            option for option, role in self.model.options.items()
            if role in self.symbols and option not in values and role not in self.model.defaults
        ]

    # -- renderers ------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The JSON document (``--format json``) as a dict."""
        from gradsym.render.json import to_dict

        return to_dict(self)

    def to_json(self) -> str:
        from gradsym.render.json import to_json

        return to_json(self)

    def to_text(self, **options: Any) -> str:
        from gradsym.render.text import render_text

        return render_text(self, **options)

    def to_latex(self, standalone: bool = True, **options: Any) -> str:
        from gradsym.render.latex import render_latex

        return render_latex(self, standalone=standalone, **options)

    def to_markdown(self, **options: Any) -> str:
        from gradsym.render.markdown import render_markdown

        return render_markdown(self, **options)

    def to_code(self, framework: str = "numpy", command_line: str | None = None) -> str:
        """A self-contained module (numpy, torch or jax) with the forward and the derived
        backward, and a ``__main__`` self-test against the framework's own autodiff."""
        from gradsym.render.emit import to_code

        return to_code(self, framework, command_line)

    def to_html(self, standalone: bool = True, **options: Any) -> str:
        """One self-contained HTML page (``standalone=False``: the fragment, no ``<html>``)."""
        from gradsym.render.html import render_html

        return render_html(self, standalone=standalone, **options)

    def _repr_html_(self) -> str:
        # The interactive view, without <html>/<head>, for notebooks.
        return self.to_html(standalone=False)

    def _repr_markdown_(self) -> str:
        # Notebook front ends prefer Markdown (rendered with MathJax) over LaTeX.
        return self.to_markdown()

    def _repr_latex_(self) -> str:
        # Notebook math renderers (MathJax, KaTeX) display text/latex: math only, $$…$$.
        from gradsym.render.latex import render_math

        return render_math(self)

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        holds = "all checks hold" if self.holds else "a check FAILED"
        return f"<Derivation {self.command} {self.config.get('input', '')}: {holds}>"


def _eval(elem: Any, point: list[Any], symbols: Any = None) -> Any:
    """Exact value of one element at ``point[var]``; SymPy elements via substitution."""
    if type(elem) is Poly:  # the common case, first (Jacobians have one element per entry)
        value = evaluate(elem, point)
        if type(value) is int:
            return value
    elif isinstance(elem, Poly):
        value = evaluate(elem, point)
    elif isinstance(elem, (int, Fraction)):
        value = elem
    else:
        value = _sympy_value(elem.xreplace(
            {s: _number_to_sympy(point[i]) for i, s in enumerate(symbols or []) if point[i] is not None}
        ))
    if isinstance(value, Fraction) and value.denominator == 1:
        return int(value)
    return value


def _sympy_value(value: Any) -> Any:
    """A SymPy number as int/Fraction when rational, else the exact SymPy number."""
    import sympy

    value = sympy.simplify(value) if not value.is_Rational else value
    if value.is_Integer:
        return int(value)
    if value.is_Rational:
        return Fraction(int(value.p), int(value.q))
    return value


def _map(arr: np.ndarray, fn: Callable[[Any], Any]) -> np.ndarray:
    out = np.empty(arr.shape, dtype=object)
    for index in np.ndindex(arr.shape):
        out[index] = fn(arr[index])
    return out
