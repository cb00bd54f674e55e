"""Animations: the forward and backward passes of conv, deconv and pool as GIFs.

Writes conv.gif (a strided, padded convolution: each output's window, then dL/dx as the
full convolution of the zero-inserted, padded g with the kernel rotated 180°), deconv.gif,
pool.gif and channels.gif (2 input, 2 output channels, slice by slice), each with the
derivation it shows as a document (Markdown, LaTeX, PDF). Every GIF is checked: one frame per output element, then one per input-gradient element (pool:
one per routed g), as PyTorch's output-size rule counts them. ``--docs`` also refreshes
the README's picture, docs/conv.gif.

    python examples/animations.py [OUTPUT_FOLDER] [--docs]     # default: examples/out/
"""

from __future__ import annotations

import io
import math
import sys
from pathlib import Path

from _common import write_article
from PIL import Image

import gradsym
from gradsym.render.animate import plan_animation
from gradsym.render.animate_draw import render_gif

DOCS = Path(__file__).resolve().parent.parent / "docs"
MAX_BYTES = 500_000  # the README's GIF stays small


def conv_output(size: int, kernel: int, stride: int, padding: int) -> int:
    """PyTorch's rule for one dimension: ⌊(i + 2p − k)/s⌋ + 1."""
    return (size + 2 * padding - kernel) // stride + 1


def main() -> None:
    args = [a for a in sys.argv[1:] if a != "--docs"]
    folder = Path(args[0]) if args else Path(__file__).resolve().parent / "out"
    folder.mkdir(parents=True, exist_ok=True)

    conv = gradsym.conv(input=(3, 3), kernel=(2, 2), stride=2, padding=1)
    deconv = gradsym.deconv(input=(3,), kernel=(2,), stride=2, x="1,2,3", k="1,-1")
    pool = gradsym.pool(input=(4, 4), size=(2, 2), x="[[1,5,2,0],[3,4,8,1],[0,2,6,6],[7,1,3,9]]")
    channels = gradsym.conv(input=(3, 3), kernel=(2, 2), in_channels=2, out_channels=2)
    out = conv_output(3, 2, 2, 1)
    expected = {
        "conv": out * out + 3 * 3,  # one frame per y, then one per dL/dx
        "deconv": (2 * (3 - 1) + 2) + 3,  # o′ = s(i − 1) + k outputs, then 3 inputs
        "pool": 2 * (2 * 2),  # each window, then each g routed to its maximum
        # per y (2 output channels of 2x2) one frame per input channel, then per dL/dx
        # (2 input channels of 3x3) one per output channel
        "channels": 2 * 2 * 2 * 2 + 2 * 3 * 3 * 2,
    }
    for name, d in (("conv", conv), ("deconv", deconv), ("pool", pool), ("channels", channels)):
        assert d.holds, name
        data, drawn = render_gif(d)
        frames = Image.open(io.BytesIO(data)).n_frames
        assert frames == len(plan_animation(d).frames) == expected[name], (name, frames)
        labels = " ".join(" ".join(drawn[0] + drawn[-1]).split())
        for label in ("input x", "∂L/∂x", "frame 1/"):
            assert label in labels, (name, label)
        path = folder / f"{name}.gif"
        path.write_bytes(data)
        print(f"wrote {path} ({frames} frames, {len(data) / 1000:.0f} kB)")
        if name == "conv":
            assert "rot180(k)" in labels and "g̃" in labels
            assert len(data) < MAX_BYTES, len(data)
            if "--docs" in sys.argv[1:]:
                DOCS.mkdir(exist_ok=True)
                (DOCS / "conv.gif").write_bytes(data)
                print(f"wrote {DOCS / 'conv.gif'}")
    assert math.prod(pool.numeric.forward_values.shape) == 4
    write_article(
        folder, "animations", "Animations of the forward and backward passes",
        [
            "conv.gif shows a 3x3 input, a 2x2 kernel, stride 2 and padding 1: each output's "
            "window on the padded input, then each entry of dL/dx as a window of the "
            "zero-inserted, padded upstream gradient times the kernel rotated by 180 degrees.",
            "deconv.gif shows a transposed convolution gathering what its inputs scatter, then "
            "its input gradient as a convolution of the padded g with the kernel; pool.gif shows "
            "each max-pooling window and where each upstream gradient goes.",
            "channels.gif shows 2 input and 2 output channels: each output element sums one "
            "window per input channel, each drawn on its own labelled slice with its kernel slice.",
        ],
        [
            ("The convolution of conv.gif.", conv),
            ("The transposed convolution of deconv.gif.", deconv),
            ("The max pooling of pool.gif.", pool),
            ("The convolution with channels of channels.gif.", channels),
        ],
    )


if __name__ == "__main__":
    main()
