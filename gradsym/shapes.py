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
    """Padding for ``same``: PyTorch (stride 1) or TensorFlow (any stride), extra at the end."""
    if convention == "tensorflow":
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
            raise SpecError(
                f"--kernel {k} (dilated extent {effective_kernel(k, d)}) is larger than the "
                f"padded input {i + p[0] + p[1]} in dimension {axis + 1}; use a smaller "
                f"--kernel/--dilation or more --padding"
            )
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
            raise SpecError(
                f"--output-padding {a} must be smaller than the stride ({s}) or the dilation "
                f"({d}) in dimension {axis + 1}"
            )
        o = transposed_output_size(i, k, stride=s, padding=p, dilation=d, output_padding=a)
        if o < 1:
            raise SpecError(
                f"the transposed convolution's output would be empty ({o}) in dimension "
                f"{axis + 1}; use less --padding"
            )
        out.append(o)
    return tuple(out)
