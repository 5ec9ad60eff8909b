"""`monetiot anonymize` and `monetiot privacy-cost` as tools call them: ARX's published optimum
on the adult data, the privacy-cost figures OpenDP gives, and bad input as one line on stderr
naming the option, file, row or field (exit 2, nothing on stdout, no file written)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from monetiot.cli import _register, app

ADULT = Path(__file__).resolve().parents[1] / "fixtures" / "adult-arx"
NINE = "sex,age,race,marital-status,education,native-country,workclass,occupation,salary-class"


def run(*args: str) -> object:
    _register()
    return CliRunner().invoke(app, list(args))


def test_the_adult_optimum_at_k5_is_the_published_one(tmp_path: Path) -> None:
    out = tmp_path / "released.csv"
    result = run("anonymize", str(ADULT / "adult.csv"), "--hierarchies", str(ADULT), "--qi",
                 NINE, "--k", "5", "--out", str(out), "--json")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert json.loads(result.stdout) == {  # type: ignore[attr-defined]
        "transformation": {"sex": 1, "age": 1, "race": 1, "marital-status": 2, "education": 3,
                           "native-country": 2, "workclass": 2, "occupation": 1,
                           "salary-class": 1},
        "discernibility": 33_627_534, "classes": 45, "min_class_size": 6, "suppressed_rows": 0}
    lines = out.read_text().splitlines()
    assert lines[0] == NINE.replace(",", ";") and len(lines) == 30_163
    # the first record, Male;39;White;Never-married;Bachelors;...;Adm-clerical;<=50K
    assert lines[1] == "*;35-39;*;*;*;*;*;Other;*"


def test_the_readable_summary_says_the_same(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("age;zip;disease\n17;1301;flu\n18;1302;cold\n23;1485;flu\n"
                                    "24;1485;flu\n")
    (tmp_path / "h_hierarchy_age.csv").write_text("17;15-19;*\n18;15-19;*\n23;20-24;*\n"
                                                  "24;20-24;*\n")
    (tmp_path / "h_hierarchy_zip.csv").write_text("1301;130*\n1302;130*\n1485;148*\n")
    result = run("anonymize", str(tmp_path / "t.csv"), "--hierarchies", str(tmp_path), "--qi",
                 "age,zip", "--k", "2", "--sensitive", "disease", "--l-distinct", "1")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    text = result.stdout  # type: ignore[attr-defined]
    assert "transformation:  age 1, zip 1" in text and "discernibility:  8" in text
    assert "classes:         2 (smallest 2)" in text and "suppressed rows: 0 of 4" in text
    # 20-24/148* holds flu twice; both classes are 1/4 from the table (flu 3/4, cold 1/4)
    assert "achieved:        distinct-l 1, entropy-l 1, t 0.25 (equal distance)" in text


@pytest.mark.parametrize(("mechanism", "extra", "expected"), [
    ("gaussian", ["--delta", "1e-6"],
     {"epsilon": 0.42994146883694934, "delta": 1e-06, "rho": 0.005}),
    ("laplace", [], {"epsilon": 1.0, "delta": 0.0}),
])
def test_privacy_cost_is_what_opendp_accounts(mechanism: str, extra: list[str],
                                              expected: dict[str, float]) -> None:
    scale = "10" if mechanism == "gaussian" else "1"
    result = run("privacy-cost", "--mechanism", mechanism, "--sensitivity", "1", "--scale",
                 scale, *extra, "--json")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert json.loads(result.stdout) == expected  # type: ignore[attr-defined]


def test_privacy_cost_scales_with_sensitivity_and_noise() -> None:
    result = run("privacy-cost", "--mechanism", "laplace", "--sensitivity", "3", "--scale", "2",
                 "--json")
    assert json.loads(result.stdout)["epsilon"] == 1.5  # type: ignore[attr-defined]
    result = run("privacy-cost", "--mechanism", "gaussian", "--sensitivity", "2", "--scale", "10",
                 "--delta", "1e-6", "--json")
    assert json.loads(result.stdout)["rho"] == 0.02  # type: ignore[attr-defined]


@pytest.mark.parametrize(("args", "message"), [
    (["--mechanism", "gaussian", "--sensitivity", "1", "--scale", "10"],
     "--delta: the gaussian mechanism needs a delta between 0 and 1, got None"),
    (["--mechanism", "cauchy", "--sensitivity", "1", "--scale", "1"],
     "--mechanism: must be one of laplace, gaussian, got 'cauchy'"),
    (["--mechanism", "laplace", "--sensitivity", "1", "--scale", "0"],
     "--scale: must be positive, got 0"),
    (["--mechanism", "laplace", "--sensitivity", "-1", "--scale", "1"],
     "--sensitivity: must not be negative, got -1"),
    (["--mechanism", "laplace", "--sensitivity", "x", "--scale", "1"],
     "--sensitivity: not a decimal number: 'x'"),
])
def test_privacy_cost_refuses_bad_input_in_one_line(args: list[str], message: str) -> None:
    result = run("privacy-cost", *args, "--json")
    assert result.exit_code == 2  # type: ignore[attr-defined]
    assert result.stdout == ""  # type: ignore[attr-defined]
    assert result.stderr.strip() == message  # type: ignore[attr-defined]


@pytest.fixture
def files(tmp_path: Path) -> Path:
    for name in ("adult_hierarchy_sex.csv", "adult_hierarchy_race.csv",
                 "adult_hierarchy_native-country.csv"):
        shutil.copy(ADULT / name, tmp_path / name)
    (tmp_path / "data.csv").write_text("sex;race;native-country;salary\r\n"
                                       "Male;White;Cuba;high\r\nFemale;Black;Peru;low\r\n"
                                       "Male;White;Cuba;low\r\n")
    return tmp_path


def anonymize(directory: Path, *options: str, data: str = "data.csv") -> object:
    return run("anonymize", str(directory / data), "--hierarchies", str(directory), *options,
               "--out", str(directory / "out.csv"), "--json")


@pytest.mark.parametrize(("change", "options", "message"), [
    (None, ["--qi", "sex,colour", "--k", "2"],
     "--qi: unknown attribute 'colour' (the columns of data.csv are: sex, race, native-country, "
     "salary)"),
    (None, ["--qi", "sex,salary", "--k", "2"],
     "--hierarchies: no hierarchy for the quasi-identifier 'salary' (a file named "
     "*hierarchy_salary.csv)"),
    (None, ["--qi", "sex", "--k", "4"], "--k: k = 4 is larger than the table (3 records)"),
    (None, ["--qi", "sex", "--k", "0"], "--k: must be a whole number of at least 1, got 0"),
    (None, ["--qi", "sex", "--k", "1", "--l-distinct", "2"],
     "--l-distinct: needs a sensitive attribute"),
    (None, ["--qi", "sex", "--k", "1", "--sensitive", "salary", "--t", "2"],
     "--t: must be between 0 and 1, got 2"),
    (None, ["--qi", "sex", "--k", "1", "--suppression", "half"],
     "--suppression: not a decimal number: 'half'"),
    (("data.csv",
      "sex;race;native-country;salary\nMale;White;Cuba;high\nMale;White;Atlantis;low\n"),
     ["--qi", "sex,native-country", "--k", "1"],
     "data.csv:3: field 'native-country': value 'Atlantis' is not in the hierarchy "
     "adult_hierarchy_native-country.csv"),
    (("data.csv", "sex;race;native-country;salary\nMale;White;Cuba\n"), ["--qi", "sex", "--k", "1"],
     "data.csv:2: 3 fields, the header has 4"),
    (("adult_hierarchy_sex.csv", "Male;*\nFemale;*;*\n"), ["--qi", "sex", "--k", "1"],
     "adult_hierarchy_sex.csv:2: 3 levels, but row 1 has 2 (inconsistent levels)"),
    (("adult_hierarchy_race.csv", "White;light;*\nBlack;dark;*\nAsian;light;any\n"),
     ["--qi", "race", "--k", "1"],
     "adult_hierarchy_race.csv:3: 'light' at level 1 generalises to 'any' at level 2 here but "
     "to '*' on row 1 (inconsistent levels)"),
    (("other_hierarchy_sex.csv", "Male;*\nFemale;*\n"), ["--qi", "sex", "--k", "1"],
     "--hierarchies: two hierarchy files for 'sex': adult_hierarchy_sex.csv and "
     "other_hierarchy_sex.csv"),
    (("data.csv", ""), ["--qi", "sex", "--k", "1"],
     "data.csv: the table is empty (no header row)"),
    (("data.csv", "sex;race;native-country;salary\n"), ["--qi", "sex", "--k", "1"],
     "data.csv: the table has no records"),
    (None, ["--qi", "sex,race", "--k", "2", "--sensitive", "salary", "--l-distinct", "4"],
     "--l-distinct: l = 4 needs classes of at least 4 records; the table has 3"),
])
def test_bad_input_is_one_line_and_nothing_is_released(
        files: Path, change: tuple[str, str] | None, options: list[str], message: str) -> None:
    if change is not None:
        (files / change[0]).write_text(change[1])
    result = anonymize(files, *options)
    assert result.exit_code == 2, result.output  # type: ignore[attr-defined]
    assert result.stdout == ""  # type: ignore[attr-defined]
    assert result.stderr.strip() == message  # type: ignore[attr-defined]
    assert not (files / "out.csv").exists()


def test_an_unsatisfiable_policy_says_how_far_it_is(files: Path) -> None:
    result = anonymize(files, "--qi", "sex,race", "--k", "1", "--sensitive", "salary",
                       "--l-distinct", "2", "--t", "0")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    (files / "out.csv").unlink()
    (files / "data.csv").write_text("sex;race;native-country;salary\nMale;White;Cuba;high\n"
                                    "Female;Black;Peru;high\nMale;White;Cuba;high\n")
    result = anonymize(files, "--qi", "sex,race", "--k", "1", "--sensitive", "salary",
                       "--l-distinct", "2")
    assert result.exit_code == 2  # type: ignore[attr-defined]
    assert result.stderr.strip() == (  # type: ignore[attr-defined]
        "policy: no transformation satisfies the policy: even the coarsest one suppresses 3 of "
        "3 records, and at most 0 may be suppressed")
    assert not (files / "out.csv").exists()
