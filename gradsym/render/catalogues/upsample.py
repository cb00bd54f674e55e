"""``gradsym upsample``: its prose in English and Chinese, its errors and help in Chinese."""

from __future__ import annotations

EN: dict[str, str] = {
    "title.upsample_nearest": "{dims}-D nearest upsampling (PyTorch's interpolate)",
    "title.upsample_linear": "{dims}-D {mode} upsampling (PyTorch's interpolate)",
    "upsample.setup": "input {input}, scale {scale}, mode {mode}, align_corners={align_corners} "
    "→ output {output}",
    "upsample.rule_nearest": "Along each axis, output d copies x[⌊d/S⌋] (PyTorch's nearest mode "
    "with scale_factor S).",
    "upsample.rule_half_pixel": "Along each axis, output d samples the input at src = (d + 1/2)/S − "
    "1/2, clamped at 0 (align_corners=False). With i₀ = ⌊src⌋, i₁ = i₀ + 1 (i₀ itself at the "
    "last input) and t = src − i₀: y = (1 − t)·x[i₀] + t·x[i₁]; the weights of the axes multiply. "
    "Every weight is an exact fraction.",
    "upsample.rule_corners": "Along each axis, output d samples the input at src = d·(n − 1)/(n·S − "
    "1) (align_corners=True: the corner cells of input and output line up). With i₀ = ⌊src⌋, i₁ = "
    "i₀ + 1 (i₀ itself at the last input) and t = src − i₀: y = (1 − t)·x[i₀] + t·x[i₁]; the "
    "weights of the axes multiply. Every weight is an exact fraction.",
    "upsample.proof_nearest": "The kernel is all ones ({kernel}) at stride {stride}: the transposed "
    "convolution copies every input cell to its block of the output.",
    "upsample.proof_tent": "The tent kernel ({kernel} taps, stride {stride}, padding {padding}) runs "
    "over the input padded with one copy of its border cells on each side (replicate padding). The "
    "copies are PyTorch's clamp: where src is clamped at 0, or i₁ = i₀ at the last input, the "
    "weight that would fall off the input lands on the copy of the border cell.",
    "upsample.proof_border": "Without the replicate padding (zero padding, the same tent) the "
    "transposed convolution equals the layer on the interior only: it differs in {count} of the "
    "{total} positions of the first axis ({rows}), the border.",
    "upsample.proof_corners": "align_corners=True samples with the step (n − 1)/(n·S − 1), which is "
    "not 1/S, so no kernel at stride S gives this map. What holds: keep every ({keep})-th output of "
    "the transposed convolution with the tent of {kernel} taps at stride T = {stride} (T = n·S − 1), "
    "padding {padding}; the samples lie on its grid of step 1/T.",
    "upsample.proof_adjoint_nearest": "The gradient is the adjoint: g correlated with the same "
    "kernel at stride {stride}, so each input receives the sum of g over its block.",
    "upsample.proof_adjoint_tent": "The gradient is the adjoint: g padded and correlated with the "
    "same kernel at stride {stride}; the two copies of the border cells fold back onto the first "
    "and last input of each axis.",
    "upsample.proof_adjoint_corners": "The gradient is the adjoint: g zero-inserted (every "
    "({keep})-th cell of the fine grid) and correlated with the same kernel at stride {stride}.",
    "check.forward_equals_transposed_conv_fixed_kernel": "y equals a transposed convolution of x "
    "with a fixed kernel (ones for nearest, a tent for the linear modes)",
    "check.grad_input_equals_strided_conv_upstream_kernel": "dL/dx equals a strided convolution "
    "of g with the same kernel",
    "upsample.section": "Sampling and the fixed kernel",
    "upsample.sampling_intro": "Each output of an axis reads these inputs, with these exact weights:",
    "upsample.axis_nearest": "axis {axis}: the input each output (row) copies",
    "upsample.axis_linear": "axis {axis}: source position (1-based) and weights of each output (row)",
    "upsample.kernel_intro": "The fixed kernel of the proofs (the outer product of the axes' kernels):",
    "upsample.kernel": "kernel",
    "anim.caption_upsample": "{name} = weighted sum of the inputs it samples",
    "anim.caption_upsample_backward": "{name} gathers the weighted g of every output that samples it",
}

ZH: dict[str, str] = {
    "title.upsample_nearest": "{dims} 维最近邻上采样（PyTorch 的 interpolate）",
    "title.upsample_linear": "{dims} 维 {mode} 插值上采样（PyTorch 的 interpolate）",
    "upsample.setup": "输入 {input}，放大倍数 {scale}，模式 {mode}，align_corners={align_corners} "
    "→ 输出 {output}",
    "upsample.rule_nearest": "沿每个轴，输出 d 复制 x[⌊d/S⌋]（PyTorch 的 nearest 模式，scale_factor 为 S）。",
    "upsample.rule_half_pixel": "沿每个轴，输出 d 在 src = (d + 1/2)/S − 1/2 处采样输入，小于 0 时取 0"
    "（align_corners=False）。令 i₀ = ⌊src⌋，i₁ = i₀ + 1（在最后一个输入处取 i₀ 本身），t = src − i₀，"
    "则 y = (1 − t)·x[i₀] + t·x[i₁]；各轴的权重相乘。所有权重都是精确分数。",
    "upsample.rule_corners": "沿每个轴，输出 d 在 src = d·(n − 1)/(n·S − 1) 处采样输入"
    "（align_corners=True：输入与输出的角点对齐）。令 i₀ = ⌊src⌋，i₁ = i₀ + 1（在最后一个输入处取 i₀ 本身），"
    "t = src − i₀，则 y = (1 − t)·x[i₀] + t·x[i₁]；各轴的权重相乘。所有权重都是精确分数。",
    "upsample.proof_nearest": "卷积核全为 1（{kernel}），步幅 {stride}：转置卷积把每个输入格复制到输出中它的那一块。",
    "upsample.proof_tent": "三角形（帐篷）卷积核（{kernel} 个抽头，步幅 {stride}，填充 {padding}）作用在两侧各复制一份"
    "边界格的输入上（复制填充）。这些副本就是 PyTorch 的截断：src 被截到 0 处，或在最后一个输入处 i₁ = i₀ 时，"
    "本会落到输入之外的权重落在边界格的副本上。",
    "upsample.proof_border": "不用复制填充（补零，同一个帐篷核）时，转置卷积只在内部等于该层：它在第一个轴的 "
    "{total} 个位置中有 {count} 个不同（{rows}），即边界。",
    "upsample.proof_corners": "align_corners=True 的采样步长是 (n − 1)/(n·S − 1)，不是 1/S，因此步幅为 S 的任何卷积核"
    "都给不出这个映射。成立的是：取步幅 T = {stride}（T = n·S − 1）、填充 {padding}、{kernel} 个抽头的帐篷核的转置卷积，"
    "每隔 ({keep}) 个输出取一个；采样点落在它步长为 1/T 的网格上。",
    "upsample.proof_adjoint_nearest": "梯度是伴随：g 与同一个卷积核以步幅 {stride} 做互相关，"
    "因此每个输入得到它那一块上 g 的和。",
    "upsample.proof_adjoint_tent": "梯度是伴随：g 填充后与同一个卷积核以步幅 {stride} 做互相关；"
    "两份边界格副本折回到每个轴的第一个和最后一个输入上。",
    "upsample.proof_adjoint_corners": "梯度是伴随：g 插入零（落在细网格每隔 ({keep}) 格的位置），"
    "再与同一个卷积核以步幅 {stride} 做互相关。",
    "check.forward_equals_transposed_conv_fixed_kernel": "y 等于 x 与一个固定卷积核的转置卷积（最近邻为全 1 核，"
    "线性插值为帐篷核）",
    "check.grad_input_equals_strided_conv_upstream_kernel": "dL/dx 等于 g 与同一个卷积核的带步幅卷积",
    "upsample.section": "采样与固定卷积核",
    "upsample.sampling_intro": "每个轴上的每个输出读取这些输入，权重精确如下：",
    "upsample.axis_nearest": "第 {axis} 轴：每个输出（行）复制的输入",
    "upsample.axis_linear": "第 {axis} 轴：每个输出（行）的采样位置（从 1 起）与权重",
    "upsample.kernel_intro": "证明所用的固定卷积核（各轴卷积核的外积）：",
    "upsample.kernel": "卷积核",
    "anim.caption_upsample": "{name} = 它所采样的输入的加权和",
    "anim.caption_upsample_backward": "{name} 汇集所有采样它的输出的加权 g",
}

HELP_ZH: dict[str, str] = {
    "Upsampling (PyTorch's interpolate with scale_factor): forward, Jacobian, gradient.":
    "上采样（PyTorch 的 interpolate，给定 scale_factor）：前向传播、雅可比矩阵、梯度。",
    "Proves the output a transposed convolution with a fixed kernel (ones for nearest, a tent for "
    "linear modes) and the gradient a strided convolution with it.":
    "证明输出是与一个固定卷积核的转置卷积（最近邻为全 1 核，线性插值为帐篷核），梯度是与它的带步幅卷积。",
    "Input size: L, HxW or DxHxW (e.g. 2x2).": "输入尺寸：L、HxW 或 DxHxW（例如 2x2）。",
    "Integer scale factor ≥ 1: one for every dimension, or one per dimension (e.g. 2 or 2x3).":
    "整数放大倍数 ≥ 1：所有维度一个，或每个维度一个（例如 2 或 2x3）。",
    "nearest, or the interpolating mode of the input's dimensionality: linear (L), bilinear (HxW), "
    "trilinear (DxHxW).":
    "nearest，或与输入维数相应的插值模式：linear（L）、bilinear（HxW）、trilinear（DxHxW）。",
    "Align the corner pixels (PyTorch's align_corners=True; interpolating modes only).":
    "对齐角点像素（PyTorch 的 align_corners=True；仅用于插值模式）。",
}
