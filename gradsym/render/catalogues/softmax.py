"""Catalogue entries of ``gradsym softmax`` (English, Chinese, errors, help)."""

from __future__ import annotations

EN = {
    "title.softmax.softmax": "softmax over K = {classes} classes, batch N = {batch}",
    "title.softmax.log": "log-softmax over K = {classes} classes, batch N = {batch}",
    "title.softmax.loss": "softmax cross-entropy over K = {classes} classes, batch N = {batch}",
    "softmax.setup": "logits x of layout (N, K) = ({batch}, {classes}), one row per sample; "
    "temperature T = {temperature}: each row uses z = x/T.",
    "softmax.plain": "Output y_n,k = s_n,k = exp(z_n,k)/Σ_j exp(z_n,j), as torch.softmax(x/T, dim=-1).",
    "softmax.log": "Output y_n,k = log s_n,k = z_n,k − log Σ_j exp(z_n,j), as "
    "torch.log_softmax(x/T, dim=-1).",
    "softmax.loss": "Loss L = (1/N)·Σ_n −Σ_k q_n,k·log s_n,k with targets {target} (0-based class "
    "indices) and q_n = (1 − ε)·one-hot(t_n) + ε/K, ε = {smoothing}: "
    "F.cross_entropy(x/T, target, label_smoothing=ε), reduction 'mean'.",
    "softmax.stable": "Numerically stable form (proved): softmax(z) = softmax(z − max z) and "
    "log softmax(z) = z − max z − log Σ exp(z − max z).",
    "tensor.probabilities": "probabilities s = softmax(x/T)",
    "softmax.section": "Closed forms (s = softmax(x/T) per row as an abbreviation)",
    "softmax.jacobian.plain": "Per row, SymPy's derivatives reduce to the Jacobian (diag(s) − s·sᵀ)/T:",
    "softmax.jacobian.log": "Per row, SymPy's derivatives reduce to the Jacobian (I − 1·sᵀ)/T:",
    "softmax.jacobian.loss": "SymPy's derivative of the loss reduces to (softmax − target "
    "distribution)/(N·T):",
    "softmax.grad": "and the gradient to the compact form:",
    "softmax.values": "Probabilities s = softmax(x/T) at the given values:",
    "softmax.target": "Target distribution q:",
    "softmax.loss_value": "Loss L at the given values:",
    "softmax.more": "… {count} more dL/dx rows (use --full to show all)",
}

ZH = {
    "title.softmax.softmax": "K = {classes} 个类别上的 softmax，批量 N = {batch}",
    "title.softmax.log": "K = {classes} 个类别上的 log-softmax，批量 N = {batch}",
    "title.softmax.loss": "K = {classes} 个类别上的 softmax 交叉熵，批量 N = {batch}",
    "softmax.setup": "logits x 的布局为 (N, K) = ({batch}, {classes})，每个样本一行；温度 T = "
    "{temperature}：每行用 z = x/T。",
    "softmax.plain": "输出 y_n,k = s_n,k = exp(z_n,k)/Σ_j exp(z_n,j)，与 torch.softmax(x/T, dim=-1) 相同。",
    "softmax.log": "输出 y_n,k = log s_n,k = z_n,k − log Σ_j exp(z_n,j)，与 "
    "torch.log_softmax(x/T, dim=-1) 相同。",
    "softmax.loss": "损失 L = (1/N)·Σ_n −Σ_k q_n,k·log s_n,k，目标为 {target}（从 0 开始的类别下标），"
    "q_n = (1 − ε)·one-hot(t_n) + ε/K,ε = {smoothing}：即 "
    "F.cross_entropy(x/T, target, label_smoothing=ε)，取平均。",
    "softmax.stable": "数值稳定形式（已证明）:softmax(z) = softmax(z − max z)，且 "
    "log softmax(z) = z − max z − log Σ exp(z − max z)。",
    "tensor.probabilities": "概率 s = softmax(x/T)",
    "softmax.section": "闭式（s = 每行的 softmax(x/T)，作为缩写）",
    "softmax.jacobian.plain": "对每一行,SymPy 的导数化为雅可比矩阵 (diag(s) − s·sᵀ)/T：",
    "softmax.jacobian.log": "对每一行,SymPy 的导数化为雅可比矩阵 (I − 1·sᵀ)/T：",
    "softmax.jacobian.loss": "SymPy 对损失求的导数化为 (softmax − 目标分布)/(N·T)：",
    "softmax.grad": "梯度化为紧凑形式：",
    "softmax.values": "给定数值处的概率 s = softmax(x/T)：",
    "softmax.target": "目标分布 q：",
    "softmax.loss_value": "给定数值处的损失 L：",
    "softmax.more": "…… 另有 {count} 行 dL/dx（加 --full 显示全部）",
}

HELP_ZH = {
    "Softmax, log-softmax or softmax cross-entropy: forward, Jacobian, gradient, proofs.":
    "softmax、log-softmax 或 softmax 交叉熵：前向传播、雅可比矩阵、梯度、证明。",
    "Symbols: logits x_n_k (row n, class k; layout (N, K), N = 1 without --batch), upstream "
    "g_n_k. Proves the Jacobian (diag(s) − s·sᵀ)/T (log-softmax: (I − 1·sᵀ)/T), the "
    "cross-entropy gradient (softmax − q)/N and the shift invariance of the stable form.":
    "符号:logits x_n_k（第 n 行，第 k 类；布局 (N, K)，不给 --batch 时 N = 1）、上游梯度 "
    "g_n_k。证明雅可比矩阵 (diag(s) − s·sᵀ)/T(log-softmax:(I − 1·sᵀ)/T)、交叉熵梯度 "
    "(softmax − q)/N，以及稳定形式的平移不变性。",
    "Classes K (entries of a row of x).": "类别数 K(x 每行的元素个数）。",
    "Rows N (samples); default 1.": "行数 N（样本数）；默认 1。",
    "ce: the mean cross-entropy of PyTorch's cross_entropy (needs --target).":
    "ce:PyTorch 的 cross_entropy 的平均交叉熵（需要 --target）。",
    "Target class per row, 0-based (e.g. 2,0).": "每行的目标类别，从 0 开始（例如 2,0）。",
    "Label smoothing ε in [0, 1) (PyTorch's label_smoothing).":
    "标签平滑 ε，在 [0, 1) 内(PyTorch 的 label_smoothing）。",
    "Temperature T > 0: softmax(x/T) (default 1).": "温度 T > 0:softmax(x/T)（默认 1）。",
    "Log-softmax instead of softmax.": "用 log-softmax 代替 softmax。",
    "Logits, (batch, classes).": "logits,(批量, 类别)。",
    "Upstream gradient dL/dy, (batch, classes) (default ones; not with --loss).":
    "上游梯度 dL/dy,(批量, 类别）（默认全 1；不能与 --loss 同用）。",
}

EN.update({
    "check.jacobian_equals_diag_s_minus_s_st": "every ∂y_n,k/∂x_n,m from SymPy's derivative equals "
    "the entry of (diag(s) − s·sᵀ)/T for its row s = softmax(x_n/T), and rows do not interact "
    "(exp(x/T) replaced by positive symbols e: an exact identity of rational functions)",
    "check.jacobian_equals_identity_minus_one_st": "every ∂y_n,k/∂x_n,m from SymPy's derivative "
    "equals the entry of (I − 1·sᵀ)/T for its row s = softmax(x_n/T), and rows do not interact "
    "(exp(x/T) replaced by positive symbols e: an exact identity of rational functions)",
    "check.grad_input_equals_vjp_closed_form": "dL/dx = Σ_k g_k·∂y_k/∂x from SymPy's derivatives "
    "equals s ⊙ (g − g·s)/T per row (log-softmax: (g − s·Σg)/T), an exact identity of rational "
    "functions in e and g",
    "check.grad_input_equals_softmax_minus_target": "∂L/∂x_n,m from SymPy's derivative of the mean "
    "cross-entropy equals (s_n,m − q_n,m)/(N·T), q the (smoothed) target distribution (exp(x/T) "
    "replaced by positive symbols e: an exact identity of rational functions)",
    "check.softmax_shift_invariant": "the numerically stable form: softmax(z) = softmax(z − c) "
    "and log softmax(z) = z − c − log Σ exp(z − c) for every real c, in particular c = max z "
    "(exact, for a generic row)",
})
ZH.update({
    "check.jacobian_equals_diag_s_minus_s_st": "SymPy 求得的每个 ∂y_n,k/∂x_n,m 都等于该行 "
    "s = softmax(x_n/T) 的 (diag(s) − s·sᵀ)/T 的对应元素，且各行互不影响（把 exp(x/T) 换成正的符号 e："
    "有理函数的精确恒等式）",
    "check.jacobian_equals_identity_minus_one_st": "SymPy 求得的每个 ∂y_n,k/∂x_n,m 都等于该行 "
    "s = softmax(x_n/T) 的 (I − 1·sᵀ)/T 的对应元素，且各行互不影响（把 exp(x/T) 换成正的符号 e："
    "有理函数的精确恒等式）",
    "check.grad_input_equals_vjp_closed_form": "由 SymPy 的导数得到的 dL/dx = Σ_k g_k·∂y_k/∂x "
    "在每行等于 s ⊙ (g − g·s)/T(log-softmax:(g − s·Σg)/T)，是关于 e 与 g 的有理函数的精确恒等式",
    "check.grad_input_equals_softmax_minus_target": "SymPy 对平均交叉熵求得的 ∂L/∂x_n,m 等于 "
    "(s_n,m − q_n,m)/(N·T)，q 为（平滑后的）目标分布（把 exp(x/T) 换成正的符号 e：有理函数的精确恒等式）",
    "check.softmax_shift_invariant": "数值稳定形式：对任意实数 c，特别是 c = max z，"
    "softmax(z) = softmax(z − c)，且 log softmax(z) = z − c − log Σ exp(z − c)（对一般的一行精确成立）",
})
