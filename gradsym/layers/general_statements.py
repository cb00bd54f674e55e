"""The English statements of the ``--general`` proofs (catalogue keys → text).

The engine states its checks in English (``Check.statement``, the JSON's ``statement``); the
message catalogue takes these same entries, and translates them by key.
"""

STATEMENTS: dict[str, str] = {
    "general.check.full_conv": "for every size, ∂L/∂x[j] equals the full convolution of the "
    "stride-zero-inserted g with the kernel rotated 180° and dilated, cropped by the padding",
    "general.check.conv_kernel": "for every size, ∂L/∂w[a] equals the correlation of the "
    "zero-padded input with g (stride d, dilation s)",
    "general.check.bias": "for every size, ∂L/∂b equals the sum of g",
    "general.check.deconv_full_conv": "for every size, the transposed convolution equals the full "
    "convolution of the stride-zero-inserted input with the kernel rotated 180° and dilated, "
    "cropped by the padding",
    "general.check.deconv_conv_grad": "for every size, the transposed convolution equals the input "
    "gradient of the convolution with the same kernel, stride, dilation and padding",
    "general.check.deconv_grad_input": "for every size, ∂L/∂x equals the convolution of g with the "
    "kernel (stride s, dilation d, padding p)",
    "general.check.deconv_grad_kernel": "for every size, ∂L/∂w equals the correlation of the "
    "zero-padded g with the input (stride d, dilation s)",
    "check.general_matches_concrete": "substituting concrete sizes into every step of the general "
    "derivation gives exactly the concrete engine's expressions",
}
