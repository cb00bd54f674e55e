"""Emitted code for ``batchnorm`` (training mode): the compact form of the input gradient.

dL/dx = γ / (N·σ) · (N·g − Σg − x̂ · Σ(g·x̂)), σ = √(var + ε), x̂ = (x − mean) / σ,
the sums over the batch (and the spatial positions, when there are any).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from gradsym.errors import SpecError
from gradsym.render.emit import writer
from gradsym.render.emit.writer import literal


def _eps(text: Any) -> tuple[float, str]:
    try:
        return float(Fraction(str(text))), f"ε = {text}"
    except (ValueError, ZeroDivisionError):
        return 1e-5, f"ε was the symbol {text}; PyTorch's default 1e-5 is used"


_ASARRAY = {"numpy": "np.asarray({v}, dtype=float)", "torch": "torch.tensor({v}, dtype=x.dtype)",
            "jax": "jnp.asarray({v}, dtype=x.dtype)"}


# Both modes' forward_plain and the head of their backward (normalize() differs by mode).
_FORWARD_BACKWARD_HEAD = '''def forward_plain(x, gamma, beta):
    """y = γ·x̂ + β."""
    x_hat, _ = normalize(x)
    return gamma.reshape(PER_FEATURE) * x_hat + beta.reshape(PER_FEATURE)


def backward(grad_output, x, gamma, beta):
    """(grad_input, grad_gamma, grad_beta) for the upstream gradient g = dL/dy."""
    x_hat, sigma = normalize(x)
    g = grad_output
'''


def _setup(config: dict[str, Any], framework: str) -> tuple[
        int, int, tuple[int, ...], tuple[int, ...], tuple[int, ...], float, str, str, str, str]:
    """What both modes read from the configuration: batch, features, spatial sizes, the input
    shape, the reduced axes, ε (and its note), the framework's axis keyword and square root, and
    the header's API lines."""
    batch, features = int(config["batch"]), int(config["features"])
    spatial = tuple(config.get("spatial") or ())
    shape = (batch, features, *spatial)
    axes = (0, *range(2, 2 + len(spatial)))
    eps, eps_note = _eps(config.get("eps", "1/100000"))
    keyword = "dim" if framework == "torch" else "axis"
    sqrt = {"numpy": "np.sqrt", "torch": "torch.sqrt", "jax": "jnp.sqrt"}[framework]
    api = (
        "forward(x, gamma, beta) -> y\n"
        "backward(grad_output, x, gamma, beta) -> (grad_input, grad_gamma, grad_beta)\n"
        f"Layouts: x (batch, features{', *spatial' if spatial else ''}), gamma and beta (features,)."
    )
    return batch, features, spatial, shape, axes, eps, eps_note, keyword, sqrt, api


def emit_batchnorm(config: dict[str, Any], framework: str, command_line: str) -> str:
    if config.get("mode", "training") == "eval":
        return emit_batchnorm_eval(config, framework, command_line)
    if config.get("mode", "training") != "training" or config.get("variance", "biased") != "biased":
        raise SpecError("emit.batchnorm_mode")
    batch, features, spatial, shape, axes, eps, eps_note, keyword, sqrt, api = _setup(config, framework)
    keep = f"{keyword}=AXES, keepdims=True" if framework != "torch" else "dim=AXES, keepdim=True"
    layer = f'''
# -- configuration --
EPS = {eps!r}  # {eps_note}
AXES = {literal(axes)}  # the statistics run over the batch{" and the spatial positions" if spatial else ""}
COUNT = {batch * _prod(spatial)}  # N: values per feature
PER_FEATURE = {literal((1, -1) + (1,) * len(spatial))}  # γ, β broadcast along the features axis


# -- the layer and its derived backward --
def normalize(x):
    """(x̂, σ): x̂ = (x − mean) / σ, σ = √(var + ε), with the batch's biased variance."""
    mean = x.mean({keep})
    var = ((x - mean) ** 2).mean({keep})
    sigma = {sqrt}(var + EPS)
    return (x - mean) / sigma, sigma


{_FORWARD_BACKWARD_HEAD}    sum_g = g.sum({keep})
    sum_g_x_hat = (g * x_hat).sum({keep})
    # grad_input_equals_compact_form: dL/dx = γ/(N·σ) · (N·g − Σg − x̂·Σ g·x̂)
    scale = gamma.reshape(PER_FEATURE) / (COUNT * sigma)
    grad_input = scale * (COUNT * g - sum_g - x_hat * sum_g_x_hat)
    # dL/dγ = Σ g·x̂, dL/dβ = Σ g
    return grad_input, sum_g_x_hat.reshape(-1), sum_g.reshape(-1)
'''
    layer += norm_forward(framework, "F.batch_norm(x, None, None, gamma, beta, training=True, eps=EPS)")
    return norm_module("Batch normalization (batchnorm, training mode)", "batchnorm", shape,
                       (features,), layer, config,
                       framework, command_line, api)


def emit_batchnorm_eval(config: dict[str, Any], framework: str, command_line: str) -> str:
    """Eval mode: the running statistics are module constants (PyTorch's initial buffers,
    zeros and ones; edit RUNNING_MEAN/RUNNING_VAR for yours)."""
    batch, features, spatial, shape, axes, eps, eps_note, keyword, sqrt, api = _setup(config, framework)
    api += (
        "\nEval mode: RUNNING_MEAN and RUNNING_VAR are PyTorch's initial buffers (zeros, ones); "
        "set them to yours."
    )
    layer = f'''
# -- configuration --
EPS = {eps!r}  # {eps_note}
RUNNING_MEAN = {literal((0.0,) * features)}  # PyTorch's initial running_mean: set yours here
RUNNING_VAR = {literal((1.0,) * features)}  # PyTorch's initial running_var: set yours here
AXES = {literal(axes)}  # the sums of dL/dγ and dL/dβ run over the batch{" and the positions" if spatial else ""}
PER_FEATURE = {literal((1, -1) + (1,) * len(spatial))}  # per-feature values broadcast along axis 1


# -- the layer and its derived backward --
def normalize(x):
    """(x̂, σ): x̂ = (x − running_mean) / σ, σ = √(running_var + ε) — constants in eval mode."""
    mean = {_ASARRAY[framework].format(v="RUNNING_MEAN")}.reshape(PER_FEATURE)
    sigma = {sqrt}({_ASARRAY[framework].format(v="RUNNING_VAR")}.reshape(PER_FEATURE) + EPS)
    return (x - mean) / sigma, sigma


{_FORWARD_BACKWARD_HEAD}    # grad_input_equals_compact_form (eval): a diagonal Jacobian, dL/dx = γ·g/√(running_var + ε)
    grad_input = gamma.reshape(PER_FEATURE) / sigma * g
    # dL/dγ = Σ g·x̂, dL/dβ = Σ g
    return grad_input, (g * x_hat).sum({keyword}=AXES), g.sum({keyword}=AXES)
'''
    layer += norm_forward(framework, "F.batch_norm(x, torch.tensor(RUNNING_MEAN, dtype=x.dtype), "
                          "torch.tensor(RUNNING_VAR, dtype=x.dtype), gamma, beta, training=False, eps=EPS)")
    return norm_module("Batch normalization (batchnorm, eval mode)", "batchnorm", shape,
                       (features,), layer, config,
                       framework, command_line, api)


def emit_layernorm(config: dict[str, Any], framework: str, command_line: str) -> str:
    """Layer norm over the trailing dimensions: dL/dx = (1/(M·σ))·(M·ĝ − Σĝ − x̂·Σ ĝ∘x̂), ĝ = g∘γ."""
    shape = tuple(int(s) for s in config["shape"])
    normalized = int(config["normalized"])
    ndim = len(shape)
    axes = tuple(range(ndim - normalized, ndim))
    lead = tuple(range(ndim - normalized))
    norm_shape = shape[ndim - normalized:]
    eps, eps_note = _eps(config.get("eps", "1/100000"))
    keyword = "dim" if framework == "torch" else "axis"
    keep = f"{keyword}=AXES, keepdim=True" if framework == "torch" else f"{keyword}=AXES, keepdims=True"
    sqrt = {"numpy": "np.sqrt", "torch": "torch.sqrt", "jax": "jnp.sqrt"}[framework]
    reduce_lead = (f"(g * x_hat).sum({keyword}=LEAD), g.sum({keyword}=LEAD)" if lead
                   else "g * x_hat, g")
    api = (
        "forward(x, gamma, beta) -> y\n"
        "backward(grad_output, x, gamma, beta) -> (grad_input, grad_gamma, grad_beta)\n"
        f"Layouts: x {literal(shape)}, gamma and beta {literal(norm_shape)} (the normalised shape)."
    )
    layer = f'''
# -- configuration --
EPS = {eps!r}  # {eps_note}
NORMALIZED_SHAPE = {literal(norm_shape)}
AXES = {literal(axes)}  # the statistics run over the normalised (trailing) dimensions
LEAD = {literal(lead)}  # dL/dγ and dL/dβ sum over the leading dimensions
COUNT = {_prod(norm_shape)}  # M: values per sample


# -- the layer and its derived backward --
def normalize(x):
    """(x̂, σ) per sample: x̂ = (x − mean) / σ, σ = √(var + ε), biased variance."""
    mean = x.mean({keep})
    var = ((x - mean) ** 2).mean({keep})
    sigma = {sqrt}(var + EPS)
    return (x - mean) / sigma, sigma


def forward_plain(x, gamma, beta):
    """y = γ∘x̂ + β (γ, β broadcast over the leading dimensions)."""
    x_hat, _ = normalize(x)
    return gamma * x_hat + beta


def backward(grad_output, x, gamma, beta):
    """(grad_input, grad_gamma, grad_beta) for the upstream gradient g = dL/dy."""
    x_hat, sigma = normalize(x)
    g = grad_output
    g_hat = g * gamma  # γ multiplies before the reductions
    sum_g_hat = g_hat.sum({keep})
    sum_g_hat_x_hat = (g_hat * x_hat).sum({keep})
    # grad_input_equals_compact_form: dL/dx = (M·ĝ − Σĝ − x̂·Σ ĝ∘x̂) / (M·σ)
    grad_input = (COUNT * g_hat - sum_g_hat - x_hat * sum_g_hat_x_hat) / (COUNT * sigma)
    # dL/dγ = Σ g∘x̂, dL/dβ = Σ g over the leading dimensions
    return (grad_input, *({reduce_lead}))
'''
    layer += norm_forward(framework, "F.layer_norm(x, NORMALIZED_SHAPE, gamma, beta, eps=EPS)")
    return norm_module("Layer normalization (layernorm)", "layernorm", shape, norm_shape, layer, config,
                       framework, command_line, api)


def norm_forward(framework: str, reference: str) -> str:
    """``forward(x, gamma, beta)`` of a normalisation layer; for torch the autograd.Function and
    ``reference_forward`` returning ``reference`` (PyTorch's own layer)."""
    return writer.layer_forward(framework, "NormFunction", ["x", "gamma", "beta"],
                                ("PyTorch's own implementation.", f"return {reference}"))


def _prod(values: tuple[int, ...]) -> int:
    out = 1
    for v in values:
        out *= v
    return out


def norm_module(title: str, name: str, shape: tuple[int, ...], param_shape: tuple[int, ...],
                layer: str, config: dict[str, Any], framework: str, command_line: str,
                api: str) -> str:
    """The module of a normalisation layer: ``forward(x, gamma, beta)`` and its derived
    backward (``layer``), with the self-test (against the framework's own layer for torch)."""
    arguments = writer.arguments([
        ("x", shape, True), ("gamma", param_shape, True), ("beta", param_shape, True),
    ])
    return writer.module(
        writer.header(title=title, framework=framework, command_line=command_line,
                      config=config, api=api),
        writer.imports(framework),
        layer,
        "# -- self-test --\n" + arguments,
        writer.draw_function(framework),
        writer.layer_self_test(framework, name=name,
                               reference="reference_forward" if framework == "torch" else None),
    )
