"""``gradsym net``: its prose in English and Chinese, its errors and its help."""

from __future__ import annotations

EN = {
    "title.net": "a network of {count} layers ending in {loss}: the chain rule, layer by layer",
    "net.setup.intro": "{count} layers, run as torch.nn.Sequential in training mode; layer l reads "
    "a_l and writes a_(l+1).",
    "net.setup.layer": "layer {layer}: '{text}', {input} → {output}",
    "net.setup.layer_params": "layer {layer}: '{text}', {input} → {output}; parameters {params}",
    "net.setup.names": "Parameters carry their PyTorch state_dict names (0.weight, 0.bias, …: the "
    "layer's 0-based position). conv, deconv and linear are derived in layer l's own symbols: input "
    "a_l, kernel k_l or weight w_l, bias b_l, incoming gradient d_l = ∂L/∂a_(l+1).",
    "net.setup.values": "Values: --x and --target, and any parameter with --at NAME=VALUES; the rest "
    "are drawn with --seed (small dyadic rationals). Exact where the layers are rational; after exp, "
    "tanh or sqrt, 40-digit numbers.",
    "net.section.forward": "Forward pass, layer by layer",
    "net.section.backward": "Backward pass, layer by layer: the chain rule from the loss down to layer 1",
    "net.forward.layer": "Layer {layer}: '{text}' ({input} → {output}), a_{next} from a_{layer}",
    "net.forward.batchnorm": "Per channel c over the batch (and positions): μ = mean z, σ² = mean "
    "(z − μ)² (biased), ẑ = (z − μ)/sqrt(σ² + ε) with ε = 1e-5, y = γ_c·ẑ + β_c.",
    "net.backward.layer": "Layer {layer}: '{text}', backward",
    "net.rule.relu": "Rule: ∂L/∂z = g·Heaviside(z, 0): the gradient passes where z > 0, and "
    "relu′(0) = 0 as in PyTorch.",
    "net.rule.sigmoid": "Rule: ∂L/∂z = g·y·(1 − y), with y = sigmoid(z) from the forward pass.",
    "net.rule.tanh": "Rule: ∂L/∂z = g·(1 − y²), with y = tanh(z) from the forward pass.",
    "net.rule.maxpool": "Rule: each window's g goes to the window's first maximum (PyTorch's "
    "choice among equal maxima); the other {count} − 1 cells get 0; windows that overlap add up.",
    "net.rule.avgpool": "Rule: each window's g is spread evenly, g/{count} to each of its {count} "
    "cells; windows that overlap add up.",
    "net.rule.batchnorm": "Rule (per channel, over its M = {count} values): ∂L/∂z = γ/(M·σ)·(M·g − "
    "Σg − ẑ·Σ(g·ẑ)), ∂L/∂γ = Σ(g·ẑ), ∂L/∂β = Σg.",
    "net.rule.flatten": "Rule: the gradient is reshaped back to {shape}.",
    "net.rule.softmax_ce": "Rule: L = mean over the N = {count} samples of log Σ_j exp(z_j) − z_t "
    "(as F.cross_entropy), so ∂L/∂z = (softmax(z) − onehot(t))/N; the formula shows sample 1, "
    "whose target class {target} is z_{symbol}.",
    "net.forward.loss": "Layer {layer}: '{text}' ({input} → 1), the loss L from a_{layer}",
    "net.rule.mse": "Rule: L = Σ(z − t)²/n over n = {count} elements, ∂L/∂z = 2(z − t)/n.",
    "net.rule.l1": "Rule: L = Σ|z − t|/n over n = {count} elements, ∂L/∂z = sign(z − t)/n, with "
    "sign(0) = 0 as in PyTorch.",
    "net.rule.engine": "The gradients, derived by differentiating the forward expressions with the "
    "incoming gradient d_{layer} = ∂L/∂a_{next} (their closed forms are proved below):",
    "net.check_layer": "(layer {layer}, {kind}: in that layer's own symbols)",
    "net.check_dual": "Here: the gradients of the loss wrt the input and every parameter, found layer "
    "by layer, equal the tangent of the loss from one forward pass of the whole network on dual "
    "numbers seeded with every input and parameter element.",
    "plot.net.title": "gradsym {command}: activations (top) and gradients of the loss (bottom), "
    "layer by layer; maps show sample 1, channel 1",
    "plot.net.activation": "a_{layer} {shape}\ninput of '{text}'",
    "plot.net.gradient": "∂L/∂a_{layer}",
    "check.local_rule_equals_derivative": "the layer's backward rule equals SymPy's derivative of "
    "its formula",
}

ZH = {
    "title.net": "由 {count} 层组成、以 {loss} 结尾的网络：逐层的链式法则",
    "net.setup.intro": "共 {count} 层，按训练模式下的 torch.nn.Sequential 运行；第 l 层读取 a_l，写出 a_(l+1)。",
    "net.setup.layer": "第 {layer} 层：'{text}'，{input} → {output}",
    "net.setup.layer_params": "第 {layer} 层：'{text}'，{input} → {output}；参数 {params}",
    "net.setup.names": "参数沿用 PyTorch 的 state_dict 名称（0.weight、0.bias、……：数字是该层从 0 开始的位置）。"
    "卷积、转置卷积和全连接层用第 l 层自己的符号推导：输入 a_l、卷积核 k_l 或权重 w_l、偏置 b_l、"
    "传入梯度 d_l = ∂L/∂a_(l+1)。",
    "net.setup.values": "数值：--x 与 --target，任一参数可用 --at NAME=VALUES 给出；其余参数用 --seed "
    "抽取（较小的二进分数）。各层为有理运算时结果精确；经过 exp、tanh 或 sqrt 之后使用 40 位有效数字。",
    "net.section.forward": "逐层前向传播",
    "net.section.backward": "逐层反向传播：链式法则从损失一直到第 1 层",
    "net.forward.layer": "第 {layer} 层：'{text}'（{input} → {output}），由 a_{layer} 得到 a_{next}",
    "net.forward.batchnorm": "对每个通道 c，在批次（及各位置）上：μ = mean z，σ² = mean (z − μ)²（有偏），"
    "ẑ = (z − μ)/sqrt(σ² + ε)，ε = 1e-5，y = γ_c·ẑ + β_c。",
    "net.backward.layer": "第 {layer} 层：'{text}'，反向",
    "net.rule.relu": "规则：∂L/∂z = g·Heaviside(z, 0)：梯度只在 z > 0 处通过，与 PyTorch 一样取 relu′(0) = 0。",
    "net.rule.sigmoid": "规则：∂L/∂z = g·y·(1 − y)，其中 y = sigmoid(z) 来自前向传播。",
    "net.rule.tanh": "规则：∂L/∂z = g·(1 − y²)，其中 y = tanh(z) 来自前向传播。",
    "net.rule.maxpool": "规则：每个窗口的 g 全部传给窗口中第一个最大值（相等最大值时 PyTorch 的选择）；"
    "其余 {count} − 1 个元素得 0；重叠的窗口相加。",
    "net.rule.avgpool": "规则：每个窗口的 g 平均分配，每个元素得 g/{count}，共 {count} 个；重叠的窗口相加。",
    "net.rule.batchnorm": "规则（每个通道，在其 M = {count} 个值上）：∂L/∂z = γ/(M·σ)·(M·g − Σg − ẑ·Σ(g·ẑ))，"
    "∂L/∂γ = Σ(g·ẑ)，∂L/∂β = Σg。",
    "net.rule.flatten": "规则：梯度重新变形回 {shape}。",
    "net.rule.softmax_ce": "规则：L 为 N = {count} 个样本上 log Σ_j exp(z_j) − z_t 的平均"
    "（同 F.cross_entropy），故 ∂L/∂z = (softmax(z) − onehot(t))/N；公式展示样本 1，其目标类别 {target} 对应 z_{symbol}。",
    "net.forward.loss": "第 {layer} 层：'{text}'（{input} → 1），由 a_{layer} 得到损失 L",
    "net.rule.mse": "规则：在 n = {count} 个元素上 L = Σ(z − t)²/n，∂L/∂z = 2(z − t)/n。",
    "net.rule.l1": "规则：在 n = {count} 个元素上 L = Σ|z − t|/n，∂L/∂z = sign(z − t)/n，与 PyTorch 一样取 sign(0) = 0。",
    "net.rule.engine": "梯度：用传入梯度 d_{layer} = ∂L/∂a_{next} 对前向表达式求导得到（其闭式形式在下文证明）：",
    "net.check_layer": "（第 {layer} 层，{kind}：使用该层自己的符号）",
    "net.check_dual": "此处：逐层求得的损失对输入和每个参数的梯度，等于整个网络在对偶数上做一次前向传播"
    "（每个输入与参数元素各为一个种子）所得损失的切向量。",
    "plot.net.title": "gradsym {command}：逐层的激活（上）与损失的梯度（下）；特征图显示样本 1、通道 1",
    "plot.net.activation": "a_{layer} {shape}\n'{text}' 的输入",
    "plot.net.gradient": "∂L/∂a_{layer}",
    "check.local_rule_equals_derivative": "该层的反向规则等于 SymPy 对其公式求得的导数",
}

HELP_ZH = {
    "Input shape, samples first: NxCxHxW (or NxCxL, NxCxDxHxW, NxF).":
    "输入形状，样本数在前：NxCxHxW（或 NxCxL、NxCxDxHxW、NxF）。",
    "The layers, comma-separated, ending in a loss: conv COUTxKHxKW, optionally followed by stride S, "
    "pad P, bias; deconv likewise; relu; sigmoid; tanh; maxpool K or avgpool K, optionally stride S; "
    "batchnorm; flatten; linear OUT, optionally nobias; softmax_ce | mse | l1.":
    "各层，以逗号分隔，以损失结尾：`conv COUTxKHxKW`，其后可加 `stride S`、`pad P`、bias；deconv 同上；"
    "relu；sigmoid；tanh；`maxpool K` 或 `avgpool K`，可加 `stride S`；batchnorm；flatten；"
    "`linear OUT`，可加 nobias；softmax_ce | mse | l1。",
    "A parameter's values by its PyTorch state_dict name, NAME=VALUES, repeatable: --at "
    "0.weight=[[...]] --at 4.bias=0,1,2 (the number is the layer's 0-based position). Parameters not "
    "given are drawn with --seed.":
    "按 PyTorch state_dict 名称给出参数值，NAME=VALUES，可重复：--at 0.weight=[[...]] --at 4.bias=0,1,2"
    "（数字是该层从 0 开始的位置）。未给出的参数用 --seed 抽取。",
    "Network input values (default: random, with --seed).": "网络输入的值（默认：随机，配合 --seed）。",
    "Target: class indices (one per sample) for softmax_ce, values of the output's shape for mse and l1 "
    "(default: random, with --seed).":
    "目标：softmax_ce 为类别下标（每个样本一个），mse 和 l1 为与输出同形状的值（默认：随机，配合 --seed）。",
    "A small network: every layer's formula and backward rule, the numbers forward and backward, and "
    "the chain rule checked against an independent differentiation of the whole network.":
    "小型网络：每层的公式和反向规则、前向与反向的数值，并将链式法则的结果与对整个网络的独立求导相比较。",
}
