"""Output-size arithmetic, PyTorch's rules, in one place.

>>> conv_output_size(5, 3, stride=2, padding=(1, 1), dilation=1)
3
>>> transposed_output_size(3, 3, stride=2, padding=(1, 1), dilation=1, output_padding=1)
6
"""

from __future__ import annotations

from gradsym.errors import SpecError


def effective_kernel(kernel: int, dilation: int) -> int:
    """Extent of a dilated kernel: d·(k−1)+1."""
    return dilation * (kernel - 1) + 1


def conv_span(size: int, kernel: int, padding: tuple[int, int], dilation: int) -> int:
    """i + p_before + p_after − d(k−1) − 1: the quantity floor-divided by the stride."""
    return size + padding[0] + padding[1] - dilation * (kernel - 1) - 1


def conv_output_size(
    size: int, kernel: int, *, stride: int, padding: tuple[int, int], dilation: int
) -> int:
    """o = ⌊(i + 2p − d(k−1) − 1)/s⌋ + 1 (with p split into before/after)."""
    return conv_span(size, kernel, padding, dilation) // stride + 1


def conv_remainder(
    size: int, kernel: int, *, stride: int, padding: tuple[int, int], dilation: int
) -> int:
    """r = (i + 2p − d(k−1) − 1) mod s: input rows the floor division leaves unread."""
    return conv_span(size, kernel, padding, dilation) % stride


def transposed_output_size(
    size: int,
    kernel: int,
    *,
    stride: int,
    padding: tuple[int, int],
    dilation: int,
    output_padding: int,
) -> int:
    """o′ = s(i′−1) − 2p + d(k−1) + a + 1."""
    return stride * (size - 1) - padding[0] - padding[1] + dilation * (kernel - 1) + output_padding + 1


def same_padding(kernel: int, dilation: int, *, stride: int, size: int, convention: str) -> tuple[int, int]:
    """Padding for ``same``: PyTorch (stride 1) or TensorFlow/JAX (any stride), extra at the end.

    TensorFlow and JAX share one rule: o = ⌈i/s⌉, total = max((o−1)s + d(k−1)+1 − i, 0).
    """
    if convention in ("tensorflow", "jax"):
        out = -(-size // stride)
        total = max((out - 1) * stride + effective_kernel(kernel, dilation) - size, 0)
    else:
        total = dilation * (kernel - 1)
    return (total // 2, total - total // 2)


def conv_output_shape(
    spatial: tuple[int, ...],
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    padding: tuple[tuple[int, int], ...],
    dilation: tuple[int, ...],
) -> tuple[int, ...]:
    """Output spatial shape of a convolution, or a SpecError when it would be empty."""
    out = []
    for axis, (i, k, s, p, d) in enumerate(zip(spatial, kernel, stride, padding, dilation)):
        if conv_span(i, k, p, d) < 0:
            raise SpecError("shapes.kernel_large", kernel=k, extent=effective_kernel(k, d),
                            padded=i + p[0] + p[1], axis=axis + 1)
        out.append(conv_output_size(i, k, stride=s, padding=p, dilation=d))
    return tuple(out)


def transposed_output_shape(
    spatial: tuple[int, ...],
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    padding: tuple[tuple[int, int], ...],
    dilation: tuple[int, ...],
    output_padding: tuple[int, ...],
) -> tuple[int, ...]:
    """Output spatial shape of a transposed convolution, or a SpecError when empty."""
    out = []
    for axis, (i, k, s, p, d, a) in enumerate(
        zip(spatial, kernel, stride, padding, dilation, output_padding)
    ):
        if a >= s and a >= d:
            raise SpecError("shapes.output_padding", output_padding=a, stride=s, dilation=d,
                            axis=axis + 1)
        o = transposed_output_size(i, k, stride=s, padding=p, dilation=d, output_padding=a)
        if o < 1:
            raise SpecError("shapes.transposed_empty", size=o, axis=axis + 1)
        out.append(o)
    return tuple(out)


# ---------------------------------------------------------------------------
# Transposed convolutions across frameworks, inverse shapes, unread positions


def transposed_size_range(
    size: int, kernel: int, *, stride: int, padding: tuple[int, int], dilation: int
) -> list[int]:
    """Every output size whose convolution (same k, s, p, d) comes back to ``size``.

    These are o′ = s(i−1) − p_b − p_a + d(k−1) + 1 + a for a = 0 … s−1 (the sizes the
    floor division maps to i); TensorFlow's ``conv2d_transpose`` accepts exactly these.

    >>> transposed_size_range(3, 3, stride=2, padding=(1, 1), dilation=1)
    [5, 6]
    """
    base = transposed_output_size(
        size, kernel, stride=stride, padding=padding, dilation=dilation, output_padding=0
    )
    return [base + a for a in range(stride) if base + a >= 1]


def keras_transposed_size(
    size: int, kernel: int, *, stride: int, padding: tuple[int, int], dilation: int, same: bool
) -> int:
    """Keras' default output size of a transposed convolution (``Conv2DTranspose``).

    ``same``: s·i. Otherwise s·i + max(d(k−1)+1 − s, 0) − p_b − p_a, i.e.
    output_padding max(s − d(k−1) − 1, 0).

    >>> keras_transposed_size(3, 1, stride=2, padding=(0, 0), dilation=1, same=False)
    6
    """
    if same:
        return stride * size
    return stride * size + max(effective_kernel(kernel, dilation) - stride, 0) - padding[0] - padding[1]


def jax_transpose_padding(kernel: int, dilation: int, *, stride: int, word: str) -> tuple[int, int]:
    """Padding JAX's ``lax.conv_transpose`` puts around the stride-dilated input for ``VALID``/``SAME``.

    Mirrors ``jax._src.lax.convolution._conv_transpose_padding`` with k_eff = d(k−1)+1:
    SAME pads k_eff+s−2 in total (k_eff−1 before when s > k_eff−1, else half rounded up);
    VALID pads k_eff−1 before and s−1+max(k_eff−s, 0) after.

    >>> jax_transpose_padding(3, 1, stride=2, word="valid")
    (2, 2)
    """
    k = effective_kernel(kernel, dilation)
    if word == "same":
        total = k + stride - 2
        before = k - 1 if stride > k - 1 else -(-total // 2)
    else:
        total = k + stride - 2 + max(k - stride, 0)
        before = k - 1
    return (before, total - before)


def torch_equivalent_of_dilated_padding(
    pads: tuple[int, int], kernel: int, dilation: int
) -> tuple[tuple[int, int], int] | None:
    """PyTorch's (padding, output_padding) for a transposed convolution written as a correlation
    of the stride-dilated input padded by ``pads`` (JAX's form); None when there is none.

    PyTorch pads the dilated input by d(k−1) − p_b before and d(k−1) − p_a + a after.

    >>> torch_equivalent_of_dilated_padding((2, 2), 3, 1)
    ((0, 0), 0)
    >>> torch_equivalent_of_dilated_padding((2, 3), 3, 1)
    ((0, 0), 1)
    """
    reach = dilation * (kernel - 1)
    before, after = pads
    if before > reach:
        return None
    if after <= reach:
        return (reach - before, reach - after), 0
    return (reach - before, 0), after - reach


def unread_positions(
    size: int, kernel: int, *, stride: int, padding: tuple[int, int], dilation: int
) -> list[int]:
    """Input positions (0-based) that no output of a convolution reads.

    >>> unread_positions(8, 2, stride=2, padding=(0, 0), dilation=3)
    [1, 6]
    """
    out = conv_output_size(size, kernel, stride=stride, padding=padding, dilation=dilation)
    read = _hits(size, out, kernel, stride, dilation, -padding[0])
    return [i for i, hit in enumerate(read) if not hit]


def transposed_dead_positions(
    size: int,
    kernel: int,
    *,
    stride: int,
    padding: tuple[int, int],
    dilation: int,
    output_padding: int,
) -> tuple[list[int], list[int]]:
    """A transposed convolution's input positions whose every contribution is cropped away,
    and its output positions no input writes to (both 0-based).

    >>> transposed_dead_positions(2, 1, stride=3, padding=(0, 0), dilation=1, output_padding=1)
    ([], [1, 2, 4])
    """
    out = transposed_output_size(
        size, kernel, stride=stride, padding=padding, dilation=dilation, output_padding=output_padding
    )
    written = _hits(out, size, kernel, stride, dilation, -padding[0])
    # Input i writes to s·i + d·q − p_b; it is used when one of those lands inside [0, out).
    used = [False] * size
    for i in range(size):
        first = stride * i - padding[0]
        # smallest q with first + d·q ≥ 0, then check it is below out
        q = -(first // dilation) if first < 0 else 0  # ⌈−first/d⌉
        used[i] = q < kernel and first + dilation * q < out
    dead_in = [i for i, u in enumerate(used) if not u]
    return dead_in, [j for j, hit in enumerate(written) if not hit]


def _hits(length: int, count: int, kernel: int, stride: int, dilation: int, shift: int) -> list[bool]:
    """Which of 0 … length−1 equal s·p + d·q + shift for some p < count, q < kernel."""
    import numpy as np

    hit = np.zeros(length, dtype=bool)
    # Loop over the shorter of the two progressions; the other is one strided slice.
    outer, inner, step_outer, step_inner = (
        (kernel, count, dilation, stride) if kernel <= count else (count, kernel, stride, dilation)
    )
    for a in range(outer):
        start = shift + step_outer * a
        # the inner progression start + step_inner·b, b < inner, clipped to [0, length)
        lo = 0 if start >= 0 else -(start // step_inner)  # ⌈−start/step⌉
        hi = min(inner, (length - 1 - start) // step_inner + 1) if length - 1 >= start else 0
        if lo < hi:
            hit[start + step_inner * lo : start + step_inner * (hi - 1) + 1 : step_inner] = True
    return hit.tolist()
