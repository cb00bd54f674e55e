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

    for module in (gradsym.errors, gradsym.render.messages):
        result = doctest.testmod(module)
        assert result.attempted > 0 and result.failed == 0, module.__name__
