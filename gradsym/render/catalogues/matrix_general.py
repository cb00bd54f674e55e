"""``matrix`` with letter sizes (``--shape X=nxn``): closed forms for every size."""

from __future__ import annotations

EN = {
    "title.matrix_general": "matrix calculus in closed matrix form, for every size {letters}",
    "matrix_general.shapes": "Shapes: {shapes}; J is a scalar. Sizes written as letters ({letters}) "
    "stand for any whole number ≥ 1 (distinct letters may differ).",
    "matrix_general.claim": "The closed forms below are derived once with the letters, so they "
    "hold for every size {letters}; each is also checked element by element at {sizes}.",
    "matrix_general.verified": "   Closed form for every size {letters}; checked element by "
    "element at {sizes}: there every entry equals ∂J/∂{name}ᵢⱼ of the expanded J.",
    "matrix_general.no_closed_form": "No closed matrix form found for ∂J/∂{name} ({reason}); "
    "with letter sizes there is no element-wise result either: give numbers in --shape.",
    "check.closed_form_matches_elementwise_at_sizes": "each closed matrix form, derived for "
    "letter sizes, equals entry by entry the element-wise derivative of J at each concrete size "
    "it was checked at (the gradient section lists them)",
}

ZH = {
    "title.matrix_general": "闭式矩阵形式的矩阵微积分，对所有尺寸 {letters}",
    "matrix_general.shapes": "形状：{shapes}；J 是标量。写成字母的尺寸（{letters}）代表任意 ≥ 1 的"
    "整数（不同字母可以取不同的值）。",
    "matrix_general.claim": "下面的闭式用字母推导一次，因此对所有尺寸 {letters} 成立；每个闭式还在 "
    "{sizes} 处逐元素检验。",
    "matrix_general.verified": "   闭式对所有尺寸 {letters} 成立；在 {sizes} 处逐元素检验：每个元素都"
    "等于展开后的 J 的 ∂J/∂{name}ᵢⱼ。",
    "matrix_general.no_closed_form": "未找到 ∂J/∂{name} 的闭式矩阵形式（{reason}）；尺寸为字母时也没有"
    "逐元素结果：请在 --shape 中给出数字。",
    "check.closed_form_matches_elementwise_at_sizes": "每个用字母尺寸推导的闭式矩阵形式，在检验过的每个"
    "具体尺寸上（梯度一节列出）都逐元素等于 J 的逐元素导数",
}

ERRORS_ZH = {
    "--at needs concrete sizes: the sizes in --shape are letters; give numbers (e.g. --shape "
    "X=3x3) to evaluate at values":
    "--at 需要具体尺寸：--shape 中的尺寸是字母；请给出数字（例如 --shape X=3x3）才能代入数值",
    "--emit needs concrete sizes: give numbers in --shape (e.g. X=3x3), not letters":
    "--emit 需要具体尺寸：请在 --shape 中给出数字（例如 X=3x3），而不是字母",
    "--hessian needs concrete sizes: give numbers in --shape (e.g. X=3x3), not letters":
    "--hessian 需要具体尺寸：请在 --shape 中给出数字（例如 X=3x3），而不是字母",
    "values need concrete sizes: give numbers in --shape (e.g. X=3x3), not letters, to use --at":
    "数值需要具体尺寸：请在 --shape 中给出数字（例如 X=3x3），而不是字母，才能使用 --at",
    "--shape {name}={spec}: a size is a whole number or a lowercase letter (not x), e.g. "
    "--shape X=nxn or --shape A=mx3":
    "--shape {name}={spec}：尺寸是整数或小写字母（不能是 x），例如 --shape X=nxn 或 --shape A=mx3",
    "--shape {name}={spec}: matrix takes scalars, vectors and matrices (at most 2 sizes)":
    "--shape {name}={spec}：matrix 只接受标量、向量和矩阵（最多 2 个尺寸）",
    "--shape: at most {len(SENTINELS)} different size letters, got {len(letters)} "
    "({', '.join(letters)})":
    "--shape：最多 {len(SENTINELS)} 个不同的尺寸字母，实际有 {len(letters)} 个（{', '.join(letters)}）",
    "--shape: '{clash[0]}' is both a name and a size letter; rename one":
    "--shape：'{clash[0]}' 既是名字又是尺寸字母；请改掉其中一个",
    "the shape of {name} must be a list of whole numbers or size letters":
    "{name} 的形状必须是整数或尺寸字母组成的列表",
    "J is {unsentinel('x'.join(map(str, out_shape)), back)}, not a scalar: letter sizes need a "
    "scalar objective (take trace, sum or norm), or give numbers in --shape for the element-wise "
    "Jacobian":
    "J 是 {unsentinel('x'.join(map(str, out_shape)), back)}，不是标量：字母尺寸需要标量目标（取 trace、"
    "sum 或 norm），或在 --shape 中给出数字以得到逐元素雅可比矩阵",
}

HELP_ZH = {
    "Declare a name: NAME=SHAPE (X=3x2, w=2x1, w=2 for a column, s=scalar); repeatable. "
    "Elements are X_1_1, X_1_2, … Sizes may be letters (X=nxn, x=n, A=mx3): closed forms for "
    "every size, checked at several.":
    "声明一个名称：名称=形状（X=3x2、w=2x1、列向量写 w=2、s=scalar）；可重复。元素为 X_1_1、X_1_2、… "
    "尺寸可以是字母（X=nxn、x=n、A=mx3）：得到对所有尺寸成立的闭式，并在几个具体尺寸上检验。",
}
