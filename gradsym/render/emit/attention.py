"""Emitted code for ``attention``: the matrix forms of the backward pass gradsym proved.

dV = Pᵀ·G, dP = G·Vᵀ, dS = P ∘ (dP − rowsum(dP ∘ P)·1ᵀ), dQ = dS·K/√D, dK = dSᵀ·Q/√D.
"""

from __future__ import annotations

from typing import Any

from gradsym.render.emit import writer

_OPS = {
    "numpy": {"exp": "np.exp", "max": ".max(axis=-1, keepdims=True)", "sum": ".sum(axis=-1, keepdims=True)",
              "mask": "np.triu(np.ones((SEQ, SEQ), dtype=bool), 1)", "fill": "np.where(MASK, -np.inf, s)"},
    "torch": {"exp": "torch.exp", "max": ".amax(dim=-1, keepdim=True)", "sum": ".sum(dim=-1, keepdim=True)",
              "mask": "torch.ones(SEQ, SEQ, dtype=torch.bool).triu(1)", "fill": "s.masked_fill(MASK, float(\"-inf\"))"},
    "jax": {"exp": "jnp.exp", "max": ".max(axis=-1, keepdims=True)", "sum": ".sum(axis=-1, keepdims=True)",
            "mask": "jnp.triu(jnp.ones((SEQ, SEQ), dtype=bool), 1)", "fill": "jnp.where(MASK, -jnp.inf, s)"},
}


def emit_attention(config: dict[str, Any], framework: str, command_line: str) -> str:
    seq, dim, causal = int(config["seq"]), int(config["dim"]), bool(config["causal"])
    ops = _OPS[framework]
    api = (
        "forward(q, k, v) -> o\n"
        "backward(grad_output, q, k, v) -> (grad_q, grad_k, grad_v)\n"
        "Layouts: q, k, v and o are (seq, dim)."
    )
    layer = f'''
# -- configuration --
SEQ = {seq}  # L: rows of q, k, v
DIM = {dim}  # D: columns of q, k, v
SCALE = DIM**-0.5  # 1/√D
CAUSAL = {causal}  # scores s_ij with j > i are −∞ before the softmax
MASK = {ops["mask"]}


# -- the layer and its derived backward --
def weights(q, k):
    """P = softmax of every row of S = q·kᵀ/√D (masked entries −∞ when CAUSAL)."""
    s = (q @ k.T) * SCALE
    if CAUSAL:
        s = {ops["fill"]}
    e = {ops["exp"]}(s - s{ops["max"]})
    return e / e{ops["sum"]}


def forward_plain(q, k, v):
    """o = P·v."""
    return weights(q, k) @ v


def backward(grad_output, q, k, v):
    """(grad_q, grad_k, grad_v) for the upstream gradient g = dL/do."""
    p = weights(q, k)
    g = grad_output
    grad_v = p.T @ g  # grad_v_equals_pt_upstream
    dp = g @ v.T
    ds = p * (dp - (dp * p){ops["sum"]})  # grad_scores_equals_softmax_backward
    grad_q = (ds @ k) * SCALE  # grad_q_equals_ds_k
    grad_k = (ds.T @ q) * SCALE  # grad_k_equals_dst_q
    return grad_q, grad_k, grad_v
'''
    layer += writer.layer_forward(
        framework, "AttentionFunction", ["q", "k", "v"],
        ("PyTorch's own F.scaled_dot_product_attention.",
         "return F.scaled_dot_product_attention(q[None], k[None], v[None], is_causal=CAUSAL)[0]"))
    shape = (seq, dim)
    return writer.module(
        writer.header(title="Scaled dot-product attention (attention)", framework=framework,
                      command_line=command_line, config=config, api=api),
        writer.imports(framework),
        layer,
        "# -- self-test --\n" + writer.arguments([("q", shape, True), ("k", shape, True), ("v", shape, True)]),
        writer.draw_function(framework),
        writer.layer_self_test(framework, name="attention",
                               reference="reference_forward" if framework == "torch" else None),
    )
