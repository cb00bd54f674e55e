"""Keyed errors of ``expr`` and ``matrix`` (the expression parser, ``--shape``/``--wrt``/``--at``,
the matrix shape checks, letter sizes, ``--hessian`` and ``--emit``) and of the values an
expression cannot take (``domain.*``): the wording per language.

Placeholders as in :mod:`gradsym.render.catalogues.errors`. Keys under ``expr.what``,
``expr.hint`` and ``expr.position`` (and ``expr.found``, ``expr.where``, …) are parts of a
message (:class:`gradsym.errors.Phrase`), worded in the language of the message that holds them.
"""

from __future__ import annotations

EN = {
    # -- the parser: the text ------------------------------------------------------------------
    "error.expr.text_type": "an expression must be text (str), got {type}",
    "error.expr.too_long": "expression is too long ({length} characters; at most {limit})",
    "error.expr.null_byte": "expression contains a null byte (\\x00) at position {position}",
    "error.expr.empty": "expression is empty",
    "error.expr.nested": "expression is nested too deeply (at most {limit} levels)",
    "error.expr.syntax": "cannot parse expression: {reason}{where}",
    "error.expr.number_long": "number literal is too long ({length} characters; at most "
    "{limit}){where}",
    "error.expr.number_long_text": "number literal is too long (at most {limit} characters)",
    "error.expr.number_underscore": "number {literal!r} has '_' in its exponent; write the "
    "exponent as plain digits (e.g. 1e50){where}",
    "error.expr.number_unreadable": "cannot read the number {literal!r}{where}",
    "error.expr.number_range": "number {literal!r} is out of range (exponent at most {limit} in "
    "magnitude){where}",
    # -- the parser: what is refused ----------------------------------------------------------
    "error.expr.not_allowed": "{what} is not allowed in an expression{hint}{found}",
    "error.expr.unknown_name": "unknown name {name!r} in expression; defined names: {names} "
    "(declare it with {opt.shape} {name}=...){hint}",
    "error.expr.call_variable": "cannot call {name!r}: it is a variable, not a "
    "function{allowed}{found}",
    "error.expr.function_not_allowed": "function {name!r} is not allowed in an "
    "expression{allowed}{found}",
    "error.expr.none": "(none)",
    "error.expr.allowed_functions": "; allowed functions: {functions}",
    "error.expr.found": " (found {snippet!r}{where})",
    "error.expr.found_at": " ({position})",
    "error.expr.where": " {position}",
    "error.expr.position.column": "at column {column}",
    "error.expr.position.line": "at line {line}, column {column}",
    "error.expr.position.end": "at the end of the expression",
    "error.expr.hint.operators": "; allowed operators: {operators}",
    "error.expr.hint.unary": "; the only unary operators are - and +",
    "error.expr.hint.reserved": "; names starting with '__' are reserved",
    "error.expr.hint.attribute": "; the only attribute is .T (transpose)",
    "error.expr.hint.numbers": "; only numbers are",
    "error.expr.hint.real": "; only real numbers are",
    "error.expr.hint.declared": "; only declared functions can be called, as f(x){allowed}",
    "error.expr.hint.by_position": " (in a call of {name!r}); pass arguments by position",
    "error.expr.hint.list_arguments": " (in a call of {name!r}); list the arguments",
    "error.expr.hint.call_it": " ('{name}' is a function: call it, e.g. {name}(...))",
    "error.expr.what.name": "the name {name!r}",
    "error.expr.what.attribute": "the attribute '.{attribute}'",
    "error.expr.what.operator": "the operator {operator}",
    "error.expr.what.node": "{node}",
    "error.expr.what.constant": "{value}",
    "error.expr.what.constant_type": "a constant of type {type}",
    "error.expr.what.ellipsis": "'...' (Ellipsis)",
    "error.expr.what.string": "a string literal",
    "error.expr.what.bytes": "a bytes literal",
    "error.expr.what.complex": "a complex number",
    "error.expr.what.method_call": "a method call (x.f(...))",
    "error.expr.what.this_call": "this call",
    "error.expr.what.kwargs": "**kwargs",
    "error.expr.what.keyword": "the keyword argument {name}=...",
    "error.expr.what.star_args": "*args (argument unpacking)",
    "error.expr.what.floor_division": "'//' (floor division)",
    "error.expr.what.modulo": "'%' (modulo)",
    "error.expr.what.xor": "'^' (bitwise xor; write powers as a ** b)",
    "error.expr.what.bit_or": "'|' (bitwise or)",
    "error.expr.what.bit_and": "'&' (bitwise and)",
    "error.expr.what.shift_left": "'<<' (shift)",
    "error.expr.what.shift_right": "'>>' (shift)",
    "error.expr.what.not": "'not'",
    "error.expr.what.invert": "'~' (bitwise not)",
    "error.expr.what.lambda": "lambda",
    "error.expr.what.conditional": "a conditional expression (x if c else y)",
    "error.expr.what.comparison": "a comparison",
    "error.expr.what.and_or": "'and'/'or'",
    "error.expr.what.list_comprehension": "a list comprehension",
    "error.expr.what.set_comprehension": "a set comprehension",
    "error.expr.what.dict_comprehension": "a dict comprehension",
    "error.expr.what.generator": "a generator expression",
    "error.expr.what.walrus": "an assignment expression (:=)",
    "error.expr.what.starred": "a starred expression (*x)",
    "error.expr.what.list": "a list",
    "error.expr.what.tuple": "a tuple",
    "error.expr.what.dict": "a dict",
    "error.expr.what.set": "a set",
    "error.expr.what.subscript": "subscripting (x[...])",
    "error.expr.what.slice": "a slice",
    "error.expr.what.await": "await",
    "error.expr.what.yield": "yield",
    "error.expr.what.yield_from": "yield from",
    "error.expr.what.fstring": "an f-string",
    # -- evaluating constants -------------------------------------------------------------------
    "error.expr.power_digits": "cannot evaluate {expression!r}: the number would have about "
    "{digits} digits (at most about {limit})",
    "error.expr.cannot_evaluate": "cannot evaluate {expression!r}: {reason}",
    "error.expr.transpose_number": "cannot evaluate {expression!r}: .T needs a matrix, got {type}",
    "error.expr.no_value": "name {name!r} has no value; defined: {names}",
    "error.expr.function_unavailable": "function {name!r} is not available; available: {names}",
    "error.expr.undefined": "the expression {text!r} is undefined (it divides by zero or takes "
    "log(0)): it evaluates to {value}",
    "error.expr.divides_by_zero": "the expression divides by zero",
    "error.expr.singular": "the matrix is singular (its determinant is 0)",
    # -- --shape, --wrt, --at ---------------------------------------------------------------
    "error.expr.expression_required": "the expression is required, e.g. gradsym {command} "
    "\"{example}\" {opt.shape} {shape}",
    "error.expr.shape_required": "{param} is required: declare every name, e.g. {param} a=2 or "
    "{param} X=3x2 (or {param} s=scalar)",
    "error.expr.shape_type": "{param} must be NAME=SHAPE text, a list of them or a dict; got "
    "{type} {value!r}",
    "error.expr.shape_entry": "{param} {entry}: expected NAME=SHAPE, e.g. {param} X=3x2",
    "error.expr.name_form": "{param} {name}: a name must start with a letter and use only "
    "letters, digits and _ (e.g. {param} a=2)",
    "error.expr.name_keyword": "{where}: {name!r} is a Python keyword; choose another name",
    "error.expr.name_function": "{where}: {name!r} is the name of a function; choose another "
    "name",
    "error.expr.declared_twice": "{param} {name} is declared twice; declare each name once",
    "error.expr.too_many_elements": "{where} has {size:,} elements; at most {limit:,} are "
    "supported",
    "error.expr.shape_empty": "{where}: the shape is empty; give e.g. 2, 3x2 or scalar",
    "error.expr.declaration": "{param} {name}={shape}",
    "error.expr.declared_name": "{param} {name}",
    "error.expr.collision": "{param} {other} and {param} {name} both use the name {element!r} "
    "(elements are NAME_i_j…); rename one of them",
    "error.expr.nothing_to_differentiate": "the expression uses no declared name; there is "
    "nothing to differentiate",
    "error.expr.wrt_unknown": "{opt.wrt} {name}: no such name; declared: {declared} (declare it "
    "with {opt.shape} {name}=...)",
    "error.expr.wrt_empty": "{opt.wrt} is empty; name a declared tensor, e.g. {given.wrt}",
    "error.expr.at_entry": "{opt.at} {entry}: expected NAME=VALUES, e.g. {opt.at} a=[2,3]",
    "error.expr.at_unknown": "{opt.at} {name}: no such name; declared: {declared}",
    "error.expr.at_missing": "{opt.at} needs a value for every name in the expression; missing "
    "{missing} (e.g. {example})",
    "error.expr.at_example": "{opt.at} {name}=…{more}",
    "error.expr.at_name": "{opt.at} {name}{more}",
    "error.expr.more_space": " {rest}",
    "error.expr.more_comma": ", {rest}",
    "error.expr.at_evaluate": "cannot evaluate at the given values ({names}): {reason}",
    # -- matrix: shapes ---------------------------------------------------------------------
    "error.matrix.scalar_role": "{role} must be a number (a scalar or 1x1), but {operand!r} is "
    "{shape}",
    "error.matrix.role.term": "each term",
    "error.matrix.role.factor": "the factor",
    "error.matrix.role.divisor": "the divisor",
    "error.matrix.role.base": "the base",
    "error.matrix.role.exponent": "the exponent",
    "error.matrix.role.argument": "the argument",
    "error.matrix.add_shapes": "cannot add {left} and {right} (shapes must be equal)",
    "error.matrix.subtract_shapes": "cannot subtract {left} and {right} (shapes must be equal)",
    "error.matrix.multiply_shapes": "cannot multiply {left} by {right}: the columns of the left "
    "({columns}) must equal the rows of the right ({rows})",
    "error.matrix.power_exponent": "a matrix power needs a whole-number exponent, got "
    "{exponent!r}",
    "error.matrix.power_square": "only a square matrix has powers, but {operand!r} is {shape}",
    "error.matrix.power_limit": "matrix powers are limited to ±{limit}, got {got}",
    "error.matrix.sizes_whole": "{function} needs whole-number sizes ≥ 1",
    "error.matrix.quotient_shapes": "an element-wise quotient needs equal shapes, got {left} and "
    "{right}",
    "error.matrix.hadamard_shapes": "a Hadamard product needs equal shapes, got {left} and "
    "{right}",
    "error.matrix.square": "{function} needs a square matrix, but {operand!r} is {shape}",
    "error.matrix.size_number": "{function} needs a whole number ≥ 1 as its size, got {got!r}",
    "error.matrix.entries_number": "{function} takes a number (its entries), got {got!r}",
    "error.matrix.ones_size": "cannot tell the size of {operand!r} from where it stands; write "
    "ones(m) or ones(m, n) (times the number) instead",
    "error.matrix.ones_column": "{operand!r} is a column, but its place needs {rows}x{columns}",
    "error.matrix.diag_unknown": "cannot tell the shape of the argument of {operand!r}",
    "error.matrix.diag_shape": "diag needs a vector or a square matrix, but the argument of "
    "{operand!r} is {rows}x{columns}",
    # -- matrix: letter sizes -----------------------------------------------------------------
    "error.matrix.size_letter": "{opt.shape} {name}={spec}: a size is a whole number or a "
    "lowercase letter (not x), e.g. {opt.shape} X=nxn or {opt.shape} A=mx3",
    "error.matrix.size_count": "{opt.shape} {name}={spec}: matrix takes scalars, vectors and "
    "matrices (at most 2 sizes)",
    "error.matrix.emit_letters": "{opt.emit} needs concrete sizes: give numbers in {opt.shape} "
    "(e.g. X=3x3), not letters",
    "error.matrix.values_letters": "values need concrete sizes: give numbers in {opt.shape} (e.g. "
    "X=3x3), not letters, to use {opt.at}",
    "error.matrix.at_letters": "{opt.at} needs concrete sizes: the sizes in {opt.shape} are "
    "letters; give numbers (e.g. {opt.shape} X=3x3) to evaluate at values",
    "error.matrix.hessian_letters": "{opt.hessian} needs concrete sizes: give numbers in "
    "{opt.shape} (e.g. X=3x3), not letters",
    "error.matrix.letters_count": "{opt.shape}: at most {limit} different size letters, got "
    "{count} ({letters})",
    "error.matrix.letter_clash": "{opt.shape}: '{letter}' is both a name and a size letter; "
    "rename one",
    "error.matrix.letters_scalar": "J is {shape}, not a scalar: letter sizes need a scalar "
    "objective (take trace, sum or norm), or give numbers in {opt.shape} for the element-wise "
    "Jacobian",
    # -- matrix: --hessian, --emit ------------------------------------------------------------
    "error.matrix.hessian_scalar": "{opt.hessian} needs a scalar objective, but J is {shape}; "
    "make it one with trace, sum or norm, or drop {opt.hessian}",
    "error.matrix.hessian_large": "{opt.hessian}: the expression is too large to expand into "
    "element symbols for the element-wise Hessian; use smaller shapes",
    "error.emit.matrix_scalar": "{opt.emit} needs a scalar objective with closed matrix forms; J "
    "is not a scalar (make it one with trace, sum or norm)",
    "error.emit.matrix_open": "{opt.emit}: ∂J/∂{name} has no closed matrix form (an element-wise "
    "function of a matrix); the emitted code uses closed forms only",
    "error.emit.matrix_hessian": "{opt.emit} with {opt.hessian}: ∂²J/∂{name}² has no closed "
    "matrix form; the emitted code uses closed forms only (drop {opt.hessian})",
    "error.emit.framework": "{opt.emit} must be one of {choices}, got {framework!r}",
    "error.emit.unavailable": "{opt.emit} is not available for {command}: it has no backward "
    "pass to emit",
    # -- values outside a function's domain -----------------------------------------------------
    "error.domain.too_large": "a value is too large for floating point",
    "error.domain.exp_overflow": "exp overflows",
    "error.domain.log": "log of a number ≤ 0",
    "error.domain.negative_power": "a negative number to a fractional power",
    "error.domain.zero_power": "0 to a power below 1 has no derivative",
    "error.domain.division": "division by zero",
    "error.domain.negative_exponent": "division by zero (0 to a negative power)",
    "error.domain.undefined": "the expression or its derivative is undefined there",
    "error.domain.not_real": "the value is not a real number",
    "error.domain.singular": "the matrix is singular at these values",
}

ZH = {
    "error.expr.text_type": "表达式必须是文本（str），实际为 {type}",
    "error.expr.too_long": "表达式太长（{length} 个字符；最多 {limit} 个）",
    "error.expr.null_byte": "表达式在第 {position} 个位置含有空字节（\\x00）",
    "error.expr.empty": "表达式为空",
    "error.expr.nested": "表达式嵌套过深（最多 {limit} 层）",
    "error.expr.syntax": "无法解析表达式：{reason}{where}",
    "error.expr.number_long": "数字字面量太长（{length} 个字符；最多 {limit} 个）{where}",
    "error.expr.number_long_text": "数字字面量太长（最多 {limit} 个字符）",
    "error.expr.number_underscore": "数字 {literal!r} 的指数中含有 '_'；请只用数字写指数（例如 "
    "1e50）{where}",
    "error.expr.number_unreadable": "无法读取数字 {literal!r}{where}",
    "error.expr.number_range": "数字 {literal!r} 超出范围（指数的绝对值最多为 {limit}）{where}",
    "error.expr.not_allowed": "表达式中不允许使用{what}{hint}{found}",
    "error.expr.unknown_name": "表达式中有未知的名称 {name!r}；已定义的名称：{names}（请用 "
    "{opt.shape} {name}=... 声明）{hint}",
    "error.expr.call_variable": "不能调用 {name!r}：它是变量，不是函数{allowed}{found}",
    "error.expr.function_not_allowed": "表达式中不允许使用函数 {name!r}{allowed}{found}",
    "error.expr.none": "（无）",
    "error.expr.allowed_functions": "；允许的函数：{functions}",
    "error.expr.found": "（见 {snippet!r}{where}）",
    "error.expr.found_at": "（位于{position}）",
    "error.expr.where": "，位于{position}",
    "error.expr.position.column": "第 {column} 列",
    "error.expr.position.line": "第 {line} 行第 {column} 列",
    "error.expr.position.end": "表达式末尾",
    "error.expr.hint.operators": "；允许的运算符：{operators}",
    "error.expr.hint.unary": "；一元运算符只有 - 和 +",
    "error.expr.hint.reserved": "；以 '__' 开头的名称是保留的",
    "error.expr.hint.attribute": "；唯一的属性是 .T（转置）",
    "error.expr.hint.numbers": "；只允许数字",
    "error.expr.hint.real": "；只允许实数",
    "error.expr.hint.declared": "；只能调用已声明的函数，如 f(x){allowed}",
    "error.expr.hint.by_position": "（在 {name!r} 的调用中）；请按位置传递参数",
    "error.expr.hint.list_arguments": "（在 {name!r} 的调用中）；请逐个列出参数",
    "error.expr.hint.call_it": "（'{name}' 是函数：请调用它，例如 {name}(...)）",
    "error.expr.what.name": "名称 {name!r}",
    "error.expr.what.attribute": "属性 '.{attribute}'",
    "error.expr.what.operator": "运算符 {operator}",
    "error.expr.what.node": "{node}",
    "error.expr.what.constant": "{value}",
    "error.expr.what.constant_type": "类型为 {type} 的常量",
    "error.expr.what.ellipsis": "'...'（省略号）",
    "error.expr.what.string": "字符串字面量",
    "error.expr.what.bytes": "字节串字面量",
    "error.expr.what.complex": "复数",
    "error.expr.what.method_call": "方法调用 x.f(...)",
    "error.expr.what.this_call": "这种调用",
    "error.expr.what.kwargs": "**kwargs",
    "error.expr.what.keyword": "关键字参数 {name}=...",
    "error.expr.what.star_args": "*args（参数解包）",
    "error.expr.what.floor_division": "'//'（整除）",
    "error.expr.what.modulo": "'%'（取模）",
    "error.expr.what.xor": "'^'（按位异或；幂请写成 a ** b）",
    "error.expr.what.bit_or": "'|'（按位或）",
    "error.expr.what.bit_and": "'&'（按位与）",
    "error.expr.what.shift_left": "'<<'（移位）",
    "error.expr.what.shift_right": "'>>'（移位）",
    "error.expr.what.not": "'not'",
    "error.expr.what.invert": "'~'（按位取反）",
    "error.expr.what.lambda": "lambda",
    "error.expr.what.conditional": "条件表达式（x if c else y）",
    "error.expr.what.comparison": "比较",
    "error.expr.what.and_or": "'and'/'or'",
    "error.expr.what.list_comprehension": "列表推导式",
    "error.expr.what.set_comprehension": "集合推导式",
    "error.expr.what.dict_comprehension": "字典推导式",
    "error.expr.what.generator": "生成器表达式",
    "error.expr.what.walrus": "赋值表达式（:=）",
    "error.expr.what.starred": "星号表达式（*x）",
    "error.expr.what.list": "列表",
    "error.expr.what.tuple": "元组",
    "error.expr.what.dict": "字典",
    "error.expr.what.set": "集合",
    "error.expr.what.subscript": "下标 x[...]",
    "error.expr.what.slice": "切片",
    "error.expr.what.await": "await",
    "error.expr.what.yield": "yield",
    "error.expr.what.yield_from": "'yield from'",
    "error.expr.what.fstring": "f-字符串",
    "error.expr.power_digits": "无法计算 {expression!r}：这个数约有 {digits} 位（最多约 {limit} 位）",
    "error.expr.cannot_evaluate": "无法计算 {expression!r}：{reason}",
    "error.expr.transpose_number": "无法计算 {expression!r}：.T 需要矩阵，实际为 {type}",
    "error.expr.no_value": "名称 {name!r} 没有值；已定义：{names}",
    "error.expr.function_unavailable": "函数 {name!r} 不可用；可用的函数：{names}",
    "error.expr.undefined": "表达式 {text!r} 没有定义（除以零或取 log(0)）：其值为 {value}",
    "error.expr.divides_by_zero": "表达式除以零",
    "error.expr.singular": "矩阵是奇异的（行列式为 0）",
    "error.expr.expression_required": "必须给出表达式，例如 gradsym {command} \"{example}\" "
    "{opt.shape} {shape}",
    "error.expr.shape_required": "必须给出 {param}：请声明每个名称，例如 {param} a=2 或 {param} "
    "X=3x2（或 {param} s=scalar）",
    "error.expr.shape_type": "{param} 必须是 NAME=SHAPE 文本、它们的列表或字典；实际为 {type} "
    "{value!r}",
    "error.expr.shape_entry": "{param} {entry}：应为 名称=形状，例如 {param} X=3x2",
    "error.expr.name_form": "{param} {name}：名称必须以字母开头，且只能包含字母、数字和 _（例如 "
    "{param} a=2）",
    "error.expr.name_keyword": "{where}：{name!r} 是 Python 关键字；请换一个名称",
    "error.expr.name_function": "{where}：{name!r} 是函数名；请换一个名称",
    "error.expr.declared_twice": "{param} {name} 声明了两次；每个名称只能声明一次",
    "error.expr.too_many_elements": "{where} 有 {size:,} 个元素；最多支持 {limit:,} 个",
    "error.expr.shape_empty": "{where}：形状为空；请给出例如 2、3x2 或 scalar",
    "error.expr.declaration": "{param} {name}={shape}",
    "error.expr.declared_name": "{param} {name}",
    "error.expr.collision": "{param} {other} 与 {param} {name} 都用到了名称 {element!r}（元素命名为 "
    "名称_i_j…）；请重命名其中一个",
    "error.expr.nothing_to_differentiate": "表达式没有用到任何已声明的名称；没有可求导的对象",
    "error.expr.wrt_unknown": "{opt.wrt} {name}：没有这个名称；已声明：{declared}（请用 "
    "{opt.shape} {name}=... 声明）",
    "error.expr.wrt_empty": "{opt.wrt} 为空；请给出一个已声明的张量，例如 {given.wrt}",
    "error.expr.at_entry": "{opt.at} {entry}：应为 名称=数值，例如 {opt.at} a=[2,3]",
    "error.expr.at_unknown": "{opt.at} {name}：没有这个名称；已声明：{declared}",
    "error.expr.at_missing": "{opt.at} 需要给表达式中的每个名称一个值；缺少 {missing}（例如 "
    "{example}）",
    "error.expr.at_example": "{opt.at} {name}=…{more}",
    "error.expr.at_name": "{opt.at} {name}{more}",
    "error.expr.more_space": " {rest}",
    "error.expr.more_comma": ", {rest}",
    "error.expr.at_evaluate": "无法在给定数值（{names}）处计算：{reason}",
    "error.matrix.scalar_role": "{role}必须是数（标量或 1x1），但 {operand!r} 是 {shape}",
    "error.matrix.role.term": "每一项",
    "error.matrix.role.factor": "因子",
    "error.matrix.role.divisor": "除数",
    "error.matrix.role.base": "底数",
    "error.matrix.role.exponent": "指数",
    "error.matrix.role.argument": "参数",
    "error.matrix.add_shapes": "{left} 与 {right} 不能相加（形状必须相同）",
    "error.matrix.subtract_shapes": "{left} 与 {right} 不能相减（形状必须相同）",
    "error.matrix.multiply_shapes": "不能用 {left} 乘 {right}：左边的列数（{columns}）必须等于右边的"
    "行数（{rows}）",
    "error.matrix.power_exponent": "矩阵的幂需要整数指数，实际为 {exponent!r}",
    "error.matrix.power_square": "只有方阵才有幂，但 {operand!r} 是 {shape}",
    "error.matrix.power_limit": "矩阵的幂限于 ±{limit}，实际为 {got}",
    "error.matrix.sizes_whole": "{function} 的尺寸必须是 ≥ 1 的整数",
    "error.matrix.quotient_shapes": "逐元素相除要求形状相同，实际为 {left} 和 {right}",
    "error.matrix.hadamard_shapes": "Hadamard 积需要相同的形状，实际为 {left} 和 {right}",
    "error.matrix.square": "{function} 需要方阵，但 {operand!r} 是 {shape}",
    "error.matrix.size_number": "{function} 的尺寸必须是 ≥ 1 的整数，实际为 {got!r}",
    "error.matrix.entries_number": "{function} 的参数必须是一个数（各元素的值），实际为 {got!r}",
    "error.matrix.ones_size": "无法从所在位置确定 {operand!r} 的尺寸；请改写为 ones(m) 或 "
    "ones(m, n)（乘以该数）",
    "error.matrix.ones_column": "{operand!r} 是列向量，但所在位置需要 {rows}x{columns}",
    "error.matrix.diag_unknown": "无法确定 {operand!r} 的参数的形状",
    "error.matrix.diag_shape": "diag 需要向量或方阵，但 {operand!r} 的参数是 {rows}x{columns}",
    "error.matrix.size_letter": "{opt.shape} {name}={spec}：尺寸是整数或小写字母（不能是 x），例如 "
    "{opt.shape} X=nxn 或 {opt.shape} A=mx3",
    "error.matrix.size_count": "{opt.shape} {name}={spec}：matrix 只接受标量、向量和矩阵（最多 2 "
    "个尺寸）",
    "error.matrix.emit_letters": "{opt.emit} 需要具体尺寸：请在 {opt.shape} 中给出数字（例如 "
    "X=3x3），而不是字母",
    "error.matrix.values_letters": "数值需要具体尺寸：请在 {opt.shape} 中给出数字（例如 X=3x3），"
    "而不是字母，才能使用 {opt.at}",
    "error.matrix.at_letters": "{opt.at} 需要具体尺寸：{opt.shape} 中的尺寸是字母；请给出数字（例如 "
    "{opt.shape} X=3x3）才能代入数值",
    "error.matrix.hessian_letters": "{opt.hessian} 需要具体尺寸：请在 {opt.shape} 中给出数字（例如 "
    "X=3x3），而不是字母",
    "error.matrix.letters_count": "{opt.shape}：最多 {limit} 个不同的尺寸字母，实际有 {count} 个"
    "（{letters}）",
    "error.matrix.letter_clash": "{opt.shape}：'{letter}' 既是名字又是尺寸字母；请改掉其中一个",
    "error.matrix.letters_scalar": "J 是 {shape}，不是标量：字母尺寸需要标量目标（取 trace、sum 或 "
    "norm），或在 {opt.shape} 中给出数字以得到逐元素雅可比矩阵",
    "error.matrix.hessian_scalar": "{opt.hessian} 需要标量目标函数，但 J 是 {shape}；用 trace、sum "
    "或 norm 把它变成标量，或去掉 {opt.hessian}",
    "error.matrix.hessian_large": "{opt.hessian}：表达式太大，无法展开成元素符号来计算逐元素 "
    "Hessian；请用更小的形状",
    "error.emit.matrix_scalar": "{opt.emit} 需要有闭式矩阵形式的标量目标；J 不是标量（可用 trace、"
    "sum 或 norm 使其成为标量）",
    "error.emit.matrix_open": "{opt.emit}：∂J/∂{name} 没有闭式矩阵形式（矩阵的逐元素函数）；输出的"
    "代码只使用闭式形式",
    "error.emit.matrix_hessian": "{opt.emit} 与 {opt.hessian}：∂²J/∂{name}² 没有闭式矩阵形式；生成的"
    "代码只用闭式（去掉 {opt.hessian}）",
    "error.emit.framework": "{opt.emit} 必须是 {choices} 之一，实际为 {framework!r}",
    "error.emit.unavailable": "{opt.emit} 不适用于 {command}：它没有可输出的反向传播",
    "error.domain.too_large": "数值太大，超出浮点数范围",
    "error.domain.exp_overflow": "exp 溢出",
    "error.domain.log": "对 ≤ 0 的数取对数",
    "error.domain.negative_power": "负数的分数次幂",
    "error.domain.zero_power": "0 的小于 1 次的幂没有导数",
    "error.domain.division": "除以零",
    "error.domain.negative_exponent": "除以零（0 的负数次幂）",
    "error.domain.undefined": "表达式或其导数在该处没有定义",
    "error.domain.not_real": "该值不是实数",
    "error.domain.singular": "矩阵在这些数值处是奇异的",
}
