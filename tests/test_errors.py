"""Keyed errors: the engine raises a key and the facts; the catalogue words them per language
and names each parameter as the caller knows it (``--groups 3`` / ``groups=3``)."""

from __future__ import annotations

import re

import pytest

import gradsym
from gradsym.errors import SpecError
from gradsym.render.catalogues import errors as catalogue


@pytest.mark.parametrize(
    ("kwargs", "cli_args", "python", "cli_text"),
    [
        ({"groups": 3, "in_channels": 4, "out_channels": 6},
         ["--groups", "3", "--in-channels", "4", "--out-channels", "6"],
         "groups=3 must divide both in_channels (4) and out_channels (6)",
         "--groups 3 must divide both --in-channels (4) and --out-channels (6)"),
        ({"padding": "same", "stride": 2}, ["--padding", "same", "--stride", "2"],
         "padding='same' needs stride=1", "--padding same needs --stride 1"),
        ({"batch": 0}, ["--batch", "0"], "batch must be a whole number ≥ 1, got 0",
         "--batch must be a whole number ≥ 1, got 0"),
        ({"in_channels": 5000, "out_channels": 1}, ["--in-channels", "5000", "--out-channels", "1"],
         "in_channels=5000 is too large (at most 4096)", "--in-channels 5000 is too large"),
    ],
)
def test_one_key_worded_for_python_and_for_the_command_line(cli, kwargs, cli_args, python, cli_text):
    with pytest.raises(SpecError) as raised:
        gradsym.conv(input=(3, 3), kernel=(2, 2), **kwargs)
    assert raised.value.key is not None and str(raised.value).startswith(python)
    assert "--" not in str(raised.value)
    result = cli("conv", "--input", "3x3", "--kernel", "2x2", *cli_args)
    assert result.code == 2 and result.err.startswith(f"error: {cli_text}"), result.err
    chinese = cli("conv", "--input", "3x3", "--kernel", "2x2", *cli_args, "--lang", "zh")
    assert chinese.code == 2 and re.search(r"[\u4e00-\u9fff]", chinese.err), chinese.err
    # the facts survive in the Chinese wording, with the parameter as the CLI names it
    assert cli_args[0] in chinese.err


def test_every_keyed_message_has_both_languages_and_the_same_facts():
    assert set(catalogue.EN) == set(catalogue.ZH)
    fields = re.compile(r"\{([^{}!:]+)")
    for key, english in catalogue.EN.items():
        assert sorted(set(fields.findall(english))) == sorted(set(fields.findall(catalogue.ZH[key]))), key


def test_a_finished_sentence_is_still_an_error_without_a_key():
    error = SpecError("the matrix is singular at these values")
    assert error.key is None and str(error) == "the matrix is singular at these values"


def test_the_documented_examples_hold():
    import doctest

    import gradsym.errors
    import gradsym.render.messages
    import gradsym.render.wording

    for module in (gradsym.errors, gradsym.render.messages, gradsym.render.wording):
        result = doctest.testmod(module)
        assert result.attempted > 0 and result.failed == 0, module.__name__


# (command, Python keyword arguments, the same on the command line, the Python wording's start,
#  the command line's start)
KEYED = [
    ("pool", {"input": 4, "size": 2, "mode": "min"}, ["--input", "4", "--size", "2", "--mode", "min"],
     "mode must be max or avg, got 'min'", "--mode must be max or avg, got 'min'"),
    ("pool", {"input": 3, "size": 3, "padding": 2}, ["--input", "3", "--size", "3", "--padding", "2"],
     "padding=2 is more than half the window (size=3)", "--padding 2 is more than half the window (--size 3)"),
    ("pool", {"input": 4, "size": 2, "mode": "avg", "dilation": 2},
     ["--input", "4", "--size", "2", "--mode", "avg", "--dilation", "2"],
     "dilation applies to max pooling only", "--dilation applies to max pooling only"),
    ("pool", {"input": 3, "size": 5}, ["--input", "3", "--size", "5"],
     "the window (size=5, dilated extent 5)", "the window (--size 5, dilated extent 5)"),
    ("pool", {"input": 4, "size": 2, "padding": "same"}, ["--input", "4", "--size", "2", "--padding", "same"],
     "padding='same' is not defined for pooling; give numbers (e.g. padding=1)",
     "--padding same is not defined for pooling; give numbers (e.g. --padding 1)"),
    ("pool", {"size": 2}, ["--size", "2"], "input is required", "--input is required (e.g. --input 4x4)"),
    ("batchnorm", {"batch": 2, "eps": -1}, ["--batch", "2", "--eps", "-1"],
     "eps must be > 0", "--eps must be > 0"),
    ("batchnorm", {"features": 2}, ["--features", "2"], "batch is required (e.g. batch=4)",
     "--batch is required (e.g. --batch 4)"),
    ("batchnorm", {"batch": 2, "features": 0}, ["--batch", "2", "--features", "0"],
     "features must be a whole number ≥ 1, got 0", "--features must be a whole number ≥ 1, got 0"),
    ("batchnorm", {"batch": 1}, ["--batch", "1"], "batch=1: batch norm in training mode",
     "--batch 1: batch norm in training mode"),
    ("batchnorm", {"batch": 1, "spatial": 1}, ["--batch", "1", "--spatial", "1"],
     "batch=1 with spatial of size 1", "--batch 1 with --spatial of size 1"),
    ("layernorm", {}, [], "shape is required (e.g. shape='2x4'", "--shape is required (e.g. --shape 2x4"),
    ("layernorm", {"shape": (2, 4), "normalized": 3}, ["--shape", "2x4", "--normalized", "3"],
     "normalized must be a whole number from 1 to 2 (the trailing dimensions of shape",
     "--normalized must be a whole number from 1 to 2 (the trailing dimensions of --shape"),
    ("layernorm", {"shape": (2, 1)}, ["--shape", "2x1"], "normalized=1 normalises a single value",
     "--normalized 1 normalises a single value"),
    ("groupnorm", {"shape": 4}, ["--shape", "4"], "shape needs 2 to 5 dimensions",
     "--shape needs 2 to 5 dimensions"),
    ("groupnorm", {"shape": (1, 4), "groups": 3}, ["--shape", "1x4", "--groups", "3"],
     "groups must be a whole number ≥ 1 that divides the channels C = 4, got 3",
     "--groups must be a whole number ≥ 1 that divides the channels C = 4, got 3"),
    ("groupnorm", {"shape": (1, 2), "groups": 2}, ["--shape", "1x2", "--groups", "2"],
     "groups=2 on shape 1x2 normalises", "--groups 2 on --shape 1x2 normalises"),
    ("softmax", {"classes": 1}, ["--classes", "1"], "classes must be a whole number ≥ 2, got 1",
     "--classes must be a whole number ≥ 2, got 1"),
    ("softmax", {"classes": 3, "target": 1}, ["--classes", "3", "--target", "1"],
     "target needs loss='ce'", "--target needs --loss ce"),
    ("softmax", {"classes": 3, "loss": "ce"}, ["--classes", "3", "--loss", "ce"],
     "loss='ce' needs target, one class index per row (e.g. target=2)",
     "--loss ce needs --target, one class index per row (e.g. --target 2)"),
    ("softmax", {"classes": 3, "loss": "ce", "target": 5}, ["--classes", "3", "--loss", "ce", "--target", "5"],
     "target=5 is out of range: a class index is 0 … 2 for classes=3",
     "--target 5 is out of range: a class index is 0 … 2 for --classes 3"),
    ("softmax", {"classes": 3, "temperature": 0}, ["--classes", "3", "--temperature", "0"],
     "temperature must be > 0", "--temperature must be > 0"),
    ("upsample", {"input": 4, "mode": "bilinear"}, ["--input", "4", "--mode", "bilinear"],
     "mode='bilinear' needs a 2-D input, as in PyTorch, but input 4 is 1-D; use mode='linear'",
     "--mode bilinear needs a 2-D input, as in PyTorch, but --input 4 is 1-D; use --mode linear"),
    ("upsample", {"input": 4, "align_corners": True}, ["--input", "4", "--align-corners"],
     "align_corners applies to the interpolating modes only", "--align-corners applies to the interpolating"),
    ("rnn", {"steps": 2, "input_size": 0, "hidden": 1}, ["--steps", "2", "--input-size", "0", "--hidden", "1"],
     "input_size must be a whole number ≥ 1, got 0", "--input-size must be a whole number ≥ 1, got 0"),
    ("rnn", {"steps": 2, "hidden": 1}, ["--steps", "2", "--hidden", "1"],
     "input_size is required (e.g. input_size=2)", "--input-size is required (e.g. --input-size 2)"),
    ("attention", {"seq": 2}, ["--seq", "2"], "dim is required: the head dimension D of Q, K and V (e.g. dim=2)",
     "--dim is required: the head dimension D of Q, K and V (e.g. --dim 2)"),
    ("attention", {"seq": 0, "dim": 2}, ["--seq", "0", "--dim", "2"],
     "seq must be a whole number ≥ 1, got 0", "--seq must be a whole number ≥ 1, got 0"),
    ("linear", {"out_features": 2}, ["--out-features", "2"], "in_features is required (e.g. in_features=3)",
     "--in-features is required (e.g. --in-features 3)"),
    ("mlp", {}, [], "layers is required: the widths from input to output, e.g. layers='1,2,1'",
     "--layers is required: the widths from input to output, e.g. --layers 1,2,1"),
    ("mlp", {"layers": "1,0,1"}, ["--layers", "1,0,1"], "layers widths must be ≥ 1, got 0 (width 2 of 3)",
     "--layers widths must be ≥ 1, got 0 (width 2 of 3)"),
    ("mlp", {"layers": "1,2", "activation": "gelu"}, ["--layers", "1,2", "--activation", "gelu"],
     "activation must be one of none, relu", "--activation must be one of none, relu"),
    ("mlp", {"layers": "1,2,1", "at": "x"}, ["--layers", "1,2,1", "--at", "x"],
     "at needs NAME=VALUES (e.g. at='x=[1,2]' or at='w_1_1_2=3'), got 'x'",
     "--at needs NAME=VALUES (e.g. --at x=[1,2] or --at w_1_1_2=3), got 'x'"),
]


@pytest.mark.parametrize(("command", "kwargs", "cli_args", "python", "cli_text"), KEYED)
def test_keyed_errors_of_each_command(cli, command, kwargs, cli_args, python, cli_text):
    with pytest.raises(SpecError) as raised:
        getattr(gradsym, command)(**kwargs)
    assert raised.value.key is not None and str(raised.value).startswith(python), str(raised.value)
    assert "--" not in str(raised.value)
    result = cli(command, *cli_args)
    assert result.code == 2 and result.err.startswith(f"error: {cli_text}"), result.err
    assert result.err.count("\n") == 1
    chinese = cli(command, *cli_args, "--lang", "zh")
    assert chinese.code == 2 and re.search(r"[\u4e00-\u9fff]", chinese.err), chinese.err
    option = re.match(r"(?:the window \()?(--[a-z-]+)", cli_text)
    assert option is not None and option.group(1) in chinese.err, chinese.err
