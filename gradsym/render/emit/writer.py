"""The parts every emitted module shares: the header, the imports, the ``__main__`` self-test.

An emitted module is plain text assembled from sections; nothing here imports a
framework. The self-test compares the emitted backward with the framework's own
differentiation of a forward pass (PyTorch: ``gradcheck`` and ``autograd``; JAX:
``jax.vjp``; NumPy: central differences) and exits 1 when they disagree.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Sequence
from typing import Any

FRAMEWORKS = ("numpy", "torch", "jax")
DISPLAY = {"numpy": "NumPy", "torch": "PyTorch", "jax": "JAX"}

IMPORTS = {
    "numpy": "import numpy as np",
    "torch": "import torch\nimport torch.nn.functional as F",
    "jax": "import jax\nimport jax.numpy as jnp\nfrom jax import lax",
}


def literal(value: Any) -> str:
    """A Python literal for a constant: tuples stay tuples, lists become tuples."""
    if isinstance(value, (list, tuple)):
        items = [literal(v) for v in value]
        if len(items) == 1:
            return f"({items[0]},)"
        return f"({', '.join(items)})"
    if isinstance(value, str):  # double quotes, as the formatter writes them
        return json.dumps(value, ensure_ascii=False)
    return repr(value)


def header(
    *, title: str, framework: str, command_line: str, config: dict[str, Any], api: str,
    oracle: str | None = None,
) -> str:
    """The module docstring: what it is, how it was produced, the configuration; ``oracle``
    names what the self-test compares with, when not the layer modules' usual one."""
    config_lines = json.dumps(config, sort_keys=False, ensure_ascii=False, indent=None)
    wrapped = textwrap.wrap(config_lines, width=88, break_long_words=False, break_on_hyphens=False)
    body = "\n".join(f"    {line}" for line in wrapped)
    return (
        f'"""{title}: the forward pass and the backward pass gradsym derived, in {DISPLAY[framework]}.\n'
        f"\n"
        f"Produced by: {command_line}\n"
        f"\n"
        f"Configuration (the JSON \"config\"):\n"
        f"{body}\n"
        f"\n"
        f"{api}\n"
        f"\n"
        f"Needs only {DISPLAY[framework]} (never gradsym). Run `python THIS_FILE.py` for the self-test: it\n"
        f"compares the backward with {oracle or _oracle(framework)} on random inputs, prints the\n"
        f"largest difference and exits with status 1 if they disagree.\n"
        f'"""\n'
    )


def _oracle(framework: str) -> str:
    return {
        "numpy": "central differences of the forward pass",
        "torch": "torch.autograd.gradcheck (float64) and PyTorch's own autograd",
        "jax": "jax.vjp of the forward pass",
    }[framework]


def module(*sections: str) -> str:
    """Join sections with two blank lines, one trailing newline (ruff/black layout)."""
    parts = [s.strip("\n") for s in sections if s.strip()]
    return parts[0] + "\n\n" + "\n\n\n".join(parts[1:]) + "\n"


def imports(framework: str) -> str:
    lines = ["import sys", "", IMPORTS[framework]]
    return "\n".join(lines) + "\n"


def constants(pairs: Sequence[tuple[str, Any, str]]) -> str:
    """``NAME = literal  # comment`` lines."""
    out = []
    for name, value, comment in pairs:
        line = f"{name} = {literal(value) if not isinstance(value, str) else value}"
        out.append(f"{line}  # {comment}" if comment else line)
    return "\n".join(out) + "\n"


def layer_forward(framework: str, class_name: str, args: Sequence[str],
                  reference: tuple[str, str] | None = None) -> str:
    """``forward(*args)`` of a layer module: for torch a ``torch.autograd.Function`` around
    ``forward_plain`` whose backward is the derived ``backward(grad_output, *args)``, plus
    ``reference_forward`` when ``reference`` gives (its docstring, its body) — PyTorch's own
    operation, whose autograd the self-test compares with; elsewhere ``forward_plain`` itself."""
    names = ", ".join(args)
    if framework != "torch":
        return f"""

def forward({names}):
    return forward_plain({names})
"""
    out = f'''

class {class_name}(torch.autograd.Function):
    """The layer as a torch.autograd.Function whose backward is the derived one."""

    @staticmethod
    def forward(ctx, {names}):
        ctx.save_for_backward({names})
        return forward_plain({names})

    @staticmethod
    def backward(ctx, grad_output):
        return backward(grad_output, *ctx.saved_tensors)


def forward({names}):
    return {class_name}.apply({names})
'''
    if reference is not None:
        doc, body = reference
        indented = "\n".join("    " + line if line else line for line in body.split("\n"))
        out += f'''

def reference_forward({names}):
    """{doc}"""
{indented}
'''
    return out


# ---------------------------------------------------------------------------
# Self-tests of layer modules: forward(*args), backward(grad_output, *args)


def arguments(entries: Sequence[tuple[str, Any, Any]]) -> str:
    """The ``ARGUMENTS`` constant :func:`layer_self_test` reads: ``(name, shape, used)`` for
    each argument of ``forward``, in order."""
    rows = [f'("{name}", {literal(shape)}, {used})' for name, shape, used in entries]
    if len(rows) == 1:  # the formatter keeps a one-item tuple on one line
        return constants([("ARGUMENTS", f"({rows[0]},)", "")])
    return constants([("ARGUMENTS", "(\n" + "".join(f"    {r},\n" for r in rows) + ")", "")])


def layer_self_test(framework: str, *, name: str, reference: str | None = None) -> str:
    """``_self_test()`` and the ``__main__`` guard for a module with ``forward``/``backward``.

    The module defines ``ARGUMENTS``: ``(name, shape, used)`` for each argument of
    ``forward`` in order, and ``_draw(rng_or_key, name, shape)`` for its random values.
    ``reference`` names a function computing the forward with the framework's own
    operations (PyTorch only), whose autograd the backward is compared with.
    """
    if framework == "numpy":
        body = _NUMPY_LAYER_TEST
    elif framework == "torch":
        body = _TORCH_LAYER_TEST.replace("REFERENCE", reference or "forward")
    else:
        body = _JAX_LAYER_TEST
    return body.replace("NAME", name).rstrip("\n") + "\n" + _MAIN


_MAIN = '''

if __name__ == "__main__":
    sys.exit(_self_test())
'''

_NUMPY_LAYER_TEST = '''
def _self_test():
    """Compare backward with central differences of forward along random directions."""
    rng = np.random.default_rng(0)
    args = [_draw(rng, name, shape) if used else None for name, shape, used in ARGUMENTS]
    y = forward(*args)
    grad_output = rng.standard_normal(np.shape(y))
    grads = backward(grad_output, *args)
    grads = grads if isinstance(grads, tuple) else (grads,)

    def loss(values):
        return float(np.sum(forward(*values) * grad_output))

    worst, step = 0.0, 1e-6
    for i, value in enumerate(args):
        if value is None:
            continue
        if np.shape(grads[i]) != np.shape(value):
            print(
                f"self-test NAME (NumPy): gradient {i} has shape {np.shape(grads[i])}, "
                f"expected {np.shape(value)}: FAILED"
            )
            return 1
        for _ in range(3):
            direction = rng.standard_normal(np.shape(value))
            plus, minus = list(args), list(args)
            plus[i] = value + step * direction
            minus[i] = value - step * direction
            numeric = (loss(plus) - loss(minus)) / (2 * step)
            derived = float(np.sum(grads[i] * direction))
            worst = max(worst, abs(numeric - derived) / max(1.0, abs(numeric)))
    ok = worst < 1e-5
    print(
        f"self-test NAME (NumPy): largest difference from central differences "
        f"{worst:.2e}: {'OK' if ok else 'FAILED'}"
    )
    return 0 if ok else 1
'''

_TORCH_LAYER_TEST = '''
def _self_test():
    """gradcheck the autograd.Function in float64, then compare with PyTorch's own autograd."""
    generator = torch.Generator().manual_seed(0)
    args = [
        _draw(generator, name, shape).requires_grad_() if used else None
        for name, shape, used in ARGUMENTS
    ]
    inputs = tuple(a for a in args if a is not None)

    def rebuild(*values):
        it = iter(values)
        return [next(it) if a is not None else None for a in args]

    passed = torch.autograd.gradcheck(
        lambda *values: forward(*rebuild(*values)), inputs, raise_exception=False
    )
    y = REFERENCE(*args)
    grad_output = torch.randn(y.shape, generator=generator, dtype=torch.float64)
    expected = torch.autograd.grad(y, inputs, grad_output)
    with torch.no_grad():
        grads = backward(grad_output, *[a.detach() if a is not None else None for a in args])
    grads = grads if isinstance(grads, tuple) else (grads,)
    grads = [g for g, a in zip(grads, args) if a is not None]
    worst = 0.0
    for derived, reference in zip(grads, expected):
        if derived is None or tuple(derived.shape) != tuple(reference.shape):
            passed = False
            continue
        worst = max(worst, float((derived - reference).abs().max()))
    ok = passed and worst < 1e-9
    print(
        f"self-test NAME (PyTorch): gradcheck {'passed' if passed else 'FAILED'}, largest "
        f"difference from torch.autograd {worst:.2e}: {'OK' if ok else 'FAILED'}"
    )
    return 0 if ok else 1
'''

_JAX_LAYER_TEST = '''
def _self_test():
    """Compare backward with jax.vjp of forward, in float64."""
    jax.config.update("jax_enable_x64", True)
    key = jax.random.PRNGKey(0)
    args = []
    for name, shape, used in ARGUMENTS:
        key, sub = jax.random.split(key)
        args.append(_draw(sub, name, shape) if used else None)
    used = [i for i, a in enumerate(args) if a is not None]

    def partial(*values):
        full = list(args)
        for i, v in zip(used, values):
            full[i] = v
        return forward(*full)

    y, vjp = jax.vjp(partial, *[args[i] for i in used])
    key, sub = jax.random.split(key)
    grad_output = jax.random.normal(sub, y.shape, dtype=jnp.float64)
    expected = vjp(grad_output)
    grads = backward(grad_output, *args)
    grads = grads if isinstance(grads, tuple) else (grads,)
    worst, ok = 0.0, True
    for i, reference in zip(used, expected):
        derived = grads[i]
        if derived is None or jnp.shape(derived) != jnp.shape(reference):
            ok = False
            continue
        worst = max(worst, float(jnp.max(jnp.abs(derived - reference))))
    ok = ok and worst < 1e-9
    print(
        f"self-test NAME (JAX): largest difference from jax.vjp {worst:.2e}: "
        f"{'OK' if ok else 'FAILED'}"
    )
    return 0 if ok else 1
'''


def draw_function(framework: str, kinds: dict[str, str] | None = None) -> str:
    """``_draw(source, name, shape)``: standard normal values, or positive ones for names in
    ``kinds`` mapped to ``"positive"``."""
    positive = sorted(n for n, k in (kinds or {}).items() if k == "positive")
    pos = literal(tuple(positive)) if positive else "()"
    if framework == "numpy":
        return f'''
def _draw(rng, name, shape):
    """Random test values: standard normal, positive for {pos}."""
    values = rng.standard_normal(shape)
    return np.abs(values) + 0.5 if name in {pos} else values
'''
    if framework == "torch":
        return f'''
def _draw(generator, name, shape):
    """Random test values in float64: standard normal, positive for {pos}."""
    values = torch.randn(shape, generator=generator, dtype=torch.float64)
    return values.abs() + 0.5 if name in {pos} else values
'''
    return f'''
def _draw(key, name, shape):
    """Random test values in float64: standard normal, positive for {pos}."""
    values = jax.random.normal(key, shape, dtype=jnp.float64)
    return jnp.abs(values) + 0.5 if name in {pos} else values
'''
