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
    "error.shape.dims_max": "{param} has {count} dimensions ({text}); at most {limit} are "
    "supported",
    "error.shape.per_dim_count": "{param} has {count} values ({text}) but the input is {ndim}-D; "
    "give one value or {ndim}",
    "error.shape.int_type": "{param} must be whole numbers (int); got {type} {value!r} in "
    "{text!r}",
    "error.shape.type": "{param} must be text such as '3x3', a whole number or a tuple of whole "
    "numbers; got {type} {text}",
    "error.shape.empty_shape": "{param} is empty; expected a shape such as {example}",
    "error.shape.empty_per_dim": "{param} is empty; expected a number or one per dimension such "
    "as {example}",
    "error.shape.malformed_shape": "{param} '{text}' is malformed; expected a shape such as "
    "{example}",
    "error.shape.malformed_per_dim": "{param} '{text}' is malformed; expected a number or one "
    "per dimension such as {example}",
    "error.shape.not_int": "{param} must be whole numbers, got '{part}'",
    "error.shape.too_small_sizes": "{param} sizes must be ≥ {minimum}, got {got}",
    "error.shape.too_small_values": "{param} values must be ≥ {minimum}, got {got}",
    "error.shape.too_small_factors": "{param} factors must be ≥ {minimum}, got {got}",
    "error.shape.too_large": "{param} value {got} is too large (at most {limit})",
    "error.emit.expr_scalar": "{opt.emit} needs a scalar expression (a gradient); make it one "
    "with sum or mean",
    "error.emit.expr_function": "{opt.emit}: expr cannot write {function} as framework code",
    "error.pool.mode": "{opt.mode} must be max or avg, got {mode!r}",
    "error.pool.size_dims": "{opt.size} has {count} dimensions but {opt.input} has {ndim}; give "
    "the window as many sizes as the input (e.g. {example})",
    "error.pool.dilation_avg": "{opt.dilation} applies to max pooling only (PyTorch's avg_pool "
    "has no dilation); drop it or use {given.mode}",
    "error.pool.avg_small": "{opt.input} {input} is smaller than the window {window} in some "
    "dimension; PyTorch's avg_pool3d refuses that even with padding; use a smaller {opt.size}",
    "error.pool.padding_half": "{given.padding} is more than half the window ({given.size}) in "
    "dimension {axis}; PyTorch requires padding ≤ {half} (half the window, rounded down)",
    "error.pool.window_large": "the window ({given.size}, dilated extent {extent}) is larger than "
    "the padded input {padded} in dimension {axis}; use a smaller {opt.size}/{opt.dilation} or "
    "more {opt.padding}",
    "error.pool.padding_only": "output {output} of dimension {axis} would read only padding "
    "(PyTorch returns -inf there); use less {opt.padding} or {opt.dilation}",
    "error.pool.padding_same": "{given.padding} is not defined for pooling; give numbers (e.g. "
    "{param_example})",
    "error.pool.padding_sides": "{opt.padding}: pooling pads both sides equally (PyTorch); give "
    "one number per dimension",
    "error.batchnorm.eps_type": "{opt.eps} must be a number or the word eps, got {got}",
    "error.batchnorm.eps_positive": "{opt.eps} must be > 0 (it keeps σ = sqrt(σ² + ε) away from "
    "0), got {got}; PyTorch's default is 1e-5",
    "error.batchnorm.one_value": "{given.batch} with {opt.spatial} of size 1: batch norm in "
    "training mode needs more than one value per channel (PyTorch raises 'Expected more than 1 "
    "value per channel when training'); use a larger {opt.batch} or {opt.spatial}, or {flag.eval}",
    "error.batchnorm.one_sample": "{given.batch}: batch norm in training mode needs at least 2 "
    "samples per feature (with one, x − μ = 0 and PyTorch raises 'Expected more than 1 value per "
    "channel when training'); use {param_example} or more",
    "error.layernorm.shape_required": "{param} is required (e.g. {param_example}: 2 samples of 4 "
    "features)",
    "error.layernorm.shape_dims": "{opt.shape} needs 2 to 4 dimensions such as NxD (samples × "
    "features), got {shape}",
    "error.layernorm.normalized": "{opt.normalized} must be a whole number from 1 to {count} (the "
    "trailing dimensions of {opt.shape} to normalise), got {got}",
    "error.layernorm.single": "{given.normalized} normalises a single value per group (x − μ = 0, "
    "so y = β); choose {opt.shape}/{opt.normalized} so that the normalised dimensions hold at "
    "least 2 values",
    "error.groupnorm.shape_required": "{param} is required (e.g. {param_example}: N × C × H × W)",
    "error.groupnorm.shape_dims": "{opt.shape} needs 2 to 5 dimensions N×C×(spatial), got {shape}",
    "error.groupnorm.groups": "{opt.groups} must be a whole number ≥ 1 that divides the channels "
    "C = {channels}, got {got}",
    "error.groupnorm.single": "{given.groups} on {opt.shape} {shape} normalises a single value per "
    "group (x − μ = 0, so y = β); use fewer groups or a larger shape",
    "error.option.at_least": "{param} must be a whole number ≥ {minimum}, got {got}",
    "error.option.number": "{param} must be a number, got {got}",
    "error.softmax.target_type": "{opt.target} must be class indices such as 2,0, got {got}",
    "error.softmax.target_int": "{opt.target} must be whole class indices (0-based, as PyTorch's "
    "cross_entropy) separated by commas, got {got}",
    "error.softmax.target_range": "{given.target} is out of range: a class index is 0 … {last} "
    "for {given.classes} (0-based, as PyTorch)",
    "error.softmax.target_count": "{opt.target} has {count} class indices but the batch has "
    "{batch} rows; give one index per row (e.g. {param_example})",
    "error.softmax.temperature": "{opt.temperature} must be > 0 (softmax(x/T) divides by it), "
    "got {got}",
    "error.softmax.loss": "{opt.loss} must be ce (cross-entropy), got {got}",
    "error.softmax.target_loss": "{opt.target} needs {given.loss} (the cross-entropy takes the "
    "class indices)",
    "error.softmax.smoothing_loss": "{opt.smoothing} needs {given.loss} (label smoothing of the "
    "cross-entropy)",
    "error.softmax.log_loss": "{flag.log} does not go with {given.loss}: the cross-entropy already "
    "takes log_softmax; drop {flag.log}",
    "error.softmax.loss_target": "{given.loss} needs {opt.target}, one class index per row (e.g. "
    "{param_example})",
    "error.softmax.smoothing": "{opt.smoothing} must be in [0, 1) (PyTorch's label_smoothing), "
    "got {got}",
    "error.upsample.mode": "{opt.mode} must be nearest or {linear} for a {ndim}-D input, got "
    "{got}",
    "error.upsample.mode_dims": "{given.mode} needs a {wanted}-D input, as in PyTorch, but "
    "{opt.input} {input} is {ndim}-D; use {param_example}",
    "error.upsample.align_type": "{opt.align_corners} is a switch (True or False), got {got}",
    "error.upsample.align_nearest": "{opt.align_corners} applies to the interpolating modes only "
    "(linear, bilinear, trilinear), as in PyTorch; drop it for {given.mode}",
    "error.attention.seq_required": "{param} is required: the sequence length L (e.g. "
    "{param_example})",
    "error.attention.dim_required": "{param} is required: the head dimension D of Q, K and V "
    "(e.g. {param_example})",
    "error.attention.causal": "{opt.causal} is a flag (true or false), got {got}",
    "error.mlp.layers_required": "{param} is required: the widths from input to output, e.g. "
    "{param_example}",
    "error.mlp.negative": "{opt.layers} widths must be ≥ 1, got {got} (a negative width)",
    "error.mlp.empty_width": "{opt.layers} {text} has an empty width; give one width between "
    "every two separators, such as 1,2,1",
    "error.mlp.layers_type": "{opt.layers} must be widths such as 1,2,1, got {got}",
    "error.mlp.layers_empty": "{opt.layers} is empty; give the widths from input to output, e.g. "
    "1,2,1",
    "error.mlp.not_int": "{opt.layers} must be whole numbers such as 1,2,1, got '{part}'",
    "error.mlp.width_small": "{opt.layers} widths must be ≥ 1, got {width} (width {position} of "
    "{count})",
    "error.mlp.width_large": "{opt.layers} width {width} is too large (at most {limit})",
    "error.mlp.two_widths": "{opt.layers} needs at least two widths, the input and the output "
    "(e.g. 1,2,1), got {got}",
    "error.mlp.layers_max": "{opt.layers} has {count} layers; at most {limit} are supported",
    "error.mlp.activation": "{opt.activation} must be one of {choices}, got {got}",
    "error.at.type": "{opt.at} must be NAME=VALUES text, a list of them or a dict; got "
    "{type} {got}",
    "error.mlp.at_form": "{opt.at} needs NAME=VALUES (e.g. {given.at} or {param_example}), got "
    "{got}",
    "error.mlp.at_name": "{opt.at} {item}: the name before '=' must be x, w_1, b_1 or an element "
    "like w_1_1_2",
    "error.at.twice": "{opt.at} {name} is given twice; give each name once",
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
    "error.shape.dims_max": "{param} 有 {count} 个维度（{text}）；最多支持 {limit} 个",
    "error.shape.per_dim_count": "{param} 有 {count} 个值（{text}），但输入是 {ndim} 维的；"
    "请给出 1 个或 {ndim} 个值",
    "error.shape.int_type": "{param} 必须是整数（int）；{text!r} 中有 {type} {value!r}",
    "error.shape.type": "{param} 必须是 '3x3' 这样的文本、整数或整数元组；实际为 {type} {text}",
    "error.shape.empty_shape": "{param} 为空；应为形如 {example} 的形状",
    "error.shape.empty_per_dim": "{param} 为空；应为一个数，或每个维度一个数，例如 {example}",
    "error.shape.malformed_shape": "{param} '{text}' 格式有误；应为形如 {example} 的形状",
    "error.shape.malformed_per_dim": "{param} '{text}' 格式有误；应为一个数，或每个维度一个数，"
    "例如 {example}",
    "error.shape.not_int": "{param} 必须是整数，实际为 '{part}'",
    "error.shape.too_small_sizes": "{param} 的尺寸必须 ≥ {minimum}，实际为 {got}",
    "error.shape.too_small_values": "{param} 的值必须 ≥ {minimum}，实际为 {got}",
    "error.shape.too_small_factors": "{param} 的倍数必须 ≥ {minimum}，实际为 {got}",
    "error.shape.too_large": "{param} 的值 {got} 太大（最多 {limit}）",
    "error.emit.expr_scalar": "{opt.emit} 需要标量表达式（才有梯度）；请用 sum 或 mean 把它变成标量",
    "error.emit.expr_function": "{opt.emit}：expr 无法把 {function} 写成框架代码",
    "error.pool.mode": "{opt.mode} 必须是 max 或 avg，实际为 {mode!r}",
    "error.pool.size_dims": "{opt.size} 有 {count} 个维度，但 {opt.input} 有 {ndim} 个；"
    "请给窗口与输入同样多的尺寸（例如 {example}）",
    "error.pool.dilation_avg": "{opt.dilation} 只适用于最大池化（PyTorch 的 avg_pool 没有膨胀）；"
    "请去掉它或使用 {given.mode}",
    "error.pool.avg_small": "{opt.input} {input} 在某个维度上小于窗口 {window}；即使有填充，"
    "PyTorch 的 avg_pool3d 也会拒绝；请使用更小的 {opt.size}",
    "error.pool.padding_half": "{given.padding} 在第 {axis} 维超过了窗口（{given.size}）的一半；"
    "PyTorch 要求填充 ≤ {half}（窗口的一半，向下取整）",
    "error.pool.window_large": "窗口（{given.size}，膨胀后跨度 {extent}）在第 {axis} 维大于填充后的"
    "输入 {padded}；请使用更小的 {opt.size}/{opt.dilation} 或更大的 {opt.padding}",
    "error.pool.padding_only": "第 {axis} 维的第 {output} 个输出将只读到填充（PyTorch 在那里返回 "
    "-inf）；请减小 {opt.padding} 或 {opt.dilation}",
    "error.pool.padding_same": "{given.padding} 对池化没有定义；请给出数字（例如 {param_example}）",
    "error.pool.padding_sides": "{opt.padding}：池化在两侧填充相同的量（PyTorch）；请每个维度给一个数",
    "error.batchnorm.eps_type": "{opt.eps} 必须是数字或单词 eps，实际为 {got}",
    "error.batchnorm.eps_positive": "{opt.eps} 必须 > 0（它使 σ = sqrt(σ² + ε) 不为 0），实际为 "
    "{got}；PyTorch 的默认值是 1e-5",
    "error.batchnorm.one_value": "{given.batch} 且 {opt.spatial} 大小为 1：训练模式的批归一化每个"
    "通道需要多于一个值（PyTorch 会报错 'Expected more than 1 value per channel when training'）；"
    "请使用更大的 {opt.batch} 或 {opt.spatial}，或用 {flag.eval}",
    "error.batchnorm.one_sample": "{given.batch}：训练模式的批归一化每个特征至少需要 2 个样本（只有"
    "一个时 x − μ = 0，PyTorch 会报错 'Expected more than 1 value per channel when training'）；"
    "请使用 {param_example} 或更大",
    "error.layernorm.shape_required": "必须给出 {param}（例如 {param_example}：2 个样本，每个 4 个特征）",
    "error.layernorm.shape_dims": "{opt.shape} 需要 2 到 4 个维度，例如 NxD（样本 × 特征），实际为 {shape}",
    "error.layernorm.normalized": "{opt.normalized} 必须是 1 到 {count} 之间的整数（要归一化的 "
    "{opt.shape} 末尾维数），实际为 {got}",
    "error.layernorm.single": "{given.normalized} 每组只归一化一个值（x − μ = 0，因此 y = β）；请选择 "
    "{opt.shape}/{opt.normalized}，使归一化的维度至少包含 2 个值",
    "error.groupnorm.shape_required": "必须给出 {param}（例如 {param_example}：N × C × H × W）",
    "error.groupnorm.shape_dims": "{opt.shape} 需要 2 到 5 个维度 N×C×（空间维），实际为 {shape}",
    "error.groupnorm.groups": "{opt.groups} 必须是 ≥ 1 且整除通道数 C = {channels} 的整数，实际为 {got}",
    "error.groupnorm.single": "{given.groups} 在 {opt.shape} {shape} 上每组只归一化一个值（x − μ = 0，"
    "因此 y = β）；请减少组数或使用更大的形状",
    "error.option.at_least": "{param} 必须是 ≥ {minimum} 的整数，实际为 {got}",
    "error.option.number": "{param} 必须是数，实际为 {got}",
    "error.softmax.target_type": "{opt.target} 必须是类别下标，例如 2,0，实际为 {got}",
    "error.softmax.target_int": "{opt.target} 必须是以逗号分隔的整数类别下标（从 0 开始，与 PyTorch "
    "的 cross_entropy 相同），实际为 {got}",
    "error.softmax.target_range": "{given.target} 超出范围：{given.classes} 时类别下标为 0 … {last}"
    "（从 0 开始，与 PyTorch 相同）",
    "error.softmax.target_count": "{opt.target} 有 {count} 个类别下标，但批量有 {batch} 行；请每行给"
    "一个下标（例如 {param_example}）",
    "error.softmax.temperature": "{opt.temperature} 必须 > 0（softmax(x/T) 要除以它），实际为 {got}",
    "error.softmax.loss": "{opt.loss} 必须是 ce（交叉熵），实际为 {got}",
    "error.softmax.target_loss": "{opt.target} 需要 {given.loss}（交叉熵使用这些类别下标）",
    "error.softmax.smoothing_loss": "{opt.smoothing} 需要 {given.loss}（交叉熵的标签平滑）",
    "error.softmax.log_loss": "{flag.log} 不能与 {given.loss} 同用：交叉熵已经使用 log_softmax；"
    "请去掉 {flag.log}",
    "error.softmax.loss_target": "{given.loss} 需要 {opt.target}，每行一个类别下标（例如 "
    "{param_example}）",
    "error.softmax.smoothing": "{opt.smoothing} 必须在 [0, 1) 内（PyTorch 的 label_smoothing），实际为 {got}",
    "error.upsample.mode": "对 {ndim} 维输入，{opt.mode} 必须是 nearest 或 {linear}，实际为 {got}",
    "error.upsample.mode_dims": "{given.mode} 需要 {wanted} 维输入（与 PyTorch 相同），但 "
    "{opt.input} {input} 是 {ndim} 维；请用 {param_example}",
    "error.upsample.align_type": "{opt.align_corners} 是开关（True 或 False），实际为 {got}",
    "error.upsample.align_nearest": "{opt.align_corners} 只用于插值模式（linear、bilinear、"
    "trilinear），与 PyTorch 相同；{given.mode} 时请去掉它",
    "error.attention.seq_required": "需要 {param}：序列长度 L（例如 {param_example}）",
    "error.attention.dim_required": "需要 {param}：Q、K、V 的头维度 D（例如 {param_example}）",
    "error.attention.causal": "{opt.causal} 是开关（true 或 false），实际为 {got}",
    "error.mlp.layers_required": "必须给出 {param}：从输入到输出的各层宽度，例如 {param_example}",
    "error.mlp.negative": "{opt.layers} 的宽度必须 ≥ 1，实际为 {got}（负的宽度）",
    "error.mlp.empty_width": "{opt.layers} {text} 有一个空的宽度；每两个分隔符之间请给出一个宽度，"
    "例如 1,2,1",
    "error.mlp.layers_type": "{opt.layers} 必须是 1,2,1 这样的宽度，实际为 {got}",
    "error.mlp.layers_empty": "{opt.layers} 为空；请给出从输入到输出的各层宽度，例如 1,2,1",
    "error.mlp.not_int": "{opt.layers} 必须是 1,2,1 这样的整数，实际为 '{part}'",
    "error.mlp.width_small": "{opt.layers} 的宽度必须 ≥ 1，实际为 {width}（第 {position} 个，共 "
    "{count} 个）",
    "error.mlp.width_large": "{opt.layers} 的宽度 {width} 太大（最多 {limit}）",
    "error.mlp.two_widths": "{opt.layers} 至少需要两个宽度，即输入和输出（例如 1,2,1），实际为 {got}",
    "error.mlp.layers_max": "{opt.layers} 有 {count} 层；最多支持 {limit} 层",
    "error.mlp.activation": "{opt.activation} 必须是 {choices} 之一，实际为 {got}",
    "error.at.type": "{opt.at} 必须是 名称=数值 形式的文本、这样的列表或字典；实际为 {type} {got}",
    "error.mlp.at_form": "{opt.at} 需要 名称=数值（例如 {given.at} 或 {param_example}），实际为 {got}",
    "error.mlp.at_name": "{opt.at} {item}：'=' 前的名称必须是 x、w_1、b_1，或 w_1_1_2 这样的元素",
    "error.at.twice": "{opt.at} {name} 给出了两次；每个名称只能给一次",
}
