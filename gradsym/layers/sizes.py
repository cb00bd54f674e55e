"""Output-size arithmetic, written out: ``gradsym sizes``.

Every number comes from :mod:`gradsym.shapes` (the one place the engine's size
arithmetic lives): the output size per dimension, the input positions no output
reads, and the ``output_padding`` values with which a transposed convolution
inverts each shape, one :class:`SizeAxis` per dimension (worded, with the formula
filled in, by ``render/sections/sizes.py``). Two checks recompute the sizes
independently, by counting windows one by one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gradsym.derivation import Derivation
from gradsym.errors import SpecError
from gradsym.layers.conv import ConvConfig, require
from gradsym.layers.conventions import with_framework
from gradsym.poly import Poly, VarTable
from gradsym.proofs import Check
from gradsym.shapes import (
    conv_output_size,
    conv_remainder,
    conv_span,
    transposed_dead_positions,
    transposed_output_size,
    transposed_size_range,
    unread_positions,
)
from gradsym.spec import ConvOptions
from gradsym.spec.values import option_param


@dataclass(frozen=True)
class SizeAxis:
    """What the size arithmetic found along one spatial dimension (``axis`` counts from 1).

    A convolution: ``span`` is the padded input minus the dilated kernel's reach, ``unread``
    the input positions no output reads, ``remainder`` r (positions past the last window),
    ``inverse`` every input size the convolution maps to ``output``, with the output_padding
    a transposed convolution needs to give it back. A transposed convolution: ``unread`` the
    inputs whose writes are all cropped, ``unwritten`` the outputs no input writes, ``back``
    the size the convolution maps ``output`` to, ``inverse`` every valid output_padding and
    the size it gives.
    """

    axis: int
    input: int
    kernel: int
    stride: int
    padding: tuple[int, int]
    dilation: int
    output: int
    output_padding: int = 0
    span: int = 0
    remainder: int = 0
    back: int = 0
    unread: list[int] = field(default_factory=list)
    unwritten: list[int] = field(default_factory=list)
    inverse: list[dict[str, int]] = field(default_factory=list)


class SizesDerivation(Derivation):
    """The size arithmetic of a convolution: ``conv`` its configuration, ``axes`` what was
    found per dimension, ``framework`` the framework's own words for a transposed
    convolution's padding (TensorFlow/JAX), if any. Worded in ``render/sections/sizes.py``."""

    def __init__(self, *, conv: ConvConfig, axes: list[SizeAxis], framework: dict[str, Any] | None = None,
                 **fields: Any) -> None:
        super().__init__(**fields)
        self.conv = conv
        self.axes = axes
        self.framework = framework


def sizes(
    input: Any = None,
    kernel: Any = None,
    *,
    stride: Any = 1,
    padding: Any = None,
    dilation: Any = 1,
    groups: int = 1,
    in_channels: int | None = None,
    out_channels: int | None = None,
    batch: int | None = None,
    bias: bool = False,
    transposed: bool = False,
    output_padding: Any = None,
    output_size: Any = None,
    convention: str = "torch",
) -> SizesDerivation:
    """The output size of a (transposed) convolution, per dimension, with the formula filled in.

    >>> d = sizes(input="5x5", kernel="3x3", stride=2, padding=1)
    >>> d.to_dict()["output"], d.to_dict()["formula"][0]
    ([3, 3], 'o = ⌊(i + p_b + p_a − d(k−1) − 1)/s⌋ + 1 = ⌊(5 + 1 + 1 − 1·(3−1) − 1)/2⌋ + 1 = ⌊4/2⌋ + 1 = 3')
    """
    require(input, "--input", "5x5")
    require(kernel, "--kernel", "3x3")
    conv = ConvOptions.of(locals())
    if transposed:
        from gradsym.layers.deconv import transposed_config

        cfg, options = transposed_config(conv, output_size)
        return _transposed(with_framework(cfg, options), options.framework)
    for value, option in ((output_padding, "--output-padding"), (output_size, "--output-size")):
        if value is not None:
            raise SpecError("sizes.transposed_only", param=option_param(option))
    return _forward(conv.config())


# ---------------------------------------------------------------------------
# A convolution


def _forward(cfg: ConvConfig) -> SizesDerivation:
    axes = []
    for axis, (i, k, s, p, d, o) in enumerate(zip(cfg.spatial, cfg.kernel, cfg.stride, cfg.padding,
                                                  cfg.dilation, cfg.output)):
        # Every input size the convolution maps to o, and the output_padding that gets back to it.
        base = transposed_output_size(o, k, stride=s, padding=p, dilation=d, output_padding=0)
        table = [{"output_padding": n - base, "size": n}
                 for n in transposed_size_range(o, k, stride=s, padding=p, dilation=d)]
        axes.append(SizeAxis(
            axis + 1, i, k, s, p, d, o, span=conv_span(i, k, p, d),
            remainder=conv_remainder(i, k, stride=s, padding=p, dilation=d),
            unread=unread_positions(i, k, stride=s, padding=p, dilation=d), inverse=table,
        ))
    checks = [_window_count_check(cfg.spatial, cfg), _restore_check(cfg, axes)]
    return _derivation(cfg, axes, checks, "title.sizes")


def count_windows(size: int, kernel: int, stride: int, padding: tuple[int, int], dilation: int) -> int:
    """Slide the window along the padded input one stride at a time and count where it fits."""
    padded = size + padding[0] + padding[1]
    extent = dilation * (kernel - 1) + 1
    count, start = 0, 0
    while start + extent <= padded:
        count += 1
        start += stride
    return count


def _window_count_check(inputs: tuple[int, ...], cfg: ConvConfig, expected: tuple[int, ...] | None = None) -> Check:
    counted = tuple(count_windows(i, k, s, p, d) for i, k, s, p, d in
                    zip(inputs, cfg.kernel, cfg.stride, cfg.padding, cfg.dilation))
    target = cfg.output if expected is None else expected
    holds = counted == tuple(target)
    return Check(
        "output_size_equals_window_count",
        "the formula's size equals the number of window positions counted one stride at a time "
        f"along the padded input: {'x'.join(map(str, counted))}",
        holds, None if holds else f"counted {counted}, formula {tuple(target)}",
    )


def _restore_check(cfg: ConvConfig, axes: list[SizeAxis]) -> Check:
    mismatch = None
    for axis, ax in enumerate(axes):
        i, k, s, p, d, o, r = ax.input, ax.kernel, ax.stride, ax.padding, ax.dilation, ax.output, ax.remainder
        table = ax.inverse
        for row in table:
            if count_windows(row["size"], k, s, p, d) != o:
                mismatch = f"dimension {axis + 1}: size {row['size']} does not map back to {o}"
        restored = [row["size"] for row in table if row["output_padding"] == r]
        if restored != [i]:
            mismatch = f"dimension {axis + 1}: output_padding {r} gives {restored}, not {i}"
    return Check(
        "output_padding_restores_input",
        "a transposed convolution with the same k, s, p, d and output_padding a maps the output "
        "back to every listed size, each of which the convolution maps to the output; a = r "
        "restores this input",
        mismatch is None, mismatch,
    )


# ---------------------------------------------------------------------------
# A transposed convolution


def _transposed(cfg: ConvConfig, framework: dict[str, Any]) -> SizesDerivation:
    axes = []
    for axis, (i, k, s, p, d, a, o) in enumerate(zip(cfg.spatial, cfg.kernel, cfg.stride, cfg.padding,
                                                     cfg.dilation, cfg.output_padding, cfg.output)):
        dead, empty = transposed_dead_positions(i, k, stride=s, padding=p, dilation=d, output_padding=a)
        base = transposed_output_size(i, k, stride=s, padding=p, dilation=d, output_padding=0)
        table = [{"output_padding": n - base, "size": n}
                 for n in transposed_size_range(i, k, stride=s, padding=p, dilation=d)]
        axes.append(SizeAxis(axis + 1, i, k, s, p, d, o, output_padding=a,
                             back=conv_output_size(o, k, stride=s, padding=p, dilation=d),
                             unread=dead, unwritten=empty, inverse=table))
    checks = [_window_count_check(cfg.output, cfg, tuple(ax.back for ax in axes)), _inverse_check(cfg, axes)]
    return _derivation(cfg, axes, checks, "title.sizes_transposed", framework)


def _inverse_check(cfg: ConvConfig, axes: list[SizeAxis]) -> Check:
    mismatch = None
    for axis, ax in enumerate(axes):
        i, k, s, p, d = ax.input, ax.kernel, ax.stride, ax.padding, ax.dilation
        for row in ax.inverse:
            if count_windows(row["size"], k, s, p, d) != i:
                mismatch = f"dimension {axis + 1}: size {row['size']} does not map back to {i}"
    return Check(
        "output_padding_restores_input",
        "for every listed output_padding a, the convolution with the same k, s, p, d maps the "
        "transposed convolution's output (size counted window by window) back to the input",
        mismatch is None, mismatch,
    )


# ---------------------------------------------------------------------------


def _derivation(cfg: ConvConfig, axes: list[SizeAxis], checks: list[Check], title: str,
                framework: dict[str, Any] | None = None) -> SizesDerivation:
    config = cfg.to_json()
    config["transposed"] = cfg.transposed
    if cfg.padding_word:
        config["padding_word"] = cfg.padding_word
    # The "forward pass" of a size computation: one constant per dimension, o₁ = 3, …
    forward = np.empty(cfg.ndim, dtype=object)
    forward[:] = [Poly({(): o}) for o in cfg.output]
    return SizesDerivation(
        command="sizes",
        config=config,
        table=VarTable(),
        symbols={},
        forward=forward,
        jacobians={},
        grads={},
        checks=checks,
        title=(title, {"dims": cfg.ndim}),
        output_letter="o",
        conv=cfg,
        axes=axes,
        framework=framework,
    )
