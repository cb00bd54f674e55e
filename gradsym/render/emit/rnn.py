"""Emitted code for ``rnn``: the unrolled forward and backpropagation through time.

h_t = tanh(W_ih·x_t + W_hh·h_(t−1) + b) from h0; with g_t = dL/dh_t, from t = T down:
δ_t = g_t + W_hhᵀ·d_(t+1), d_t = δ_t ∘ (1 − h_t²) (tanh′ = 1 − tanh², proved), and
∂L/∂x_t = W_ihᵀ·d_t, ∂L/∂W_ih = Σ d_t·x_tᵀ, ∂L/∂W_hh = Σ d_t·h_(t−1)ᵀ, ∂L/∂b = Σ d_t,
∂L/∂h0 = W_hhᵀ·d_1 — the step form the derivation proves equal to the unrolled graph's VJP.
"""

from __future__ import annotations

from typing import Any

from gradsym.render.emit import writer

_XP = {"numpy": "np", "torch": "torch", "jax": "jnp"}


def emit_rnn(config: dict[str, Any], framework: str, command_line: str) -> str:
    steps, inputs, hidden = (int(config[k]) for k in ("steps", "input_size", "hidden"))
    xp = _XP[framework]
    outer = {"numpy": "np.outer", "torch": "torch.outer", "jax": "jnp.outer"}[framework]
    api = (
        "forward(x, w_ih, w_hh, b, h0) -> h, every hidden state (T, H)\n"
        "backward(grad_output, x, w_ih, w_hh, b, h0) -> (grad_input, grad_w_ih, grad_w_hh, "
        "grad_b, grad_h0)\n"
        f"Layouts: x ({steps}, {inputs}), w_ih ({hidden}, {inputs}), w_hh ({hidden}, {hidden}), "
        f"b ({hidden},), h0 ({hidden},); grad_output = dL/dh ({steps}, {hidden}). One bias b = "
        "b_ih + b_hh (torch.nn.RNN has two; set bias_ih_l0 = b, bias_hh_l0 = 0)."
    )
    layer = f'''
# -- configuration --
STEPS, INPUT_SIZE, HIDDEN = {steps}, {inputs}, {hidden}


# -- the layer and its derived backward --
def states(x, w_ih, w_hh, b, h0):
    """[h0, h_1, …, h_T]: h_t = tanh(W_ih·x_t + W_hh·h_(t−1) + b)."""
    hs = [h0]
    for t in range(STEPS):
        hs.append({xp}.tanh(w_ih @ x[t] + w_hh @ hs[-1] + b))
    return hs


def forward_plain(x, w_ih, w_hh, b, h0):
    return {xp}.stack(states(x, w_ih, w_hh, b, h0)[1:])


def backward(grad_output, x, w_ih, w_hh, b, h0):
    """Backpropagation through time, from the last step down."""
    hs = states(x, w_ih, w_hh, b, h0)
    d_next = {xp}.zeros_like(h0)
    grad_x = [None] * STEPS
    grad_w_ih, grad_w_hh = {xp}.zeros_like(w_ih), {xp}.zeros_like(w_hh)
    grad_b = {xp}.zeros_like(b)
    for t in reversed(range(STEPS)):
        delta = grad_output[t] + w_hh.T @ d_next  # δ_t = g_t + W_hhᵀ·d_(t+1)
        d = delta * (1 - hs[t + 1] ** 2)  # d_t = δ_t ∘ tanh′(a_t), tanh′ = 1 − h_t²
        grad_x[t] = w_ih.T @ d  # ∂L/∂x_t = W_ihᵀ·d_t
        grad_w_ih = grad_w_ih + {outer}(d, x[t])  # Σ_t d_t·x_tᵀ
        grad_w_hh = grad_w_hh + {outer}(d, hs[t])  # Σ_t d_t·h_(t−1)ᵀ
        grad_b = grad_b + d  # Σ_t d_t
        d_next = d
    grad_h0 = w_hh.T @ d_next  # ∂L/∂h0 = W_hhᵀ·d_1
    return {xp}.stack(grad_x), grad_w_ih, grad_w_hh, grad_b, grad_h0
'''
    layer += writer.layer_forward(
        framework, "RNNFunction", ["x", "w_ih", "w_hh", "b", "h0"],
        ("PyTorch's own Elman cell (torch.rnn_tanh_cell), step by step.",
         "h, out = h0.unsqueeze(0), []\n"
         "for t in range(STEPS):\n"
         "    h = torch.rnn_tanh_cell(x[t].unsqueeze(0), h, w_ih, w_hh, b, None)\n"
         "    out.append(h[0])\n"
         "return torch.stack(out)"))
    arguments = writer.arguments([
        ("x", (steps, inputs), True), ("w_ih", (hidden, inputs), True),
        ("w_hh", (hidden, hidden), True), ("b", (hidden,), True), ("h0", (hidden,), True),
    ])
    return writer.module(
        writer.header(title="Elman RNN, tanh (rnn)", framework=framework,
                      command_line=command_line, config=config, api=api),
        writer.imports(framework),
        layer,
        "# -- self-test --\n" + arguments,
        writer.draw_function(framework),
        writer.layer_self_test(framework, name="rnn",
                               reference="reference_forward" if framework == "torch" else None),
    )
