"""The ``--general`` derivation assembled: set-up, checks and the public entry points.

:mod:`gradsym.layers.general` derives the indexed-symbol chains (convolution and transposed
convolution for symbolic sizes); this module cross-checks them against the concrete engine
(:mod:`gradsym.layers.general_check`), builds the :class:`~gradsym.derivation.Derivation` and
validates the options of ``gradsym conv/deconv --general``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from gradsym import progress
from gradsym.derivation import Derivation
from gradsym.errors import SpecError
from gradsym.layers.general import (
    DIMS,
    General,
    Joined,
    _bounds,
    _col,
    _element_names,
    _tuple_text,
    derive_conv_general,
    derive_deconv_general,
    ftext,
)
from gradsym.layers.general_check import (
    AxisConfig,
    _grid_ranges,
    compare_with_concrete,
    concrete,
    grid,
    size_formula_mismatch,
)
from gradsym.layers.general_statements import STATEMENTS
from gradsym.poly import VarTable
from gradsym.proofs import Check
from gradsym.spec import ConvOptions, parse_padding, parse_per_dim, parse_shape
from gradsym.spec.values import option_param


def cross_check(gen: General, extra: Sequence[tuple[tuple[AxisConfig, ...], Derivation]] = ()) -> Check:
    """``general_matches_concrete``: every step, at every grid point, equals the concrete engine."""
    configs = grid(gen.command, gen.dims)
    mismatch = None
    for done, cfg in enumerate(configs):
        progress.report("cross-check with the concrete engine", done, len(configs))
        d = concrete(gen.command, cfg, gen.bias)
        mismatch = size_formula_mismatch(gen, cfg, d) or compare_with_concrete(gen, cfg, d)
        if mismatch:
            break
    if mismatch is None:
        for cfg, d in extra:
            mismatch = compare_with_concrete(gen, cfg, d)
            if mismatch:
                break
    steps = sum(1 for chain in gen.chains() for s in chain.steps if s.series is not None)
    count = len(configs) + len(extra)
    params: dict[str, Any] = {"count": count, "steps": steps, "ranges": _grid_ranges(gen.command)}
    if gen.dims == 1:
        lines: list[Any] = [("general.grid", params)]
    else:  # flat keys: the document resolves check lines itself
        lines = [("general.grid_sampled", {**params, "dims": gen.dims, "sampled": len(configs)})]
    return Check(
        "general_matches_concrete",
        STATEMENTS["check.general_matches_concrete"],
        mismatch is None,
        mismatch,
        {"lines": lines},
    )


def _setup(gen: General) -> list[Any]:
    axes = gen.axes
    nd = gen.dims > 1

    def names(attr: str) -> str:
        return ", ".join(str(getattr(ax, attr)) for ax in axes)

    # Set-up lines are flat (key, params) pairs (the document resolves them itself), so
    # the variants with more words (output padding, a bound per axis) have keys of their own.
    sizes = "; ".join(f"{o} = {ftext(f)}" for o, f in gen.sizes.items())
    params = {"n": names("n"), "k": names("k"), "s": names("s"), "d": names("d"), "p": names("p"),
              "sizes": sizes}
    if gen.command == "deconv":
        lines: list[Any] = [("general.setup.sizes_q", {**params, "q": names("q")})]
    else:
        lines = [("general.setup.sizes", params)]
    if nd:
        lines.append(("general.setup.nd", {"dims": gen.dims}))
    if len(gen.forward.steps) == 1:
        lines.append(gen.forward.steps[0].message)
    lines.append(("general.setup.indices", {}))
    elements = _element_names(gen.dims)
    hat, tensor, lengths = ("xhat", "x", _col(axes, "n")) if gen.command == "conv" else ("ghat", "g", _col(axes, "o"))
    bounds = _bounds(elements, lengths)
    key = "general.setup.padded" if gen.dims == 1 else f"general.setup.padded_{gen.dims}"
    lines.append((key, {"hat": hat, "t": tensor, **{f"b{r + 1}": b for r, b in enumerate(bounds)}}))
    lines.append(("general.setup.brackets", {}))
    return lines


class GeneralDerivation(Derivation):
    """A derivation for every size: ``general`` holds what it found; ``instance`` the
    section heading and derivation of the concrete sizes it was also asked for."""

    def __init__(self, *, general: General, instance: tuple[Any, Derivation] | None, **fields: Any) -> None:
        super().__init__(**fields)
        self.general = general
        self.instance = instance


def build(command: str, dims: int, bias: bool, instance: dict[str, Any] | None = None) -> GeneralDerivation:
    """The general derivation as a :class:`Derivation` (see :func:`general_conv`)."""
    gen = derive_conv_general(dims, bias) if command == "conv" else derive_deconv_general(dims, bias)
    extra_checks: list[tuple[tuple[AxisConfig, ...], Derivation]] = []
    table = VarTable()
    instance_section: tuple[Any, Derivation] | None = None
    config: dict[str, Any] = {"general": True, "dims": dims, "bias": bias}
    d_instance = None
    if instance is not None:
        d_instance = concrete(command, instance["axes"], bias, padding=instance["padding"])
        extra_checks.append((instance["axes"], d_instance))
        table = d_instance.table
        config["instance"] = d_instance.config
        sizes_text = Joined(("general.list", {}), tuple(
            (f"general.size.{k}", {"value": v}) for k, v in instance["text"].items()))
        instance_section = (("general.section.instance", {"sizes": sizes_text}), d_instance)
    checks = [Check(idt.check, STATEMENTS[idt.statement[0]].format(**idt.statement[1]), idt.holds,
                    None if idt.holds else "the two normal forms differ") for idt in gen.identities]
    checks.append(cross_check(gen, extra_checks))
    forward = np.empty((), dtype=object)
    forward[()] = gen.forward.steps[0].display
    out_index = _tuple_text(gen.forward.free)
    return GeneralDerivation(
        command=command,
        config=config,
        table=table,
        symbols={},
        forward=forward,
        jacobians={},
        grads={},
        checks=checks,
        title=(f"title.general_{command}", {"dims": dims}),
        setup=_setup(gen),
        output_letter=f"y[{out_index}]",
        general=gen,
        instance=instance_section,
    )


# -- the public entry points ----------------------------------------------------------------------


def _validate(input: Any, kernel: Any, dims: Any, per_dim: dict[str, Any], padding: Any,
              unused: dict[str, Any]) -> int:
    """Check the options of a ``--general`` call; return the number of dimensions."""
    if isinstance(dims, bool) or not isinstance(dims, int) or dims not in DIMS:
        raise SpecError("general.dims", got=repr(dims))
    for option, value in unused.items():
        if value not in (None, False):
            raise SpecError("general.unused", param=option_param(option))
    if (input is None) != (kernel is None):
        raise SpecError("general.both", given_param="input" if kernel is None else "kernel",
                        missing_param="kernel" if kernel is None else "input")
    if input is None:
        for option, (value, default) in per_dim.items():
            if parse_per_dim(value, dims, option, minimum=0) != (default,) * dims:
                raise SpecError("general.symbol", param=option_param(option), got=value)
        if parse_padding(padding, ndim=dims) != ((0, 0),) * dims:
            raise SpecError("general.padding", padding=padding)
        return dims
    spatial = parse_shape(input, "--input")
    if dims != 2 and dims != len(spatial):
        raise SpecError("general.dims_input", dims=dims, input=input, count=len(spatial))
    return len(spatial)


def _instance(command: str, options: ConvOptions) -> dict[str, Any]:
    """Resolve the concrete configuration given with ``--general`` (validated by the engine)."""
    cfg = options.config(transposed=command == "deconv")
    ops = cfg.output_padding or (0,) * cfg.ndim
    axes = tuple(AxisConfig(n, k, s, d, p[0], q) for n, k, s, d, p, q in
                 zip(cfg.spatial, cfg.kernel, cfg.stride, cfg.dilation, cfg.padding, ops))
    fmt = lambda t: "x".join(map(str, t))  # noqa: E731
    text = {"input": fmt(cfg.spatial), "kernel": fmt(cfg.kernel), "stride": fmt(cfg.stride),
            "padding": "x".join(str(a) if a == b else f"({a},{b})" for a, b in cfg.padding),
            "dilation": fmt(cfg.dilation)}
    if command == "deconv":
        text["output_padding"] = fmt(ops)
    return {"axes": axes, "padding": cfg.padding, "text": text}


def general_conv(input: Any = None, kernel: Any = None, *, dims: int = 2,
                 unused: dict[str, Any] | None = None, **options: Any) -> Derivation:
    """Convolution for every size: symbolic n, k, s, d, p (``gradsym conv --general``).

    ``options`` are the other :class:`~gradsym.spec.ConvOptions` (``stride``, ``padding``,
    ``dilation``, ``bias``). With ``input`` and ``kernel`` the proof is also instantiated at
    those sizes. ``unused`` maps options that cannot be combined with ``--general`` to their values.

    >>> d = general_conv(dims=1)
    >>> d.forward
    Sum(w[a]*xhat[a*d + i*s - p], (a, 0, k - 1))
    """
    return general_derivation("conv", ConvOptions(input, kernel, **options), dims, unused)


def general_deconv(input: Any = None, kernel: Any = None, *, dims: int = 2,
                   unused: dict[str, Any] | None = None, **options: Any) -> Derivation:
    """Transposed convolution for every size: symbolic n, k, s, d, p, q (``deconv --general``);
    ``options`` as :func:`general_conv`'s, and ``output_padding``.

    >>> d = general_deconv(dims=1)
    >>> d.forward
    Sum(KroneckerDelta(m, a*d + i*s - p)*w[a]*x[i], (a, 0, k - 1), (i, 0, n - 1))
    """
    return general_derivation("deconv", ConvOptions(input, kernel, **options), dims, unused)


# Options a --general proof has no place for (it is for symbolic sizes, plain layout, PyTorch).
NOT_GENERAL = ("groups", "in_channels", "out_channels", "batch", "convention")


def general_derivation(command: str, options: ConvOptions, dims: int,
                       unused: dict[str, Any] | None = None) -> Derivation:
    """``conv --general`` / ``deconv --general`` from the convolution family's options object;
    ``unused`` adds other options (values) that cannot be combined with ``--general``."""
    unused = {**{option: True for option in options.changed(NOT_GENERAL)}, **(unused or {})}
    per_dim = {"--stride": (options.stride, 1), "--dilation": (options.dilation, 1)}
    if command == "deconv":
        per_dim["--output-padding"] = (0 if options.output_padding is None else options.output_padding, 0)
    padding = 0 if options.padding is None else options.padding
    ndim = _validate(options.input, options.kernel, dims, per_dim, padding, unused)
    instance = None
    if options.input is not None:  # also expand the proof at these sizes
        instance = _instance(command, options)
    return build(command, ndim, bool(options.bias), instance)


__all__ = ["general_conv", "general_deconv", "general_derivation", "build"]
