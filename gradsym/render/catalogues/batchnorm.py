"""Catalogue entries of ``batchnorm --spatial`` and ``batchnorm --eval``."""

from __future__ import annotations

EN = {
    "title.batchnorm_spatial": "batch normalisation, training mode, BatchNorm{dims}d (input {shape}: "
    "N = {batch}, C = {features})",
    "title.batchnorm_eval": "batch normalisation, eval mode (input {shape}: N = {batch}, C = {features})",
    "batchnorm.setup_spatial": "input (N, C, *spatial) = {shape}, ε = {eps}; each channel is "
    "normalised over its M = {count} values (the batch and every position).",
    "batchnorm.setup_eval": "input {shape} (N = {batch}, C = {features}), ε = {eps}; eval mode: every "
    "value is normalised with its channel's running statistics, so no value depends on another.",
    "batchnorm.spatial_definitions": "Per channel c, over its M values x_n (every sample and position): "
    "μ_c = (1/M)·Σ x_n; σ²_c = (1/M)·Σ (x_n − μ_c)² (biased, as PyTorch in training mode); "
    "σ_c = sqrt(σ²_c + ε); x̂_n = (x_n − μ_c)/σ_c; y_n = γ_c·x̂_n + β_c. The forward pass below is "
    "written out in x.",
    "batchnorm.eval_definitions": "Eval mode: per channel c, the running statistics are constants "
    "(running_mean_c, running_var_c): x̂ = (x − running_mean_c)/sqrt(running_var_c + ε); "
    "y = γ_c·x̂ + β_c (as torch.nn.BatchNorm in eval(), or F.batch_norm with training=False).",
    "batchnorm.eval_defaults": "Values: γ defaults to ones, β to zeros, --running-mean to zeros and "
    "--running-var to ones (PyTorch's initial parameters and buffers); g defaults to ones.",
    "batchnorm.chain_spatial": "SymPy differentiates y_n = γ·c_n/sqrt(v + ε) + β in c_n = x_n − μ and "
    "v = σ², and the chain rule adds ∂c_n/∂x_m = δ_nm − 1/M and ∂v/∂x_m = 2·(x_m − μ)/M (both from "
    "SymPy's derivatives of the expanded polynomials in x; M values per channel). Simplified:",
    "batchnorm.eval_chain": "Every output depends only on its own input (a diagonal Jacobian, "
    "∂y/∂x = γ/sqrt(running_var + ε)), so the gradients are:",
    "check.grad_input_equals_compact_form_spatial": "dL/dx from SymPy's derivatives equals "
    "γ/(M·σ)·(M·g − Σg − x̂·Σ g·x̂) per channel (M = N·prod(spatial) values); every ∂y_n/∂x_m equals "
    "γ/(M·σ)·(M·δ_nm − 1 − x̂_n·x̂_m); dL/dγ = Σ g·x̂, dL/dβ = Σ g (exact polynomial arithmetic, no sampling)",
    "check.grad_input_equals_compact_form_eval": "SymPy's derivatives of the eval-mode forward pass: a "
    "diagonal Jacobian γ/sqrt(running_var + ε), so dL/dx = γ·g/sqrt(running_var + ε); dL/dγ = Σ g·x̂, "
    "dL/dβ = Σ g (exact polynomial arithmetic, no sampling)",
    "batchnorm.running.values": "Running statistics at the given values:",
    "batchnorm.running.mean": "running mean",
    "batchnorm.running.variance": "running variance",
    "batchnorm.running.sigma": "sqrt(running_var + ε)",
    "batchnorm.running.xhat": "x̂ (normalised input)",
}

ZH = {
    "title.batchnorm_spatial": "批归一化，训练模式,BatchNorm{dims}d（输入 {shape}:N = {batch},C = {features}）",
    "title.batchnorm_eval": "批归一化，推理模式（输入 {shape}:N = {batch},C = {features}）",
    "batchnorm.setup_spatial": "输入 (N, C, *spatial) = {shape},ε = {eps}；每个通道在它的 M = {count} "
    "个值（整个批量和所有位置）上归一化。",
    "batchnorm.setup_eval": "输入 {shape}(N = {batch},C = {features}),ε = {eps}；推理模式：每个值用它所在通道的"
    "滑动统计量归一化，因此各值互不依赖。",
    "batchnorm.spatial_definitions": "对每个通道 c，在它的 M 个值 x_n（所有样本和位置）上：μ_c = (1/M)·Σ x_n；"
    "σ²_c = (1/M)·Σ (x_n − μ_c)²（有偏，与 PyTorch 训练模式相同）；σ_c = sqrt(σ²_c + ε)；"
    "x̂_n = (x_n − μ_c)/σ_c；y_n = γ_c·x̂_n + β_c。下面的前向传播用 x 完全写出。",
    "batchnorm.eval_definitions": "推理模式：对每个通道 c，滑动统计量是常数（running_mean_c、running_var_c）："
    "x̂ = (x − running_mean_c)/sqrt(running_var_c + ε)；y = γ_c·x̂ + β_c（与 eval() 下的 "
    "torch.nn.BatchNorm 或 training=False 的 F.batch_norm 相同）。",
    "batchnorm.eval_defaults": "数值：γ 默认为 1,β 默认为 0,--running-mean 默认为 0,--running-var "
    "默认为 1(PyTorch 的初始参数和缓冲区);g 默认为 1。",
    "batchnorm.chain_spatial": "SymPy 对 y_n = γ·c_n/sqrt(v + ε) + β 关于 c_n = x_n − μ 和 v = σ² 求导，"
    "链式法则再加上 ∂c_n/∂x_m = δ_nm − 1/M 和 ∂v/∂x_m = 2·(x_m − μ)/M（两者都由对 x 的展开多项式求导"
    "得到；每个通道 M 个值）。化简后：",
    "batchnorm.eval_chain": "每个输出只依赖于它自己的输入（对角雅可比矩阵,∂y/∂x = γ/sqrt(running_var + ε)），"
    "因此梯度为：",
    "check.grad_input_equals_compact_form_spatial": "由 SymPy 求导得到的 dL/dx 在每个通道上等于 "
    "γ/(M·σ)·(M·g − Σg − x̂·Σ g·x̂)(M = N·prod(spatial) 个值）；每个 ∂y_n/∂x_m 等于 "
    "γ/(M·σ)·(M·δ_nm − 1 − x̂_n·x̂_m);dL/dγ = Σ g·x̂,dL/dβ = Σ g（精确的多项式运算，不抽样）",
    "check.grad_input_equals_compact_form_eval": "对推理模式前向传播的 SymPy 求导：对角雅可比矩阵 "
    "γ/sqrt(running_var + ε)，因此 dL/dx = γ·g/sqrt(running_var + ε);dL/dγ = Σ g·x̂,dL/dβ = Σ g"
    "（精确的多项式运算，不抽样）",
    "batchnorm.running.values": "给定数值处的滑动统计量：",
    "batchnorm.running.mean": "滑动均值",
    "batchnorm.running.variance": "滑动方差",
    "batchnorm.running.sigma": "sqrt(running_var + ε)",
    "batchnorm.running.xhat": "x̂（归一化后的输入）",
}

HELP_ZH = {
    "Spatial sizes L, HxW or DxHxW: input (N, C, *spatial) as BatchNorm1d/2d/3d, statistics per "
    "channel over the batch and the positions; --features is C.":
    "空间尺寸 L、HxW 或 DxHxW：输入为 (N, C, *spatial)，与 BatchNorm1d/2d/3d 相同，每个通道在整个批量"
    "和所有位置上求统计量；--features 即 C。",
    "Eval mode: normalise with --running-mean/--running-var instead of the batch's statistics.":
    "推理模式：用 --running-mean/--running-var 而不是批统计量归一化。",
    "Input values, (batch, features) or (batch, features, *spatial).":
    "输入的值，形状 (batch, features) 或 (batch, features, *spatial)。",
    "Upstream gradient dL/dy, the shape of x (default ones).":
    "上游梯度 dL/dy，形状与 x 相同（默认全为 1）。",
    "With --eval: running mean, one per feature (default zeros, PyTorch's initial buffer).":
    "配合 --eval：滑动均值，每个特征一个（默认全为 0,PyTorch 的初始缓冲区）。",
    "With --eval: running variance, one per feature (default ones, PyTorch's initial buffer).":
    "配合 --eval：滑动方差，每个特征一个（默认全为 1,PyTorch 的初始缓冲区）。",
    "Batch norm (training or eval mode): forward, Jacobians, gradients, and the compact backward formula.":
    "批归一化（训练或推理模式）：前向传播、雅可比矩阵、梯度，以及紧凑的反向公式。",
    "Symbols: x_n_f (sample n, feature f; with --spatial x_n_c_h_w, every index), gamma_f, beta_f, "
    "upstream g_n_f, with --eval running_mean_f and running_var_f, and, with --eps eps, the symbol eps. "
    "Proves dL/dx = γ/(M·σ)·(M·g − Σg − x̂·Σ g·x̂) per feature (M = N·prod(spatial)); with --eval, "
    "dL/dx = γ·g/sqrt(running_var + ε).":
    "符号:x_n_f（样本 n，特征 f；用 --spatial 时为 x_n_c_h_w，每个下标都写出）、gamma_f、beta_f、上游梯度 "
    "g_n_f，用 --eval 时还有 running_mean_f 和 running_var_f，以及在 --eps eps 时的符号 eps。对每个特征证明 "
    "dL/dx = γ/(M·σ)·(M·g − Σg − x̂·Σ g·x̂)(M = N·prod(spatial));用 --eval 时 dL/dx = γ·g/sqrt(running_var + ε)。",
}
