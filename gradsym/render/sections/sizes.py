"""``sizes``: the size arithmetic the layer found, worded: the formula filled in per
dimension, the unread and unwritten positions, the output_padding table — as set-up lines
and as JSON fields."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gradsym.layers.conv import setup_lines
from gradsym.layers.sizes import SizeAxis, SizesDerivation
from gradsym.shapes import effective_kernel

if TYPE_CHECKING:
    from gradsym.derivation import Derivation, Line
    from gradsym.layers.conv import ConvConfig


def formula(ax: SizeAxis, transposed: bool) -> str:
    """The output-size formula of one dimension with its numbers filled in.

    >>> formula(SizeAxis(1, 5, 3, 2, (1, 1), 1, 3, span=4), False)
    'o = ⌊(i + p_b + p_a − d(k−1) − 1)/s⌋ + 1 = ⌊(5 + 1 + 1 − 1·(3−1) − 1)/2⌋ + 1 = ⌊4/2⌋ + 1 = 3'
    """
    i, k, s, (pb, pa), d, o = ax.input, ax.kernel, ax.stride, ax.padding, ax.dilation, ax.output
    if transposed:
        return (f"o′ = s(i′−1) − p_b − p_a + d(k−1) + a + 1 = {s}·({i}−1) − {_signed(pb)} − {_signed(pa)} + "
                f"{d}·({k}−1) + {ax.output_padding} + 1 = {o}")
    return (f"o = ⌊(i + p_b + p_a − d(k−1) − 1)/s⌋ + 1 = ⌊({i} + {pb} + {pa} − {d}·({k}−1) − 1)"
            f"/{s}⌋ + 1 = ⌊{ax.span}/{s}⌋ + 1 = {o}")


def setup(d: Derivation) -> list[Line]:
    """The configuration, then per dimension the formula, what is unread or unwritten, and
    the output_padding table."""
    assert isinstance(d, SizesDerivation)
    cfg = d.conv
    lines = [line for line in setup_lines(cfg) if line[0] != "setup.upstream"]
    if cfg.transposed:
        lines.insert(1, ("setup.output_padding", {"output_padding": "x".join(map(str, cfg.output_padding))}))
    for ax in d.axes:
        lines.append(("sizes.formula", {"axis": ax.axis, "formula": formula(ax, cfg.transposed)}))
        lines += _transposed_lines(ax) if cfg.transposed else _conv_lines(cfg, ax)
    return lines


def json_fields(d: Derivation) -> dict[str, Any]:
    """``output``, ``shape``, ``formula``, ``unread``, … per dimension."""
    assert isinstance(d, SizesDerivation)
    cfg, axes = d.conv, d.axes
    out: dict[str, Any] = {"output": list(cfg.output), "shape": list(cfg.output_shape()),
                           "formula": [formula(ax, cfg.transposed) for ax in axes],
                           "unread": [ax.unread for ax in axes]}
    if cfg.transposed:
        out.update({"unwritten": [ax.unwritten for ax in axes], "conv_output": [ax.back for ax in axes],
                    "inverse": [ax.inverse for ax in axes]})
        if d.framework:
            out["framework"] = d.framework
    else:
        out.update({"remainder": [ax.remainder for ax in axes], "output_padding": [ax.remainder for ax in axes],
                    "inverse": [ax.inverse for ax in axes]})
    return out


def _conv_lines(cfg: ConvConfig, ax: SizeAxis) -> list[Line]:
    lines = [_same_line(cfg, ax)] if cfg.padding_word == "same" else []
    lines += _unread_lines(ax)
    lines.append(("sizes.inverse", {"axis": ax.axis, "table": _table_text(ax.inverse), "restore": ax.remainder,
                                    "input": ax.input}))
    return lines


def _transposed_lines(ax: SizeAxis) -> list[Line]:
    lines: list[Line] = [
        ("sizes.transposed_dead", {
            "axis": ax.axis, "dead": _ranges(ax.unread) if ax.unread else "—",
            "empty": _ranges(ax.unwritten) if ax.unwritten else "—",
        }),
        ("sizes.transposed_inverse", {
            "axis": ax.axis, "table": _table_text(ax.inverse), "input": ax.input, "back": ax.back,
            "stride": ax.stride, "dilation": ax.dilation,
        }),
    ]
    a, s = ax.output_padding, ax.stride
    if a >= s:
        lines.append(("sizes.transposed_beyond", {"axis": ax.axis, "a": a, "s": s, "d": ax.dilation, "extra": a // s}))
    return lines


def _same_line(cfg: ConvConfig, ax: SizeAxis) -> Line:
    i, k, s, d = ax.input, ax.kernel, ax.stride, ax.dilation
    before, after = ax.padding
    if cfg.convention == "torch":
        return ("sizes.same_torch", {"axis": ax.axis, "total": before + after, "d": d, "k": k,
                                     "before": before, "after": after})
    o = -(-i // s)
    return ("sizes.same_tensorflow", {
        "axis": ax.axis, "i": i, "s": s, "o": o, "k_eff": effective_kernel(k, d),
        "total": before + after, "before": before, "after": after,
    })


def _unread_lines(ax: SizeAxis) -> list[Line]:
    """Which input positions no output reads: before the first read one, in between, at the end."""
    lost, size = ax.unread, ax.input
    if not lost:
        return [("sizes.all_read", {"axis": ax.axis})]
    unread = set(lost)
    read = [j for j in range(size) if j not in unread]
    first, last = (read[0], read[-1]) if read else (size, -1)
    start = [j for j in lost if j < first]
    between = [j for j in lost if first < j < last]
    end = [j for j in lost if j > last]
    lines: list[Line] = [("sizes.unread", {"axis": ax.axis, "count": len(lost)})]
    if start:
        lines.append(("sizes.unread_start", {"positions": _ranges(start)}))
    if between:
        lines.append(("sizes.unread_between", {"positions": _ranges(between)}))
    if end:
        lines.append(("sizes.unread_end", {"positions": _ranges(end), "remainder": ax.remainder}))
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


def _signed(n: int) -> str:
    """A number to subtract: negative ones in parentheses (JAX's padding beyond d(k−1))."""
    return str(n) if n >= 0 else f"({n})"
