"""The work budget: every command's cost, estimated from its configuration before any work.

One cost model for every command. A command counts its units of work (expanded
polynomial terms, entries of the numeric check's table, SymPy work, terms printed by
``--full``) and :func:`admit` turns them into a time and a peak memory on one core with
the per-unit rates below (measured with ``benchmarks/bench_budget.py``). The budget is
in *terms*: one term stands for :data:`SECONDS_PER_TERM` seconds and
:data:`BYTES_PER_TERM` bytes, so the default ``--max-terms`` admits about a minute and
under 4 GB. Past it the command stops at once with the estimate and the option to raise
it, instead of running away.

Pure: no SymPy, no I/O.

>>> c = POLY_TERM * 1_000_000
>>> round(c.seconds), round(c.bytes / 1e9, 1)
(15, 2.4)
>>> admit(c, None)
>>> admit(c, 100)
Traceback (most recent call last):
...
gradsym.errors.SizeError: this derivation is too large: it would take about 15 s and 2.4 GB (960,000 terms of work), over the budget of 100 terms (about 4 ms and 250 kB); raise it with --max-terms 960000 or choose smaller sizes
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gradsym.errors import SizeError, SpecError

if TYPE_CHECKING:
    from gradsym.spec import ConvConfig

DEFAULT_MAX_TERMS = 1_500_000
"""The default budget: about a minute and 3.8 GB."""
SECONDS_PER_TERM = 40e-6
BYTES_PER_TERM = 2_500


@dataclass(frozen=True)
class Cost:
    """Estimated time (seconds, one core) and peak memory (bytes) of some work."""

    seconds: float = 0.0
    bytes: float = 0.0

    def __add__(self, other: Cost) -> Cost:
        return Cost(self.seconds + other.seconds, self.bytes + other.bytes)

    def __mul__(self, count: float) -> Cost:
        return Cost(self.seconds * count, self.bytes * count)

    __rmul__ = __mul__

    @property
    def terms(self) -> int:
        """The cost in budget terms: whichever of time and memory is the larger share."""
        return math.ceil(max(self.seconds / SECONDS_PER_TERM, self.bytes / BYTES_PER_TERM))

    def text(self) -> str:
        """``about 40 s and 6.1 GB``-style wording (without ``about``)."""
        return f"{duration_text(self.seconds)} and {size_text(self.bytes)}"


# -- rates per unit of work (benchmarks/bench_budget.py measures them) ------------------
POLY_TERM = Cost(15e-6, 2_400)
"""One expanded product (x·w) of conv, deconv, linear or chain: forward, Jacobians, grads, proofs."""
CHECK_ENTRY = Cost(4e-6, 300)
"""One non-zero Jacobian entry of the numeric check at given values (sparse dual numbers or
colour-compressed difference quotients: linear in the non-zero entries), with its evaluation.
Calibrated with ``bench_budget.py "conv values"`` (64x64 and 128x128 ⊛ 3x3 with values: measured
time and memory within 0.9–1.25× of the estimate)."""
CHAIN_LOSS_ELEMENT = Cost(1.5e-3, 20_000)
"""One element of the loss at the end of a chain (SymPy |·| or square)."""
MLP_TERM = Cost(90e-6, 1_000)
"""One unit of :meth:`MlpConfig.terms` (expanded gradient terms along paths)."""
POOL_TERM = Cost(85e-6, 1_800)
"""One (output, window element) pair of average pooling."""
POOL_ROUTE = Cost(4e-3, 40_000)
"""One routing condition (a SymPy Piecewise) of max pooling."""
BATCHNORM_TERM = Cost(110e-6, 600)
"""One unit of batch norm's F·N²·N(N+1)/2 work."""
FULL_RENDER_TERM = Cost(280e-6, 11_000)
"""One term printed by ``--full`` in text, Rich, LaTeX or Markdown (JSON is always cheap)."""
SYMPY_SECONDS = 2.2e-3
SYMPY_EXPONENT = 0.75
SYMPY_BYTES = 400
"""expr / matrix: SymPy's cost grows as work^0.75 (measured on det(X) for 5x5 … 8x8)."""


def sympy_cost(work: float) -> Cost:
    """The cost of ``work`` units of expr/matrix work (expression size × differentiations)."""
    return Cost(SYMPY_SECONDS * work**SYMPY_EXPONENT, SYMPY_BYTES * work)


# -- what is rendered --------------------------------------------------------------------
# ("api", False) outside the CLI: the Python API prints nothing until asked.
_rendering: ContextVar[tuple[str, bool]] = ContextVar("rendering", default=("api", False))


@contextmanager
def rendering(fmt: str, full: bool) -> Iterator[None]:
    """Within the block, estimates include printing every term in ``fmt`` when ``full``."""
    token = _rendering.set((fmt, full))
    try:
        yield
    finally:
        _rendering.reset(token)


def request_rendering(fmt: str, full: bool) -> None:
    """Set what will be rendered (the CLI does, inside a :func:`rendering` block)."""
    _rendering.set((fmt, full))


def rendered() -> tuple[str, bool]:
    """The requested format and ``--full`` (``("api", False)`` outside the CLI)."""
    return _rendering.get()


def render_cost(printed_terms: float) -> Cost:
    """The cost of printing ``printed_terms`` terms, if the requested output prints all of them.

    Without ``--full`` the human formats print a bounded excerpt, and JSON is cheap per term
    (its cost is part of the derivation's rate).
    """
    fmt, full = _rendering.get()
    return FULL_RENDER_TERM * printed_terms if full and fmt != "json" else Cost()


def given(*values: object) -> bool:
    """True when any value option is given (the numeric check will run)."""
    return any(v is not None for v in values)


# -- per-command work counts ----------------------------------------------------------------
def conv_cost(cfg: ConvConfig, *, values: bool = False) -> Cost:
    """conv / deconv: the expanded products; the numeric check when values are given;
    ``--full`` prints forward, two Jacobians and two gradients (about five terms a product)."""
    products = cfg.terms()
    cost = POLY_TERM * products
    if values:
        cost += CHECK_ENTRY * (2 * products)  # ∂y/∂x and ∂y/∂k: one entry per product each
    return cost + render_cost(5 * products)


def linear_cost(batch: int, in_features: int, out_features: int, *, values: bool = False) -> Cost:
    """linear: B·O·I products, as conv."""
    products = batch * out_features * in_features
    cost = POLY_TERM * products
    if values:
        cost += CHECK_ENTRY * (2 * products)
    return cost + render_cost(5 * products)


def chain_cost(cfgs: list[ConvConfig], *, values: bool = False) -> Cost:
    """chain: every layer's products (the budget covers the whole stack, not one layer),
    the loss over the last output, and the numeric check (one sparse dual pass per layer)."""
    products = sum(cfg.terms() for cfg in cfgs)
    cost = POLY_TERM * products + CHAIN_LOSS_ELEMENT * math.prod(cfgs[-1].output_shape())
    if values:
        cost += CHECK_ENTRY * (2 * products)
    return cost + render_cost(5 * products)


def mlp_cost(terms: int, widths: tuple[int, ...], *, values: bool = False) -> Cost:
    """mlp: the expanded gradient terms; the check's tangents hold every parameter per output."""
    cost = MLP_TERM * terms
    if values:
        products = sum(a * b for a, b in zip(widths, widths[1:]))
        parameters = widths[0] + products + sum(widths[1:])
        cost += CHECK_ENTRY * (widths[-1] * parameters + products)
    return cost + render_cost(terms)


def pool_cost(work: int, max_mode: bool, outputs: int, inputs: int, *, values: bool = False) -> Cost:
    """pool: routing conditions (max) or expanded terms (avg); the check with values."""
    cost = (POOL_ROUTE if max_mode else POOL_TERM) * work
    if values:
        cost += CHECK_ENTRY * (work + outputs + inputs)
    return cost + render_cost(work)


def batchnorm_cost(work: int, elements: int, *, values: bool = False) -> Cost:
    """batchnorm: F·N²·N(N+1)/2 units; the check differentiates every output by every input."""
    cost = BATCHNORM_TERM * work
    if values:
        cost += CHECK_ENTRY * (elements * elements)
    return cost + render_cost(work)


def expression_cost(work: float, *, values: bool = False) -> Cost:
    """expr / matrix: SymPy work (estimated expression size × (1 + elements differentiated));
    the numeric check evaluates the expression again per differentiated element."""
    cost = sympy_cost(work)
    if values:
        cost += sympy_cost(work)
    return cost + render_cost(work)


# -- the budget ----------------------------------------------------------------------------
def budget_of(max_terms: object) -> int:
    """Validate ``--max-terms`` (None: the default)."""
    if max_terms is None:
        return DEFAULT_MAX_TERMS
    if isinstance(max_terms, bool) or not isinstance(max_terms, int) or max_terms < 1:
        raise SpecError("option.positive", param="max_terms", got=repr(max_terms))
    return max_terms


SUBJECTS = ("this derivation", "this pooling", "this network", "this RNN", "this upsampling",
            "this attention", "this softmax", "this batch norm", "this group norm",
            "this layer norm", "this expression", "the Hessian")
"""What :func:`admit` may refuse, each worded by the catalogue (``budget.subject.pooling``)."""


def _subject(what: str) -> object:
    """``what`` as a fact of the budget error: a known subject is worded per language."""
    if what not in SUBJECTS:
        return what
    return SizeError("budget.subject." + what.split(" ", 1)[1].lower().replace(" ", "_"))


def admit(cost: Cost, max_terms: object, what: str = "this derivation") -> None:
    """Refuse (:class:`SizeError`) when ``cost`` is over the budget; else do nothing."""
    budget = budget_of(max_terms)
    needed = cost.terms
    if needed > budget:
        time, memory, work = duration_text(cost.seconds), size_text(cost.bytes), f"{needed:,}"
        limit, limit_time = f"{budget:,}", duration_text(budget * SECONDS_PER_TERM)
        limit_memory = size_text(budget * BYTES_PER_TERM)
        raise SizeError("budget.too_large", what=_subject(what), time=time, memory=memory, work=work,
                        limit=limit, limit_time=limit_time, limit_memory=limit_memory,
                        max_terms=needed)


def duration_text(seconds: float) -> str:
    """
    >>> duration_text(0.004), duration_text(42), duration_text(200), duration_text(9000)
    ('4 ms', '42 s', '3 min 20 s', '2.5 h')
    """
    if seconds < 1:
        return f"{max(seconds * 1000, 1):.0f} ms"
    if seconds < 100:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        minutes, rest = divmod(round(seconds), 60)
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    if seconds < 86400 * 2:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:,.0f} days"


def size_text(nbytes: float) -> str:
    """
    >>> size_text(250_000), size_text(6.1e9), size_text(3e13)
    ('250 kB', '6.1 GB', '30,000 GB')
    """
    if nbytes < 1e6:
        return f"{max(nbytes / 1e3, 1):.0f} kB"
    if nbytes < 1e9:
        return f"{nbytes / 1e6:.0f} MB"
    if nbytes < 1e11:
        return f"{nbytes / 1e9:.1f} GB"
    return f"{nbytes / 1e9:,.0f} GB"


def _budget_about() -> str:
    return (f"about {duration_text(DEFAULT_MAX_TERMS * SECONDS_PER_TERM)} and "
            f"{size_text(DEFAULT_MAX_TERMS * BYTES_PER_TERM)}")


MAX_TERMS_HELP = (f"Work budget in expanded terms (default {DEFAULT_MAX_TERMS:,}, "
                  f"{_budget_about()}); raise it to derive larger cases.")
"""``--max-terms``'s help: the same default and estimate the over-budget message states."""
MAX_TERMS_HELP_ZH = (f"以展开项计的工作量预算（默认 {DEFAULT_MAX_TERMS:,}，"
                     f"约 {duration_text(DEFAULT_MAX_TERMS * SECONDS_PER_TERM)}、"
                     f"{size_text(DEFAULT_MAX_TERMS * BYTES_PER_TERM)}）；提高它以推导更大的情形。")
