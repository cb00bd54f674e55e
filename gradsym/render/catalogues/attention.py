"""The prose of ``gradsym attention`` (English, Chinese, errors, help)."""

from __future__ import annotations

EN = {
    "title.attention": "scaled dot-product attention, one head (L = {seq}, D = {dim})",
    "title.attention_causal": "causal scaled dot-product attention, one head (L = {seq}, D = {dim})",
    "attention.setup": "Q, K, V are L×D = {seq}×{dim} (q_i_j, k_i_j, v_i_j: row i, column j); the "
                       "output O = softmax(Q·Kᵀ/√D)·V has elements o_i_j (as "
                       "torch.nn.functional.scaled_dot_product_attention).",
    "attention.causal": "Causal mask: the scores S_ij with j > i are −∞ before the softmax, so P_ij = 0 "
                        "there and nothing flows back through them (is_causal=True).",
    "attention.values": "Values: --q, --k and --v are needed together; --g defaults to ones. exp stays "
                        "exact (exp(3*sqrt(2)/2)); only the summaries marked ≈ are decimals.",
    "attention.upstream": "g is the upstream gradient: g_i_j = dL/do_i_j, one symbol per output element.",
    "tensor.q": "queries Q",
    "tensor.k": "keys K",
    "tensor.v": "values V",
    "summary.elementwise_hidden": "The element-wise expressions and their exact values are long at "
                                  "this size; --full prints them, --format json holds them (the matrix "
                                  "forms below say the same).",
    "attention.forward_section": "Scores and softmax",
    "attention.definition": "The forward pass, row by row:",
    "attention.grad_section": "The backward pass in matrix form",
    "attention.matrix_forms": "SymPy's derivatives of one softmax row reduce to local forms, and the "
                              "vector-Jacobian products to matrix forms (G = dL/dO; each proved below):",
    "attention.masked": "Masked entries (j > i): P_ij = 0 and dS_ij = 0, so they add nothing to dQ and dK, "
                        "and v_j reaches o_i only for j ≤ i.",
    "attention.at_values": "At the given values:",
    "attention.mask_rule": "(S_ij = −∞ for j > i)",
    "attention.scores": "S = Q·Kᵀ/√D",
    "attention.weights": "P ≈ (softmax)",
    "attention.dp": "dP = G·Vᵀ ≈",
    "attention.ds": "dS ≈",
    "attention.output": "O ≈",
    "check.jacobian_equals_local_forms": "SymPy's derivatives of o_ij = Σ_l exp(S_il)·v_lj / Σ_l "
        "exp(S_il) are ∂o_ij/∂S_il = P_il·(v_lj − o_ij) and ∂o_ij/∂v_lj = P_il (exact polynomial "
        "arithmetic with exp(S_il) → e_il, 1/Σ_l exp(S_il) → u_i)",
    "check.grad_v_equals_pt_upstream": "dL/dV = Pᵀ·G equals the VJP of SymPy's derivatives "
        "(exact polynomial arithmetic, fully symbolic)",
    "check.grad_scores_equals_softmax_backward": "dL/dS = P ∘ (dP − rowsum(dP ∘ P)·1ᵀ), dP = G·Vᵀ, "
        "equals the VJP of SymPy's derivatives (exact polynomial arithmetic, fully symbolic)",
    "check.grad_q_equals_ds_k": "dL/dQ = dS·K/√D equals the chain rule through S = Q·Kᵀ/√D "
        "(exact polynomial arithmetic)",
    "check.grad_k_equals_dst_q": "dL/dK = dSᵀ·Q/√D equals the chain rule through S = Q·Kᵀ/√D "
        "(exact polynomial arithmetic)",
    "check.masked_scores_have_zero_gradient": "causal mask: P_ij = 0 for j > i, SymPy's derivative "
        "by every masked score is 0, and dS_ij = 0 there",
}

ZH = {
    "title.attention": "缩放点积注意力，单头（L = {seq}，D = {dim}）",
    "title.attention_causal": "因果缩放点积注意力，单头（L = {seq}，D = {dim}）",
    "attention.setup": "Q、K、V 均为 L×D = {seq}×{dim}（q_i_j、k_i_j、v_i_j：第 i 行第 j 列）；输出 "
                       "O = softmax(Q·Kᵀ/√D)·V 的元素为 o_i_j（与 "
                       "torch.nn.functional.scaled_dot_product_attention 相同）。",
    "attention.causal": "因果掩码：j > i 的得分 S_ij 在 softmax 之前置为 −∞，因此那里 P_ij = 0，"
                        "梯度也不会经由它们回传（is_causal=True）。",
    "attention.values": "数值：--q、--k、--v 需要一起给出；--g 默认为 1。exp 保持精确"
                        "（exp(3*sqrt(2)/2)）；只有标 ≈ 的摘要是小数。",
    "attention.upstream": "g 是上游梯度：g_i_j = dL/do_i_j，每个输出元素一个符号。",
    "tensor.q": "查询 Q",
    "tensor.k": "键 K",
    "tensor.v": "值 V",
    "summary.elementwise_hidden": "在此规模下逐元素表达式及其精确值很长；加 --full 打印全部，--format json "
                                  "也包含它们（下面的矩阵形式表达的是同一内容）。",
    "attention.forward_section": "得分与 softmax",
    "attention.definition": "前向传播，逐行：",
    "attention.grad_section": "矩阵形式的反向传播",
    "attention.matrix_forms": "SymPy 对一行 softmax 的导数化为局部形式，向量-雅可比积化为矩阵形式"
                              "（G = dL/dO；每一条都在下面证明）：",
    "attention.masked": "被掩码的元素（j > i）：P_ij = 0 且 dS_ij = 0，因此它们对 dQ 和 dK 没有贡献，"
                        "并且 v_j 只在 j ≤ i 时影响 o_i。",
    "attention.at_values": "在给定数值处：",
    "attention.mask_rule": "（j > i 时 S_ij = −∞）",
    "attention.scores": "S = Q·Kᵀ/√D",
    "attention.weights": "P ≈（softmax）",
    "attention.dp": "dP = G·Vᵀ ≈",
    "attention.ds": "dS ≈",
    "attention.output": "O ≈",
    "check.jacobian_equals_local_forms": "SymPy 对 o_ij = Σ_l exp(S_il)·v_lj / Σ_l exp(S_il) 的导数为 "
        "∂o_ij/∂S_il = P_il·(v_lj − o_ij) 与 ∂o_ij/∂v_lj = P_il（精确多项式运算，exp(S_il) → e_il，"
        "1/Σ_l exp(S_il) → u_i）",
    "check.grad_v_equals_pt_upstream": "dL/dV = Pᵀ·G 等于 SymPy 导数的向量-雅可比积（精确多项式运算，完全符号化）",
    "check.grad_scores_equals_softmax_backward": "dL/dS = P ∘ (dP − rowsum(dP ∘ P)·1ᵀ)，dP = G·Vᵀ，"
        "等于 SymPy 导数的向量-雅可比积（精确多项式运算，完全符号化）",
    "check.grad_q_equals_ds_k": "dL/dQ = dS·K/√D 等于经由 S = Q·Kᵀ/√D 的链式法则（精确多项式运算）",
    "check.grad_k_equals_dst_q": "dL/dK = dSᵀ·Q/√D 等于经由 S = Q·Kᵀ/√D 的链式法则（精确多项式运算）",
    "check.masked_scores_have_zero_gradient": "因果掩码：j > i 时 P_ij = 0，SymPy 对每个被掩码得分的导数为 0，"
        "且那里 dS_ij = 0",
}

HELP_ZH = {
    "Sequence length L (rows of Q, K and V).": "序列长度 L（Q、K、V 的行数）。",
    "Head dimension D (columns of Q, K and V).": "头维度 D（Q、K、V 的列数）。",
    "Mask the scores S_ij with j > i as −∞ before the softmax (is_causal=True).":
    "在 softmax 之前把 j > i 的得分 S_ij 掩码为 −∞（is_causal=True）。",
    "Queries Q, (L, D).": "查询 Q，形状 (L, D)。",
    "Keys K, (L, D).": "键 K，形状 (L, D)。",
    "Values V, (L, D).": "值 V，形状 (L, D)。",
    "Upstream gradient dL/dO, (L, D) (default ones).": "上游梯度 dL/dO，形状 (L, D)（默认全为 1）。",
    "Scaled dot-product attention O = softmax(Q·Kᵀ/√D)·V: forward, Jacobians, gradients, proofs.":
    "缩放点积注意力 O = softmax(Q·Kᵀ/√D)·V：前向传播、雅可比矩阵、梯度与证明。",
    "Symbols: q_i_j, k_i_j, v_i_j (row i, column j), upstream g_i_j, output o_i_j. Proves dV = Pᵀ·G, "
    "dS = P ∘ (dP − rowsum(dP ∘ P)·1ᵀ) with dP = G·Vᵀ, dQ = dS·K/√D, dK = dSᵀ·Q/√D.":
    "符号：q_i_j、k_i_j、v_i_j（第 i 行第 j 列）、上游梯度 g_i_j、输出 o_i_j。证明 dV = Pᵀ·G、"
    "dS = P ∘ (dP − rowsum(dP ∘ P)·1ᵀ)（其中 dP = G·Vᵀ）、dQ = dS·K/√D、dK = dSᵀ·Q/√D。",
}
