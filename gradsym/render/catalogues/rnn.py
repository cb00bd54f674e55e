"""Prose of ``gradsym rnn`` (Elman RNN, backpropagation through time)."""

EN = {
    "title.rnn": "Elman RNN (tanh), T = {steps} steps, I = {input_size} inputs, H = {hidden} hidden units",
    "rnn.setup": "h_t = tanh(W_ih·x_t + W_hh·h_(t−1) + b) for t = 1 … {steps}, from h0; x_t has "
                 "{input_size} values, h_t has {hidden}; the output is every h_t (a {steps}×{hidden} "
                 "array), as torch.nn.RNN with one layer, nonlinearity tanh, batch 1.",
    "rnn.bias": "PyTorch has two biases b_ih and b_hh; they only appear as their sum, so gradsym uses "
                "one bias b = b_ih + b_hh (and dL/db_ih = dL/db_hh = dL/db).",
    "rnn.names": "The states h_t_i are symbols of their own: h_t_i = tanh(a_t_i), with the "
                 "pre-activation a_t_i written in the states of the step before; g_t_i = dL/dh_t_i "
                 "is the upstream gradient of every step.",
    "rnn.defaults": "Values: --x, --w-ih, --w-hh and --b are needed; h0 defaults to zeros and g to ones.",
    "tensor.w_ih": "input weights W_ih",
    "tensor.w_hh": "recurrent weights W_hh",
    "tensor.b": "bias b",
    "tensor.h0": "initial state h0",
    "tensor.hidden": "hidden states h",
    "rnn.forward_section": "The unrolled forward pass",
    "rnn.step_form": "Each step's pre-activation, in the states of the step before (h0 before the "
                     "first step); then h_t_i = tanh(a_t_i):",
    "rnn.unrolled": "Unrolled: each state in the inputs, weights, bias and h0 only:",
    "rnn.unrolled_hidden": "The unrolled expressions repeat the first state up to {paths} times "
                           "(they grow like H^(T−1)); use --full to show them.",
    "rnn.bptt_section": "Backpropagation through time",
    "rnn.bptt": "From the last step down, with tanh′(a) = 1 − tanh(a)²: δ_t = g_t + W_hhᵀ·d_(t+1) "
                "(δ_T = g_T) and d_t = δ̃_t = δ_t ∘ (1 − h_t²).",
    "rnn.sums": "Then ∂L/∂W_ih = Σ_t d_t·x_tᵀ, ∂L/∂W_hh = Σ_t d_t·h_(t−1)ᵀ, ∂L/∂b = Σ_t d_t, "
                "∂L/∂h0 = W_hhᵀ·d_1 and ∂L/∂x_t = W_ihᵀ·d_t; each step below gives its terms.",
    "rnn.terms": "Step {t}'s terms of the sums over t:",
    "rnn.step": "BPTT step t = {t}",
    "check.tanh_derivative_is_one_minus_square": "d tanh(a)/da = 1 − tanh(a)², so tanh′(a_t) = "
        "1 − h_t² (SymPy's derivative equals the rule table's slope)",
    "check.bptt_equals_unrolled_vjp": "every gradient by backpropagation through time equals "
        "Σ_t g_tᵀ·dh_t/dp, the VJP of the unrolled graph differentiated forward by the chain rule, "
        "dh_t/dp = diag(tanh′(a_t))·(∂a_t/∂p + W_hh·dh_(t−1)/dp), for every p in x, W_ih, W_hh, b "
        "and h0: identical polynomials in independent symbols (x, W_ih, W_hh, b, h0, g, h_t and "
        "s_t = tanh′(a_t)), hence equal at h_t = tanh(a_t) for every value",
}

ZH = {
    "title.rnn": "Elman 循环神经网络（tanh），T = {steps} 步，I = {input_size} 个输入，H = {hidden} 个隐藏单元",
    "rnn.setup": "对 t = 1 … {steps}，从 h0 出发，h_t = tanh(W_ih·x_t + W_hh·h_(t−1) + b)；x_t 有 "
                 "{input_size} 个值，h_t 有 {hidden} 个；输出是所有的 h_t（{steps}×{hidden} 数组），"
                 "与单层、非线性为 tanh、批大小为 1 的 torch.nn.RNN 相同。",
    "rnn.bias": "PyTorch 有两个偏置 b_ih 与 b_hh；它们只以和的形式出现，所以 gradsym 使用一个偏置 "
                "b = b_ih + b_hh（且 dL/db_ih = dL/db_hh = dL/db）。",
    "rnn.names": "状态 h_t_i 是独立的符号：h_t_i = tanh(a_t_i)，预激活 a_t_i 用上一步的状态写出；"
                 "g_t_i = dL/dh_t_i 是每一步的上游梯度。",
    "rnn.defaults": "数值：需要 --x、--w-ih、--w-hh 与 --b；h0 默认为全 0，g 默认为全 1。",
    "tensor.w_ih": "输入权重 W_ih",
    "tensor.w_hh": "循环权重 W_hh",
    "tensor.b": "偏置 b",
    "tensor.h0": "初始状态 h0",
    "tensor.hidden": "隐藏状态 h",
    "rnn.forward_section": "展开的前向传播",
    "rnn.step_form": "每一步的预激活，用上一步的状态写出（第一步之前为 h0）；然后 h_t_i = tanh(a_t_i)：",
    "rnn.unrolled": "完全展开：每个状态只用输入、权重、偏置和 h0 表示：",
    "rnn.unrolled_hidden": "展开式把第一个状态重复多达 {paths} 次（按 H^(T−1) 增长）；用 --full 显示。",
    "rnn.bptt_section": "随时间反向传播（BPTT）",
    "rnn.bptt": "从最后一步往回，利用 tanh′(a) = 1 − tanh(a)²：δ_t = g_t + W_hhᵀ·d_(t+1)"
                "（δ_T = g_T），d_t = δ̃_t = δ_t ∘ (1 − h_t²)。",
    "rnn.sums": "于是 ∂L/∂W_ih = Σ_t d_t·x_tᵀ，∂L/∂W_hh = Σ_t d_t·h_(t−1)ᵀ，∂L/∂b = Σ_t d_t，"
                "∂L/∂h0 = W_hhᵀ·d_1，∂L/∂x_t = W_ihᵀ·d_t；下面每一步给出它的那些项。",
    "rnn.terms": "第 {t} 步在对 t 求和中的项：",
    "rnn.step": "BPTT 第 t = {t} 步",
    "check.tanh_derivative_is_one_minus_square": "d tanh(a)/da = 1 − tanh(a)²，所以 tanh′(a_t) = "
        "1 − h_t²（SymPy 的导数等于规则表中的斜率）",
    "check.bptt_equals_unrolled_vjp": "随时间反向传播得到的每个梯度，都等于 Σ_t g_tᵀ·dh_t/dp，即用链式法则"
        "向前微分展开图所得的向量-雅可比积，dh_t/dp = diag(tanh′(a_t))·(∂a_t/∂p + W_hh·dh_(t−1)/dp)，"
        "对 x、W_ih、W_hh、b 与 h0 中的每个 p 成立：在独立符号（x、W_ih、W_hh、b、h0、g、h_t 以及 "
        "s_t = tanh′(a_t)）下是相同的多项式，因此在 h_t = tanh(a_t) 时对任意数值都相等",
}

HELP_ZH = {
    "Elman RNN (tanh, as torch.nn.RNN): unrolled forward, backpropagation through time, proofs.":
    "Elman 循环神经网络（tanh，与 torch.nn.RNN 相同）：展开的前向传播、随时间反向传播与证明。",
    "h_t = tanh(W_ih x_t + W_hh h_(t-1) + b) for t = 1..T from h0; the output is every h_t. Symbols x_t_i, w_ih_i_j, w_hh_i_j, b_i, h0_i, upstream g_t_i and the states h_t_i. Proves that the BPTT gradients equal the VJP of the differentiated unrolled graph.":
    "对 t = 1..T，从 h0 出发 h_t = tanh(W_ih x_t + W_hh h_(t-1) + b)；输出是所有的 h_t。符号为 x_t_i、w_ih_i_j、w_hh_i_j、b_i、h0_i、上游梯度 g_t_i 与状态 h_t_i。证明 BPTT 梯度等于对展开图求导所得的向量-雅可比积。",
    "Time steps T.": "时间步数 T。",
    "Inputs per step I (x_t has I values).": "每步的输入数 I（x_t 有 I 个值）。",
    "Hidden units H.": "隐藏单元数 H。",
    "Inputs x_t, (steps, input-size).": "输入 x_t，形状 (steps, input-size)。",
    "Input weights W_ih, (hidden, input-size).": "输入权重 W_ih，形状 (hidden, input-size)。",
    "Recurrent weights W_hh, (hidden, hidden).": "循环权重 W_hh，形状 (hidden, hidden)。",
    "Bias b = b_ih + b_hh, (hidden).": "偏置 b = b_ih + b_hh，形状 (hidden)。",
    "Initial state h0, (hidden) (default zeros).": "初始状态 h0，形状 (hidden)（默认全为 0）。",
    "Upstream gradients dL/dh_t, (steps, hidden) (default ones).":
    "上游梯度 dL/dh_t，形状 (steps, hidden)（默认全为 1）。",
}
