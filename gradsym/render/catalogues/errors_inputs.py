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
]

EN = {f"error.{key}": english for key, english, _ in _MESSAGES}
ZH = {f"error.{key}": chinese for key, _, chinese in _MESSAGES}
