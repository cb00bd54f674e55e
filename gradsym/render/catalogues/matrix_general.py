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

HELP_ZH = {
    "Declare a name: NAME=SHAPE (X=3x2, w=2x1, w=2 for a column, s=scalar); repeatable. "
    "Elements are X_1_1, X_1_2, … Sizes may be letters (X=nxn, x=n, A=mx3): closed forms for "
    "every size, checked at several.":
    "声明一个名称：名称=形状（X=3x2、w=2x1、列向量写 w=2、s=scalar）；可重复。元素为 X_1_1、X_1_2、… "
    "尺寸可以是字母（X=nxn、x=n、A=mx3）：得到对所有尺寸成立的闭式，并在几个具体尺寸上检验。",
}
