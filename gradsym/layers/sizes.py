"""Output-size arithmetic, written out: ``gradsym sizes``.

Every number comes from :mod:`gradsym.shapes` (the one place the engine's size
arithmetic lives): the output size per dimension with its formula filled in,
the input positions no output reads, and the ``output_padding`` values with
which a transposed convolution inverts each shape. Two checks recompute the
sizes independently, by counting windows one by one.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gradsym.derivation import Derivation
from gradsym.errors import SpecError
from gradsym.layers.conv import ConvConfig, require, setup_lines
from gradsym.layers.conventions import with_framework
from gradsym.poly import Poly, VarTable
from gradsym.proofs import Check
from gradsym.shapes import (
    conv_output_size,
    conv_remainder,
    conv_span,
    effective_kernel,
    transposed_dead_positions,
    transposed_output_size,
    transposed_size_range,
    unread_positions,
)
from gradsym.spec import ConvOptions
from gradsym.spec.values import option_param


class SizesDerivation(Derivation):
    """The size arithmetic of a convolution: ``conv`` its configuration, ``facts`` the sizes,
    formulas, unread positions and output_padding table found (the JSON fields)."""

    def __init__(self, *, conv: ConvConfig, facts: dict[str, Any], **fields: Any) -> None:
        super().__init__(**fields)
        self.conv = conv
        self.facts = facts


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
    per_dim = list(zip(cfg.spatial, cfg.kernel, cfg.stride, cfg.padding, cfg.dilation, cfg.output))
    formulas, unread, inverse, restore, lines = [], [], [], [], []
    for axis, (i, k, s, p, d, o) in enumerate(per_dim):
        span = conv_span(i, k, p, d)
        formula = (f"o = ⌊(i + p_b + p_a − d(k−1) − 1)/s⌋ + 1 = ⌊({i} + {p[0]} + {p[1]} − {d}·({k}−1) − 1)"
                   f"/{s}⌋ + 1 = ⌊{span}/{s}⌋ + 1 = {o}")
        formulas.append(formula)
        lines.append(("sizes.formula", {"axis": axis + 1, "formula": formula}))
        if cfg.padding_word == "same":
            lines.append(_same_line(cfg, axis))
        lost = unread_positions(i, k, stride=s, padding=p, dilation=d)
        unread.append(lost)
        lines += _unread_lines(axis, lost, i, conv_remainder(i, k, stride=s, padding=p, dilation=d))
        # Every input size the convolution maps to o, and the output_padding that gets back to it.
        base = transposed_output_size(o, k, stride=s, padding=p, dilation=d, output_padding=0)
        table = [{"output_padding": n - base, "size": n}
                 for n in transposed_size_range(o, k, stride=s, padding=p, dilation=d)]
        inverse.append(table)
        r = conv_remainder(i, k, stride=s, padding=p, dilation=d)
        restore.append(r)
        lines.append(("sizes.inverse", {"axis": axis + 1, "table": _table_text(table), "restore": r,
                                        "input": i}))
    checks = [_window_count_check(cfg.spatial, cfg), _restore_check(cfg, inverse, restore)]
    json = {"output": list(cfg.output), "shape": list(cfg.output_shape()), "formula": formulas,
            "unread": unread, "remainder": list(cfg.remainder()), "output_padding": restore,
            "inverse": inverse}
    return _derivation(cfg, lines, checks, json, "title.sizes")


def _same_line(cfg: ConvConfig, axis: int) -> tuple[str, dict[str, Any]]:
    i, k, s, d = cfg.spatial[axis], cfg.kernel[axis], cfg.stride[axis], cfg.dilation[axis]
    before, after = cfg.padding[axis]
    if cfg.convention == "torch":
        return ("sizes.same_torch", {"axis": axis + 1, "total": before + after, "d": d, "k": k,
                                     "before": before, "after": after})
    o = -(-i // s)
    return ("sizes.same_tensorflow", {
        "axis": axis + 1, "i": i, "s": s, "o": o, "k_eff": effective_kernel(k, d),
        "total": before + after, "before": before, "after": after,
    })


def _unread_lines(axis: int, lost: list[int], size: int, remainder: int) -> list[tuple[str, dict[str, Any]]]:
    """Which input positions no output reads: before the first read one, in between, at the end."""
    if not lost:
        return [("sizes.all_read", {"axis": axis + 1})]
    unread = set(lost)
    read = [j for j in range(size) if j not in unread]
    first, last = (read[0], read[-1]) if read else (size, -1)
    start = [j for j in lost if j < first]
    between = [j for j in lost if first < j < last]
    end = [j for j in lost if j > last]
    lines: list[tuple[str, dict[str, Any]]] = [("sizes.unread", {"axis": axis + 1, "count": len(lost)})]
    if start:
        lines.append(("sizes.unread_start", {"positions": _ranges(start)}))
    if between:
        lines.append(("sizes.unread_between", {"positions": _ranges(between)}))
    if end:
        lines.append(("sizes.unread_end", {"positions": _ranges(end), "remainder": remainder}))
    return lines


def _ranges(positions: list[int]) -> str:
    """``0–3, 7`` for [0, 1, 2, 3, 7]."""
    out: list[str] = []
    start = prev = positions[0]
    for j in positions[1:] + [None]:  # type: ignore[list-item]
        if j is not None and j == prev + 1:
            prev = j
            continue
        out.append(str(start) if start == prev else f"{start}–{prev}")
        if j is not None:
            start = prev = j
    return ", ".join(out)


def _table_text(table: list[dict[str, int]]) -> str:
    return ", ".join(f"a={row['output_padding']} → {row['size']}" for row in table)


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


def _restore_check(cfg: ConvConfig, inverse: list[list[dict[str, int]]], restore: list[int]) -> Check:
    mismatch = None
    for axis, (table, r) in enumerate(zip(inverse, restore)):
        i, k, s, p, d, o = (cfg.spatial[axis], cfg.kernel[axis], cfg.stride[axis], cfg.padding[axis],
                            cfg.dilation[axis], cfg.output[axis])
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


def _signed(n: int) -> str:
    """A number to subtract: negative ones in parentheses (JAX's padding beyond d(k−1))."""
    return str(n) if n >= 0 else f"({n})"


def _transposed(cfg: ConvConfig, framework: dict[str, Any]) -> SizesDerivation:
    per_dim = zip(cfg.spatial, cfg.kernel, cfg.stride, cfg.padding, cfg.dilation, cfg.output_padding,
                  cfg.output)
    formulas, unread, unwritten, inverse, back, lines = [], [], [], [], [], []
    for axis, (i, k, s, p, d, a, o) in enumerate(per_dim):
        formula = (f"o′ = s(i′−1) − p_b − p_a + d(k−1) + a + 1 = {s}·({i}−1) − {_signed(p[0])} − {_signed(p[1])} + "
                   f"{d}·({k}−1) + {a} + 1 = {o}")
        formulas.append(formula)
        lines.append(("sizes.formula", {"axis": axis + 1, "formula": formula}))
        dead, empty = transposed_dead_positions(i, k, stride=s, padding=p, dilation=d, output_padding=a)
        unread.append(dead)
        unwritten.append(empty)
        lines.append(("sizes.transposed_dead", {
            "axis": axis + 1, "dead": _ranges(dead) if dead else "—",
            "empty": _ranges(empty) if empty else "—",
        }))
        valid = transposed_size_range(i, k, stride=s, padding=p, dilation=d)
        base = transposed_output_size(i, k, stride=s, padding=p, dilation=d, output_padding=0)
        table = [{"output_padding": n - base, "size": n} for n in valid]
        inverse.append(table)
        conv_back = conv_output_size(o, k, stride=s, padding=p, dilation=d)
        back.append(conv_back)
        lines.append(("sizes.transposed_inverse", {
            "axis": axis + 1, "table": _table_text(table), "input": i, "back": conv_back,
            "stride": s, "dilation": d,
        }))
        if a >= s:
            lines.append(("sizes.transposed_beyond", {"axis": axis + 1, "a": a, "s": s, "d": d,
                                                      "extra": a // s}))
    checks = [_window_count_check(cfg.output, cfg, tuple(back)), _inverse_check(cfg, inverse)]
    json: dict[str, Any] = {
        "output": list(cfg.output), "shape": list(cfg.output_shape()), "formula": formulas,
        "unread": unread, "unwritten": unwritten, "conv_output": back, "inverse": inverse,
    }
    if framework:
        json["framework"] = framework
    return _derivation(cfg, lines, checks, json, "title.sizes_transposed")


def _inverse_check(cfg: ConvConfig, inverse: list[list[dict[str, int]]]) -> Check:
    mismatch = None
    for axis, table in enumerate(inverse):
        i, k, s, p, d = cfg.spatial[axis], cfg.kernel[axis], cfg.stride[axis], cfg.padding[axis], cfg.dilation[axis]
        for row in table:
            if count_windows(row["size"], k, s, p, d) != i:
                mismatch = f"dimension {axis + 1}: size {row['size']} does not map back to {i}"
    return Check(
        "output_padding_restores_input",
        "for every listed output_padding a, the convolution with the same k, s, p, d maps the "
        "transposed convolution's output (size counted window by window) back to the input",
        mismatch is None, mismatch,
    )


# ---------------------------------------------------------------------------


def _derivation(
    cfg: ConvConfig, lines: list[tuple[str, dict[str, Any]]], checks: list[Check], json: dict[str, Any],
    title: str,
) -> SizesDerivation:
    config = cfg.to_json()
    config["transposed"] = cfg.transposed
    if cfg.padding_word:
        config["padding_word"] = cfg.padding_word
    setup = [line for line in setup_lines(cfg) if line[0] != "setup.upstream"]
    if cfg.transposed:
        setup.insert(1, ("setup.output_padding", {"output_padding": "x".join(map(str, cfg.output_padding))}))
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
        setup=setup + lines,
        output_letter="o",
        conv=cfg,
        facts=json,
    )
