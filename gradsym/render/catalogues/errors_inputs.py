"""Keyed errors of values, the command-line plumbing, chain, net and the layers: the wording
per language (see :mod:`gradsym.render.catalogues.errors` for the placeholders).

Each entry is written once as (key, English, Chinese); ``EN`` and ``ZH`` are made from them.
"""

from __future__ import annotations

_MESSAGES = [
    # -- values (spec/values.py) ----------------------------------------------------------
    ("values.pairs_type", "{param} pairs must be (before, after) whole numbers (int); got {text}",
     "{param} 的数对必须是（前， 后）整数（int）；实际为 {text}"),
    ("values.pairs_count", "{param} needs {ndim} (before, after) pairs of numbers ≥ 0",
     "{param} 需要 {ndim} 组 ≥ 0 的（前， 后）数对"),
    ("values.too_long", "{param} is too long ({length} characters)",
     "{param} 太长（{length} 个字符）"),
    ("values.nested_shape", "{param} is a nested list of shape {nested} but the tensor is {shape}; "
     "give a {shape} nested list, or {size} values row-major",
     "{param} 是形状为 {nested} 的嵌套列表，但张量是 {shape}；请给出 {shape} 的嵌套列表，或按行优先给出 "
     "{size} 个值"),
    ("values.nested_shape_weight", "{param} is a nested list of shape {nested} but the tensor is "
     "{shape}; give a {shape} nested list, or {size} values row-major; gradsym's {tensor} is "
     "({rows} inputs × {cols} outputs), the transpose of torch.nn.Linear.weight: give W.T (a "
     "{rows}x{cols} list)",
     "{param} 是形状为 {nested} 的嵌套列表，但张量是 {shape}；请给出 {shape} 的嵌套列表，或按行优先给出 "
     "{size} 个值；gradsym 的 {tensor} 为（{rows} 个输入 × {cols} 个输出），是 torch.nn.Linear.weight "
     "的转置：请给出 W.T（{rows}x{cols} 的列表）"),
    ("values.count", "{param} has {count} values but the tensor {shape} needs {size}; give {size} "
     "values row-major, or a word such as arange",
     "{param} 有 {count} 个值，但张量 {shape} 需要 {size} 个；请按行优先给出 {size} 个值，或使用 arange "
     "这样的单词"),
    ("values.count_one", "{param} has {count} value but the tensor {shape} needs {size}; give {size} "
     "values row-major, or a word such as arange",
     "{param} 有 {count} 个值，但张量 {shape} 需要 {size} 个；请按行优先给出 {size} 个值，或使用 arange "
     "这样的单词"),
    ("values.not_finite", "{param} contains '{token}'; values must be finite numbers",
     "{param} 含有 '{token}'；数值必须是有限数"),
    ("values.digits", "{param} contains a number with {digits} digits; at most {limit} are "
     "supported",
     "{param} 含有一个 {digits} 位的数；最多支持 {limit} 位"),
    ("values.not_number", "{param} contains '{token}', which is not a number; use integers, "
     "decimals or fractions such as 1/2",
     "{param} 含有 '{token}'，它不是数字；请使用整数、小数或 1/2 这样的分数"),
    ("values.fraction", "{param}: a fraction needs whole numbers, got '{token}'",
     "{param}：分数需要整数，实际为 '{token}'"),
    ("values.zero_division", "{param} contains '{token}', a division by zero",
     "{param} 含有 '{token}'，除以零"),
    ("values.exponent", "{param} contains '{token}', whose exponent is too large (at most "
     "{limit})",
     "{param} 含有 '{token}'，其指数太大（最多 {limit}）"),
    ("values.empty", "{param} is empty; give numbers such as 1,2,3,4 or a word like arange",
     "{param} 为空；请给出 1,2,3,4 这样的数字，或 arange 这样的单词"),
    ("values.empty_entry", "{param} '{text}' has an empty entry (entry {position}); give one "
     "number between every two commas, such as 1,2,3",
     "{param} '{text}' 有一个空项（第 {position} 项）；每两个逗号之间请给出一个数，例如 1,2,3"),
    ("values.nested_deep", "{param} is nested too deeply", "{param} 嵌套过深"),
    ("values.expected_comma", "{param}: expected ',' or ']' at character {position} in '{text}'",
     "{param}：'{text}' 的第 {position} 个字符处应为 ',' 或 ']'"),
    ("values.expected_number", "{param}: expected a number at character {position} in '{text}'",
     "{param}：'{text}' 的第 {position} 个字符处应为数字"),
    ("values.unexpected", "{param}: unexpected '{char}' at character {position}",
     "{param}：第 {position} 个字符处有意外的 '{char}'"),
    ("values.empty_list", "{param} contains an empty list", "{param} 含有空列表"),
    ("values.ragged", "{param} is ragged: every row must have the same length",
     "{param} 参差不齐：每一行的长度必须相同"),
    ("values.bool", "{param} contains {got}; values must be numbers",
     "{param} 含有 {got}；数值必须是数字"),
    ("values.float_not_finite", "{param} contains {got}; values must be finite numbers",
     "{param} 含有 {got}；数值必须是有限数"),
    ("values.type", "{param} contains {got}, which is not a number", "{param} 含有 {got}，它不是数字"),
    ("values.seed", "{param} must be a whole number, got {got}", "{param} 必须是整数，实际为 {got}"),
    # -- command-line plumbing (cli/common.py) ------------------------------------------------
    ("cli.format", "{opt.format} must be one of {choices}, got {got}",
     "{opt.format} 必须是 {choices} 之一，实际为 {got}"),
    ("cli.suffix", "{given.output}: unknown suffix {suffix}; use one of {choices} or give "
     "{opt.format}",
     "{given.output}：未知的后缀 {suffix}；请使用 {choices} 之一，或给出 {opt.format}"),
    ("cli.pdf_format", "{given.output}: a PDF is made from LaTeX; drop {opt.format} or use "
     "{given.format}",
     "{given.output}：PDF 由 LaTeX 生成；请去掉 {opt.format} 或使用 {given.format}"),
    ("cli.lang", "{opt.lang} must be en or zh, got {got}", "{opt.lang} 必须是 en 或 zh，实际为 {got}"),
    ("cli.plot_suffix", "{given.plot}: the picture is a PNG; use a name ending in .png",
     "{given.plot}：图片是 PNG 格式；请使用以 .png 结尾的文件名"),
    ("cli.emit", "{opt.emit} must be one of {choices}, got {got}",
     "{opt.emit} 必须是 {choices} 之一，实际为 {got}"),
    ("cli.emit_suffix", "{given.output}: {opt.emit} writes a Python module; use a name ending in "
     ".py",
     "{given.output}：{opt.emit} 写出的是 Python 模块；请使用以 .py 结尾的文件名"),
    ("cli.emit_option", "{param} does not apply to {opt.emit} (it prints a Python module); drop "
     "{param}",
     "{param} 不适用于 {opt.emit}（它输出一个 Python 模块）；请去掉 {param}"),
    ("cli.show", "{given.show}: unknown section {section}; choose from {choices}",
     "{given.show}：未知的部分 {section}；可选 {choices}"),
    ("cli.folder", "{param_got}: the folder {folder} does not exist",
     "{param_got}：文件夹 {folder} 不存在"),
    ("cli.no_space", "{param_got}: cannot write {where} (no space left on the device)",
     "{param_got}：无法写入 {where}（设备上没有剩余空间）"),
    ("cli.permission", "{param_got}: cannot write {where} (permission denied)",
     "{param_got}：无法写入 {where}（没有权限）"),
    ("cli.cannot_write", "{param_got}: cannot write {where} ({reason})",
     "{param_got}：无法写入 {where}（{reason}）"),
    ("cli.is_folder", "{param_got} is a folder; give a file name",
     "{param_got} 是一个文件夹；请给出文件名"),
    ("cli.fifo", "{param_got} is a named pipe (FIFO); print to stdout and redirect instead",
     "{param_got} 是命名管道（FIFO）；请输出到标准输出再重定向"),
    ("cli.overflow", "a number is too large for the floating-point check; use smaller values or "
     "exponents",
     "数值太大，浮点检查无法处理；请使用更小的数值或指数"),
    ("cli.digits", "a number in the result has more than 4,300 digits; use smaller values or "
     "exponents",
     "结果中的数超过 4,300 位；请使用更小的数值或指数"),
    # -- chain (layers/chain.py) and value options shared by the commands --------------------
    ("values.needs", "numeric evaluation needs {params}", "数值计算需要 {params}"),
    ("chain.channels", "{opt.in_channels} ({in_channels}) and {opt.out_channels} ({out_channels}) "
     "differ, but in a stack each layer's output is the next layer's input; give the same number "
     "(e.g. {given.in_channels} {same_param_example})",
     "{opt.in_channels}（{in_channels}）与 {opt.out_channels}（{out_channels}）不同，但在堆叠中每层的"
     "输出是下一层的输入；请给出相同的数（例如 {given.in_channels} {same_param_example}）"),
    ("chain.layer", "layer {layer} of {given.depth} reads the {size} output of layer {previous}: "
     "{inner}; or use a smaller {opt.depth}",
     "{given.depth} 中的第 {layer} 层读取第 {previous} 层 {size} 的输出：{inner}；或者使用更小的 "
     "{opt.depth}"),
    ("chain.expand_budget", "{flag.expand} would write about {work} expanded monomials (up to "
     "{widest} in one output of the last layer), over the budget of {budget}; use a smaller "
     "{opt.depth}, {opt.input} or {opt.kernel}, drop {flag.expand} (each layer is still derived in "
     "its own symbols), or raise the budget with {given.max_terms}",
     "{flag.expand} 将写出约 {work} 个展开后的单项式（最后一层的一个输出中多达 {widest} 个），超出预算 "
     "{budget}；请使用更小的 {opt.depth}、{opt.input} 或 {opt.kernel}，去掉 {flag.expand}（每层仍用自己的"
     "符号推导），或用 {given.max_terms} 提高预算"),
    ("chain.per_layer_count", "{param} is given {count} times but there are {depth} layers "
     "({given.depth}); give it once for every layer, or {depth} times (one per layer)",
     "{param} 给出了 {count} 次，但共有 {depth} 层（{given.depth}）；请给出一次（所有层共用），或 "
     "{depth} 次（每层一次）"),
    ("chain.per_layer", "{once}; or give one per layer: {depth} tensors of {each} ({total} values) "
     "for {given.depth}",
     "{once}；或者每层各给一个：对 {given.depth} 给出 {depth} 个 {each} 的张量（共 {total} 个值）"),
    ("chain.per_layer_one", "{once}; or give one per layer: {depth} tensors of one value ({total} "
     "values) for {given.depth}",
     "{once}；或者每层各给一个：对 {given.depth} 给出 {depth} 个单值张量（共 {total} 个值）"),
    ("chain.value_option", "unknown value option {got}; chain takes {opt.x}, {opt.k}, {opt.b}, "
     "{opt.target}",
     "未知的数值选项 {got}；chain 接受 {opt.x}、{opt.k}、{opt.b}、{opt.target}"),
    ("chain.loss", "{opt.loss} must be one of {choices}, got {got}",
     "{opt.loss} 必须是 {choices} 之一，实际为 {got}"),
    ("values.needs_also", "numeric values need {params} as well (given: {given_params}); give "
     "every value, or none for the symbolic result only",
     "数值计算还需要 {params}（已给出：{given_params}）；请给出全部数值，或都不给以只得到符号结果"),
    ("values.unknown_option", "unknown value option {got}; {command} takes {choices}",
     "未知的数值选项 {got}；{command} 接受 {choices}"),
    ("values.no_model", "{command} cannot be evaluated at numbers", "{command} 不能代入数值计算"),
    ("chain.loss_rational", "the loss did not evaluate to a rational number ({expr})",
     "损失没有算出有理数（{expr}）"),
    # -- net's --layers and --input (spec/net.py) -------------------------------------------
    ("net.layer", "{opt.layers}: layer {layer} ({text}): {why}; accepted forms: {forms}",
     "{opt.layers}：第 {layer} 层（{text}）：{why}；可用的写法：{forms}"),
    ("net.whole", "{what} must be a whole number ≥ 1, got {got}", "{what} 必须是 ≥ 1 的整数，实际为 {got}"),
    ("net.empty", "the layer is empty (two commas in a row?)", "该层为空（连续两个逗号？）"),
    ("net.unknown", "unknown layer {kind}", "未知的层 {kind}"),
    ("net.conv_size", "{kind} needs its size COUTxKHxKW (e.g. {kind} 2x3x3)",
     "{kind} 需要尺寸 COUTxKHxKW（例如 {kind} 2x3x3）"),
    ("net.conv_channels", "{kind} size {size} needs the output channels and a kernel size, e.g. "
     "2x3x3 (2 channels, 3x3 kernel)",
     "{kind} 的尺寸 {size} 需要输出通道数和卷积核尺寸，例如 2x3x3（2 个通道，3x3 卷积核）"),
    ("net.number", "{word} needs a number", "{word} 需要一个数"),
    ("net.at_least", "{word} must be a whole number ≥ {minimum}, got {got}",
     "{word} 必须是 ≥ {minimum} 的整数，实际为 {got}"),
    ("net.unexpected", "unexpected {got}", "多余的 {got}"),
    ("net.pool_size", "{kind} needs its window size K (e.g. {kind} 2)",
     "{kind} 需要窗口尺寸 K（例如 {kind} 2）"),
    ("net.linear_size", "linear needs its output size OUT (e.g. linear 3)",
     "linear 需要输出尺寸 OUT（例如 linear 3）"),
    ("net.no_options", "{kind} takes no options, got {got}", "{kind} 不带选项，实际给了 {got}"),
    ("net.loss_last", "a loss must be the last layer", "损失必须是最后一层"),
    ("net.loss_end", "the network must end with a loss (softmax_ce, mse or l1)",
     "网络必须以损失结尾（softmax_ce、mse 或 l1）"),
    ("net.layers_required", "{param} is required, e.g. {param_example}",
     "必须给出 {param}，例如 {param_example}"),
    ("net.layers_type", "{opt.layers} must be a string such as \"linear 3, mse\", got {type}",
     "{opt.layers} 必须是字符串，例如 \"linear 3, mse\"，实际为 {type}"),
    ("net.input_required", "{opt.input} is required: the input shape NxCxHxW (or NxCxL, NxF), e.g. "
     "1x1x6x6",
     "必须给出 {opt.input}：输入形状 NxCxHxW（或 NxCxL、NxF），例如 1x1x6x6"),
    ("net.input_one", "{given.input} has one size; give NxF, NxCxL, NxCxHxW or NxCxDxHxW (N "
     "samples first, e.g. 1x1x6x6)",
     "{given.input} 只有一个尺寸；请给出 NxF、NxCxL、NxCxHxW 或 NxCxDxHxW（样本数 N 在前，例如 1x1x6x6）"),
    ("net.layer_shape", "{opt.layers}: layer {layer} ({text}) reads a tensor of shape {shape}: "
     "{why}",
     "{opt.layers}：第 {layer} 层（{text}）读入形状为 {shape} 的张量：{why}"),
    ("net.needs_channels", "{kind} needs (N, C, *spatial) with 1 to 3 spatial sizes; put it before "
     "flatten, or give {opt.input} NxCxHxW",
     "{kind} 需要 (N, C, *spatial)，空间尺寸 1 到 3 个；请把它放在 flatten 之前，或给出 {opt.input} "
     "NxCxHxW"),
    ("net.kernel_dims", "the kernel {kernel} has {count} sizes but the input has {spatial} spatial "
     "sizes; give COUTx{example}",
     "卷积核 {kernel} 有 {count} 个尺寸，而输入有 {spatial} 个空间尺寸；请给出 COUTx{example}"),
    ("net.batchnorm_values", "batch norm in training mode needs at least 2 values per channel "
     "(N·spatial ≥ 2), as PyTorch",
     "训练模式下的批归一化每个通道至少需要 2 个值（N·spatial ≥ 2），与 PyTorch 相同"),
    ("net.linear_shape", "linear needs (N, F); put flatten before it", "linear 需要 (N, F)；请在它前面加 flatten"),
    ("net.softmax_shape", "softmax_ce needs logits (N, K); put flatten and linear K before it",
     "softmax_ce 需要 logits (N, K)；请在它前面加 flatten 和 linear K"),
    ("net.at_unknown", "{param}: no such parameter; the parameters are {known}",
     "{param}：没有这个参数；参数有 {known}"),
    ("net.at_none", "{param}: no such parameter; the parameters are none (this network has no "
     "parameters)",
     "{param}：没有这个参数；这个网络没有参数"),
    ("net.target", "{opt.target}: softmax_ce needs {count} class indices in 0…{last} (as "
     "F.cross_entropy), got {got}",
     "{opt.target}：softmax_ce 需要 {count} 个 0…{last} 中的类别下标（同 F.cross_entropy），实际为 {got}"),
    # -- convolution sizes and conventions (shapes.py, layers/conventions.py, sizes.py) ------
    ("shapes.kernel_large", "{given.kernel} (dilated extent {extent}) is larger than the padded "
     "input {padded} in dimension {axis}; use a smaller {opt.kernel}/{opt.dilation} or more "
     "{opt.padding}",
     "{given.kernel}（膨胀后跨度 {extent}）在第 {axis} 维大于填充后的输入 {padded}；请使用更小的 "
     "{opt.kernel}/{opt.dilation} 或更大的 {opt.padding}"),
    ("shapes.output_padding", "{given.output_padding} must be smaller than the stride ({stride}) "
     "or the dilation ({dilation}) in dimension {axis}",
     "第 {axis} 维的 {given.output_padding} 必须小于步幅（{stride}）或膨胀（{dilation}）"),
    ("shapes.transposed_empty", "the transposed convolution's output would be empty ({size}) in "
     "dimension {axis}; use less {opt.padding}",
     "转置卷积的输出在第 {axis} 维将为空（{size}）；请减小 {opt.padding}"),
    ("conventions.output_size_count", "{opt.output_size} has {count} values but the input has "
     "{ndim} dimensions",
     "{opt.output_size} 有 {count} 个值，但输入有 {ndim} 个维度"),
    ("conventions.groups", "{given.groups}: {api} has no groups; use {given.convention}",
     "{given.groups}：{api} 没有分组；请使用 {given.convention}"),
    ("conventions.output_padding_tensorflow", "{opt.output_padding} is PyTorch's option; with "
     "{given.convention} choose the output with {opt.output_size}",
     "{opt.output_padding} 是 PyTorch 的选项；使用 {given.convention} 时请用 {opt.output_size} 选择输出"),
    ("conventions.output_padding_jax", "{opt.output_padding} is PyTorch's option; with "
     "{given.convention} the padding decides the output size (JAX has no output_padding)",
     "{opt.output_padding} 是 PyTorch 的选项；使用 {given.convention} 时输出尺寸由填充决定（JAX 没有 "
     "output_padding）"),
    ("conventions.output_size_jax", "{opt.output_size}: JAX's lax.conv_transpose has none; the "
     "padding decides the output size",
     "{opt.output_size}：JAX 的 lax.conv_transpose 没有此参数；输出尺寸由填充决定"),
    ("conventions.same_torch", "{given.padding} is not defined for a PyTorch transposed "
     "convolution; give numbers, or use {given.convention} or jax",
     "{given.padding} 对 PyTorch 的转置卷积没有定义；请给出数字，或使用 {given.convention} 或 jax"),
    ("conventions.output_size_torch", "{given.output_size} is not reachable in dimension {axis}; "
     "PyTorch accepts {valid}",
     "{given.output_size} 在第 {axis} 维无法达到；PyTorch 接受 {valid}"),
    ("conventions.output_size_padding", "{opt.output_size} asks for {given.output_padding}, not "
     "{given_padding}; give one of them",
     "{opt.output_size} 需要 {given.output_padding}，而不是 {given_padding}；请只给出其中一个"),
    ("conventions.crops", "the transposed convolution's output would be empty in dimension {axis}: "
     "padding {before},{after} crops everything; use less {opt.padding}",
     "转置卷积的输出在第 {axis} 维将为空：填充 {before},{after} 把一切都裁掉了；请减小 {opt.padding}"),
    ("conventions.jax_empty", "lax.conv_transpose's output would be empty ({size}) in dimension "
     "{axis}: the stride-dilated input padded by {before},{after} is shorter than the dilated "
     "kernel ({extent}); give more {opt.padding}, or valid / same",
     "lax.conv_transpose 的输出在第 {axis} 维将为空（{size}）：按步幅膨胀并填充 {before}，{after} 后的"
     "输入比膨胀后的卷积核（{extent}）短；请加大 {opt.padding}，或使用 valid / same"),
    ("conventions.tensorflow_size", "{given.output_size} is not valid for tf.nn.conv2d_transpose in "
     "dimension {axis}; the valid sizes are {valid}",
     "{given.output_size} 在第 {axis} 维对 tf.nn.conv2d_transpose 无效；有效的尺寸为 {valid}"),
    ("conventions.tensorflow_default", "the default output size {output_size} is not valid for "
     "tf.nn.conv2d_transpose in dimension {axis}; the valid sizes are {valid}",
     "默认输出尺寸 {output_size} 在第 {axis} 维对 tf.nn.conv2d_transpose 无效；有效的尺寸为 {valid}"),
    ("sizes.transposed_only", "{param} belongs to a transposed convolution; add {flag.transposed}",
     "{param} 属于转置卷积；请加上 {flag.transposed}"),
    # -- conv --general (layers/general_build.py) -----------------------------------------------
    ("general.dims", "{opt.dims} must be 1, 2 or 3, got {got}", "{opt.dims} 必须是 1、2 或 3，实际为 {got}"),
    ("general.unused", "{param} cannot be used with {flag.general} (the proof is for symbolic "
     "sizes, plain layout, PyTorch conventions); drop {param} or drop {flag.general}",
     "{param} 不能与 {flag.general} 同时使用（该证明针对符号尺寸、普通布局和 PyTorch 约定）；请去掉 "
     "{param} 或 {flag.general}"),
    ("general.both", "{flag.general} with {given_param} also needs {missing_param} (to check the "
     "proof at those sizes), or give neither",
     "带 {given_param} 的 {flag.general} 还需要 {missing_param}（以便在这些尺寸下检验证明），或者两者都不给"),
    ("general.symbol", "{param} is a symbol in a {flag.general} proof; give {opt.input} and "
     "{opt.kernel} too to also check the proof at {param_got}, or drop {param}",
     "在 {flag.general} 证明中 {param} 是符号；请同时给出 {opt.input} 和 {opt.kernel}，以便也在 "
     "{param_got} 处检验证明，或者去掉 {param}"),
    ("general.padding", "{opt.padding} is the symbol p in a {flag.general} proof; give {opt.input} "
     "and {opt.kernel} too to also check the proof at {given.padding}, or drop {opt.padding}",
     "在 {flag.general} 证明中 {opt.padding} 是符号 p；请同时给出 {opt.input} 和 {opt.kernel}，以便也在 "
     "{given.padding} 处检验证明，或者去掉 {opt.padding}"),
    ("general.dims_input", "{given.dims} does not match {given.input} ({count} dimensions); drop "
     "{opt.dims} or give {dims} sizes",
     "{given.dims} 与 {given.input}（{count} 个维度）不符；请去掉 {opt.dims}，或给出 {dims} 个尺寸"),
    # -- the layers' value options (mlp, normalise, softmax, batchnorm) -------------------------
    ("mlp.needs", "numeric evaluation needs {at_params} (whole tensors, or every element such as "
     "{example_param})",
     "数值计算需要 {at_params}（整个张量，或每个元素，如 {example_param}）"),
    ("mlp.needs_also", "numeric values need {at_params} as well (whole tensors, or every element "
     "such as {example_param}); give every value, or none for the symbolic result only",
     "数值计算还需要 {at_params}（整个张量，或每个元素，如 {example_param}）；请给出全部数值，或都不给以只"
     "得到符号结果"),
    ("mlp.at_unknown", "{param}: unknown name; this network takes {names}, or single elements such "
     "as {example}",
     "{param}：未知的名称；这个网络接受 {names}，或单个元素，如 {example}"),
    ("mlp.at_unknown_bias", "{param}: unknown name; this network takes {names}, or single elements "
     "such as {example}; biases b_l need {flag.bias}",
     "{param}：未知的名称；这个网络接受 {names}，或单个元素，如 {example}；偏置 b_l 需要 {flag.bias}"),
    ("values.needs_every", "numeric evaluation needs every value ({params})",
     "数值计算需要所有的值（{params}）"),
    ("normalise.eps_symbolic", "{given.eps} keeps ε symbolic, so there is nothing to evaluate at "
     "numbers; give {opt.eps} a number (e.g. 1e-5) with {opt.x}/{opt.gamma}/{opt.beta}/{opt.g}",
     "{given.eps} 使 ε 保持为符号，因此无法代入数值；请给 {opt.eps} 一个数字（例如 1e-5），并配合 "
     "{opt.x}/{opt.gamma}/{opt.beta}/{opt.g}"),
    ("normalise.running_var", "{opt.running_var}: channel {label} has running_var + ε ≤ 0; a "
     "variance is ≥ 0, and PyTorch would give NaN",
     "{opt.running_var}：第 {label} 个通道的 running_var + ε ≤ 0；方差应 ≥ 0，否则 PyTorch 会得到 NaN"),
    ("softmax.g_loss", "{opt.g} does not apply with {given.loss}: the loss is the end of the chain "
     "(its upstream gradient is 1); drop {opt.g}",
     "{opt.g} 不适用于 {given.loss}：损失是链的终点（其上游梯度为 1）；请去掉 {opt.g}"),
    ("batchnorm.running_eval", "{opt.running_mean} and {opt.running_var} are the statistics of eval "
     "mode; add {flag.eval} (training mode uses the batch's own statistics)",
     "{opt.running_mean} 和 {opt.running_var} 是推理模式的统计量；请加上 {flag.eval}（训练模式使用批量"
     "自身的统计量）"),
    # -- NumPy-semantics shapes of expressions (layers/arrays.py) -------------------------------
    ("arrays.scalar_axis", "cannot evaluate {expr}: {func} of a scalar has no axis; drop the axis "
     "argument",
     "无法计算 {expr}：标量的 {func} 没有坐标轴；请去掉 axis 参数"),
    ("arrays.axis_range", "cannot evaluate {expr}: axis {axis} is out of range for a {ndim}-D array "
     "(use 0 … {last}, or -1 for the last)",
     "无法计算 {expr}：axis {axis} 超出 {ndim} 维数组的范围（请用 0 … {last}，或用 -1 表示最后一维）"),
    ("arrays.axis_range_minmax", "cannot evaluate {expr}: axis {axis} is out of range for a {ndim}-D "
     "array (use 0 … {last}, or -1 for the last); the second argument of {func} is an axis — for "
     "the element-wise {func}imum use {func}imum(x, y)",
     "无法计算 {expr}：axis {axis} 超出 {ndim} 维数组的范围（请用 0 … {last}，或用 -1 表示最后一维）；"
     "{func} 的第二个参数是坐标轴——逐元素取 {func}imum 请用 {func}imum(x, y)"),
    ("arrays.axis_type", "the second argument of {func} is an axis and must be a whole number such "
     "as 0 or -1, got {got}",
     "{func} 的第二个参数是坐标轴，必须是 0 或 -1 这样的整数，实际为 {got}"),
    ("arrays.axis_type_minmax", "the second argument of {func} is an axis and must be a whole "
     "number such as 0 or -1, got {got}; for the element-wise {func}imum of two arrays use "
     "{func}imum(x, y)",
     "{func} 的第二个参数是坐标轴，必须是 0 或 -1 这样的整数，实际为 {got}；两个数组逐元素取 {func}imum "
     "请用 {func}imum(x, y)"),
    ("arrays.arity", "{func} takes {low} arguments, got {got} (in {expr})",
     "{func} 接受 {low} 个参数，实际为 {got} 个（在 {expr} 中）"),
    ("arrays.arity_one", "{func} takes {low} argument, got {got} (in {expr})",
     "{func} 接受 {low} 个参数，实际为 {got} 个（在 {expr} 中）"),
    ("arrays.arity_range", "{func} takes {low} or {high} arguments, got {got} (in {expr})",
     "{func} 接受 {low} 或 {high} 个参数，实际为 {got} 个（在 {expr} 中）"),
    ("arrays.dot", "cannot evaluate {expr}: dot of shapes {left} and {right} does not fit (NumPy "
     "rules)",
     "无法计算 {expr}：形状 {left} 与 {right} 的 dot 不匹配（NumPy 规则）"),
    ("arrays.broadcast", "cannot evaluate {expr}: shapes {left} and {right} do not broadcast (NumPy "
     "rules: sizes must match or be 1, from the last axis)",
     "无法计算 {expr}：形状 {left} 与 {right} 不能广播（NumPy 规则：从最后一维起，尺寸必须相等或为 1）"),
    ("arrays.matmul_scalar", "cannot evaluate {expr}: @ needs arrays, not scalars; use * to scale",
     "无法计算 {expr}：@ 需要数组，不能是标量；缩放请用 *"),
    ("arrays.matmul_first", "cannot evaluate {expr}: matrix product of shapes {left} and {right}: "
     "the last axis of the left ({inner}) must equal the first axis of the right ({other})",
     "无法计算 {expr}：形状为 {left} 与 {right} 的矩阵乘积中，左边的最后一维（{inner}）必须等于右边的第一维"
     "（{other}）"),
    ("arrays.matmul_second", "cannot evaluate {expr}: matrix product of shapes {left} and {right}: "
     "the last axis of the left ({inner}) must equal the second-to-last axis of the right ({other})",
     "无法计算 {expr}：形状为 {left} 与 {right} 的矩阵乘积中，左边的最后一维（{inner}）必须等于右边的倒数"
     "第二维（{other}）"),
    # -- reading a JSON document back (reader.py) ---------------------------------------------
    ("reader.name", "the document contains the name {name}, which is not allowed",
     "文档中含有名称 {name}，这是不允许的"),
    ("reader.too_long", "an expression in the document is too long", "文档中的某个表达式太长"),
    ("reader.unreadable", "cannot read the expression {text}", "无法读取表达式 {text}"),
    ("reader.nested", "an expression in the document is nested too deeply", "文档中的某个表达式嵌套过深"),
    ("reader.constant", "unexpected constant {value} in an expression", "表达式中有意外的常量 {value}"),
    ("reader.node", "the document's expressions contain {node}, which is not allowed",
     "文档的表达式中含有 {node}，这是不允许的"),
    ("reader.power", "an expression in the document computes a number of about {digits} digits (at "
     "most about {limit})",
     "文档中的一个表达式会算出约 {digits} 位的数（最多约 {limit} 位）"),
    ("reader.no_command", "not a gradsym document: it has no 'command'",
     "不是 gradsym 文档：它没有 'command'"),
    ("reader.invalid_load", "not a valid gradsym document: {error}", "不是有效的 gradsym 文档：{error}"),
    ("reader.invalid", "not a valid gradsym document: {why}", "不是有效的 gradsym 文档：{why}"),
    ("reader.command_type", "'command' must be a string, got {type}", "'command' 必须是字符串，实际为 {type}"),
    ("reader.object", "'{key}' must be an object, got {type}", "'{key}' 必须是对象，实际为 {type}"),
    ("reader.checks_type", "'checks' must be a list, got {type}", "'checks' 必须是列表，实际为 {type}"),
    ("reader.check", "every check needs a string 'name' and a true/false 'holds'",
     "每个检验都需要字符串 'name' 和 true/false 的 'holds'"),
    ("reader.assumptions", "'assumptions' must map names to {{assumption: true/false}}",
     "'assumptions' 必须把名字映射到 {{assumption: true/false}}"),
    ("reader.indexed", "'indexed' must be a list of names", "'indexed' 必须是名称的列表"),
    ("reader.shape", "the shape of {name} must be a list of whole numbers or size letters",
     "{name} 的形状必须是整数或尺寸字母的列表"),
    ("reader.jacobian", "jacobian {role} needs a 'shape' list and a 'nonzeros' list",
     "jacobian {role} 需要 'shape' 列表和 'nonzeros' 列表"),
    ("reader.jacobian_shape", "the shape of jacobian {role} must be whole numbers",
     "jacobian {role} 的形状必须是整数"),
    ("reader.jacobian_entry", "jacobian {role}: every nonzero is [output index, wrt index, value]",
     "雅可比矩阵 {role}：每个非零项都是 [输出下标, 自变量下标, 值]"),
    ("reader.jacobian_index", "jacobian {role}: index {index} is outside the shape {shape}",
     "jacobian {role}：下标 {index} 超出形状 {shape}"),
    ("arrays.cannot", "cannot evaluate {expr}", "无法计算 {expr}"),
    # -- the work budget, the Python API and --emit ---------------------------------------------
    ("budget.too_large", "{what} is too large: it would take about {time} and {memory} ({work} "
     "terms of work), over the budget of {limit} terms (about {limit_time} and {limit_memory}); "
     "raise it with {given.max_terms} or choose smaller sizes",
     "{what}太大：预计约需 {time}、{memory}（{work} 项工作量），超出预算 {limit} 项（约 {limit_time}、"
     "{limit_memory}）；请用 {given.max_terms} 提高预算，或选择更小的尺寸"),
    ("budget.max_terms_type", "{opt.max_terms} must be a whole number ≥ 1 (int), got {type} {got}",
     "{opt.max_terms} 必须是 ≥ 1 的整数（int），实际为 {type} {got}"),
    ("api.wrong_argument", "{function}(): an argument has the wrong type or value ({error})",
     "{function}()：某个参数的类型或值不对（{error}）"),
    ("emit.batchnorm_mode", "{opt.emit} supports batch norm in training mode (batch statistics, "
     "biased variance) and {opt.eval}",
     "{opt.emit} 支持训练模式（批统计量、有偏方差）和 {opt.eval} 的批归一化"),
    ("emit.chain_convention", "{opt.emit} for chain uses PyTorch's layouts; drop {opt.convention}",
     "chain 的 {opt.emit} 使用 PyTorch 的布局；请去掉 {opt.convention}"),
    ("emit.conv_general", "{opt.emit} needs concrete sizes: give {opt.input} and {opt.kernel} (not "
     "only {opt.general})",
     "{opt.emit} 需要具体的尺寸：请给出 {opt.input} 和 {opt.kernel}（不能只用 {opt.general}）"),
    ("emit.net_layers", "{opt.emit} for net needs the network: give {opt.input} and {opt.layers}",
     "net 的 {opt.emit} 需要网络本身：请给出 {opt.input} 和 {opt.layers}"),
    ("budget.subject.derivation", "this derivation", "这个推导"),
    ("budget.subject.pooling", "this pooling", "这个池化"),
    ("budget.subject.network", "this network", "这个网络"),
    ("budget.subject.rnn", "this RNN", "这个 RNN"),
    ("budget.subject.upsampling", "this upsampling", "这个上采样"),
    ("budget.subject.attention", "this attention", "这个注意力"),
    ("budget.subject.softmax", "this softmax", "这个 softmax"),
    ("budget.subject.batch_norm", "this batch norm", "这个批归一化"),
    ("budget.subject.group_norm", "this group norm", "这个组归一化"),
    ("budget.subject.layer_norm", "this layer norm", "这个层归一化"),
    ("budget.subject.expression", "this expression", "这个表达式"),
    ("budget.subject.hessian", "the Hessian", "黑塞矩阵"),
]

EN = {f"error.{key}": english for key, english, _ in _MESSAGES}
ZH = {f"error.{key}": chinese for key, _, chinese in _MESSAGES}
