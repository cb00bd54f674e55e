"""Keyed errors of values, the command-line plumbing, chain, net and the layers (issue #13,
item 6): one ``error:`` line in English on the command line (the wording of before), Chinese
with ``--lang zh``, and from Python a :class:`GradsymError` with its key whose message names
the keyword arguments (``x``, ``depth=3``), never the ``--options``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import gradsym
from gradsym.errors import GradsymError, SpecError, Verbatim
from gradsym.render.catalogues import errors_inputs
from gradsym.render.wording import word_error
from tests.test_zh import english_runs

NET_FORMS = ("accepted forms: conv COUTxKHxKW [stride S] [pad P] [bias]; deconv COUTxKHxKW "
             "[stride S] [pad P] [bias]; relu; sigmoid; tanh; maxpool K [stride S]; avgpool K "
             "[stride S]; batchnorm; flatten; linear OUT [nobias]; softmax_ce; mse; l1")

# (command line, the English error, key, the Python call, text the Python message holds)
CASES = [
    (["conv", "--input", "2x2", "--kernel", "1x1", "--x", "1,2"],
     "--x has 2 values but the tensor 2x2 needs 4; give 4 values row-major, or a word such as "
     "arange", "values.count",
     lambda: gradsym.conv(input="2x2", kernel="1x1", x="1,2"), "x has 2 values"),
    (["conv", "--input", "2x2", "--kernel", "1x1", "--x", "1"],
     "--x has 1 value but the tensor 2x2 needs 4; give 4 values row-major, or a word such as "
     "arange", "values.count_one",
     lambda: gradsym.conv(input="2x2", kernel="1x1", x="1"), "x has 1 value but"),
    (["conv", "--input", "2x2", "--kernel", "1x1", "--x", "[[1,2],[3]]"],
     "--x is ragged: every row must have the same length", "values.ragged",
     lambda: gradsym.conv(input="2x2", kernel="1x1", x=[[1, 2], [3]]), "x is ragged"),
    (["conv", "--input", "2x2", "--kernel", "1x1", "--x", "1,,2,3"],
     "--x '1,,2,3' has an empty entry (entry 2); give one number between every two commas, such "
     "as 1,2,3", "values.empty_entry",
     lambda: gradsym.conv(input="2x2", kernel="1x1", x="1,,2,3"), "x '1,,2,3' has an empty"),
    (["conv", "--input", "2x2", "--kernel", "1x1", "--x", "1/0,1,1,1"],
     "--x contains '1/0', a division by zero", "values.zero_division",
     lambda: gradsym.conv(input="2x2", kernel="1x1", x="1/0,1,1,1"), "x contains '1/0'"),
    (["conv", "--input", "2x2", "--kernel", "1x1", "--x", "[1,2"],
     "--x: expected ',' or ']' at character 5 in '[1,2'", "values.expected_comma",
     lambda: gradsym.conv(input="2x2", kernel="1x1", x="[1,2"), "x: expected ','"),
    (["conv", "--input", "2x2", "--kernel", "1x1", "--x", "1,2,3,abc"],
     "--x contains 'abc', which is not a number; use integers, decimals or fractions such as 1/2",
     "values.not_number",
     lambda: gradsym.conv(input="2x2", kernel="1x1", x="1,2,3,abc"), "x contains 'abc'"),
    (["mlp", "--layers", "3,2,1", "--at", "w_1=[[1,2,3],[4,5,6]]"],
     "--at w_1 is a nested list of shape 2x3 but the tensor is 3x2; give a 3x2 nested list, or 6 "
     "values row-major; gradsym's w_1 is (3 inputs × 2 outputs), the transpose of "
     "torch.nn.Linear.weight: give W.T (a 3x2 list)", "values.nested_shape_weight",
     lambda: gradsym.mlp(layers="3,2,1", at={"w_1": [[1, 2, 3], [4, 5, 6]]}), "at['w_1'] is a nested"),
    (["conv", "--input", "3x3", "--kernel", "2x2", "--x", "ones"],
     "numeric values need --k as well (given: --x); give every value, or none for the symbolic "
     "result only", "values.needs_also",
     lambda: gradsym.conv(input="3x3", kernel="2x2", x="ones"), "need k as well (given: x)"),
    (["rnn", "--steps", "2", "--input-size", "1", "--hidden", "1", "--x", "ones"],
     "numeric values need --w-ih, --w-hh, --b as well (given: --x); give every value, or none for "
     "the symbolic result only", "values.needs_also",
     lambda: gradsym.rnn(steps=2, input_size=1, hidden=1, x="ones"), "need w_ih, w_hh, b as well"),
    (["chain", "--input", "4x4", "--kernel", "2x2", "--depth", "0"],
     "--depth must be a whole number ≥ 1, got 0", "option.positive",
     lambda: gradsym.chain(input="4x4", kernel="2x2", depth=0), "depth must be"),
    (["chain", "--input", "4x4", "--kernel", "2x2", "--in-channels", "2", "--out-channels", "3"],
     "--in-channels (2) and --out-channels (3) differ, but in a stack each layer's output is the "
     "next layer's input; give the same number (e.g. --in-channels 2 --out-channels 2)",
     "chain.channels",
     lambda: gradsym.chain(input="4x4", kernel="2x2", in_channels=2, out_channels=3),
     "(e.g. in_channels=2 out_channels=2)"),
    (["chain", "--input", "3x3", "--kernel", "2x2", "--depth", "3"],
     "layer 3 of --depth 3 reads the 1x1 output of layer 2: --kernel 2 (dilated extent 2) is "
     "larger than the padded input 1 in dimension 1; use a smaller --kernel/--dilation or more "
     "--padding; or use a smaller --depth", "chain.layer",
     lambda: gradsym.chain(input="3x3", kernel="2x2", depth=3),
     "layer 3 of depth=3 reads the 1x1 output of layer 2: kernel=2"),
    (["chain", "--input", "4x4", "--kernel", "2x2", "--depth", "3", "--x", "ones", "--k", "1,2,3"],
     "--k has 3 values but the tensor 2x2 needs 4; give 4 values row-major, or a word such as "
     "arange; or give one per layer: 3 tensors of 2x2 (12 values) for --depth 3",
     "chain.per_layer",
     lambda: gradsym.chain(input="4x4", kernel="2x2", depth=3, x="ones", k="1,2,3"),
     "k has 3 values"),
    (["chain", "--input", "4x4", "--kernel", "2x2", "--x", "ones", "--k", "1,2", "--k", "1,2"],
     "--k (layer 1) has 2 values but the tensor 2x2 needs 4; give 4 values row-major, or a word "
     "such as arange", "values.count", None, None),
    (["chain", "--input", "4x4", "--kernel", "2x2", "--loss", "foo"],
     "--loss must be one of l1, mse, got 'foo'", "chain.loss",
     lambda: gradsym.chain(input="4x4", kernel="2x2", loss="foo"), "loss must be one of"),
    (["conv", "--input", "3x3", "--kernel", "5x5"],
     "--kernel 5 (dilated extent 5) is larger than the padded input 3 in dimension 1; use a "
     "smaller --kernel/--dilation or more --padding", "shapes.kernel_large",
     lambda: gradsym.conv(input="3x3", kernel="5x5"), "kernel=5 (dilated extent 5)"),
    (["deconv", "--input", "3x3", "--kernel", "2x2", "--stride", "2", "--output-padding", "2"],
     "--output-padding 2 must be smaller than the stride (2) or the dilation (1) in dimension 1",
     "shapes.output_padding",
     lambda: gradsym.deconv(input="3x3", kernel="2x2", stride=2, output_padding=2),
     "output_padding=2 must be"),
    (["deconv", "--input", "3x3", "--kernel", "2x2", "--padding", "same"],
     "--padding same is not defined for a PyTorch transposed convolution; give numbers, or use "
     "--convention tensorflow or jax", "conventions.same_torch",
     lambda: gradsym.deconv(input="3x3", kernel="2x2", padding="same"),
     "padding='same' is not defined"),
    (["deconv", "--input", "3x3", "--kernel", "2x2", "--output-padding", "1", "--convention",
      "tensorflow", "--stride", "2"],
     "--output-padding is PyTorch's option; with --convention tensorflow choose the output with "
     "--output-size", "conventions.output_padding_tensorflow",
     lambda: gradsym.deconv(input="3x3", kernel="2x2", output_padding=1, convention="tensorflow",
                            stride=2), "with convention='tensorflow' choose the output with output_size"),
    (["deconv", "--input", "3x3", "--kernel", "2x2", "--output-size", "9x9"],
     "--output-size 9 is not reachable in dimension 1; PyTorch accepts 4", "conventions.output_size_torch",
     lambda: gradsym.deconv(input="3x3", kernel="2x2", output_size="9x9"), "output_size=9 is not"),
    (["sizes", "--input", "3x3", "--kernel", "2x2", "--output-size", "3"],
     "--output-size belongs to a transposed convolution; add --transposed", "sizes.transposed_only",
     lambda: gradsym.sizes(input="3x3", kernel="2x2", output_size="3"),
     "output_size belongs to a transposed convolution; add transposed=True"),
    (["conv", "--general", "--groups", "2"],
     "--groups cannot be used with --general (the proof is for symbolic sizes, plain layout, "
     "PyTorch conventions); drop --groups or drop --general", "general.unused",
     lambda: gradsym.conv(general=True, groups=2), "drop groups or drop general=True"),
    (["conv", "--general", "--stride", "2"],
     "--stride is a symbol in a --general proof; give --input and --kernel too to also check the "
     "proof at --stride 2, or drop --stride", "general.symbol",
     lambda: gradsym.conv(general=True, stride=2), "check the proof at stride=2, or drop stride"),
    (["net", "--input", "1x1x4x4", "--layers", "conv 2x3x3 pad 1,,mse"],
     "--layers: layer 2 (''): the layer is empty (two commas in a row?); " + NET_FORMS,
     "net.layer",
     lambda: gradsym.net(input="1x1x4x4", layers="conv 2x3x3 pad 1,,mse"), "layers: layer 2"),
    (["net", "--input", "1x1x4x4", "--layers", "conv 2x, mse"],
     "--layers: layer 1 ('conv 2x'): size '2x' is malformed; expected a shape such as 3x3; "
     + NET_FORMS, "net.layer", None, None),
    (["net", "--input", "1x1x4x4", "--layers", "conv 2x5x5, mse"],
     "--layers: layer 1 ('conv 2x5x5') reads a tensor of shape 1x1x4x4: --kernel 5 (dilated "
     "extent 5) is larger than the padded input 4 in dimension 1; use a smaller "
     "--kernel/--dilation or more --padding", "net.layer_shape",
     lambda: gradsym.net(input="1x1x4x4", layers="conv 2x5x5, mse"), "layers: layer 1"),
    (["net", "--input", "1x1x4x4"],
     "--layers is required, e.g. --layers 'conv 2x3x3 pad 1, relu, maxpool 2, flatten, linear 3, "
     "softmax_ce'", "net.layers_required",
     lambda: gradsym.net(input="1x1x4x4"),
     "layers is required, e.g. layers='conv 2x3x3 pad 1, relu, maxpool 2"),
    (["net", "--input", "5", "--layers", "mse"],
     "--input 5 has one size; give NxF, NxCxL, NxCxHxW or NxCxDxHxW (N samples first, e.g. "
     "1x1x6x6)", "net.input_one",
     lambda: gradsym.net(input="5", layers="mse"), "input='5' has one size"),
    (["net", "--input", "2x3", "--layers", "linear 2,mse", "--at", "w=1"],
     "--at w: no such parameter; the parameters are 0.weight, 0.bias", "net.at_unknown",
     lambda: gradsym.net(input="2x3", layers="linear 2,mse", at={"w": 1}), "at['w']: no such"),
    (["mlp", "--layers", "2,1", "--at", "foo=1"],
     "--at foo: unknown name; this network takes x (2), w_1 (2x1), or single elements such as "
     "w_1_1_1; biases b_l need --bias", "mlp.at_unknown_bias",
     lambda: gradsym.mlp(layers="2,1", at={"foo": 1}), "biases b_l need bias=True"),
    (["batchnorm", "--batch", "2", "--features", "1", "--running-mean", "1"],
     "--running-mean and --running-var are the statistics of eval mode; add --eval (training mode "
     "uses the batch's own statistics)", "batchnorm.running_eval",
     lambda: gradsym.batchnorm(batch=2, features=1, running_mean="1"),
     "running_mean and running_var are the statistics of eval mode; add eval=True"),
    (["batchnorm", "--batch", "2", "--features", "1", "--eps", "eps", "--x", "ones"],
     "--eps eps keeps ε symbolic, so there is nothing to evaluate at numbers; give --eps a number "
     "(e.g. 1e-5) with --x/--gamma/--beta/--g", "normalise.eps_symbolic",
     lambda: gradsym.batchnorm(batch=2, features=1, eps="eps", x="ones"), "eps='eps' keeps"),
    (["softmax", "--classes", "2", "--loss", "ce", "--target", "1", "--g", "1,1"],
     "--g does not apply with --loss ce: the loss is the end of the chain (its upstream gradient "
     "is 1); drop --g", "softmax.g_loss",
     lambda: gradsym.softmax(classes=2, loss="ce", target="1", g="1,1"),
     "g does not apply with loss='ce'"),
    (["pool", "--input", "30x30", "--size", "2", "--max-terms", "5"],
     "this pooling is too large: it would take about 4 s and 36 MB (90,000 terms of work), over "
     "the budget of 5 terms (about 1 ms and 12 kB); raise it with --max-terms 90000 or choose "
     "smaller sizes", "budget.too_large",
     lambda: gradsym.pool(input="30x30", size=2, max_terms=5), "raise it with max_terms=90000"),
    (["expr", "max(x, y)", "--shape", "x=3", "--shape", "y=3", "--wrt", "x"],
     "the second argument of max is an axis and must be a whole number such as 0 or -1, got 'y'; "
     "for the element-wise maximum of two arrays use maximum(x, y)", "arrays.axis_type_minmax",
     None, None),
    (["expr", "x @ z", "--shape", "x=3", "--shape", "z=2", "--wrt", "x"],
     "cannot evaluate 'x @ z': matrix product of shapes 3 and 2: the last axis of the left (3) "
     "must equal the first axis of the right (2)", "arrays.matmul_first", None, None),
    (["expr", "sum(x, 0, 1)", "--shape", "x=3", "--wrt", "x"],
     "sum takes 1 or 2 arguments, got 3 (in 'sum(x, 0, 1)')", "arrays.arity_range", None, None),
    (["conv", "--input", "3x3", "--kernel", "2x2", "--format", "foo"],
     "--format must be one of rich, text, latex, markdown, json, html, got 'foo'", "cli.format",
     None, None),
    (["conv", "--input", "3x3", "--kernel", "2x2", "--show", "bad"],
     "--show 'bad': unknown section bad; choose from forward,jacobian,grad,proof", "cli.show",
     None, None),
    (["conv", "--input", "3x3", "--kernel", "2x2", "--emit", "numpy", "--format", "text"],
     "--format does not apply to --emit (it prints a Python module); drop --format",
     "cli.emit_option", None, None),
    (["conv", "--general", "--emit", "numpy"],
     "--emit needs concrete sizes: give --input and --kernel (not only --general)",
     "emit.conv_general", None, None),
]


def _python_error(call):
    with pytest.raises(GradsymError) as info:
        call()
    return info.value


@pytest.mark.parametrize(("args", "english", "key", "call", "python"), CASES,
                         ids=[case[2] + ":" + case[0][0] for case in CASES])
def test_one_english_error_line_and_chinese(cli, args, english, key, call, python):
    result = cli(*args)
    assert result.code == 2, result.err
    assert result.err == f"error: {english}\n"
    chinese = cli(*args, "--lang", "zh")
    assert chinese.code == 2
    lines = chinese.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert re.search(r"[\u4e00-\u9fff]", lines[0]), lines[0]
    # net's layer grammar (``conv COUTxKHxKW …``) is syntax, not prose
    text = lines[0].removeprefix("error: ").replace(NET_FORMS.removeprefix("accepted forms: "), "")
    assert english_runs(text) == [], lines[0]


@pytest.mark.parametrize(("args", "english", "key", "call", "python"),
                         [case for case in CASES if case[3] is not None],
                         ids=[case[2] + ":" + case[0][0] for case in CASES if case[3] is not None])
def test_python_names_the_keyword_arguments(args, english, key, call, python):
    exc = _python_error(call)
    assert exc.key == key
    message = str(exc)
    assert python in message, message
    assert not re.search(r"--[a-z]", message), message  # no option as on the command line
    assert exc.render(caller="cli") == english


def test_the_python_error_is_worded_in_chinese_too():
    exc = _python_error(lambda: gradsym.conv(input="2x2", kernel="1x1", x="1,2"))
    chinese = exc.render("zh")
    assert chinese.startswith("x 有 2 个值") and english_runs(chinese) == []


def test_value_errors_of_the_evaluate_method_name_the_arguments():
    d = gradsym.conv(input="3x3", kernel="2x2")
    exc = _python_error(lambda: d.evaluate(x="ones"))
    assert exc.key == "values.needs" and str(exc) == "numeric evaluation needs k"
    exc = _python_error(lambda: d.evaluate(foo=1))
    assert exc.key == "values.unknown_option" and "'foo'" in str(exc)
    exc = _python_error(lambda: d.evaluate(x="1,2", k="ones"))
    assert exc.key == "values.count" and str(exc).startswith("x has 2 values")


def test_the_api_guard_is_keyed():
    exc = _python_error(lambda: gradsym.conv(input="3x3", kernel="2x2", max_terms="10"))
    assert exc.key == "budget.max_terms_type"
    assert str(exc) == "max_terms must be a whole number ≥ 1 (int), got str '10'"


def test_document_errors_are_keyed_and_compose():
    exc = _python_error(lambda: gradsym.from_dict({"command": "x", "checks": 3}))
    assert exc.key == "reader.invalid"
    assert str(exc) == "not a valid gradsym document: 'checks' must be a list, got int"
    assert exc.render("zh") == "不是有效的 gradsym 文档：'checks' 必须是列表，实际为 int"
    exc = _python_error(lambda: gradsym.from_dict({"command": "x", "forward": "__import__(1)"}))
    assert exc.key == "reader.node"


def test_output_file_errors(cli, tmp_path: Path):
    missing = tmp_path / "no" / "a.txt"
    result = cli("conv", "--input", "3x3", "--kernel", "2x2", "--output", str(missing))
    assert result.code == 2
    assert result.err == f"error: --output {missing}: the folder {missing.parent} does not exist\n"
    result = cli("conv", "--input", "3x3", "--kernel", "2x2", "--output", str(missing), "--lang", "zh")
    assert result.err == f"error: --output {missing}：文件夹 {missing.parent} 不存在\n"


def test_on_off_options_are_named_as_keyword_arguments():
    exc = SpecError("sizes.transposed_only", param="output_size")
    assert str(exc) == "output_size belongs to a transposed convolution; add transposed=True"
    assert exc.render(caller="cli") == "--output-size belongs to a transposed convolution; add --transposed"


def test_nested_errors_and_labels_are_worded_for_the_caller():
    inner = SpecError("option.positive", param="depth", got=0)
    outer = SpecError("reader.invalid", why=inner)
    assert str(outer) == "not a valid gradsym document: depth must be a whole number ≥ 1, got 0"
    assert outer.render(caller="cli").endswith("--depth must be a whole number ≥ 1, got 0")
    label = SpecError("values.ragged", param=Verbatim("--k (layer 2)"))
    assert str(label) == "k (layer 2) is ragged: every row must have the same length"
    assert label.render(caller="cli").startswith("--k (layer 2) is ragged")
    assert word_error("values.needs", {"params": ["w_ih", "x"]}, caller="cli") == \
        "numeric evaluation needs --w-ih, --x"


def test_every_new_key_is_worded_in_both_languages():
    assert set(errors_inputs.EN) == set(errors_inputs.ZH)
    for key, chinese in errors_inputs.ZH.items():
        assert key.startswith("error.") and not re.search(r"\d", key), key
        filled = re.sub(r"\{[^{}]*\}", " ", chinese.replace("{{", "").replace("}}", ""))
        assert english_runs(filled) == [], key
