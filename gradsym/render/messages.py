"""The message catalogue: every piece of prose the renderers print, per language.

>>> Catalogue("en")("section.forward")
'Forward pass'
"""

from __future__ import annotations

LANGUAGES = ("en", "zh")

EN: dict[str, str] = {
    "title.conv": "{dims}-D convolution (cross-correlation, PyTorch semantics)",
    "title.deconv": "{dims}-D transposed convolution (PyTorch semantics)",
    "section.setup": "Set-up",
    "section.symbols": "Symbols",
    "section.forward": "Forward pass",
    "section.jacobian": "Jacobians",
    "section.grad": "Gradients (vector-Jacobian products)",
    "section.proof": "Proofs",
    "section.numeric": "Numbers",
    "section.checks": "Checks",
    "setup.shapes": "input {input}, kernel {kernel}, stride {stride}, padding {padding}, "
    "dilation {dilation}, groups {groups} → output {output}",
    "setup.channels": "batch {batch}, in_channels {in_channels}, out_channels {out_channels}; "
    "PyTorch layouts: input (N, C_in, …), weight {weight_layout}, output (N, C_out, …)",
    "setup.bias": "bias: {bias}",
    "setup.upstream": "g is the upstream gradient dL/dy, one symbol per output element.",
    "word.on": "on",
    "word.off": "off",
    "tensor.input": "input x",
    "tensor.kernel": "kernel k",
    "tensor.bias": "bias b",
    "tensor.upstream": "upstream gradient g = dL/dy",
    "tensor.output": "output y",
    "jacobian.table": "∂{out}/∂{wrt}",
    "jacobian.intro": "Each table holds ∂y/∂{wrt} for one output element, found by differentiating "
    "the expanded forward expressions; {nonzeros} of {total} entries are not identically zero.",
    "grad.intro": "dL/d{wrt} = Σ_o g_o · ∂y_o/∂{wrt}",
    "summary.more": "… {count} more (use --full to show all)",
    "summary.grid": "{shape} grid, showing the top-left {rows}x{cols} corner (use --full to show all)",
    "proof.g_tilde": "g̃: g zero-inserted by the stride, padded by d(k−1), r = {remainder} zeros appended",
    "proof.k_rot": "rot180(k), dilated",
    "proof.crop": "Correlating g̃ with rot180(k) gives a {full} grid; cropping it to rows/columns "
    "[p : p+i] = {crop} gives exactly dL/dx.",
    "check.grad_input_equals_full_conv_rot180_kernel": "dL/dx equals the full convolution of "
    "the stride-zero-inserted g with the kernel rotated 180° (and dilated), cropped to the input",
    "check.grad_kernel_equals_conv_input_upstream": "dL/dk equals the convolution of the "
    "zero-padded input with g (stride d, dilation s), cropped to the kernel, summed over the batch",
    "check.grad_bias_equals_upstream_sum": "dL/db equals the sum of g",
    "check.jacobian_matches_autodiff_numeric": "the symbolic Jacobians at the given values equal "
    "an independent exact numeric differentiation of the forward pass",
    "check.holds": "holds",
    "check.fails": "FAILS",
    "numeric.values": "values",
    "numeric.absent": "Give values (e.g. {options}) to evaluate everything exactly.",
    "verdict.ok": "All {count} checks hold.",
    "verdict.fail": "{count} check(s) FAILED.",
    # -- deconv --
    # -- sizes/convention --
    # -- linear/mlp --
    # -- expr/matrix --
    # -- pool/batchnorm --
    # -- chain --
    # -- general --
    # -- robustness --
}

ZH: dict[str, str] = {}

CATALOGUES = {"en": EN, "zh": ZH}


class Catalogue:
    """Look up a message in one language, falling back to English."""

    def __init__(self, lang: str = "en") -> None:
        self.lang = lang
        self.messages = CATALOGUES.get(lang, EN)

    def get(self, key: str, default: str) -> str:
        """The message for ``key``, or ``default`` when the catalogue has none."""
        return self.messages.get(key) or EN.get(key) or default

    def __call__(self, key: str, **params: object) -> str:
        text = self.messages.get(key) or EN[key]
        return text.format(**params) if params else text
