"""Numeric options refuse what means nothing there (a time limit of 0, -5, NaN or inf; a zero or negative
count; a NaN tolerance, which would let every drop pass) while the command line is parsed, before Ray or
any data is touched: argparse's exit 2 and one line naming the option and what it takes."""

from __future__ import annotations

import pytest

from harness.cli import build_parser, main

RUN = ["run", "--bench", "synthetic"]
REGRESS = ["regress", "--bench", "otb"]
REFUSED = [
    *((RUN, "--shard-timeout", v, "a finite number above 0") for v in ("0", "-5", "nan", "inf")),
    *((RUN, "--fps", v, "a finite number above 0") for v in ("0", "-25", "nan", "inf")),
    (RUN, "--workers", "0", "a whole number of at least 1"),
    (RUN, "--workers", "-2", "a whole number of at least 1"),
    (RUN, "--batch-sequences", "0", "a whole number of at least 1"),
    (RUN, "--repetitions", "0", "a whole number of at least 1"),
    (RUN, "--retries", "-1", "a whole number of at least 0"),
    (RUN, "--grace", "-1", "a whole number of at least 0"),
    *((RUN, "--gpus-per-worker", v, "a share of one GPU") for v in ("-0.5", "nan", "inf", "1.5")),
    (RUN, "--seed", "-1", "a whole number of at least 0"),
    (RUN, "--resamples", "0", "a whole number of at least 1"),
    (RUN, "--resamples", "99", "use at least 100 bootstrap resamples"),
    *((RUN, "--level", v, "expected a fraction in [0.5, 1)") for v in ("nan", "1", "0.3", "inf")),
    (["eval", "--bench", "otb"], "--level", "1.5", "expected a fraction in [0.5, 1)"),
    (["report", "--bench", "otb"], "--seed", "-3", "a whole number of at least 0"),
    (["table", "--bench", "otb"], "--resamples", "-10", "a whole number of at least 1"),
    *((REGRESS, "--tolerance", v, "a finite number, 0 or more") for v in ("-0.01", "nan", "inf")),
    (REGRESS, "--level", "nan", "expected a fraction in [0.5, 1)"),
    (REGRESS, "--resamples", "10", "use at least 100 bootstrap resamples"),
]


@pytest.mark.parametrize(("command", "option", "value", "expected"), REFUSED,
                         ids=[f"{c[0]} {o} {v}" for c, o, v, _ in REFUSED])
def test_a_meaningless_number_is_refused_naming_the_option(command, option, value, expected, capsys) -> None:
    with pytest.raises(SystemExit) as stop:
        build_parser().parse_args([*command, option, value])
    last = capsys.readouterr().err.splitlines()[-1]
    assert stop.value.code == 2
    assert last.startswith(f"harness {command[0]}: error: argument {option}: ") and expected in last and value in last


@pytest.mark.parametrize(("command", "option", "value", "parsed"), [
    (RUN, "--shard-timeout", "0.5", 0.5), (RUN, "--retries", "0", 0), (RUN, "--grace", "0", 0),
    (RUN, "--gpus-per-worker", "0", 0.0), (RUN, "--gpus-per-worker", "0.25", 0.25), (RUN, "--gpus-per-worker", "2", 2.0),
    (RUN, "--workers", "1", 1), (RUN, "--fps", "12.5", 12.5), (RUN, "--level", "0.5", 0.5),
    (RUN, "--resamples", "100", 100), (RUN, "--seed", "0", 0), (REGRESS, "--tolerance", "0", 0.0),
])
def test_meaningful_numbers_are_taken(command, option, value, parsed) -> None:
    args = build_parser().parse_args([*command, option, value])
    assert getattr(args, option[2:].replace("-", "_")) == parsed


def test_a_bad_time_limit_stops_the_run_before_anything_starts(tmp_path, capsys) -> None:
    with pytest.raises(SystemExit) as stop:
        main([*RUN, "--shard-timeout", "-5", "--results", str(tmp_path / "results")])
    assert stop.value.code == 2 and not (tmp_path / "results").exists()
    assert "argument --shard-timeout: expected a finite number above 0, got '-5'" in capsys.readouterr().err
