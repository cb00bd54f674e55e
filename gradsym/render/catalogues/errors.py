"""Keyed errors (``SpecError("conv.groups_divide", groups=3, …)``): the wording per language.

Placeholders: the facts by name; ``{param}`` (and ``{x_param}``) a parameter as the caller
knows it (``--in-channels`` / ``in_channels``), ``{param_got}`` / ``{param_example}`` with a
value (``--batch 5000`` / ``batch=5000``); ``{opt.name}`` a fixed parameter's name and
``{given.name}`` a fixed parameter with the value in the fact of that name.
"""

from __future__ import annotations

EN = {
    "error.option.positive": "{param} must be a whole number ≥ 1, got {got}",
    "error.option.at_most": "{param_got} is too large (at most {limit})",
    "error.option.required": "{param} is required (e.g. {param_example})",
    "error.conv.convention": "{opt.convention} must be one of {choices}, got {convention!r}",
    "error.conv.kernel_dims": "{opt.kernel} is {kernel_dims}-D but {opt.input} is {input_dims}-D; "
    "give the kernel as many sizes as the input (e.g. {example})",
    "error.conv.same_transposed": "{given.padding} is not defined for a transposed convolution; "
    "give numbers",
    "error.conv.same_stride": "{given.padding} needs {given.stride} (PyTorch's rule); give "
    "numbers, or use {given.convention} (or jax) for TensorFlow's SAME padding",
    "error.conv.groups_divide": "{given.groups} must divide both {opt.in_channels} "
    "({in_channels}) and {opt.out_channels} ({out_channels})",
    "error.conv.groups_channels": "{opt.groups} needs {opt.in_channels} and {opt.out_channels}",
    "error.emit.expr_scalar": "{opt.emit} needs a scalar expression (a gradient); make it one "
    "with sum or mean",
    "error.emit.expr_function": "{opt.emit}: expr cannot write {function} as framework code",
}

ZH = {
    "error.option.positive": "{param} 必须是 ≥ 1 的整数，实际为 {got}",
    "error.option.at_most": "{param_got} 太大（最多 {limit}）",
    "error.option.required": "必须给出 {param}（例如 {param_example}）",
    "error.conv.convention": "{opt.convention} 必须是 {choices} 之一，实际为 {convention!r}",
    "error.conv.kernel_dims": "{opt.kernel} 是 {kernel_dims} 维的，但 {opt.input} 是 {input_dims} 维的；"
    "请给卷积核与输入同样多的尺寸（例如 {example}）",
    "error.conv.same_transposed": "{given.padding} 对转置卷积没有定义；请给出数字",
    "error.conv.same_stride": "{given.padding} 需要 {given.stride}（PyTorch 的规则）；请给出数字，"
    "或使用 {given.convention}（或 jax）以采用 TensorFlow 的 SAME 填充",
    "error.conv.groups_divide": "{given.groups} 必须同时整除 {opt.in_channels}（{in_channels}）"
    "和 {opt.out_channels}（{out_channels}）",
    "error.conv.groups_channels": "{opt.groups} 需要 {opt.in_channels} 和 {opt.out_channels}",
    "error.emit.expr_scalar": "{opt.emit} 需要标量表达式（才有梯度）；请用 sum 或 mean 把它变成标量",
    "error.emit.expr_function": "{opt.emit}：expr 无法把 {function} 写成框架代码",
}
