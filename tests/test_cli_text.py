"""What the terminal shows beside the figures: which profile each number is under (and whether the
benchmark chose it), which sequences a --common table was scored on, and `harness list` without one
long hint per benchmark that has no data here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.registry import records
from harness.cli import main
from tests.conftest import realdata_path

FIVE = "Basketball,Biker,Bird1,Couple,Crossing"


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> tuple[Path, Path]:
    """SiamRPN++ on every OTB-2015 sequence, SiamFC on two of them (as a run on a subset leaves it)."""
    results = tmp_path_factory.mktemp("text") / "results"
    anno = realdata_path("otb", "toolkit-anno", "OTB100")
    for tracker, subset in (("SiamRPN++", []), ("SiamFC", ["--sequences", "Couple,Crossing"])):
        argv = ["import", "--format", "pysot", "--bench", "otb", "--root", str(anno), "--tracker", tracker, *subset,
                str(realdata_path("otb", "results", tracker)), "--results", str(results), "--json"]
        assert main(argv) == 0
    return results, anno


def _eval(store, capsys, *extra: str) -> list[str]:
    results, anno = store
    capsys.readouterr()
    assert main(["eval", "--bench", "otb", "--root", str(anno), "--results", str(results), "--sequences", FIVE,
                 *extra]) == 0
    return capsys.readouterr().out.splitlines()


def _row(lines: list[str], tracker: str) -> list[str]:
    return next(line for line in lines if line.startswith(tracker + " ")).split()


def test_common_table_says_what_it_scored_and_that_its_profile_is_the_default(store, tmp_path, capsys):
    lines = _eval(store, capsys, "--common", "--reports", str(tmp_path))
    assert lines[0] == ("otb · one-pass · 2 of 5 sequences in common · profile lasot_matlab "
                        "(otb's default; --profile to choose)")
    # SiamRPN++ has all five, and its figures are over the two in common: the column says two.
    assert _row(lines, "SiamRPN++")[-1] == "2/5" and _row(lines, "SiamFC")[-1] == "2/5"
    on_two = _eval(store, capsys, "--sequences", "Couple,Crossing", "--trackers", "SiamRPN++", "--no-report")
    assert _row(lines, "SiamRPN++")[1] == _row(on_two, "SiamRPN++")[1]
    report = (tmp_path / "otb-ope-lasot_matlab.md").read_text().splitlines()
    assert report[0] == "**otb · one-pass · 2 of 5 sequences in common · profile lasot\\_matlab**"
    assert next(line for line in report if line.startswith("| SiamRPN++ |")).endswith("| 2/5 |")


def test_a_profile_asked_for_is_named_alone_and_coverage_is_what_each_has(store, capsys):
    lines = _eval(store, capsys, "--profile", "pysot", "--no-report")
    assert lines[0] == "otb · one-pass · profile pysot"
    assert _row(lines, "SiamRPN++")[-1] == "5/5" and _row(lines, "SiamFC")[-1] == "2/5"  # SiamFC not scored


def test_paper_table_names_each_benchmarks_profile_and_which_were_defaults(store, capsys):
    results, anno = store
    capsys.readouterr()
    assert main(["table", "--bench", "otb", "--root", str(anno), "--results", str(results)]) == 0
    out, err = capsys.readouterr()
    assert "harness: profiles: otb under lasot_matlab (its default); --profile BENCH=P chooses another" in err
    assert out.startswith("| tracker | otb AUC |")  # the table itself stays a table
    assert main(["table", "--bench", "otb", "--root", str(anno), "--results", str(results), "--profile", "pysot"]) == 0
    assert "harness: profiles: otb under pysot\n" in capsys.readouterr().err


def test_list_names_benchmarks_without_data_together_with_one_hint(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HARNESS_CONFIG", raising=False)
    for record in records().values():
        for variable in record.env_vars:
            monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("HARNESS_OTB_ROOT", str(realdata_path("otb", "toolkit-anno", "OTB100")))
    (tmp_path / "harness.toml").write_text('[roots]\nlasot = "nowhere"\n')
    assert main(["list"]) == 0
    text = capsys.readouterr().out
    benches = text[text.index("benchmarks:"):].splitlines()
    assert "  otb " in text and "does not exist" in next(line for line in benches if line.startswith("  lasot "))
    hint = next(i for i, line in enumerate(benches) if line.startswith("  without data here"))
    assert "HARNESS_<NAME>_ROOT" in benches[hint] and "[roots] in harness.toml" in benches[hint]
    grouped = benches[hint + 1:]
    assert "    uav123, uav20l" in grouped and "    got10k, got10k_test, got10k_train" in grouped
    assert "    lasot_ext" in grouped  # lasot_full reads harness.toml's lasot entry (its family): shown on its own
    vot = next(i for i, line in enumerate(grouped) if line.startswith("    vot2016, vot2017"))
    assert grouped[vot + 1].startswith("      votlt")  # one family, wrapped
    names = [n for line in grouped for n in line.strip().split(", ")]
    assert len(names) == len(set(names)) and {"vot2016", "votlt2022", "nfs240"} <= set(names)
    assert "pass --root /path/to/it" not in text
    assert all(len(line) <= 110 for line in benches if tmp_path.name not in line)
    assert main(["list", "--json"]) == 0  # the full reason of each, for those who want it
    found = json.loads(capsys.readouterr().out)["benchmarks"]
    assert "pass --root /path/to/it" in found["vot2016"] and found["otb"] is None
