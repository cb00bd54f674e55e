"""Catalogue entries of ``layernorm``."""

from __future__ import annotations

EN = {
    "title.layernorm": "layer normalisation (input {shape}, normalised over the trailing {normalized})",
    "layernorm.setup": "input {shape}, ε = {eps}; each of the {groups} samples is normalised over its "
    "trailing {normalized} = M = {count} values; γ and β have the normalised shape {normalized}.",
    "layernorm.definitions": "Per sample, over its M values x_m: μ = (1/M)·Σ x_m; σ² = (1/M)·Σ (x_m − μ)² "
    "(biased, as PyTorch); σ = sqrt(σ² + ε); x̂_m = (x_m − μ)/σ; y_m = γ_m·x̂_m + β_m (γ, β per "
    "position, shared by the samples). The forward pass below is written out in x.",
    "layernorm.defaults": "Values: γ defaults to ones and β to zeros (PyTorch's initial values); g "
    "defaults to ones.",
    "layernorm.chain": "SymPy differentiates y_n = γ_n·c_n/sqrt(v + ε) + β_n in c_n = x_n − μ and "
    "v = σ², and the chain rule adds ∂c_n/∂x_m = δ_nm − 1/M and ∂v/∂x_m = 2·(x_m − μ)/M (both from "
    "SymPy's derivatives of the expanded polynomials in x). Simplified:",
    "layernorm.compact": "The gradients reduce to the compact forms, with ĝ = g∘γ (γ multiplies before "
    "the sums over the sample's values); dL/dγ and dL/dβ sum over the samples:",
    "layernorm.values": "Per-sample statistics at the given values:",
    "layernorm.mean": "μ (sample mean)",
    "layernorm.variance": "σ² (biased variance)",
    "layernorm.sigma": "σ = sqrt(σ² + ε)",
    "layernorm.xhat": "x̂ (normalised input)",
    "check.grad_input_equals_compact_form_layernorm": "dL/dx from SymPy's derivatives equals "
    "(1/(M·σ))·(M·ĝ − Σĝ − x̂·Σ ĝ∘x̂) per sample, ĝ = g∘γ; every ∂y_n/∂x_m equals "
    "γ_n·(M·δ_nm − 1 − x̂_n·x̂_m)/(M·σ); dL/dγ = Σ g∘x̂, dL/dβ = Σ g over the samples (exact "
    "polynomial arithmetic, no sampling)",
}

ZH = {
    "title.layernorm": "层归一化（输入 {shape}，在末尾的 {normalized} 上归一化）",
    "layernorm.setup": "输入 {shape},ε = {eps}；{groups} 个样本中的每一个在它末尾的 {normalized} = M = {count} "
    "个值上归一化;γ 和 β 的形状为归一化形状 {normalized}。",
    "layernorm.definitions": "对每个样本，在它的 M 个值 x_m 上：μ = (1/M)·Σ x_m；σ² = (1/M)·Σ (x_m − μ)²"
    "（有偏，与 PyTorch 相同）；σ = sqrt(σ² + ε)；x̂_m = (x_m − μ)/σ；y_m = γ_m·x̂_m + β_m(γ、β 按位置给出，"
    "所有样本共用）。下面的前向传播用 x 完全写出。",
    "layernorm.defaults": "数值:γ 默认为 1,β 默认为 0(PyTorch 的初始值);g 默认为 1。",
    "layernorm.chain": "SymPy 对 y_n = γ_n·c_n/sqrt(v + ε) + β_n 关于 c_n = x_n − μ 和 v = σ² 求导，链式法则再加上 "
    "∂c_n/∂x_m = δ_nm − 1/M 和 ∂v/∂x_m = 2·(x_m − μ)/M（两者都由对 x 的展开多项式求导得到）。化简后：",
    "layernorm.compact": "梯度化为紧凑形式，其中 ĝ = g∘γ(γ 在对样本内各值求和之前相乘);dL/dγ 和 dL/dβ "
    "对所有样本求和：",
    "layernorm.values": "给定数值处每个样本的统计量：",
    "layernorm.mean": "μ（样本均值）",
    "layernorm.variance": "σ²（有偏方差）",
    "layernorm.sigma": "σ = sqrt(σ² + ε)",
    "layernorm.xhat": "x̂（归一化后的输入）",
    "check.grad_input_equals_compact_form_layernorm": "由 SymPy 求导得到的 dL/dx 在每个样本上等于 "
    "(1/(M·σ))·(M·ĝ − Σĝ − x̂·Σ ĝ∘x̂)，其中 ĝ = g∘γ；每个 ∂y_n/∂x_m 等于 γ_n·(M·δ_nm − 1 − x̂_n·x̂_m)/(M·σ)；"
    "dL/dγ = Σ g∘x̂,dL/dβ = Σ g 对所有样本求和（精确的多项式运算，不抽样）",
}

HELP_ZH = {
    "Input shape with 2 to 4 dimensions, e.g. 2x4 (N samples × D features) or 2x3x4.":
    "输入形状，2 到 4 个维度，例如 2x4(N 个样本 × D 个特征）或 2x3x4。",
    "How many trailing dimensions of --shape to normalise (PyTorch's normalized_shape); default 1.":
    "要归一化的 --shape 末尾维数（即 PyTorch 的 normalized_shape）；默认 1。",
    "Input values, of --shape.": "输入的值，形状为 --shape。",
    "Scale γ, of the normalised shape (default ones).": "缩放 γ，形状为归一化形状（默认全为 1）。",
    "Shift β, of the normalised shape (default zeros).": "平移 β，形状为归一化形状（默认全为 0）。",
    "Upstream gradient dL/dy, of --shape (default ones).": "上游梯度 dL/dy，形状为 --shape（默认全为 1）。",
    "Layer norm: forward, Jacobians, gradients, and the compact backward formula.":
    "层归一化：前向传播、雅可比矩阵、梯度，以及紧凑的反向公式。",
    "Symbols: x_n_d (every index), gamma_d and beta_d (indices of the normalised dimensions), upstream "
    "g_n_d, and, with --eps eps, the symbol eps. Proves, per sample, with ĝ = g∘γ, dL/dx = "
    "(1/(M·σ))·(M·ĝ − Σĝ − x̂·Σ ĝ∘x̂) (M values normalised together).":
    "符号:x_n_d（每个下标都写出）、gamma_d 和 beta_d（归一化维度的下标）、上游梯度 g_n_d，以及在 --eps eps "
    "时的符号 eps。对每个样本证明（ĝ = g∘γ）dL/dx = (1/(M·σ))·(M·ĝ − Σĝ − x̂·Σ ĝ∘x̂)(M 个值一起归一化）。",
}

# -- groupnorm (the same core and sections) --
EN |= {
    "title.groupnorm": "group normalisation (input {shape}, G = {groups} groups)",
    "groupnorm.setup": "input (N, C, *spatial) = {shape}, ε = {eps}; the channels form G = {groups} groups "
    "of {per}, and each (sample, group) is normalised over its M = {count} values; γ and β per channel.",
    "groupnorm.definitions": "Per sample and group, over its M values x_m: μ = (1/M)·Σ x_m; σ² = "
    "(1/M)·Σ (x_m − μ)² (biased, as PyTorch); σ = sqrt(σ² + ε); x̂_m = (x_m − μ)/σ; "
    "y_m = γ_c·x̂_m + β_c (c the channel of x_m). The forward pass below is written out in x.",
    "groupnorm.values": "Per-(sample, group) statistics at the given values:",
    "groupnorm.mean": "μ (group mean)",
    "groupnorm.variance": "σ² (biased variance)",
    "groupnorm.sigma": "σ = sqrt(σ² + ε)",
    "groupnorm.xhat": "x̂ (normalised input)",
    "check.grad_input_equals_compact_form_groupnorm": "dL/dx from SymPy's derivatives equals "
    "(1/(M·σ))·(M·ĝ − Σĝ − x̂·Σ ĝ∘x̂) per (sample, group), ĝ = g∘γ; every ∂y_n/∂x_m equals "
    "γ_n·(M·δ_nm − 1 − x̂_n·x̂_m)/(M·σ); dL/dγ_c = Σ g∘x̂ and dL/dβ_c = Σ g over channel c (exact "
    "polynomial arithmetic, no sampling)",
}

ZH |= {
    "title.groupnorm": "组归一化（输入 {shape},G = {groups} 组）",
    "groupnorm.setup": "输入 (N, C, *spatial) = {shape},ε = {eps}；通道分成 G = {groups} 组，每组 {per} 个，"
    "每个（样本，组）在它的 M = {count} 个值上归一化;γ 和 β 每个通道一个。",
    "groupnorm.definitions": "对每个样本和组，在它的 M 个值 x_m 上：μ = (1/M)·Σ x_m；σ² = (1/M)·Σ (x_m − μ)²"
    "（有偏，与 PyTorch 相同）；σ = sqrt(σ² + ε)；x̂_m = (x_m − μ)/σ；y_m = γ_c·x̂_m + β_c(c 为 x_m 所在通道）。"
    "下面的前向传播用 x 完全写出。",
    "groupnorm.values": "给定数值处每个（样本，组）的统计量：",
    "groupnorm.mean": "μ（组均值）",
    "groupnorm.variance": "σ²（有偏方差）",
    "groupnorm.sigma": "σ = sqrt(σ² + ε)",
    "groupnorm.xhat": "x̂（归一化后的输入）",
    "check.grad_input_equals_compact_form_groupnorm": "由 SymPy 求导得到的 dL/dx 在每个（样本，组）上等于 "
    "(1/(M·σ))·(M·ĝ − Σĝ − x̂·Σ ĝ∘x̂)，其中 ĝ = g∘γ；每个 ∂y_n/∂x_m 等于 γ_n·(M·δ_nm − 1 − x̂_n·x̂_m)/(M·σ)；"
    "dL/dγ_c = Σ g∘x̂,dL/dβ_c = Σ g 对通道 c 求和（精确的多项式运算，不抽样）",
}

HELP_ZH |= {
    "Input shape N×C×(spatial), e.g. 1x4x2x2.": "输入形状 N×C×(spatial)，例如 1x4x2x2。",
    "Groups G (divides C); each (sample, group of C/G channels) is normalised on its own. Default 1.":
    "组数 G（整除 C）；每个（样本，C/G 个通道组成的组）单独归一化。默认 1。",
    "Scale γ, one per channel (default ones).": "缩放 γ，每个通道一个（默认全为 1）。",
    "Shift β, one per channel (default zeros).": "平移 β，每个通道一个（默认全为 0）。",
    "Group norm: forward, Jacobians, gradients, and the compact backward formula.":
    "组归一化：前向传播、雅可比矩阵、梯度，以及紧凑的反向公式。",
    "Symbols: x_n_c_h_w (every index), gamma_c, beta_c, upstream g_n_c_h_w, and, with --eps eps, the "
    "symbol eps. Proves, per (sample, group), with ĝ = g∘γ, dL/dx = (1/(M·σ))·(M·ĝ − Σĝ − x̂·Σ ĝ∘x̂), "
    "M = (C/G)·prod(spatial).":
    "符号:x_n_c_h_w（每个下标都写出）、gamma_c、beta_c、上游梯度 g_n_c_h_w，以及在 --eps eps 时的符号 eps。"
    "对每个（样本，组）证明（ĝ = g∘γ）dL/dx = (1/(M·σ))·(M·ĝ − Σĝ − x̂·Σ ĝ∘x̂),M = (C/G)·prod(spatial)。",
}
