"""Emitted code for ``softmax``: softmax, log-softmax or the mean cross-entropy, each row in
the numerically stable form, with the derived backward:

softmax: dL/dx = s ⊙ (g − Σ_k g_k·s_k)/T; log-softmax: (g − s·Σ_k g_k)/T;
cross-entropy: dL/dx = g·(s − q)/(N·T), q = (1 − ε)·one-hot(target) + ε/K.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from gradsym.render.emit import writer

_OPS = {
    "numpy": {"exp": "np.exp", "log": "np.log", "keep": "axis=-1, keepdims=True",
              "q": "np.asarray(Q, dtype=x.dtype)"},
    "torch": {"exp": "torch.exp", "log": "torch.log", "keep": "dim=-1, keepdim=True",
              "q": "torch.tensor(Q, dtype=x.dtype)"},
    "jax": {"exp": "jnp.exp", "log": "jnp.log", "keep": "axis=-1, keepdims=True",
            "q": "jnp.asarray(Q, dtype=x.dtype)"},
}


def emit_softmax(config: dict[str, Any], framework: str, command_line: str) -> str:
    batch, classes = int(config["batch"]), int(config["classes"])
    temperature = float(Fraction(str(config.get("temperature", 1))))
    loss = config.get("loss")
    log = bool(config.get("log"))
    ops = _OPS[framework]
    exp, lg, keep = ops["exp"], ops["log"], ops["keep"]
    top = "z.amax(dim=-1, keepdim=True)" if framework == "torch" else f"z.max({keep})"
    what = "the mean cross-entropy" if loss else ("log_softmax(x/T)" if log else "softmax(x/T)")
    api = (
        f"forward(x) -> {what}\n"
        "backward(grad_output, x) -> grad_input\n"
        f"Layouts: x (batch, classes) = ({batch}, {classes}); "
        + ("the loss is a scalar." if loss else "the output has the layout of x.")
    )
    constants: list[tuple[str, Any, str]] = [("TEMPERATURE", temperature, "T: every row uses z = x/T"),
                 ("BATCH", batch, "N: rows of x")]
    if loss:
        eps = Fraction(str(config.get("smoothing", 0)))
        targets = [int(t) for t in config["target"]]
        q = [[float((1 - eps) * (k == t) + eps / classes) for k in range(classes)] for t in targets]
        constants += [("TARGET", tuple(targets), "one class index per row, 0-based"),
                      ("SMOOTHING", float(eps), "ε, PyTorch's label_smoothing"),
                      ("Q", q, "q = (1 − ε)·one-hot(target) + ε/K")]
    layer = writer.constants(constants) + f'''

# -- the layer and its derived backward --
def stable_log_softmax(x):
    """log softmax(x/T) per row, in the numerically stable form z − max z − log Σ exp(z − max z)
    (softmax_shift_invariant)."""
    z = x / TEMPERATURE
    shifted = z - {top}
    return shifted - {lg}({exp}(shifted).sum({keep}))
'''
    if loss:
        layer += f'''

def forward_plain(x):
    """L = (1/N)·Σ_n −Σ_k q_n,k·log softmax(x_n/T)_k."""
    return -({ops["q"]} * stable_log_softmax(x)).sum() / BATCH


def backward(grad_output, x):
    """grad_input_equals_softmax_minus_target: dL/dx = g·(softmax(x/T) − q)/(N·T)."""
    s = {exp}(stable_log_softmax(x))
    return grad_output * (s - {ops["q"]}) / (BATCH * TEMPERATURE)
'''
        reference = ("F.cross_entropy(x / TEMPERATURE, torch.tensor(TARGET), "
                     "label_smoothing=SMOOTHING)")
    elif log:
        layer += f'''

def forward_plain(x):
    return stable_log_softmax(x)


def backward(grad_output, x):
    """grad_input_equals_vjp_closed_form: dL/dx = (g − s·Σ_k g_k)/T per row."""
    s = {exp}(stable_log_softmax(x))
    return (grad_output - s * grad_output.sum({keep})) / TEMPERATURE
'''
        reference = "torch.log_softmax(x / TEMPERATURE, dim=-1)"
    else:
        layer += f'''

def forward_plain(x):
    return {exp}(stable_log_softmax(x))


def backward(grad_output, x):
    """grad_input_equals_vjp_closed_form: dL/dx = s ⊙ (g − Σ_k g_k·s_k)/T per row."""
    s = {exp}(stable_log_softmax(x))
    return s * (grad_output - (grad_output * s).sum({keep})) / TEMPERATURE
'''
        reference = "torch.softmax(x / TEMPERATURE, dim=-1)"
    layer += writer.layer_forward(framework, "SoftmaxFunction", ["x"],
                                  ("PyTorch's own operation.", f"return {reference}"))
    return writer.module(
        writer.header(title="Softmax (softmax)", framework=framework, command_line=command_line,
                      config=config, api=api),
        writer.imports(framework),
        "# -- configuration --\n" + layer,
        "# -- self-test --\n" + writer.arguments([("x", (batch, classes), True)]),
        writer.draw_function(framework),
        writer.layer_self_test(framework, name="softmax",
                               reference="reference_forward" if framework == "torch" else None),
    )
