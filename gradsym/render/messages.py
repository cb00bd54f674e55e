"""The message catalogue: every piece of prose the renderers print, per language (data only;
:mod:`gradsym.render.wording` looks it up and words errors).

>>> EN["section.forward"], ZH["section.forward"]
('Forward pass', '前向传播')
"""

from __future__ import annotations

from gradsym.budget import MAX_TERMS_HELP, MAX_TERMS_HELP_ZH
from gradsym.layers.general_statements import STATEMENTS as GENERAL_STATEMENTS

LANGUAGES = ("en", "zh")

EN: dict[str, str] = {
    "grid.columns": "{title} — columns {first}–{last} of {count}",
    "grid.column": "{title} — column {first} of {count}",
    "title.conv": "{dims}-D convolution (cross-correlation, PyTorch semantics)",
    "title.deconv": "{dims}-D transposed convolution (PyTorch semantics)",
    "section.setup": "Set-up",
    "section.symbols": "Symbols",
    "section.forward": "Forward pass",
    "section.jacobian": "Jacobians",
    "section.grad": "Gradients (vector-Jacobian products)",
    "section.proof": "Proofs",
    "section.numeric": "Numbers",
    "section.checks": "Checks",
    # -- HTML page --
    "html.hint": "Hover over an element or focus it with Tab: it and every element tied to it "
    "through a non-zero Jacobian entry are highlighted.",
    "html.stepper.proof": "Step through the flipped-kernel proof",
    "html.stepper.layers": "Step through the chain rule, layer by layer",
    "html.prev": "← Previous",
    "html.next": "Next →",
    "html.step": "Step {n} of {total}",
    "html.step.start": "The starting grid {letter}.",
    "html.step.zeros": "Zero insertion: stride − 1 zeros between neighbouring entries of {letter} "
    "(highlighted).",
    "html.step.padding": "Padding: the border of zeros around the zero-inserted grid (highlighted).",
    "html.step.rotation": "Rotation: the kernel turned by 180° (and dilated).",
    "html.step.window": "Window {index}: the highlighted part of {tilde} times rot180(k), summed, "
    "gives {target}.",
    "html.step.window_dropped": "Window {index}: the highlighted part of {tilde} times rot180(k); "
    "this position lies outside the crop and is dropped.",
    "html.step.full": "entry {index} of the full convolution",
    "setup.shapes": "input {input}, kernel {kernel}, stride {stride}, padding {padding}, "
    "dilation {dilation}, groups {groups} → output {output}",
    "setup.channels": "batch {batch}, in_channels {in_channels}, out_channels {out_channels}; "
    "PyTorch layouts: input (N, C_in, …), weight {weight_layout}, output (N, C_out, …)",
    "setup.bias": "bias: {bias}",
    "setup.upstream": "g is the upstream gradient dL/dy, one symbol per output element.",
    "word.on": "on",
    "word.off": "off",
    "tensor.input": "input x",
    "tensor.kernel": "kernel k",
    "tensor.bias": "bias b",
    "tensor.upstream": "upstream gradient g = dL/dy",
    "tensor.output": "output y",
    "jacobian.table": "∂{out}/∂{wrt}",
    "jacobian.intro": "Each table holds ∂y/∂{wrt} for one output element; {nonzeros} of {total} "
    "entries are not identically zero.",
    "grad.intro": "dL/d{wrt} = Σ_o g_o · ∂y_o/∂{wrt}",
    "summary.more": "… {count} more (use --full to show all)",
    "summary.grid": "{shape} grid, showing the top-left {rows}x{cols} corner (use --full to show all)",
    "proof.g_tilde": "g̃: g zero-inserted by the stride, padded by d(k−1), r = {remainder} zeros appended",
    "proof.k_rot": "rot180(k), dilated",
    "proof.crop": "Correlating g̃ with rot180(k) gives a grid of shape {full}; cropping it to "
    "[p : p+i] = {crop} gives exactly dL/dx.",
    "check.grad_input_equals_full_conv_rot180_kernel": "dL/dx equals the full convolution of "
    "the stride-zero-inserted g with the kernel rotated 180° (and dilated), cropped to the input",
    "check.grad_kernel_equals_conv_input_upstream": "dL/dk equals the convolution of the "
    "zero-padded input with g (stride d, dilation s), cropped to the kernel, summed over the batch",
    "check.grad_bias_equals_upstream_sum": "dL/db equals the sum of g",
    "check.jacobian_matches_autodiff_numeric": "the symbolic Jacobians at the given values equal "
    "an independent numeric differentiation of the forward pass (exact, or within 1e-12 "
    "relative where the map is not polynomial)",
    "check.holds": "holds",
    "check.fails": "FAILS",
    "numeric.values": "values",
    "numeric.absent": "Give values (e.g. {options}) to evaluate everything exactly.",
    "verdict.ok": "All {count} checks hold.",
    "verdict.ok_one": "The check holds.",
    "verdict.none": "Nothing to check here without values.",
    "verdict.fail": "{count} check(s) FAILED.",
    "note.values_missing": "numeric values need {options} as well",
    # -- render (LaTeX, Markdown, plots, PDF) --
    "proof.step.chain": "chain rule",
    "proof.step.jacobian": "differentiation",
    "proof.step.forward": "forward pass",
    "proof.step.rhs": "built independently, equal in all {count} entries",
    "latex.terms": "{count} terms (--full shows all)",
    "latex.verdict": "({verdict})",
    "plot.title": "gradsym {command}: Jacobians",
    "plot.title_flip": "gradsym {command}: Jacobians and the flipped kernel",
    "plot.title_kernel": "gradsym {command}: the flipped kernel",
    "plot.gradient": "∂{out}/∂{wrt}: a gradient shaped like {wrt} ({shape})",
    "plot.expressions": "each cell: its expression (beginning)",
    "plot.axis_row": "row of {wrt}",
    "plot.axis_col": "column of {wrt}",
    "plot.jacobian": "∂{out}/∂{wrt}: {rows} outputs × {cols} entries",
    "plot.values": "values at the given numbers",
    "plot.symbols": "colour: the symbol in each entry",
    "plot.density": "downsampled to {rows}×{cols} cells: share of non-zero entries",
    "plot.axis_out": "output element {out} (row-major)",
    "plot.axis_wrt": "element of {wrt} (row-major)",
    "plot.view": "part shown: rows {rows} of {height}, columns {cols} of {width}",
    "plot.window": "the window gives {entry}",
    "plot.result": "result {name}",
    "plot.terms": "numbers: products summed in each entry",
    "plot.depth_slice": "depth slice {index} of {total}",
    "plot.depth_window": "(the window spans slices {first}–{last})",
    "plot.corner": "showing the top-left {rows}×{cols} corner of {shape}",
    "plot.part": "showing rows {first_row}–{last_row}, columns {first_col}–{last_col} of {shape}",
    "plot.layer": "layer {layer} of {depth}",
    "plot.axis_downsampled": "{label}; downsampled: each cell ≈ {count} elements",
    "plot.mean_symbols": "downsampled to {rows}×{cols} cells; colour: which element\nthe entries hold (row-major number, mean per cell)",
    "plot.mean_values": "downsampled to {rows}×{cols} cells; colour: mean value per cell",
    "plot.sizes.title": "gradsym sizes: the positions each output's window reads",
    "plot.sizes.title_transposed": "gradsym sizes --transposed: the output positions each input writes",
    "plot.sizes.position": "input position (0-based; padding outside the dashed lines)",
    "plot.sizes.output_position": "output position (0-based; cropped by padding outside the dashed lines)",
    "plot.sizes.input": "input",
    "plot.sizes.output": "output",
    "plot.sizes.padding": "padding (zeros)",
    "plot.sizes.cropped": "cropped by padding",
    "plot.sizes.window": "window of o: taps at s·o + d·q − p_b",
    "plot.sizes.writes": "input i′ writes to s·i′ + d·q − p_b",
    "plot.sizes.unread_start": "unread at the start",
    "plot.sizes.unread_between": "unread in between (d > s)",
    "plot.sizes.unread_end": "unread at the end: floor rounding (r = {remainder})",
    "plot.sizes.unwritten": "no input writes here (bias only)",
    "plot.sizes.dead": "input whose every write is cropped",
    "plot.sizes.more": "… {count} more",
    "anim.title": "gradsym {command}: the forward pass, then the backward pass",
    "anim.input": "input x",
    "anim.input_padded": "input x (padded)",
    "anim.kernel": "kernel k",
    "anim.kernel_jax": "rot180(k): lax.conv_transpose does not flip k",
    "anim.output": "output y",
    "anim.output_scatter": "output y (blue: where its inputs scatter)",
    "anim.g_tilde": "g̃: g zero-inserted, padded",
    "anim.k_rot": "rot180(k), dilated",
    "anim.g_padded": "g padded by p",
    "anim.upstream": "upstream gradient g",
    "anim.grad_input": "∂L/∂x",
    "anim.phase_forward": "forward",
    "anim.phase_backward": "backward",
    "anim.frame": "frame {index}/{total}",
    "anim.caption_forward": "{name} = Σ window ⊙ k",
    "anim.caption_backward": "{name} = Σ window of g̃ ⊙ rot180(k)",
    "anim.caption_scatter": "{name} gathers x·k from every input that scatters onto it",
    "anim.caption_deconv_backward": "{name} = Σ window of padded g ⊙ k",
    "anim.caption_pool_max": "{name} = max of the window",
    "anim.caption_pool_avg": "{name} = mean of the window (padding counts)",
    "anim.caption_route": "{name} goes to the window's first maximum",
    "anim.caption_route_symbolic": "{name} goes to the window's first maximum (give --x to see which)",
    "anim.caption_spread": "{name} is spread evenly over the window",
    "error.pdf.missing": "--output with .pdf needs {engine} (TeX Live), which is not installed; "
    "install it (Debian/Ubuntu: apt-get install {packages}) or write the LaTeX with --output FILE.tex",
    "error.pdf.failed": "{engine} could not compile the document: {message}",
    "error.pdf.timeout": "{engine} did not finish within {seconds} s; write the LaTeX with "
    "--output FILE.tex instead",
    "error.plot.matplotlib": "--plot needs Matplotlib; install it with: pip install \"gradsym[plot]\"",
    "error.plot.nothing": "--plot: {command} has nothing to draw (no Jacobian)",
    "error.animate.matplotlib": "--animate needs Matplotlib; install it with: pip install \"gradsym[plot]\"",
    "error.animate.command": "--animate draws conv, deconv, pool and upsample only, not {command}; drop --animate",
    "error.animate.general": "--animate needs concrete sizes; drop --general and give --input and --kernel",
    "error.animate.jax": "--animate draws deconv in JAX's convention for plain tensors only; drop "
    "--in-channels, --out-channels and --batch, or --convention jax",
    "error.animate.frames": "--animate: this animation needs {frames} frames, over the limit of {limit}; choose smaller sizes (fewer output and input elements)",
    "error.animate.cells": "--animate: the {map} map is {cells} cells across, over the limit of {limit}; choose smaller sizes",
    "error.animate.suffix": "--animate {path}: the animation is a GIF; use a name ending in .gif",
    "error.interrupted": "interrupted",
    "error.terminated": "terminated",
    "error.nested": "the input is nested too deeply",
    "error.memory": "out of memory; choose smaller sizes or a lower --max-terms",
    # -- deconv --
    "setup.output_padding": "output_padding {output_padding} (extra output positions at the end; "
    "PyTorch allows it below the stride or the dilation)",
    "proof.deconv_x_tilde": "x̃: x zero-inserted (stride {stride}), padded {pads}",
    "proof.deconv_k_rot": "rot180(k), dilated",
    "proof.deconv_valid": "x̃ is padded by d(k−1)−p before and d(k−1)−p+a after ({pads}; "
    "negative = cropped). A VALID correlation of the {tilde} grid x̃ with the {kernel} rotated "
    "kernel gives the {output} output, entry by entry equal to the scattered forward pass.",
    "proof.deconv_zero_extend": "output_padding {output_padding} is not below the stride "
    "{stride}, so the matching convolution yields ⌊a/s⌋ = {extension} extra position(s) per "
    "dimension: x is zero-extended by {extension} at the end to play its upstream gradient.",
    "check.forward_equals_full_conv_rot180_kernel": "y equals a VALID convolution of x "
    "zero-inserted by the stride and padded by d(k−1)−p (output_padding extra at the end) "
    "with the kernel rotated 180°, dilated, in/out channels swapped per group",
    "check.forward_equals_conv_grad_input": "y equals the gradient of the matching convolution "
    "wrt its input, with x playing the upstream gradient (conv2d_backprop_input)",
    "check.grad_input_equals_conv_upstream_kernel": "dL/dx equals the convolution of the padded "
    "g with the kernel (stride s, dilation d), not rotated",
    "check.grad_kernel_equals_conv_upstream_input": "dL/dk equals the convolution of the padded "
    "g with the input (stride d, dilation s), cropped to the kernel, summed over the batch",
    # -- sizes/convention --
    "title.conv_convention": "{dims}-D convolution ({convention} conventions, related to PyTorch "
    "by proof)",
    "title.deconv_convention": "{dims}-D transposed convolution ({convention} conventions, "
    "related to PyTorch by proof)",
    "convention.tensorflow.conv": "TensorFlow layouts (tf.nn.conv2d): input {input}, filters "
    "{kernel}, output {output}; values are read and printed in them. The same cross-correlation "
    "as PyTorch: move the input to NC…, the filters to (O, I, *k), no flip; padding (before, "
    "after) {padding} (SAME puts the odd extra at the end).",
    "convention.jax.conv": "JAX layouts (lax.conv_general_dilated with dimension_numbers "
    "('{input}', '{kernel}', '{output}')): values are read and printed in them. The same "
    "cross-correlation as PyTorch: move the input to NC…, the kernel to (O, I, *k), no flip; "
    "padding (before, after) {padding} (SAME as TensorFlow's).",
    "convention.tensorflow.deconv": "TensorFlow layouts (tf.nn.conv2d_transpose): input {input}, "
    "filters {kernel} = (*k, out, in), output {output}; padding {framework_padding}, "
    "output_shape {output_size}. It is the gradient of tf.nn.conv2d, so it equals PyTorch's "
    "conv_transpose with the filters read as (I, O, *k) — the channel axes moved, no flip — "
    "padding (before, after) {padding}, output_padding {output_padding}.",
    "convention.jax.deconv": "JAX layouts (lax.conv_transpose defaults, transpose_kernel=False): "
    "input {input}, kernel {kernel}, output {output}; padding {framework_padding}. JAX does not "
    "flip the kernel: this equals PyTorch's conv_transpose with the kernel rotated 180° and "
    "read as (I, O, *k) (a layout change, no channel swap), padding (before, after) {padding}, "
    "output_padding {output_padding} (max(0, s − k_eff) for VALID).",
    "convention.jax.grown": "A negative padding is JAX's padding beyond d(k−1): PyTorch refuses "
    "it, but its meaning is plain — the output grows by positions whose window reads only "
    "zeros, so they are 0 (plus the bias).",
    "check.matches_torch_with_layout_change": "the framework's own definition, built "
    "independently in its layout, equals the PyTorch result with the axes moved (no flip)",
    "check.matches_torch_with_rot180_kernel": "lax.conv_transpose, built from its own definition "
    "(the kernel as given), equals PyTorch's conv_transpose with the kernel rotated 180°",
    "setup.channels_convention": "batch {batch}, in_channels {in_channels}, out_channels "
    "{out_channels}; {convention} layouts: input {input}, kernel {kernel}, output {output}",
    "proof.deconv_k_rot_jax": "rot180(PyTorch's kernel) = JAX's k as given, dilated",
    "title.sizes": "{dims}-D convolution: output sizes",
    "title.sizes_transposed": "{dims}-D transposed convolution: output sizes",
    "sizes.formula": "dimension {axis}: {formula}",
    "sizes.same_torch": "dimension {axis}: padding same (PyTorch, stride 1) pads d(k−1) = "
    "{d}·({k}−1) = {total} in total: {before} before, {after} after (an odd one goes at the end)",
    "sizes.same_tensorflow": "dimension {axis}: padding SAME (TensorFlow, JAX): o = ⌈i/s⌉ = "
    "⌈{i}/{s}⌉ = {o}, total = max((o−1)·s + d(k−1)+1 − i, 0) = max(({o}−1)·{s} + {k_eff} − {i}, "
    "0) = {total}: {before} before, {after} after (an odd one goes at the end)",
    "sizes.all_read": "dimension {axis}: every input position is read by some output.",
    "sizes.unread": "dimension {axis}: {count} input position(s) are never read (0-based):",
    "sizes.unread_start": "  • at the start: {positions} (the first windows' taps step over them)",
    "sizes.unread_between": "  • in between: {positions} (windows s apart with taps d apart "
    "leave gaps)",
    "sizes.unread_end": "  • at the end: {positions}, lost to floor rounding (remainder "
    "r = (i + p_b + p_a − d(k−1) − 1) mod s = {remainder})",
    "sizes.inverse": "dimension {axis}: a transposed convolution with the same k, s, p, d maps "
    "this output back to {table} (output_padding a → size); the convolution maps each of these "
    "sizes to this output, and output_padding {restore} restores the input {input}.",
    "sizes.transposed_dead": "dimension {axis}: input positions whose every contribution is "
    "cropped away: {dead}; output positions no input writes to (bias only): {empty} (0-based)",
    "sizes.transposed_inverse": "dimension {axis}: the convolution with the same k, s, p, d maps "
    "this output back to {back}. The outputs this transposed convolution can give that the "
    "convolution maps back to {input} exactly: {table} (output_padding a → size).",
    "sizes.transposed_beyond": "dimension {axis}: output_padding {a} is not below the stride "
    "{s} (PyTorch allows it because it is below the dilation {d}), so the convolution reads "
    "⌊a/s⌋ = {extra} more position(s) back than the transposed convolution's input has.",
    "check.output_size_equals_window_count": "the formula's size equals the number of window "
    "positions counted one stride at a time along the padded input",
    "check.output_padding_restores_input": "with each listed output_padding the transposed "
    "convolution inverts the shape (checked by counting windows)",
    # -- linear/mlp --
    "title.linear": "fully connected layer Y = X·Wᵀ + b (torch.nn.Linear)",
    "setup.linear": "batch {batch}, in_features {in_features}, out_features {out_features}, "
    "bias {bias}: X is (batch, in_features), W is (out_features, in_features) as "
    "torch.nn.Linear.weight, Y = X·Wᵀ + b is (batch, out_features)",
    "tensor.weight": "weight w",
    "section.linear_matrix_forward": "Forward pass in matrix form",
    "section.linear_matrix_grad": "Gradients in matrix form",
    "check.grad_input_equals_upstream_weight": "dL/dX equals the matrix product G·W of the "
    "upstream gradient and the weight",
    "check.grad_weight_equals_upstream_t_input": "dL/dW equals the matrix product Gᵀ·X of the "
    "transposed upstream gradient and the input",
    "title.mlp": "multi-layer perceptron {layers}, activation {activation}",
    "setup.mlp": "widths {layers} (L = {depth}), activation {activation} on the hidden "
    "layers (the output layer is linear), biases {bias}",
    "setup.mlp_names": "w_l,i,j is the weight of layer l from unit i to unit j (w_l is "
    "n_(l−1) × n_l, the transpose of torch.nn.Linear.weight); b_l,j the bias of unit j of layer l.",
    "setup.mlp_relu": "relu(z) = Max(0, z); relu′(z) = Heaviside(z, 0), so relu′(0) = 0 as in PyTorch.",
    "setup.mlp_sigmoid": "sigmoid(z) = 1/(1 + exp(−z)); sigmoid′(z) = exp(−z)/(1 + exp(−z))².",
    "setup.mlp_tanh": "tanh′(z) = 1 − tanh(z)².",
    "setup.mlp_no_hidden": "There is no hidden layer, so {activation} is not used.",
    "section.mlp_params": "Weights and biases",
    "section.mlp_forward": "Forward pass, layer by layer",
    "section.mlp_backward": "Chain rule, layer by layer",
    "mlp.params": "Row i of w_l holds the weights leaving unit i of layer l−1 (layer 0 is the input x).",
    "mlp.values_hint": "Give values to evaluate everything exactly, e.g. {example} "
    "(whole tensors, or single elements such as --at w_1_1_1=3).",
    "mlp.forward_rule": "z_l,j = Σ_i a_(l−1),i · w_l,i,j (+ b_l,j) with a_0 = x; hidden layers "
    "a_l,j = {activation}(z_l,j); the output is out = z_L.",
    "mlp.layer": "Layer {layer}: {n_in} → {n_out} units",
    "mlp.backward_rule": "d_l,j = ∂out/∂z_l,j, from the output back to the input: d_L = 1 for "
    "the output itself; d_l,j = σ′(z_l,j) · Σ_k w_(l+1),j,k · d_(l+1),k; then "
    "∂out/∂w_l,i,j = a_(l−1),i · d_l,j, ∂out/∂b_l,j = d_l,j and ∂out/∂x_i = Σ_j w_1,i,j · d_1,j.",
    "mlp.derivative_none": "No activation: σ′ = 1, and every expression is a polynomial.",
    "mlp.derivative_relu": "relu′(z) = Heaviside(z, 0): 1 for z > 0, else 0 (relu′(0) = 0, PyTorch's convention).",
    "mlp.derivative_sigmoid": "sigmoid′(z) = exp(−z)/(1 + exp(−z))² = sigmoid(z)·(1 − sigmoid(z)).",
    "mlp.derivative_tanh": "tanh′(z) = 1 − tanh(z)².",
    "mlp.for_output": "For {output}:",
    "mlp.step_output": "Layer {layer} (output): d_{layer},j = ∂{output}/∂z_{layer},j is 1 for "
    "{output} itself, 0 otherwise; each weight's gradient is a_{prev},i · d_{layer},j.",
    "mlp.step_hidden": "Layer {layer}: d_{layer},j = {derivative} · Σ_k w_{next},j,k · d_{next},k; "
    "each weight's gradient is a_{prev},i · d_{layer},j.",
    "mlp.step_input": "Input: ∂{output}/∂x_i = Σ_j w_1,i,j · d_1,j.",
    "mlp.values": "At the given values:",
    "check.chain_rule_matches_differentiation": "every ∂out/∂(input, weight, bias) found by the "
    "chain rule, layer by layer, equals the derivative of the whole output expression",
    # -- expr/matrix --
    "title.expr": "gradient of an expression (NumPy semantics)",
    "expr.setup": "f = {expression}",
    "expr.semantics": "NumPy semantics: + − * / ** act element by element with broadcasting, "
    "@ is the matrix product, .T reverses the axes; sum, mean, max, min, logsumexp, softmax "
    "take an optional axis; every symbol is real.",
    "expr.shapes": "Names: {shapes}; f is {output}.",
    "expr.renamed_scalar": "SymPy reserves the name {name}, so the scalar {name} is written "
    "{bare}.",
    "expr.renamed_matrix": "SymPy reserves the name {name}, so the matrix {name} is written "
    "{bare} in matrix expressions (its elements keep the name {name}).",
    "expr.unused": "Declared but not used in the expression: {names} (their gradient is 0).",
    "expr.not_scalar": "f is {shape}, not a scalar: it has a Jacobian but no gradient. For a "
    "gradient, reduce it to a scalar, e.g. sum(...) or mean(...).",
    "expr.relu": "relu(z) = Max(0, z); relu′(z) = Heaviside(z, 0), so relu′(0) = 0 as in "
    "PyTorch.",
    "expr.kinks": "At a kink: d|z|/dz = sign(z) (0 at 0); a max/min with m tied arguments "
    "gives each of them 1/m, as PyTorch's full reductions (torch.max(a), amax) and JAX do.",
    "expr.values_hint": "Give values to evaluate everything exactly, e.g. {example}.",
    "section.expr_grad": "Gradient",
    "expr.grad_intro": "∂f/∂{name} has the shape of {name} ({shape}):",
    "title.matrix": "matrix calculus in closed matrix form",
    "matrix.setup": "J = {expression}",
    "matrix.read_as": "Read as: J = {canonical}",
    "matrix.shapes": "Shapes: {shapes}; J is {output}.",
    "matrix.not_scalar": "J is {shape}, not a scalar: its derivative is a Jacobian (below, "
    "element by element), not a matrix of the shape of a variable. For a gradient, make J a "
    "scalar, e.g. trace(...), sum(...) or norm(...).",
    "matrix.values_hint": "Give values to evaluate everything exactly, e.g. {example}.",
    "section.matrix_grad": "Gradients in matrix form (dimension consistency)",
    "matrix.target": "∂J/∂{name} must have the shape of {name}: {shape}.",
    "matrix.scalar_rule": "1. Scalar rule (treat every matrix as a number; transposes and the "
    "order of factors are lost): ∂J/∂{name} = {expression}",
    "matrix.factors": "   factors: {factors} → {verdict}",
    "matrix.conformable": "{shape}",
    "matrix.not_conformable": "not conformable",
    "matrix.consistent": "{shape}, the shape of {name}: consistent",
    "matrix.inconsistent": "not the shape of {name}: reorder and transpose",
    "matrix.closed_form": "2. Reorder and transpose until the shapes agree: ∂J/∂{name} = "
    "{expression}",
    "matrix.closed_form_already": "2. The shapes already agree; in matrix form: ∂J/∂{name} = "
    "{expression}",
    "matrix.same_factors": "   Dropping its transposes and the order of its factors gives the "
    "scalar rule back: the same factors, rearranged.",
    "matrix.other_factors": "   The scalar rule does not carry over here; this form comes from "
    "the matrix differentiation rules.",
    "matrix.verified": "   Checked element by element: every entry equals ∂J/∂{name}ᵢⱼ of the "
    "expanded J.",
    "matrix.refuted": "   Element-by-element check FAILED: {mismatch}.",
    "matrix.no_closed_form": "No closed matrix form found for ∂J/∂{name} ({reason}); here is "
    "the element-wise result:",
    "expr.shapes_scalar": "Names: {shapes}; f is a scalar.",
    "matrix.shapes_scalar": "Shapes: {shapes}; J is a scalar.",
    "matrix.sum_of_terms": "a sum of {count} terms, each {shape}",
    "matrix.a_number": "a number",
    "matrix.zero": "J does not depend on {name}: ∂J/∂{name} = {expression}.",
    "matrix.reason_elementwise": "{func} acts element by element on the {shape} matrix {arg}",
    "matrix.reason_exponent": "{expression} has a symbolic exponent",
    "matrix.reason_none": "{expression} has no closed form here",
    # -- pool/batchnorm --
    "title.pool_max": "{dims}-D max pooling (PyTorch semantics)",
    "title.pool_avg": "{dims}-D average pooling (PyTorch semantics, count_include_pad=True)",
    "pool.setup": "input {input}, window {size}, stride {stride}, padding {padding}, dilation "
    "{dilation}, ceil_mode={ceil_mode} → output {output}",
    "pool.channels": "batch {batch}, channels {channels}; PyTorch layout (N, C, …); every "
    "(sample, channel) plane is pooled on its own",
    "pool.rule_max": "y = Max(window). Its derivative is PyTorch's routing rule: the whole "
    "gradient goes to the window's first maximum (row-major order), so ∂y/∂x_i = 1 iff "
    "x_i > Max(earlier cells) and x_i ≥ Max(later cells). SymPy's Max(a, b).diff(a) is "
    "Heaviside(a − b), which would give 1/2 to each of two equal maxima.",
    "pool.rule_avg": "y = (sum of the window) / n, where n counts the window's cells inside the "
    "padded input: padding counts (count_include_pad=True); only a ceil_mode window hanging past "
    "the padded end divides by fewer.",
    "pool.section": "Windows and where the gradient goes",
    "pool.windows_max": "Each g goes to exactly one cell of its window: the first maximum.",
    "pool.windows_avg": "Each g is spread evenly over its window: every cell of the window of "
    "y_o receives g_o / n_o.",
    "pool.readers": "windows reading each cell of x",
    "pool.divisors": "divisor n of each window of y",
    "pool.routing_hint": "Give --x values to see which cell of each window receives its gradient.",
    "pool.routed": "values and received gradients (←) of x",
    "pool.route_line": "max({cells}) = {value}: {g} goes to {x}",
    "pool.more": "… {count} more windows (use --full to show all)",
    "check.grad_routes_to_argmax": "dL/dx sends each g to its window's first maximum (PyTorch's "
    "rule at ties) and nothing to the window's other cells",
    "pool.proof_regions": "Proved for every real input: each routing condition is decided on "
    "every region where x_k is the window's first maximum, and these regions cover all inputs.",
    "pool.proof_values": "Checked at the given values against a plain scan of each window for "
    "its first maximum.",
    "check.grad_spreads_evenly": "dL/dx_i equals the sum, over the windows that read x_i, of "
    "g_o / n_o (n_o counts padding), gathered input by input",
    "title.batchnorm": "batch normalisation, training mode (N = {batch} samples, F = {features} "
    "feature(s))",
    "batchnorm.setup": "batch N = {batch}, features F = {features}, ε = {eps}; training mode: "
    "each feature is normalised with the batch mean and the biased batch variance "
    "(as torch.nn.BatchNorm1d in training mode)",
    "batchnorm.definitions": "Per feature f: μ_f = (1/N)·Σ_n x_n,f; σ²_f = (1/N)·Σ_n "
    "(x_n,f − μ_f)²; σ_f = sqrt(σ²_f + ε); x̂_n,f = (x_n,f − μ_f)/σ_f; y_n,f = γ_f·x̂_n,f + β_f. "
    "The forward pass below is written out in x.",
    "batchnorm.defaults": "Values: γ defaults to ones and β to zeros (PyTorch's initial values); "
    "g defaults to ones.",
    "batchnorm.section": "Compact forms (μ, σ, x̂ as abbreviations)",
    "batchnorm.chain": "SymPy differentiates y_n = γ·c_n/sqrt(v + ε) + β in c_n = x_n − μ and "
    "v = σ², and the chain rule adds ∂c_n/∂x_m = δ_nm − 1/N and ∂v/∂x_m = 2·(x_m − μ)/N (both "
    "found by differentiating the expanded polynomials in x). Simplified:",
    "batchnorm.compact": "The gradients reduce to the compact forms:",
    "batchnorm.values": "Batch statistics at the given values:",
    "batchnorm.mean": "μ (batch mean)",
    "batchnorm.variance": "σ² (biased variance)",
    "batchnorm.sigma": "σ = sqrt(σ² + ε)",
    "batchnorm.xhat": "x̂ (normalised input)",
    "batchnorm.more": "… {count} more dL/dx rows (use --full to show all)",
    "tensor.gamma": "scale γ",
    "tensor.beta": "shift β",
    "tensor.eps": "ε",
    "check.grad_input_equals_compact_form": "dL/dx from SymPy's derivatives equals "
    "γ/(N·σ)·(N·g − Σg − x̂·Σ g·x̂); every ∂y_n/∂x_m equals γ/(N·σ)·(N·δ_nm − 1 − x̂_n·x̂_m); "
    "dL/dγ = Σ g·x̂ and dL/dβ = Σ g (exact polynomial arithmetic, no sampling)",
    # -- chain --
    "title.chain": "{dims}-D convolution stacked {depth} deep + {loss} loss: the chain rule, "
    "layer by layer",
    "tensor.chain_input": "network input a_1",
    "tensor.chain_target": "target t",
    "chain.setup.stack": "Depth {depth}: every layer is this convolution with its own kernel k_l "
    "(and bias b_l), {path}, then the {loss} loss against the target t, the mean over all {count} "
    "elements.",
    "chain.setup.names": "Layer l reads its input activation a_l and writes a_(l+1) = conv(a_l, k_l) "
    "+ b_l. Backwards, d_l = ∂L/∂a_(l+1) is the gradient arriving at layer l's output; the layer "
    "turns it into ∂L/∂k_l, ∂L/∂b_l and ∂L/∂a_l = d_(l−1), which it passes down.",
    "chain.setup.sizes": "activation sizes, layer by layer: {sizes}",
    "chain.setup.expand": "--expand: every result is also written down to the network input a_1, "
    "all kernels and biases, and the loss gradient d_{last}.",
    "chain.setup.values": "Give --x, --k{bias} (once for every layer, or one per layer) to evaluate "
    "every layer exactly; --target defaults to zeros.",
    "chain.section.layers_forward": "Forward pass, layer by layer",
    "chain.section.layers_backward": "Backward pass, layer by layer: the chain rule from layer "
    "{last} down to layer 1",
    "chain.section.forward": "Layer {layer} forward: a_{next} = conv(a_{layer}, k_{layer})",
    "chain.section.forward_bias": "Layer {layer} forward: a_{next} = conv(a_{layer}, k_{layer}) + b_{layer}",
    "chain.section.loss_grad": "Loss gradient d_{last} = ∂L/∂a_{next}: where the chain rule starts",
    "chain.section.backward": "Layer {layer} backward: d_{layer} in, ∂L/∂a_{layer} out",
    "chain.loss_grad.l1": "For L = mean |a − t| over n = {count} elements, ∂L/∂a = sign(a − t)/n, "
    "with sign(0) = 0 as PyTorch takes it.",
    "chain.loss_grad.mse": "For L = mean (a − t)² over n = {count} elements, ∂L/∂a = 2(a − t)/n.",
    "chain.incoming.loss": "d_{layer} = ∂L/∂a_{next} arrives from the loss.",
    "chain.incoming.layer": "d_{layer} = ∂L/∂a_{next} arrives from layer {next}: it is the gradient "
    "layer {next} passed down.",
    "chain.grad.kernel": "Kernel gradient: the convolution of this layer's input a_{layer} with "
    "d_{layer} (proved below).",
    "chain.grad.bias": "Bias gradient: the sum of d_{layer}.",
    "chain.grad.input": "Gradient passed down: the full convolution of d_{layer} with k_{layer} "
    "rotated 180° (proved below). It is d_{below}, the incoming gradient of layer {below}.",
    "chain.grad.input_first": "Gradient for the network input a_1: the full convolution of d_1 with "
    "k_1 rotated 180° (proved below).",
    "chain.expanded.forward": "Expanded down to the network input:",
    "chain.expanded.grad": "Expanded down to the network input (d_{last}, the loss gradient, kept):",
    "chain.check_layer": "(layer {layer}: input a_{layer}, kernel k_{layer}, incoming gradient "
    "d_{layer})",
    "check.loss_grad_equals_derivative": "∂L/∂a given by the loss's rule equals the loss "
    "differentiated term by term",
    "check.chain_rule_equals_direct_differentiation": "every layer's gradients, expanded down to "
    "the network input, equal differentiating the whole network at once",
    # -- general --
    "title.general_conv": "{dims}-D convolution for every size (symbolic n, k, s, d, p)",
    "title.general_deconv": "{dims}-D transposed convolution for every size (symbolic n, k, s, d, p, q)",
    "general.setup.sizes": "Sizes are integer symbols: input length {n} ≥ 1, kernel length {k} ≥ 1, "
    "stride {s} ≥ 1, dilation {d} ≥ 1, padding {p} ≥ 0; the output length is {sizes}.",
    "general.setup.sizes_q": "Sizes are integer symbols: input length {n} ≥ 1, kernel length {k} ≥ 1, "
    "stride {s} ≥ 1, dilation {d} ≥ 1, padding {p} ≥ 0, output padding {q} ≥ 0; the output length "
    "is {sizes}.",
    "general.setup.nd": "{dims}-D is the product of 1-D index maps: every axis has its own sizes "
    "and indices (subscripts 1, 2, …), and every delta and bracket acts on one axis. The prose "
    "below writes the 1-D names (n, i, …) for any axis.",
    "general.setup.indices": "Indices are 0-based: x[j] is named with j + 1 in the concrete "
    "derivations (x[0] is x_1); w is the kernel (named k_… there); g = ∂L/∂y is the upstream "
    "gradient.",
    "general.setup.padded": "{hat} is {t} padded with zeros: it equals {t}[e] where {b1}, and "
    "0 outside.",
    "general.setup.padded_2": "{hat} is {t} padded with zeros: it equals {t}[e] where {b1} and {b2}, "
    "and 0 outside.",
    "general.setup.padded_3": "{hat} is {t} padded with zeros: it equals {t}[e] where {b1} and {b2} "
    "and {b3}, and 0 outside.",
    "general.setup.brackets": "{f if C; 0 otherwise} (a case distinction) is f where the "
    "conditions C hold and 0 elsewhere; v ∈ {0, …, k − 1} (also written Range(k)) says that v is "
    "one of the whole numbers 0, 1, …, k − 1, and v ∈ ℤ that v is a whole number; δ(u, v) (the "
    "Kronecker delta) is 1 when u = v and 0 otherwise; Σ[a=0..k − 1] sums over a = 0, 1, …, k − 1.",
    "general.section.forward": "The forward pass, written with indexed symbols",
    "general.section.jacobian": "Differentiating indexed symbols: Kronecker deltas",
    "general.section.grad": "Gradients for every size: eliminating the deltas",
    "general.section.proof": "The closed forms are convolutions",
    "general.section.instance": "The same derivation at {sizes}",
    "general.list": ", ",
    "general.size.input": "input {value}",
    "general.size.kernel": "kernel {value}",
    "general.size.stride": "stride {value}",
    "general.size.padding": "padding {value}",
    "general.size.dilation": "dilation {value}",
    "general.size.output_padding": "output_padding {value}",
    "general.jacobian.intro": "One Jacobian entry, for every output index and every index of the "
    "tensor differentiated at once:",
    "general.grad.input": "∂L/∂x, step by step:",
    "general.grad.kernel": "∂L/∂w, step by step:",
    "general.grad.bias": "∂L/∂b, step by step:",
    "general.rule.definition_conv": "Definition (cross-correlation, as in PyTorch): output i reads "
    "the zero-padded input at {read}.",
    "general.rule.definition_deconv": "Definition (PyTorch's transposed convolution): every input "
    "element x[{i}] adds x[{i}]·w[{a}] to the output position {pos}; positions outside the output "
    "are dropped.",
    "general.rule.chain": "Chain rule: L depends on {t} only through y, and {g} = ∂L/∂y.",
    "general.rule.differentiate": "Differentiate the indexed symbols: ∂{t}[{e}]/∂{t}[{j}] = {deltas}, "
    "a Kronecker delta per axis; nothing else ({others}) depends on {t} (product rule).",
    "general.rule.differentiate_padded": "Differentiate the indexed symbols: ∂xhat[e]/∂{t}[{j}] = "
    "{deltas}, a Kronecker delta per axis — xhat[e] is {t}[e] inside the input and 0 outside, and "
    "{j} lies inside; nothing else ({others}) depends on {t} (product rule).",
    "general.rule.differentiate_renamed": "Rename the forward pass's summation index {old} → {new}, "
    "so that it is not confused with the free index {old}; then ∂{t}[{new}]/∂{t}[{old}] = "
    "{deltas}, and nothing else ({others}) depends on {t}.",
    "general.rule.differentiate_bias": "∂b/∂b = 1, and nothing else depends on b.",
    "general.rule.eliminate": "Eliminate the Kronecker deltas: {details}.",
    "general.solved": "summing over {var} against δ({lhs}, {rhs}) keeps only {var} = {value}",
    "general.solved.kept": ", provided that {conds} (kept as a condition)",
    "general.solved.dropped": "; {conds}: always true here (from the index ranges), so dropped",
    "general.solved.sep": "; ",
    "general.cond.integer": "{value} ∈ ℤ",
    "general.and": " and ",
    "general.rule.reverse": "Run the kernel index backwards ({maps}), which only reorders a finite "
    "sum: it undoes the 180° rotation of the kernel.",
    "general.rule.absorb": "The brackets {bounds} on a read {t}[e] make it the zero-padded read "
    "{hat}[e].",
    "general.rule.expand": "Expand the definitions of {names} into sums with Kronecker deltas.",
    "general.rule.definition_full": "By definition of the full correlation and the crop:",
    "general.rule.definition_conv_kernel": "By definition (xhat is the input zero-padded by p):",
    "general.rule.definition_sum": "By definition:",
    "general.rule.conv_grad_input": "The same elimination, applied to that convolution, gives its "
    "closed form; with x in place of g:",
    "general.rule.definition_conv_upstream": "By definition (the convolution's forward pass with g "
    "as the input; ghat is g zero-padded):",
    "general.rule.definition_conv_input": "By definition (ghat is g zero-padded):",
    "general.def.full_conv": "Right-hand side, from its definition{per_axis}: zero-insert {src} by "
    "the stride, {tilde}[t] = Σ_i {src}[i]·δ(t, s·i) over 0 ≤ i ≤ {length} − 1 (zero elsewhere); "
    "rotate the kernel by 180° and dilate it, wtilde[v] = Σ_a w[k−1−a]·δ(v, d·a) for 0 ≤ v ≤ "
    "d(k−1); the full correlation pads {tilde} with d(k−1) zeros on both sides, F[u] = Σ_v "
    "{tilde}[u − d(k−1) + v]·wtilde[v]; cropping by the padding keeps F[{free} + p].",
    "general.per_axis": " (on every axis, with that axis's sizes and indices)",
    "general.def.conv_kernel": "Right-hand side, from its definition: pad x with p zeros and "
    "correlate it with g as the kernel, stride d and dilation s, cropped to 0 ≤ a ≤ k − 1.",
    "general.def.bias": "Right-hand side: B, the sum of g over every output position.",
    "general.def.conv_grad_input": "Right-hand side: G, the input gradient of the convolution with "
    "input length o and the same k, s, d, p, whose upstream gradient is x (length n), read at m.",
    "general.def.conv_upstream_kernel": "Right-hand side: C = conv(g, w) with stride s, dilation d "
    "and padding p — the convolution's forward pass with g as its input.",
    "general.def.conv_upstream_input": "Right-hand side: C, the correlation of g zero-padded by p "
    "with x as the kernel, stride d and dilation s, cropped to 0 ≤ a ≤ k − 1.",
    "general.same": "This reduces to the closed form of {closed} derived above, term for term "
    "(the same normal form), so the identity holds for every size.",
    "general.differs": "This does NOT reduce to the closed form of {closed} (different normal forms).",
    "general.grid": "Checked at {count} configurations ({ranges}): each of the {steps} steps "
    "written with indexed symbols, expanded at those sizes, equals the concrete engine's forward "
    "pass, Jacobian or gradient, element by element.",
    "general.grid_sampled": "Checked at {count} configurations ({ranges}; in {dims}-D a fixed "
    "sample of {sampled} combinations of them per axis): each of the {steps} steps written with "
    "indexed symbols, expanded at those sizes, equals the concrete engine's forward pass, Jacobian "
    "or gradient, element by element.",
    "general.instance.intro": "Each closed form, expanded at these sizes, prints exactly as the "
    "concrete derivation (w is k here; indices are 1-based in the names). Every other step "
    "expands to the same expressions (checked).",
    "general.instance.chain": "{lhs}, from step {step}:",
    # -- robustness --
}
EN.update(GENERAL_STATEMENTS)  # the engine's own English statements of the --general proofs

ZH: dict[str, str] = {
    "grid.columns": "{title} — 第 {first}–{last} 列（共 {count} 列）",
    "grid.column": "{title} — 第 {first} 列（共 {count} 列）",
    "title.conv": "{dims} 维卷积（互相关，PyTorch 语义）",
    "title.deconv": "{dims} 维转置卷积（PyTorch 语义）",
    "section.setup": "设定",
    "section.symbols": "符号",
    "section.forward": "前向传播",
    "section.jacobian": "雅可比矩阵",
    "section.grad": "梯度（向量-雅可比积）",
    "section.proof": "证明",
    "section.numeric": "数值",
    "section.checks": "检验",
    # -- HTML 页面 --
    "html.hint": "把鼠标移到任一元素上，或用 Tab 键聚焦：它本身以及通过非零雅可比项与它相关的所有元素都会高亮。",
    "html.stepper.proof": "逐步演示翻转卷积核的证明",
    "html.stepper.layers": "逐层演示链式法则",
    "html.prev": "← 上一步",
    "html.next": "下一步 →",
    "html.step": "第 {n} 步，共 {total} 步",
    "html.step.start": "起始网格 {letter}。",
    "html.step.zeros": "插零：{letter} 相邻元素之间插入 步幅 − 1 个零（高亮）。",
    "html.step.padding": "填充：插零后网格四周的零（高亮）。",
    "html.step.rotation": "旋转：卷积核旋转 180°（并膨胀）。",
    "html.step.window": "窗口 {index}：{tilde} 的高亮部分与 rot180(k) 逐元素相乘再求和，得到 {target}。",
    "html.step.window_dropped": "窗口 {index}：{tilde} 的高亮部分与 rot180(k) 逐元素相乘再求和；该位置在裁剪范围之外，被舍去。",
    "html.step.full": "全卷积的第 {index} 个元素",
    "setup.shapes": "输入 {input}，卷积核 {kernel}，步幅 {stride}，填充 {padding}，膨胀 {dilation}，分组 {groups} → 输出 {output}",
    "setup.channels": "批量 {batch}，输入通道 {in_channels}，输出通道 {out_channels}；PyTorch 布局：输入 (N, C_in, …)，权重 {weight_layout}，输出 (N, C_out, …)",
    "setup.bias": "偏置：{bias}",
    "setup.upstream": "g 是上游梯度 dL/dy，每个输出元素一个符号。",
    "word.on": "开",
    "word.off": "关",
    "tensor.input": "输入 x",
    "tensor.kernel": "卷积核 k",
    "tensor.bias": "偏置 b",
    "tensor.upstream": "上游梯度 g = dL/dy",
    "tensor.output": "输出 y",
    "jacobian.table": "∂{out}/∂{wrt}",
    "jacobian.intro": "每张表是某一个输出元素的 ∂y/∂{wrt};{total} 个元素中有 {nonzeros} 个不恒为零。",
    "grad.intro": "dL/d{wrt} = Σ_o g_o · ∂y_o/∂{wrt}",
    "summary.more": "…… 另有 {count} 项（加 --full 显示全部）",
    "summary.grid": "{shape} 网格，只显示左上角 {rows}x{cols}（加 --full 显示全部）",
    "proof.g_tilde": "g̃:g 按步幅插零，四周填充 d(k−1)，末尾再补 r = {remainder} 个零",
    "proof.k_rot": "rot180(k)，已膨胀",
    "proof.crop": "g̃ 与 rot180(k) 做互相关得到 {full} 网格；裁剪行列 [p : p+i] = {crop}，恰好得到 dL/dx。",
    "check.grad_input_equals_full_conv_rot180_kernel": "dL/dx 等于按步幅插零后的 g 与旋转 180°（并膨胀）的卷积核做全卷积，再裁剪到输入大小",
    "check.grad_kernel_equals_conv_input_upstream": "dL/dk 等于零填充后的输入与 g 做卷积（步幅 d，膨胀 s），裁剪到卷积核大小，并对批量求和",
    "check.grad_bias_equals_upstream_sum": "dL/db 等于 g 的各元素之和",
    "check.jacobian_matches_autodiff_numeric": "在给定数值处，符号雅可比矩阵与对前向传播独立进行的数值求导结果相等（多项式映射时精确相等，否则相对误差在 1e-12 以内）",
    "check.holds": "成立",
    "check.fails": "不成立",
    "numeric.values": "数值",
    "numeric.absent": "给出数值（例如 {options}）即可精确计算所有结果。",
    "verdict.ok": "全部 {count} 项检验成立。",
    "verdict.ok_one": "检验成立。",
    "verdict.none": "没有数值时，这里没有需要检验的内容。",
    "verdict.fail": "{count} 项检验不成立。",
    "note.values_missing": "数值计算还需要 {options}",
    # -- render (LaTeX, Markdown, plots, PDF) --
    "proof.step.chain": "链式法则",
    "proof.step.jacobian": "逐项求导",
    "proof.step.forward": "前向传播",
    "proof.step.rhs": "右边独立构造，全部 {count} 个元素相等",
    "latex.terms": "共 {count} 项（--full 显示全部）",
    "latex.verdict": "({verdict})",
    "plot.title": "gradsym {command}：雅可比矩阵",
    "plot.title_flip": "gradsym {command}：雅可比矩阵与翻转的卷积核",
    "plot.title_kernel": "gradsym {command}：翻转的卷积核",
    "plot.gradient": "∂{out}/∂{wrt}：梯度，形状同 {wrt}({shape})",
    "plot.expressions": "每格：该元素的表达式（开头部分）",
    "plot.axis_row": "{wrt} 的行",
    "plot.axis_col": "{wrt} 的列",
    "plot.jacobian": "∂{out}/∂{wrt}:{rows} 个输出 × {cols} 个元素",
    "plot.values": "给定数值处的值",
    "plot.symbols": "颜色：每个元素是哪个符号",
    "plot.density": "降采样为 {rows}×{cols} 格：每格中非零元素的比例",
    "plot.axis_out": "输出元素 {out}（按行优先）",
    "plot.axis_wrt": "{wrt} 的元素（按行优先）",
    "plot.view": "仅显示一部分：第 {rows} 行（共 {height} 行），第 {cols} 列（共 {width} 列）",
    "plot.window": "窗口给出 {entry}",
    "plot.result": "结果 {name}",
    "plot.terms": "数字：每个元素中相加的乘积个数",
    "plot.depth_slice": "第 {index} 个深度切片（共 {total} 个）",
    "plot.depth_window": "（窗口覆盖切片 {first}–{last}）",
    "plot.corner": "只显示 {shape} 左上角的 {rows}×{cols}",
    "plot.part": "只显示 {shape} 的第 {first_row}–{last_row} 行、第 {first_col}–{last_col} 列",
    "plot.layer": "第 {layer} 层（共 {depth} 层）",
    "plot.axis_downsampled": "{label}；已降采样：每格约 {count} 个元素",
    "plot.mean_symbols": "降采样为 {rows}×{cols} 格；颜色：元素是哪个符号\n（按行优先的序号，每格取平均）",
    "plot.mean_values": "降采样为 {rows}×{cols} 格；颜色：每格的平均值",
    "plot.sizes.title": "gradsym sizes：每个输出的窗口读取哪些位置",
    "plot.sizes.title_transposed": "gradsym sizes --transposed：每个输入写入哪些输出位置",
    "plot.sizes.position": "输入位置（从 0 开始；虚线之外是填充）",
    "plot.sizes.output_position": "输出位置（从 0 开始；虚线之外被填充裁掉）",
    "plot.sizes.input": "输入",
    "plot.sizes.output": "输出",
    "plot.sizes.padding": "填充（零）",
    "plot.sizes.cropped": "被填充裁掉",
    "plot.sizes.window": "o 的窗口：采样点在 s·o + d·q − p_b",
    "plot.sizes.writes": "输入 i′ 写入 s·i′ + d·q − p_b",
    "plot.sizes.unread_start": "开头未被读取",
    "plot.sizes.unread_between": "中间未被读取（d > s）",
    "plot.sizes.unread_end": "末尾未被读取：向下取整（r = {remainder}）",
    "plot.sizes.unwritten": "没有输入写入（只有偏置）",
    "plot.sizes.dead": "所有写入都被裁掉的输入",
    "plot.sizes.more": "… 另外 {count} 个",
    "anim.title": "gradsym {command}：先前向传播，再反向传播",
    "anim.input": "输入 x",
    "anim.input_padded": "输入 x（已填充）",
    "anim.kernel": "卷积核 k",
    "anim.kernel_jax": "rot180(k)：lax.conv_transpose 不翻转 k",
    "anim.output": "输出 y",
    "anim.output_scatter": "输出 y（蓝框：输入散布到的位置）",
    "anim.g_tilde": "g̃：g 插零并填充",
    "anim.k_rot": "rot180(k)，已膨胀",
    "anim.g_padded": "按 p 填充的 g",
    "anim.upstream": "上游梯度 g",
    "anim.grad_input": "∂L/∂x",
    "anim.phase_forward": "前向",
    "anim.phase_backward": "反向",
    "anim.frame": "第 {index}/{total} 帧",
    "anim.caption_forward": "{name} = Σ 窗口 ⊙ k",
    "anim.caption_backward": "{name} = Σ g̃ 的窗口 ⊙ rot180(k)",
    "anim.caption_scatter": "{name} 收集所有散布到它的输入的 x·k",
    "anim.caption_deconv_backward": "{name} = Σ 填充后 g 的窗口 ⊙ k",
    "anim.caption_pool_max": "{name} = 窗口的最大值",
    "anim.caption_pool_avg": "{name} = 窗口的平均值（填充计入）",
    "anim.caption_route": "{name} 传给窗口中第一个最大值",
    "anim.caption_route_symbolic": "{name} 传给窗口中第一个最大值（给出 --x 可看到是哪个）",
    "anim.caption_spread": "{name} 平均分给窗口中的每一格",
    "error.pdf.missing": "--output 输出 .pdf 需要 {engine}(TeX Live)，但未安装；请安装（Debian/Ubuntu:apt-get install {packages}），或用 --output FILE.tex 输出 LaTeX",
    "error.pdf.failed": "{engine} 无法编译该文档：{message}",
    "error.pdf.timeout": "{engine} 在 {seconds} 秒内未完成；请改用 --output FILE.tex 输出 LaTeX",
    "error.plot.matplotlib": "--plot 需要 Matplotlib；请安装：pip install \"gradsym[plot]\"",
    "error.plot.nothing": "--plot:{command} 没有可画的内容（没有雅可比矩阵）",
    "error.animate.matplotlib": "--animate 需要 Matplotlib；请安装：pip install \"gradsym[plot]\"",
    "error.animate.command": "--animate 只能用于 conv、deconv、pool 和 upsample，不能用于 {command}；请去掉 --animate",
    "error.animate.general": "--animate 需要具体的尺寸；请去掉 --general 并给出 --input 和 --kernel",
    "error.animate.jax": "--animate 只对普通张量按 JAX 约定画 deconv；请去掉 --in-channels、--out-channels "
    "和 --batch，或去掉 --convention jax",
    "error.animate.frames": "--animate：这个动画需要 {frames} 帧，超过上限 {limit}；请选更小的尺寸（更少的输出和输入元素）",
    "error.animate.cells": "--animate：{map} 图宽 {cells} 格，超过上限 {limit}；请选更小的尺寸",
    "error.animate.suffix": "--animate {path}：动画是 GIF 文件；请用以 .gif 结尾的文件名",
    "error.interrupted": "已中断",
    "error.terminated": "已终止",
    "error.nested": "输入嵌套过深",
    "error.memory": "内存不足；请选择更小的尺寸或更低的 --max-terms",
    # -- deconv --
    "setup.output_padding": "output_padding {output_padding}（在末尾额外增加的输出位置；PyTorch 要求它小于步幅或膨胀）",
    "proof.deconv_x_tilde": "x̃:x 按步幅 {stride} 插零，前面填充 d(k−1)−p，后面填充 d(k−1)−p+a，即 {pads}（负数表示裁剪）",
    "proof.deconv_k_rot": "rot180(k)，已膨胀",
    "proof.deconv_valid": "x̃ 前面填充 d(k−1)−p，后面填充 d(k−1)−p+a({pads}；负数表示裁剪)。{tilde} 网格 x̃ 与 {kernel} 的旋转卷积核做 VALID 互相关，得到 {output} 的输出，与按散射方式计算的前向传播逐元素相等。",
    "proof.deconv_zero_extend": "output_padding {output_padding} 不小于步幅 {stride}，因此对应的卷积在每个维度多出 {extension} 个位置；x 在末尾补同样多的零，充当它的上游梯度。",
    "check.forward_equals_full_conv_rot180_kernel": "y 等于：x 按步幅插零、填充 d(k−1)−p（末尾另加 output_padding）后，与旋转 180°、膨胀、且每组交换输入/输出通道的卷积核做 VALID 卷积",
    "check.forward_equals_conv_grad_input": "y 等于对应卷积对其输入的梯度，x 充当上游梯度（conv2d_backprop_input）",
    "check.grad_input_equals_conv_upstream_kernel": "dL/dx 等于填充后的 g 与卷积核做卷积（步幅 s，膨胀 d），卷积核不旋转",
    "check.grad_kernel_equals_conv_upstream_input": "dL/dk 等于填充后的 g 与输入做卷积（步幅 d，膨胀 s），裁剪到卷积核大小，并对批量求和",
    # -- sizes/convention --
    "title.conv_convention": "{dims} 维卷积（{convention} 约定，经证明与 PyTorch 相对应）",
    "title.deconv_convention": "{dims} 维转置卷积（{convention} 约定，经证明与 PyTorch 相对应）",
    "convention.tensorflow.conv": "TensorFlow 布局（tf.nn.conv2d）：输入 {input}，滤波器 {kernel}，输出 {output}；数值按这些布局读取和打印。与 PyTorch 是同一个互相关：把输入换成 NC…，滤波器换成 (O, I, *k)，不翻转；填充（前， 后）为 {padding}(SAME 把多出的奇数个放在末尾)。",
    "convention.jax.conv": "JAX 布局（lax.conv_general_dilated,dimension_numbers 为 ('{input}', '{kernel}', '{output}')）：数值按这些布局读取和打印。与 PyTorch 是同一个互相关：把输入换成 NC…，卷积核换成 (O, I, *k)，不翻转；填充（前， 后）为 {padding}(SAME 与 TensorFlow 相同)。",
    "convention.tensorflow.deconv": "TensorFlow 布局（tf.nn.conv2d_transpose）：输入 {input}，滤波器 {kernel} = (*k, out, in)，输出 {output};padding {framework_padding},output_shape {output_size}。它是 tf.nn.conv2d 的梯度，因此等于把滤波器读作 (I, O, *k) 的 PyTorch conv_transpose（只移动通道轴，不翻转），填充（前， 后）为 {padding},output_padding 为 {output_padding}。",
    "convention.jax.grown": "负的填充来自 JAX 超出 d(k−1) 的填充：PyTorch 不接受负填充，但含义很清楚——输出在那里增加一些窗口只读到零的位置，它们的值为 0（加上偏置）。",
    "convention.jax.deconv": "JAX 布局（lax.conv_transpose 默认值，transpose_kernel=False）：输入 {input}，卷积核 {kernel}，输出 {output};padding {framework_padding}。JAX 不翻转卷积核：它等于把卷积核旋转 180° 并读作 (I, O, *k) 的 PyTorch conv_transpose（只改变布局，不交换通道），填充（前， 后）为 {padding},output_padding 为 {output_padding}(VALID 时为 max(0, s − k_eff))。",
    "check.matches_torch_with_layout_change": "按该框架自身定义、在其布局中独立构造的结果，等于移动坐标轴后的 PyTorch 结果（不翻转）",
    "check.matches_torch_with_rot180_kernel": "按 lax.conv_transpose 自身定义（卷积核原样）构造的结果，等于卷积核旋转 180° 后的 PyTorch conv_transpose",
    "setup.channels_convention": "批量 {batch}，输入通道 {in_channels}，输出通道 {out_channels};{convention} 布局：输入 {input}，卷积核 {kernel}，输出 {output}",
    "proof.deconv_k_rot_jax": "rot180(PyTorch 的卷积核) = JAX 原样给出的 k，已膨胀",
    "title.sizes": "{dims} 维卷积：输出尺寸",
    "title.sizes_transposed": "{dims} 维转置卷积：输出尺寸",
    "sizes.formula": "第 {axis} 维：{formula}",
    "sizes.same_torch": "第 {axis} 维：padding same(PyTorch，步幅 1)共填充 d(k−1) = {d}·({k}−1) = {total}：前面 {before}，后面 {after}（多出的一个放在末尾）",
    "sizes.same_tensorflow": "第 {axis} 维：padding SAME(TensorFlow、JAX):o = ⌈i/s⌉ = ⌈{i}/{s}⌉ = {o}，总填充 = max((o−1)·s + d(k−1)+1 − i, 0) = max(({o}−1)·{s} + {k_eff} − {i}, 0) = {total}：前面 {before}，后面 {after}（多出的一个放在末尾）",
    "sizes.all_read": "第 {axis} 维：每个输入位置都被某个输出读取。",
    "sizes.unread": "第 {axis} 维：有 {count} 个输入位置从未被读取（从 0 开始计数）：",
    "sizes.unread_start": "  • 开头：{positions}（最前面几个窗口的采样点跳过了它们）",
    "sizes.unread_between": "  • 中间：{positions}（窗口相隔 s、采样点相隔 d，留下空隙）",
    "sizes.unread_end": "  • 末尾：{positions}，因向下取整而丢失（余数 r = (i + p_b + p_a − d(k−1) − 1) mod s = {remainder}）",
    "sizes.inverse": "第 {axis} 维：k、s、p、d 相同的转置卷积把这个输出映射回 {table}(output_padding a → 尺寸)；卷积把这些尺寸都映射到这个输出，output_padding {restore} 恢复输入 {input}。",
    "sizes.transposed_dead": "第 {axis} 维：所有贡献都被裁掉的输入位置：{dead}；没有输入写入（只有偏置）的输出位置：{empty}（从 0 开始计数）",
    "sizes.transposed_inverse": "第 {axis} 维：k、s、p、d 相同的卷积把这个输出映射回 {back}。这个转置卷积能给出、且卷积恰好映射回 {input} 的输出：{table}(output_padding a → 尺寸)。",
    "sizes.transposed_beyond": "第 {axis} 维：output_padding {a} 不小于步幅 {s}(PyTorch 允许，是因为它小于膨胀 {d})，因此卷积比转置卷积的输入多往回读 ⌊a/s⌋ = {extra} 个位置。",
    "check.output_size_equals_window_count": "公式给出的尺寸等于沿填充后的输入每次移动一个步幅数出的窗口位置个数",
    "check.output_padding_restores_input": "对列出的每个 output_padding，转置卷积都还原了形状（通过数窗口检验）",
    # -- linear/mlp --
    "title.linear": "全连接层 Y = X·Wᵀ + b(torch.nn.Linear)",
    "setup.linear": "批量 {batch},in_features {in_features},out_features {out_features}，偏置 {bias}:X 形状为 (batch, in_features),W 形状为 (out_features, in_features)，与 torch.nn.Linear.weight 相同，Y = X·Wᵀ + b 形状为 (batch, out_features)",
    "tensor.weight": "权重 w",
    "section.linear_matrix_forward": "矩阵形式的前向传播",
    "section.linear_matrix_grad": "矩阵形式的梯度",
    "check.grad_input_equals_upstream_weight": "dL/dX 等于上游梯度与权重的矩阵乘积 G·W",
    "check.grad_weight_equals_upstream_t_input": "dL/dW 等于转置的上游梯度与输入的矩阵乘积 Gᵀ·X",
    "title.mlp": "多层感知机 {layers}，激活函数 {activation}",
    "setup.mlp": "各层宽度 {layers}({depth} 个权重层)，隐藏层激活函数 {activation}（输出层为线性），偏置 {bias}",
    "setup.mlp_names": "w_l,i,j 是第 l 层从单元 i 到单元 j 的权重（w_l 的形状为 n_(l−1) × n_l，即 torch.nn.Linear.weight 的转置）;b_l,j 是第 l 层单元 j 的偏置。",
    "setup.mlp_relu": "relu(z) = Max(0, z);relu′(z) = Heaviside(z, 0)，因此与 PyTorch 一样 relu′(0) = 0。",
    "setup.mlp_sigmoid": "sigmoid(z) = 1/(1 + exp(−z));sigmoid′(z) = exp(−z)/(1 + exp(−z))²。",
    "setup.mlp_tanh": "tanh′(z) = 1 − tanh(z)²。",
    "setup.mlp_no_hidden": "没有隐藏层，因此不使用 {activation}。",
    "section.mlp_params": "权重与偏置",
    "section.mlp_forward": "逐层前向传播",
    "section.mlp_backward": "逐层链式法则",
    "mlp.params": "w_l 的第 i 行是从第 l−1 层单元 i 出发的权重（第 0 层即输入 x）。",
    "mlp.values_hint": "给出数值即可精确计算所有结果，例如 {example}（整个张量，或单个元素，如 --at w_1_1_1=3）。",
    "mlp.forward_rule": "z_l,j = Σ_i a_(l−1),i · w_l,i,j (+ b_l,j)，其中 a_0 = x；隐藏层 a_l,j = {activation}(z_l,j)；输出 out = z_L。",
    "mlp.layer": "第 {layer} 层：{n_in} → {n_out} 个单元",
    "mlp.backward_rule": "d_l,j = ∂out/∂z_l,j，从输出反向传到输入：对输出本身 d_L = 1;d_l,j = σ′(z_l,j) · Σ_k w_(l+1),j,k · d_(l+1),k；于是 ∂out/∂w_l,i,j = a_(l−1),i · d_l,j,∂out/∂b_l,j = d_l,j,∂out/∂x_i = Σ_j w_1,i,j · d_1,j。",
    "mlp.derivative_none": "没有激活函数：σ′ = 1，每个表达式都是多项式。",
    "mlp.derivative_relu": "relu′(z) = Heaviside(z, 0):z > 0 时为 1，否则为 0(relu′(0) = 0，与 PyTorch 的约定一致)。",
    "mlp.derivative_sigmoid": "sigmoid′(z) = exp(−z)/(1 + exp(−z))² = sigmoid(z)·(1 − sigmoid(z))。",
    "mlp.derivative_tanh": "tanh′(z) = 1 − tanh(z)²。",
    "mlp.for_output": "对 {output}：",
    "mlp.step_output": "第 {layer} 层（输出层）：d_{layer},j = ∂{output}/∂z_{layer},j 对 {output} 本身为 1，否则为 0；每个权重的梯度为 a_{prev},i · d_{layer},j。",
    "mlp.step_hidden": "第 {layer} 层：d_{layer},j = {derivative} · Σ_k w_{next},j,k · d_{next},k；每个权重的梯度为 a_{prev},i · d_{layer},j。",
    "mlp.step_input": "输入：∂{output}/∂x_i = Σ_j w_1,i,j · d_1,j。",
    "mlp.values": "在给定数值处：",
    "check.chain_rule_matches_differentiation": "逐层用链式法则求出的每个 ∂out/∂（输入， 权重， 偏置），都等于对整个输出表达式直接求导的结果",
    # -- expr/matrix --
    "title.expr": "表达式的梯度（NumPy 语义）",
    "expr.setup": "f = {expression}",
    "expr.semantics": "NumPy 语义：+ − * / ** 逐元素运算并广播，@ 是矩阵乘法，.T 反转坐标轴；sum、mean、max、min、logsumexp、softmax 可带可选的 axis；所有符号都是实数。",
    "expr.shapes": "名称：{shapes};f 是{output}。",
    "expr.renamed_scalar": "SymPy 保留了名称 {name}，因此标量 {name} 写作 {bare}。",
    "expr.renamed_matrix": "SymPy 保留了名称 {name}，因此矩阵 {name} 在矩阵表达式中写作 {bare}（其元素仍叫 {name}）。",
    "expr.unused": "已声明但表达式中未使用：{names}（它们的梯度为 0）。",
    "expr.not_scalar": "f 的形状是 {shape}，不是标量：它有雅可比矩阵，但没有梯度。要得到梯度，请把它化为标量，例如 sum(...) 或 mean(...)。",
    "expr.relu": "relu(z) = Max(0, z);relu′(z) = Heaviside(z, 0)，因此与 PyTorch 一样 relu′(0) = 0。",
    "expr.kinks": "在不可导点：d|z|/dz = sign(z)（在 0 处为 0）；max/min 有 m 个并列的参数时，每个得到 1/m，与 PyTorch 的整体归约（torch.max(a)、amax）和 JAX 一致。",
    "expr.values_hint": "给出数值即可精确计算所有结果，例如 {example}。",
    "section.expr_grad": "梯度",
    "expr.grad_intro": "∂f/∂{name} 与 {name} 形状相同（{shape}）：",
    "title.matrix": "闭式矩阵形式的矩阵微积分",
    "matrix.setup": "J = {expression}",
    "matrix.read_as": "读作：J = {canonical}",
    "matrix.shapes": "形状：{shapes};J 是{output}。",
    "matrix.not_scalar": "J 的形状是 {shape}，不是标量：它的导数是雅可比矩阵（见下文，逐元素），而不是与某个变量同形的矩阵。要得到梯度，请让 J 成为标量，例如 trace(...)、sum(...) 或 norm(...)。",
    "matrix.values_hint": "给出数值即可精确计算所有结果，例如 {example}。",
    "section.matrix_grad": "矩阵形式的梯度（维度一致性）",
    "matrix.target": "∂J/∂{name} 必须与 {name} 形状相同：{shape}。",
    "matrix.scalar_rule": "1. 标量法则（把每个矩阵当作数；转置和因子顺序都丢失了）：∂J/∂{name} = {expression}",
    "matrix.factors": "   因子：{factors} → {verdict}",
    "matrix.conformable": "{shape}",
    "matrix.not_conformable": "维度不匹配",
    "matrix.consistent": "{shape}，正是 {name} 的形状：一致",
    "matrix.inconsistent": "不是 {name} 的形状：需要重排并转置",
    "matrix.closed_form": "2. 重排并转置，直到形状一致：∂J/∂{name} = {expression}",
    "matrix.closed_form_already": "2. 形状已经一致；矩阵形式为：∂J/∂{name} = {expression}",
    "matrix.same_factors": "   去掉它的转置和因子顺序，就回到标量法则：同样的因子，只是重新排列。",
    "matrix.other_factors": "   标量法则在这里不适用；这个形式来自矩阵求导法则。",
    "matrix.verified": "   逐元素检验：每个元素都等于展开后的 J 的 ∂J/∂{name}ᵢⱼ。",
    "matrix.refuted": "   逐元素检验不成立：{mismatch}。",
    "matrix.no_closed_form": "未找到 ∂J/∂{name} 的闭式矩阵形式（{reason}）；以下是逐元素的结果：",
    "expr.shapes_scalar": "名称：{shapes};f 是标量。",
    "matrix.shapes_scalar": "形状：{shapes};J 是标量。",
    "matrix.sum_of_terms": "{count} 项之和，每项为 {shape}",
    "matrix.a_number": "一个数",
    "matrix.zero": "J 不依赖于 {name}:∂J/∂{name} = {expression}。",
    "matrix.reason_elementwise": "{func} 逐元素作用于 {shape} 矩阵 {arg}",
    "matrix.reason_exponent": "{expression} 的指数是符号",
    "matrix.reason_none": "{expression} 在这里没有闭式",
    # -- pool/batchnorm --
    "title.pool_max": "{dims} 维最大池化（PyTorch 语义）",
    "title.pool_avg": "{dims} 维平均池化（PyTorch 语义，count_include_pad=True）",
    "pool.setup": "输入 {input}，窗口 {size}，步幅 {stride}，填充 {padding}，膨胀 {dilation},ceil_mode={ceil_mode} → 输出 {output}",
    "pool.channels": "批量 {batch}，通道 {channels};PyTorch 布局 (N, C, …)；每个（样本， 通道）平面各自池化",
    "pool.rule_max": "y = Max（窗口）。它的导数采用 PyTorch 的路由规则：整个梯度都传给窗口中第一个最大值（按行优先顺序），因此 ∂y/∂x_i = 1 当且仅当 x_i > Max（之前的格） 且 x_i ≥ Max（之后的格）。SymPy 的 Max(a, b).diff(a) 是 Heaviside(a − b)，会给两个相等的最大值各 1/2。",
    "pool.rule_avg": "y = （窗口内之和） / n，其中 n 是窗口在填充后输入之内的格数：填充也计入（count_include_pad=True）；只有 ceil_mode 下越过填充末端的窗口才除以更少的数。",
    "pool.section": "窗口与梯度的去向",
    "pool.windows_max": "每个 g 恰好传给它窗口中的一格：第一个最大值。",
    "pool.windows_avg": "每个 g 平均分给它的窗口：y_o 窗口中的每一格都得到 g_o / n_o。",
    "pool.readers": "读取 x 每一格的窗口",
    "pool.divisors": "y 的每个窗口的除数 n",
    "pool.routing_hint": "给出 --x 的数值，即可看到每个窗口中哪一格得到梯度。",
    "pool.routed": "x 的值与收到的梯度（←）",
    "pool.route_line": "max({cells}) = {value}:{g} 传给 {x}",
    "pool.more": "…… 另有 {count} 个窗口（加 --full 显示全部）",
    "check.grad_routes_to_argmax": "dL/dx 把每个 g 传给其窗口中的第一个最大值（并列时按 PyTorch 的规则），窗口中的其他格什么也得不到",
    "pool.proof_regions": "对任意实数输入都已证明：每个路由条件都在 x_k 为窗口第一个最大值的每个区域上判定，而这些区域覆盖了所有输入。",
    "pool.proof_values": "在给定数值处，与逐个扫描每个窗口找第一个最大值的结果核对一致。",
    "check.grad_spreads_evenly": "dL/dx_i 等于所有读取 x_i 的窗口的 g_o / n_o 之和（n_o 计入填充），逐个输入汇总",
    "title.batchnorm": "批归一化，训练模式（N = {batch} 个样本，F = {features} 个特征）",
    "batchnorm.setup": "批量 N = {batch}，特征 F = {features},ε = {eps}；训练模式：每个特征用批均值和有偏批方差归一化（与训练模式下的 torch.nn.BatchNorm1d 相同）",
    "batchnorm.definitions": "对每个特征 f:μ_f = (1/N)·Σ_n x_n,f;σ²_f = (1/N)·Σ_n (x_n,f − μ_f)²;σ_f = sqrt(σ²_f + ε);x̂_n,f = (x_n,f − μ_f)/σ_f;y_n,f = γ_f·x̂_n,f + β_f。下面的前向传播用 x 完全写出。",
    "batchnorm.defaults": "数值：γ 默认为 1,β 默认为 0(PyTorch 的初始值);g 默认为 1。",
    "batchnorm.section": "紧凑形式（μ、σ、x̂ 作为缩写）",
    "batchnorm.chain": "SymPy 对 y_n = γ·c_n/sqrt(v + ε) + β 关于 c_n = x_n − μ 和 v = σ² 求导，链式法则再加上 ∂c_n/∂x_m = δ_nm − 1/N 和 ∂v/∂x_m = 2·(x_m − μ)/N（两者都由对 x 的展开多项式求导得到）。化简后：",
    "batchnorm.compact": "梯度化为紧凑形式：",
    "batchnorm.values": "给定数值处的批统计量：",
    "batchnorm.mean": "μ（批均值）",
    "batchnorm.variance": "σ²（有偏方差）",
    "batchnorm.sigma": "σ = sqrt(σ² + ε)",
    "batchnorm.xhat": "x̂（归一化后的输入）",
    "batchnorm.more": "…… 另有 {count} 行 dL/dx（加 --full 显示全部）",
    "tensor.gamma": "缩放 γ",
    "tensor.beta": "平移 β",
    "tensor.eps": "ε",
    "check.grad_input_equals_compact_form": "由 SymPy 求导得到的 dL/dx 等于 γ/(N·σ)·(N·g − Σg − x̂·Σ g·x̂)；每个 ∂y_n/∂x_m 等于 γ/(N·σ)·(N·δ_nm − 1 − x̂_n·x̂_m);dL/dγ = Σ g·x̂,dL/dβ = Σ g（精确的多项式运算，不抽样）",
    # -- chain --
    "title.chain": "{dims} 维卷积堆叠 {depth} 层 + {loss} 损失：逐层的链式法则",
    "tensor.chain_input": "网络输入 a_1",
    "tensor.chain_target": "目标 t",
    "chain.setup.stack": "深度 {depth}：每一层都是这个卷积，各有自己的卷积核 k_l（和偏置 b_l），{path}，然后对目标 t 计算 {loss} 损失，即对全部 {count} 个元素取平均。",
    "chain.setup.names": "第 l 层读取输入激活 a_l，写出 a_(l+1) = conv(a_l, k_l) + b_l。反向时，d_l = ∂L/∂a_(l+1) 是到达第 l 层输出的梯度；该层把它变成 ∂L/∂k_l、∂L/∂b_l 和 ∂L/∂a_l = d_(l−1)，并向下传递。",
    "chain.setup.sizes": "逐层的激活尺寸：{sizes}",
    "chain.setup.expand": "--expand：每个结果还会一直展开到网络输入 a_1、所有卷积核与偏置，以及损失梯度 d_{last}。",
    "chain.setup.values": "给出 --x、--k{bias}（每层一次，或每层各一个）即可精确计算每一层；--target 默认为 0。",
    "chain.section.layers_forward": "逐层前向传播",
    "chain.section.layers_backward": "逐层反向传播：链式法则从第 {last} 层到第 1 层",
    "chain.section.forward": "第 {layer} 层前向：a_{next} = conv(a_{layer}, k_{layer})",
    "chain.section.forward_bias": "第 {layer} 层前向：a_{next} = conv(a_{layer}, k_{layer}) + b_{layer}",
    "chain.section.loss_grad": "损失梯度 d_{last} = ∂L/∂a_{next}：链式法则的起点",
    "chain.section.backward": "第 {layer} 层反向：输入 d_{layer}，输出 ∂L/∂a_{layer}",
    "chain.loss_grad.l1": "对 n = {count} 个元素上的 L = mean |a − t|,∂L/∂a = sign(a − t)/n，与 PyTorch 一样取 sign(0) = 0。",
    "chain.loss_grad.mse": "对 n = {count} 个元素上的 L = mean (a − t)²,∂L/∂a = 2(a − t)/n。",
    "chain.incoming.loss": "d_{layer} = ∂L/∂a_{next} 来自损失。",
    "chain.incoming.layer": "d_{layer} = ∂L/∂a_{next} 来自第 {next} 层：它是第 {next} 层向下传递的梯度。",
    "chain.grad.kernel": "卷积核梯度：本层输入 a_{layer} 与 d_{layer} 的卷积（下文证明）。",
    "chain.grad.bias": "偏置梯度：d_{layer} 的各元素之和。",
    "chain.grad.input": "向下传递的梯度：d_{layer} 与旋转 180° 的 k_{layer} 的全卷积（下文证明）。它就是 d_{below}，即第 {below} 层收到的梯度。",
    "chain.grad.input_first": "网络输入 a_1 的梯度：d_1 与旋转 180° 的 k_1 的全卷积（下文证明）。",
    "chain.expanded.forward": "一直展开到网络输入：",
    "chain.expanded.grad": "一直展开到网络输入（保留损失梯度 d_{last}）：",
    "chain.check_layer": "（第 {layer} 层：输入 a_{layer}，卷积核 k_{layer}，收到的梯度 d_{layer}）",
    "check.loss_grad_equals_derivative": "按损失函数的规则给出的 ∂L/∂a 等于对损失逐项求导的结果",
    "check.chain_rule_equals_direct_differentiation": "每一层的梯度展开到网络输入后，都等于对整个网络直接求导的结果",
    # -- general --
    "title.general_conv": "任意尺寸的 {dims} 维卷积（符号 n、k、s、d、p）",
    "title.general_deconv": "任意尺寸的 {dims} 维转置卷积（符号 n、k、s、d、p、q）",
    "general.setup.sizes": "尺寸是整数符号：输入长度 {n} ≥ 1，卷积核长度 {k} ≥ 1，步幅 {s} ≥ 1，膨胀 {d} ≥ 1，填充 {p} ≥ 0；输出长度为 {sizes}。",
    "general.setup.sizes_q": "尺寸是整数符号：输入长度 {n} ≥ 1，卷积核长度 {k} ≥ 1，步幅 {s} ≥ 1，膨胀 {d} ≥ 1，填充 {p} ≥ 0，输出填充 {q} ≥ 0；输出长度为 {sizes}。",
    "general.setup.nd": "{dims} 维是一维下标映射的乘积：每个轴有自己的尺寸和下标（下标 1, 2, …），每个 delta 和方括号只作用于一个轴。下文用一维的名称（n、i、…）泛指任一轴。",
    "general.setup.indices": "下标从 0 开始：x[j] 在具体推导中以 j + 1 命名（x[0] 即 x_1）；w 是卷积核（在那里叫 k_…）；g = ∂L/∂y 是上游梯度。",
    "general.setup.padded": "{hat} 是补零后的 {t}：在 {b1} 处等于 {t}[e]，其他地方为 0。",
    "general.setup.padded_2": "{hat} 是补零后的 {t}：在 {b1} 且 {b2} 处等于 {t}[e]，其他地方为 0。",
    "general.setup.padded_3": "{hat} 是补零后的 {t}：在 {b1} 且 {b2} 且 {b3} 处等于 {t}[e]，其他地方为 0。",
    "general.setup.brackets": "{f if C; 0 otherwise}（分情况）在条件 C 成立处为 f，其他地方为 0；v ∈ {0, …, k − 1}（也写作 Range(k)）表示 v 是整数 0, 1, …, k − 1 之一，v ∈ ℤ 表示 v 是整数；δ(u, v)（Kronecker delta）在 u = v 时为 1，否则为 0；Σ[a=0..k − 1] 表示对 a = 0, 1, …, k − 1 求和。",
    "general.section.forward": "用带下标的符号写出的前向传播",
    "general.section.jacobian": "对带下标的符号求导：Kronecker delta",
    "general.section.grad": "任意尺寸的梯度：消去 delta",
    "general.section.proof": "闭式都是卷积",
    "general.section.instance": "同一推导在 {sizes} 时",
    "general.list": "，",
    "general.size.input": "输入 {value}",
    "general.size.kernel": "卷积核 {value}",
    "general.size.stride": "步幅 {value}",
    "general.size.padding": "填充 {value}",
    "general.size.dilation": "膨胀 {value}",
    "general.size.output_padding": "输出填充 {value}",
    "general.jacobian.intro": "一个雅可比元素，同时对所有输出下标和被求导张量的所有下标成立：",
    "general.grad.input": "∂L/∂x，逐步推导：",
    "general.grad.kernel": "∂L/∂w，逐步推导：",
    "general.grad.bias": "∂L/∂b，逐步推导：",
    "general.rule.definition_conv": "定义（互相关，与 PyTorch 相同）：输出 i 读取补零后的输入在 {read} 处的值。",
    "general.rule.definition_deconv": "定义（PyTorch 的转置卷积）：每个输入元素 x[{i}] 把 x[{i}]·w[{a}] 加到输出位置 {pos}；超出输出的位置被丢弃。",
    "general.rule.chain": "链式法则：L 只通过 y 依赖于 {t}，且 {g} = ∂L/∂y。",
    "general.rule.differentiate": "对带下标的符号求导：∂{t}[{e}]/∂{t}[{j}] = {deltas}，每个轴一个 Kronecker delta；其余部分（{others}）不依赖于 {t}（乘积法则）。",
    "general.rule.differentiate_padded": "对带下标的符号求导：∂xhat[e]/∂{t}[{j}] = {deltas}，每个轴一个 Kronecker delta —— xhat[e] 在输入内部等于 {t}[e]，在外部为 0，而 {j} 位于内部；其余部分（{others}）不依赖于 {t}（乘积法则）。",
    "general.rule.differentiate_renamed": "把前向传播的求和下标 {old} 改名为 {new}，以免与自由下标 {old} 混淆；于是 ∂{t}[{new}]/∂{t}[{old}] = {deltas}，其余部分（{others}）不依赖于 {t}。",
    "general.rule.differentiate_bias": "∂b/∂b = 1，其余部分都不依赖于 b。",
    "general.rule.eliminate": "消去 Kronecker delta：{details}。",
    "general.solved": "对 {var} 求和时，δ({lhs}, {rhs}) 只保留 {var} = {value}",
    "general.solved.kept": "，前提是 {conds}（作为条件保留）",
    "general.solved.dropped": "；{conds}：由下标范围可知恒成立，因此去掉",
    "general.solved.sep": "；",
    "general.cond.integer": "{value} ∈ ℤ",
    "general.and": " 且 ",
    "general.rule.reverse": "把卷积核下标反向（{maps}），这只是重排有限和：它抵消了卷积核的 180° 旋转。",
    "general.rule.absorb": "读取 {t}[e] 时的方括号 {bounds} 使它成为补零后的读取 {hat}[e]。",
    "general.rule.expand": "把 {names} 的定义展开为带 Kronecker delta 的求和。",
    "general.rule.definition_full": "根据全相关与裁剪的定义：",
    "general.rule.definition_conv_kernel": "根据定义（xhat 是按 p 补零后的输入）：",
    "general.rule.definition_sum": "根据定义：",
    "general.rule.conv_grad_input": "对那个卷积做同样的消去，得到它的闭式；把 g 换成 x：",
    "general.rule.definition_conv_upstream": "根据定义（以 g 为输入的卷积前向传播；ghat 是补零后的 g）：",
    "general.rule.definition_conv_input": "根据定义（ghat 是补零后的 g）：",
    "general.def.full_conv": "右边，按定义{per_axis}：把 {src} 按步幅插零，{tilde}[t] = Σ_i {src}[i]·δ(t, s·i)，0 ≤ i ≤ {length} − 1（其他地方为零）；把卷积核旋转 180° 并膨胀，wtilde[v] = Σ_a w[k−1−a]·δ(v, d·a)，0 ≤ v ≤ d(k−1)；全相关在 {tilde} 两侧各补 d(k−1) 个零，F[u] = Σ_v {tilde}[u − d(k−1) + v]·wtilde[v]；按填充裁剪后保留 F[{free} + p]。",
    "general.per_axis": "（在每个轴上，用该轴的尺寸和下标）",
    "general.def.conv_kernel": "右边，按定义：用 p 个零填充 x，再以 g 为卷积核做互相关，步幅 d、膨胀 s，裁剪到 0 ≤ a ≤ k − 1。",
    "general.def.bias": "右边：B，即 g 在所有输出位置上的和。",
    "general.def.conv_grad_input": "右边：G，即输入长度为 o、k、s、d、p 相同、上游梯度为 x（长度 n）的卷积的输入梯度，在 m 处取值。",
    "general.def.conv_upstream_kernel": "右边：C = conv(g, w)，步幅 s、膨胀 d、填充 p —— 即以 g 为输入的卷积前向传播。",
    "general.def.conv_upstream_input": "右边：C，即按 p 补零后的 g 以 x 为卷积核做互相关，步幅 d、膨胀 s，裁剪到 0 ≤ a ≤ k − 1。",
    "general.check.full_conv": "对任意尺寸，∂L/∂x[j] 等于按步幅插零后的 g 与旋转 180° 并膨胀的卷积核做全卷积，再按填充裁剪",
    "general.check.conv_kernel": "对任意尺寸，∂L/∂w[a] 等于补零后的输入与 g 的互相关（步幅 d，膨胀 s）",
    "general.check.bias": "对任意尺寸，∂L/∂b 等于 g 的各元素之和",
    "general.check.deconv_full_conv": "对任意尺寸，转置卷积等于按步幅插零后的输入与旋转 180° 并膨胀的卷积核做全卷积，再按填充裁剪",
    "general.check.deconv_conv_grad": "对任意尺寸，转置卷积等于卷积核、步幅、膨胀和填充都相同的卷积的输入梯度",
    "general.check.deconv_grad_input": "对任意尺寸，∂L/∂x 等于 g 与卷积核的卷积（步幅 s，膨胀 d，填充 p）",
    "general.check.deconv_grad_kernel": "对任意尺寸，∂L/∂w 等于补零后的 g 与输入的互相关（步幅 d，膨胀 s）",
    "general.same": "它逐项化为上文推出的 {closed} 的闭式（同一范式），因此该恒等式对任意尺寸都成立。",
    "general.differs": "它不能化为 {closed} 的闭式（范式不同）。",
    "check.general_matches_concrete": "把具体尺寸代入一般推导的每一步，得到的恰好是具体引擎的表达式",
    "general.grid": "在 {count} 种配置下检验（{ranges}）：用带下标的符号写出的 {steps} 个步骤，在这些尺寸下展开后，都逐元素等于具体引擎的前向传播、雅可比矩阵或梯度。",
    "general.grid_sampled": "在 {count} 种配置下检验（{ranges}；在 {dims} 维时，每个轴取其中固定的 {sampled} 个组合）：用带下标的符号写出的 {steps} 个步骤，在这些尺寸下展开后，都逐元素等于具体引擎的前向传播、雅可比矩阵或梯度。",
    "general.instance.intro": "每个闭式在这些尺寸下展开后，打印出来与具体推导完全相同（这里 w 即 k；名称中的下标从 1 开始）。其他每一步也都展开为相同的表达式（已检验）。",
    "general.instance.chain": "{lhs}，来自第 {step} 步：",
    # -- robustness --
}

# gradsym's own errors are keyed (``SpecError(key, **facts)``, worded by the catalogues
# ``error.*`` entries). What is left here is text gradsym does not write: the usage errors
# of Click and Typer, the messages of Python's parser that an expression error quotes, and
# the proof engine's internal invariants shown inside a failed check. ``translate_error``
# maps such a finished message to Chinese: each entry is an English template (every
# ``{expression}`` kept as written) and a Chinese template with the same placeholders.
# tests/test_zh.py lists every remaining sentence raise site that has no entry.
ERRORS_ZH: dict[str, str] = {
    "{message} (see 'gradsym {command} --help')":
    "{message}（参见 'gradsym {command} --help'）",
    "no Kronecker delta contains {var}":
    "没有 Kronecker delta 含有 {var}",
    "unknown extent of {tensor}":
    "{tensor} 的范围未知",
    "{tensor}[{j}] is not known to lie inside 0…{n - 1}":
    "不能确定 {tensor}[{j}] 位于 0…{n - 1} 之内",
    "δ({delta.lhs}, {delta.rhs}) is not affine in {var}":
    "δ({delta.lhs}, {delta.rhs}) 关于 {var} 不是仿射的",
    "cannot divide by {coef}: not known to be non-zero":
    "不能除以 {coef}：不能确定它不为零",
    "{expr} is not affine in the indices":
    "{expr} 关于下标不是仿射的",
    "{name} has {len(shape)} axes, read with {len(index)}":
    "{name} 有 {len(shape)} 个坐标轴，却用 {len(index)} 个下标读取",
    "no value for the size {exc.args[0]}":
    "尺寸 {exc.args[0]} 没有值",
    "the sum over {var} has fractional limits":
    "对 {var} 的求和上下限是分数",
    "{name}{point} read outside its extent":
    "{name}{point} 的读取超出了它的范围",
    "{name} read at the fractional index {Fraction(num, form[2])}":
    "{name} 在分数下标 {Fraction(num, form[2])} 处被读取",
    "No such option: {name}":
    "没有这个选项：{name}",
    "No such option: {name} (Possible options: {options})":
    "没有这个选项：{name}（可能的选项：{options}）",
    "No such option: {name} Did you mean {option}?":
    "没有这个选项：{name}；你是不是想用 {option}?",
    "Missing option '{name}'.":
    "缺少选项 '{name}'。",
    "Missing argument '{name}'.":
    "缺少参数 '{name}'。",
    "Option '{name}' requires an argument.":
    "选项 '{name}' 需要一个参数。",
    "Option '{name}' requires {count} arguments.":
    "选项 '{name}' 需要 {count} 个参数。",
    "Got unexpected extra argument ({args})":
    "多余的参数（{args}）",
    "Got unexpected extra arguments ({args})":
    "多余的参数（{args}）",
    "No such command '{name}'.":
    "没有这个命令 '{name}'。",
    "No such command {name}.":
    "没有这个命令 {name}。",
    "Option '{name}' does not take a value.":
    "选项 '{name}' 不接受值。",
    "invalid syntax":
    "语法错误",
    "invalid syntax. Perhaps you forgot a comma?":
    "语法错误。也许漏了逗号?",
    "'(' was never closed":
    "'(' 没有闭合",
    "'[' was never closed":
    "'[' 没有闭合",
    "unmatched ')'":
    "多余的 ')'",
    "unmatched ']'":
    "多余的 ']'",
    "unexpected EOF while parsing":
    "解析时意外结束",
    "invalid decimal literal":
    "无效的十进制字面量",
    "Input should be a valid integer, unable to parse string as an integer":
    "应为有效的整数，无法把该字符串解析为整数",
    "Input should be a valid integer":
    "应为有效的整数",
    "Input should be a valid number, unable to parse string as a number":
    "应为有效的数字，无法把该字符串解析为数字",
    "No such command '{name}'. Did you mean {options}?":
    "没有这个命令 '{name}'。你是不是想用 {options}?",
    "Got unexpected extra argument(s) ({args})":
    "多余的参数（{args}）",
    "Missing command.":
    "缺少命令。",
    "Missing parameter: {name}":
    "缺少参数：{name}",
}

# Help texts of the commands (shown in Chinese with --lang zh or GRADSYM_LANG=zh), by
# paragraph; a value option's help is its own sentence + the shared sentence on values.
HELP_ZH: dict[str, str] = {
    "Derive neural-network gradients symbolically, and prove them.":
    "以符号方式推导神经网络的梯度，并加以证明。",
    "Print the version and exit.":
    "打印版本号并退出。",
    "Show this message and exit.":
    "显示本帮助并退出。",
    "Example: {example}":
    "示例：{example}",
    "Example ({note}): {example}":
    "示例（{note}）:{example}",
    "seed 000":
    "种子 000",
    "A list '[[1,2],[3,4]]' or '1,2,3,4', or arange | ones | zeros | random. Exact: 1/2 and 0.5 stay exact.":
    "列表 '[[1,2],[3,4]]' 或 '1,2,3,4'，或 arange | ones | zeros | random。精确：1/2 与 0.5 都保持精确。",
    "Batch norm (training mode): forward, Jacobians, gradients, and the compact backward formula.":
    "批归一化（训练模式）：前向传播、雅可比矩阵、梯度，以及紧凑的反向公式。",
    "Symbols: x_n_f (sample n, feature f), gamma_f, beta_f, upstream g_n_f, and, with --eps eps, the symbol eps. Proves dL/dx = γ/(N·σ)·(N·g − Σg − x̂·Σ g·x̂) per feature.":
    "符号：x_n_f（样本 n，特征 f）、gamma_f、beta_f、上游梯度 g_n_f，以及在 --eps eps 时的符号 eps。对每个特征证明 dL/dx = γ/(N·σ)·(N·g − Σg − x̂·Σ g·x̂)。",
    "Samples N (at least 2 in training mode).":
    "样本数 N（训练模式下至少 2）。",
    "Features F (columns of x); default 1.":
    "特征数 F(x 的列数)；默认 1。",
    "ε > 0 (default 1e-5, kept exact as 1/100000), or the word eps for a symbol.":
    "ε > 0（默认 1e-5，精确地保存为 1/100000），或用单词 eps 表示符号。",
    "Input values, (batch, features).":
    "输入的值，形状 (batch, features)。",
    "Scale γ, one per feature (default ones).":
    "缩放 γ，每个特征一个（默认全为 1）。",
    "Shift β, one per feature (default zeros).":
    "平移 β，每个特征一个（默认全为 0）。",
    "Upstream gradient dL/dy, (batch, features) (default ones).":
    "上游梯度 dL/dy，形状 (batch, features)（默认全为 1）。",
    "Seed for --x random etc. (reproducible).":
    "--x random 等所用的随机种子（可复现）。",
    "rich | text | latex | markdown | json | html (default: rich on a terminal, text otherwise; or from the --output suffix).":
    "rich | text | latex | markdown | json | html（默认：终端上为 rich，否则为 text；或由 --output 的后缀决定）。",
    "Write to FILE (.tex .pdf .md .json .txt .html) instead of printing; .pdf compiles the LaTeX.":
    "写入文件 FILE(.tex .pdf .md .json .txt .html)而不打印；.pdf 会编译 LaTeX。",
    "Print runnable code instead: numpy | torch | jax — the forward, the derived backward and a self-test (python FILE.py); with --output FILE.py.":
    "改为输出可运行的代码:numpy | torch | jax —— 前向传播、推导出的反向传播和自检(python FILE.py)；可配合 --output FILE.py。",
    "Sections to print, comma-separated: forward,jacobian,grad,proof (human formats only; JSON always has everything).":
    "要打印的部分，逗号分隔：forward,jacobian,grad,proof（只对人读的格式有效；JSON 总是包含全部）。",
    "Print every entry, even for large derivations.":
    "打印每一个元素，即使推导很大。",
    'Also draw pictures to FILE.png (needs: pip install "gradsym\\[plot]").':
    '同时把图画到 FILE.png（需要：pip install "gradsym\\[plot]"）。',
    'Also animate the forward and backward passes to FILE.gif (needs: pip install "gradsym\\[plot]").':
    '同时把前向和反向传播画成动画 FILE.gif（需要：pip install "gradsym\\[plot]"）。',
    "Language of the prose: en | zh.":
    "文字的语言：en | zh。",
    MAX_TERMS_HELP: MAX_TERMS_HELP_ZH,
    "Stacked convolutions + a loss: the chain rule layer by layer, every step proved.":
    "堆叠的卷积 + 损失：逐层的链式法则，每一步都有证明。",
    "Input size: L, HxW or DxHxW (e.g. 3x3).":
    "输入尺寸：L、HxW 或 DxHxW（例如 3x3）。",
    "Kernel size, as many factors as the input (e.g. 2x2); the kernel's values are --k.":
    "卷积核尺寸，因子个数与输入相同（例如 2x2）；卷积核的值用 --k 给出。",
    "Number of stacked convolution layers.":
    "堆叠的卷积层数。",
    "Loss against the target: l1 | mse (mean over all elements).":
    "对目标的损失：l1 | mse（对所有元素取平均）。",
    "Target of the loss (default zeros).":
    "损失的目标（默认全为 0）。",
    "Also substitute every result down to the network input (small cases; bounded by --max-terms).":
    "同时把每个结果一直代入到网络输入（适用于小的情形；受 --max-terms 限制）。",
    "Stride: one number or one per dimension (2 or 2x1).":
    "步幅：一个数，或每个维度一个（2 或 2x1）。",
    "Zero padding per side: 1, 1x0, valid or same.":
    "每侧的零填充：1、1x0、valid 或 same。",
    "Kernel dilation: one number or one per dimension.":
    "卷积核膨胀：一个数，或每个维度一个。",
    "Channel groups (must divide both channel counts).":
    "通道分组数（必须同时整除两个通道数）。",
    "Input channels (switches to PyTorch layouts).":
    "输入通道数（切换到 PyTorch 布局）。",
    "Output channels (switches to PyTorch layouts).":
    "输出通道数（切换到 PyTorch 布局）。",
    "Batch size (switches to PyTorch layouts).":
    "批量大小（切换到 PyTorch 布局）。",
    "Add a bias (also implied by --b).":
    "加上偏置（给出 --b 时也会加上）。",
    "Network input values.":
    "网络输入的值。",
    "Kernel values: once for every layer, or one per layer (repeat --k once per layer, or give D stacked kernels; random draws each layer separately).":
    "卷积核的值：所有层共用一次，或每层一个（每层重复一次 --k，或给出 D 个堆叠的卷积核；random 对每层分别抽取）。",
    "Bias values (turns the bias on): once for every layer, or one per layer (repeat --b once per layer, or give D stacked values).":
    "偏置的值（同时打开偏置）：所有层共用一次，或每层一个（每层重复一次 --b，或给出 D 个堆叠的值）。",
    "Convolution: forward, Jacobians, gradients, and the flipped-kernel proofs.":
    "卷积：前向传播、雅可比矩阵、梯度，以及翻转卷积核的证明。",
    "Input values.":
    "输入的值。",
    "Kernel values.":
    "卷积核的值。",
    "Bias values (turns the bias on).":
    "偏置的值（同时打开偏置）。",
    "Upstream gradient dL/dy (default ones).":
    "上游梯度 dL/dy（默认全为 1）。",
    "Framework conventions: torch | tensorflow | jax.":
    "框架约定：torch | tensorflow | jax。",
    "Prove it for every size: symbolic n, k, s, d, p (no --input/--kernel needed; with them, also checked at those sizes).":
    "对任意尺寸证明：符号 n、k、s、d、p（不需要 --input/--kernel；给出时，也在这些尺寸下检验）。",
    "With --general: 1, 2 or 3 dimensions (default 2).":
    "配合 --general:1、2 或 3 维（默认 2）。",
    "Transposed convolution: forward, Jacobians, gradients, and deconv = conv's input-gradient.":
    "转置卷积：前向传播、雅可比矩阵、梯度，以及 deconv = 卷积的输入梯度。",
    "Padding of the matching convolution: 1, 1x0 or valid (default 0); with --convention tensorflow also same; with jax valid | same (default valid) or numbers = lax.conv_transpose's padding of the stride-dilated input.":
    "对应卷积的填充：1、1x0 或 valid（默认 0）;--convention tensorflow 时也可以是 same;jax 时为 valid | same（默认 valid）或数字，即 lax.conv_transpose 对按步幅膨胀后的输入的填充。",
    "Extra output positions at the end, per dimension (PyTorch: below the stride or the dilation).":
    "每个维度末尾额外的输出位置（PyTorch：小于步幅或膨胀）。",
    "Output size (e.g. 6x6): picks output_padding as ConvTranspose(x, output_size=...) does, or TensorFlow's output_shape.":
    "输出尺寸（例如 6x6）：像 ConvTranspose(x, output_size=...) 那样选择 output_padding，或对应 TensorFlow 的 output_shape。",
    "Kernel values, (C_in, C_out/groups, *k).":
    "卷积核的值，形状 (C_in, C_out/groups, *k)。",
    "Gradient of an expression over named tensors, NumPy semantics (* element-wise, @ matrix product).":
    "关于具名张量的表达式的梯度，NumPy 语义（* 逐元素，@ 矩阵乘法）。",
    "Functions: sum mean exp log sqrt abs sin cos tanh sigmoid relu softmax logsumexp max min maximum minimum dot norm (sum/mean/max/min/softmax/logsumexp take an optional axis).":
    "函数：sum mean exp log sqrt abs sin cos tanh sigmoid relu softmax logsumexp max min maximum minimum dot norm(sum/mean/max/min/softmax/logsumexp 可带可选的 axis)。",
    "The expression, e.g. 'mean(3*(a+3)**2)'. Parsed, never executed.":
    "表达式，例如 'mean(3*(a+3)**2)'。只解析，从不执行。",
    "Declare a name: NAME=SHAPE (a=2, X=3x2, s=scalar); repeatable. Elements are NAME_i(_j…), 1-based: a_1, X_2_1.":
    "声明一个名称：名称=形状（a=2、X=3x2、s=scalar）；可重复。元素命名为 名称_i(_j…)，从 1 开始：a_1、X_2_1。",
    "Differentiate with respect to NAME; repeatable (default: every name the expression uses).":
    "对名称 NAME 求导；可重复（默认：表达式用到的每个名称）。",
    "Values: NAME=VALUES, repeatable, e.g. --at 'a=[2,3]'. VALUES: '[[1,2],[3,4]]', '1,2,3,4', or arange | ones | zeros | random. Exact: 1/2 and 0.5 stay exact.":
    "数值：名称=数值，可重复，例如 --at 'a=[2,3]'。数值：'[[1,2],[3,4]]'、'1,2,3,4'，或 arange | ones | zeros | random。精确：1/2 与 0.5 都保持精确。",
    "Fully connected layer Y = X·Wᵀ + b: forward, Jacobians, gradients, matrix-form proofs.":
    "全连接层 Y = X·Wᵀ + b：前向传播、雅可比矩阵、梯度、矩阵形式的证明。",
    "Symbols: x_n_i (sample n, feature i), w_o_i (output o, input i), b_o, and the upstream gradient g_n_o. Proves dL/dX = G·W, dL/dW = Gᵀ·X, dL/db = Σ_n G.":
    "符号：x_n_i（样本 n，特征 i）、w_o_i（输出 o，输入 i）、b_o，以及上游梯度 g_n_o。证明 dL/dX = G·W、dL/dW = Gᵀ·X、dL/db = Σ_n G。",
    "Input features (columns of X and W).":
    "输入特征数（X 和 W 的列数）。",
    "Output features (rows of W).":
    "输出特征数（W 的行数）。",
    "Samples (rows of X); default 1.":
    "样本数（X 的行数）；默认 1。",
    "Add a bias b (also implied by --b).":
    "加上偏置 b（给出 --b 时也会加上）。",
    "Input values X, (batch, in_features).":
    "输入的值 X，形状 (batch, in_features)。",
    "Weight values W, (out_features, in_features) as torch.nn.Linear.weight.":
    "权重的值 W，形状 (out_features, in_features)，与 torch.nn.Linear.weight 相同。",
    "Bias values, out_features of them (turns the bias on).":
    "偏置的值，共 out_features 个（同时打开偏置）。",
    "Upstream gradient dL/dY, (batch, out_features) (default ones).":
    "上游梯度 dL/dY，形状 (batch, out_features)（默认全为 1）。",
    "Matrix calculus: dJ/dX in closed matrix form (* and @ are matrix products), with the dimension-consistency steps, verified element by element.":
    "矩阵微积分：闭式矩阵形式的 dJ/dX(* 与 @ 都是矩阵乘法)，给出维度一致性的步骤，并逐元素验证。",
    "Functions: trace (tr), det, inv (or X**-1), norm (Frobenius), hadamard, sum; exp log sqrt sin cos tanh sigmoid abs of a scalar (element-wise on a matrix, without a closed form).":
    "函数：trace(tr)、det、inv（或 X**-1）、norm(Frobenius)、hadamard、sum；作用于标量的 exp log sqrt sin cos tanh sigmoid abs（作用于矩阵时逐元素，没有闭式）。",
    "The scalar objective, e.g. '(X*w - y).T*(X*w - y)'. Parsed, never executed.":
    "标量目标函数，例如 '(X*w - y).T*(X*w - y)'。只解析，从不执行。",
    "Declare a name: NAME=SHAPE (X=3x2, w=2x1, w=2 for a column, s=scalar); repeatable. Elements are X_1_1, X_1_2, …":
    "声明一个名称：名称=形状（X=3x2、w=2x1、列向量写 w=2、s=scalar）；可重复。元素为 X_1_1、X_1_2、…",
    "Values: NAME=VALUES, repeatable, e.g. --at 'X=[[1,2],[3,4]]'. VALUES: a nested list, '1,2,3,4' (row-major), or arange | ones | zeros | random. Exact: 1/2 and 0.5 stay exact.":
    "数值：名称=数值，可重复，例如 --at 'X=[[1,2],[3,4]]'。数值：嵌套列表、'1,2,3,4'（按行优先），或 arange | ones | zeros | random。精确：1/2 与 0.5 都保持精确。",
    "Small MLP: symbolic output, d out/d input and d out/d every weight and bias, layer by layer.":
    "小型 MLP：符号输出，以及逐层求出的 d out/d 输入 和 d out/d 每个权重与偏置。",
    "Symbols: inputs x_i, weights w_l_i_j (layer l, from unit i to unit j), biases b_l_j.":
    "符号：输入 x_i，权重 w_l_i_j（第 l 层，从单元 i 到单元 j），偏置 b_l_j。",
    "Widths from input to output, e.g. 1,2,1 (1 input, 2 hidden units, 1 output); any number of layers.":
    "从输入到输出的各层宽度，例如 1,2,1(1 个输入，2 个隐藏单元，1 个输出)；层数不限。",
    "none | relu | sigmoid | tanh, applied to the hidden layers (the output layer is linear). relu′(0) = 0, as in PyTorch.":
    "none | relu | sigmoid | tanh，用于隐藏层（输出层为线性）。与 PyTorch 一样 relu′(0) = 0。",
    "Give every unit a bias b_l_j (also implied by an --at value for a bias).":
    "给每个单元一个偏置 b_l_j（用 --at 给出某个偏置的值时也会加上）。",
    "Values by name, NAME=VALUES, repeatable. Names: x (the input, n_0 values); w_l (layer l's weights, n_(l-1) x n_l: row i = from unit i, the transpose of torch.nn.Linear.weight); b_l (n_l biases); or single elements x_i, w_l_i_j (layer l, from unit i to unit j), b_l_j, which override their tensor's value. VALUES: '[[1,2]]', '1,2', or arange | ones | zeros | random. Numbers are computed once every tensor has values.":
    "按名称给值，名称=数值，可重复。名称：x（输入，n_0 个值）;w_l（第 l 层的权重，n_(l-1) x n_l：第 i 行 = 从单元 i 出发，即 torch.nn.Linear.weight 的转置）;b_l(n_l 个偏置)；或单个元素 x_i、w_l_i_j（第 l 层，从单元 i 到单元 j）、b_l_j，它们覆盖所属张量的值。数值：'[[1,2]]'、'1,2'，或 arange | ones | zeros | random。每个张量都有值后才计算数值。",
    "Max / average pooling: forward, Jacobian, gradient, and where each gradient goes.":
    "最大 / 平均池化：前向传播、雅可比矩阵、梯度，以及每个梯度的去向。",
    "Max pooling sends each g to its window's first maximum (PyTorch's tie rule); average pooling spreads g/n over the window.":
    "最大池化把每个 g 传给其窗口中的第一个最大值（PyTorch 的并列规则）；平均池化把 g/n 平均分给整个窗口。",
    "Input size: L, HxW or DxHxW (e.g. 4x4).":
    "输入尺寸：L、HxW 或 DxHxW（例如 4x4）。",
    "Window size: one number for every dimension, or one per dimension (e.g. 2 or 2x2).":
    "窗口尺寸：所有维度一个数，或每个维度一个（例如 2 或 2x2）。",
    "Stride: one number or one per dimension (default: the window size, as PyTorch).":
    "步幅：一个数，或每个维度一个（默认：窗口尺寸，与 PyTorch 相同）。",
    "Padding per side, at most half the window: 1 or 1x0.":
    "每侧的填充，最多为窗口的一半：1 或 1x0。",
    "Window dilation (max pooling only).":
    "窗口膨胀（仅最大池化）。",
    "Round the output size up (PyTorch's ceil_mode).":
    "输出尺寸向上取整（PyTorch 的 ceil_mode）。",
    "max | avg (average counts padding, count_include_pad=True).":
    "max | avg（平均池化计入填充，count_include_pad=True）。",
    "Channels (switches to the PyTorch layout (N, C, …)).":
    "通道数（切换到 PyTorch 布局 (N, C, …)）。",
    "Batch size (switches to the PyTorch layout (N, C, …)).":
    "批量大小（切换到 PyTorch 布局 (N, C, …)）。",
    "Output sizes: the formula filled in, unread positions, and the inverting output_padding.":
    "输出尺寸：代入数值的公式、未被读取的位置，以及可还原形状的 output_padding。",
    "Zero padding per side: 1, 1x0, valid or same (default 0; with --transposed and --convention jax, lax.conv_transpose's padding).":
    "每侧的零填充：1、1x0、valid 或 same（默认 0；配合 --transposed 和 --convention jax 时为 lax.conv_transpose 的填充）。",
    "A transposed convolution (deconv).":
    "转置卷积（deconv）。",
}

def _merge_command_catalogues() -> None:
    """Merge the per-command catalogues of :mod:`gradsym.render.catalogues`."""
    import importlib
    import pkgutil

    from gradsym.render import catalogues

    tables = {"EN": EN, "ZH": ZH, "ERRORS_ZH": ERRORS_ZH, "HELP_ZH": HELP_ZH}
    for info in sorted(pkgutil.iter_modules(catalogues.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{catalogues.__name__}.{info.name}")
        for name, table in tables.items():
            table.update(getattr(module, name, {}))


_merge_command_catalogues()
CATALOGUES = {"en": EN, "zh": ZH}
