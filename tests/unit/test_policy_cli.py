"""`fireline policy …`: exit codes, what goes to stdout and stderr, and no stack traces."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from fireline.adapters.policy_file import load_preset
from fireline.adapters.policy_file.lines import MAX_VALUES
from fireline.adapters.policy_file.load import MAX_FILE_BYTES
from fireline.entrypoints.cli.policy import POLICY_ENV, policy_app

runner = CliRunner()


@pytest.fixture
def valid_file(tmp_path: Path) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(load_preset("handbook_004").document), encoding="utf-8")
    return path


def test_check_reports_a_valid_file_with_its_name_and_digest(valid_file: Path) -> None:
    result = runner.invoke(policy_app, ["check", str(valid_file)])
    assert result.exit_code == 0
    digest = load_preset("handbook_004").digest
    first, *notes = result.stdout.splitlines()
    assert first == f"{valid_file}: valid (policy handbook_004, digest {digest})"
    # The preset names contacts without addresses: valid, with a note for each.
    assert notes
    assert all(note.startswith(f"note: {valid_file}:") for note in notes)
    assert any("contact:cto has no primary person" in note for note in notes)


def test_check_prints_each_problem_to_stderr_and_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("fireline_policy: 1\nname: Bad\ntime_zone: Nowhere\n", encoding="utf-8")
    result = runner.invoke(policy_app, ["check", str(path)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert f"{path}:2: name: invalid name 'Bad'" in result.stderr
    assert f"{path}:3: time_zone: unknown time zone 'Nowhere'" in result.stderr
    assert "Traceback" not in result.output


def test_check_of_a_missing_file_exits_2_with_a_clear_message(tmp_path: Path) -> None:
    result = runner.invoke(policy_app, ["check", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert "does not exist" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_presets_as_json_lists_every_preset_with_its_handbook() -> None:
    result = runner.invoke(policy_app, ["presets", "--json"])
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert rows[0]["name"] == "default"
    assert all(set(row) == {"name", "handbook", "title", "description"} for row in rows)
    assert {row["name"]: row["handbook"] for row in rows}["handbook_002"] == (
        "002_5f789f420eb55f4a.txt"
    )


def test_presets_as_a_table_names_each_preset() -> None:
    result = runner.invoke(policy_app, ["presets"])
    assert result.exit_code == 0
    assert "handbook_003" in result.stdout


def test_show_a_preset_prints_its_normalized_document_as_yaml() -> None:
    result = runner.invoke(policy_app, ["show", "--preset", "handbook_003"])
    assert result.exit_code == 0
    assert yaml.safe_load(result.stdout) == load_preset("handbook_003").document


def test_show_prints_json_on_request(valid_file: Path) -> None:
    result = runner.invoke(policy_app, ["show", str(valid_file), "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == load_preset("handbook_004").document


def test_show_falls_back_to_the_default_preset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(POLICY_ENV, raising=False)
    result = runner.invoke(policy_app, ["show", "--json"])
    assert json.loads(result.stdout)["name"] == "default"


def test_show_uses_the_policy_named_by_the_environment(
    monkeypatch: pytest.MonkeyPatch, valid_file: Path
) -> None:
    monkeypatch.setenv(POLICY_ENV, "handbook_000")
    assert json.loads(runner.invoke(policy_app, ["show", "--json"]).stdout)["name"] == (
        "handbook_000"
    )
    monkeypatch.setenv(POLICY_ENV, str(valid_file))
    assert json.loads(runner.invoke(policy_app, ["show", "--json"]).stdout)["name"] == (
        "handbook_004"
    )


def test_show_refuses_an_environment_value_that_is_neither_file_nor_preset(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(POLICY_ENV, "no_such_policy")
    result = runner.invoke(policy_app, ["show"])
    assert result.exit_code == 2
    assert "neither an existing file nor a preset" in result.stderr


def test_show_of_an_unknown_preset_exits_2_listing_the_presets() -> None:
    result = runner.invoke(policy_app, ["show", "--preset", "nope"])
    assert result.exit_code == 2
    assert "allowed: default, handbook_000" in result.stderr


def test_the_yaml_that_show_prints_checks_as_the_same_policy(tmp_path: Path) -> None:
    shown = runner.invoke(policy_app, ["show", "--preset", "default"]).stdout
    path = tmp_path / "copy.yaml"
    path.write_text(shown, encoding="utf-8")
    result = runner.invoke(policy_app, ["check", str(path)])
    assert result.exit_code == 0
    assert load_preset("default").digest in result.stdout


# Inputs that must not hang or crash the loader (issue 11)

BILLION_LAUGHS = """\
fireline_policy: 1
name: policy
laughs:
  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]
  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
  d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
  e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
  f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
  g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
  h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
  i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
description: *i
"""


def test_check_refuses_a_device_that_never_ends_without_reading_it_whole() -> None:
    result = runner.invoke(policy_app, ["check", "/dev/zero"])
    assert result.exit_code == 2
    assert result.stderr == (
        f"/dev/zero: the file is larger than {MAX_FILE_BYTES} bytes "
        "(a policy is a few hundred lines)\n"
    )


def test_check_refuses_a_file_one_byte_over_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "large.yaml"
    path.write_bytes(b"#" * (MAX_FILE_BYTES + 1))
    result = runner.invoke(policy_app, ["check", str(path)])
    assert result.exit_code == 2
    assert f"{path}: the file is larger than {MAX_FILE_BYTES} bytes" in result.stderr


def test_check_refuses_a_billion_laughs_at_the_alias_that_goes_over_the_budget(
    tmp_path: Path,
) -> None:
    path = tmp_path / "laughs.yaml"
    path.write_text(BILLION_LAUGHS, encoding="utf-8")
    result = runner.invoke(policy_app, ["check", str(path)])
    assert result.exit_code == 2
    # a: 10 values, b: 91, c: 820, d: 7,381, e: 66,430; the first *e of f goes over.
    line = BILLION_LAUGHS.splitlines().index("  f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]") + 1
    assert result.stderr == (
        f"{path}:{line}: the document holds more than {MAX_VALUES} values once its aliases "
        "(*name) are expanded (a policy has a few thousand at most)\n"
    )


def test_check_refuses_an_alias_inside_the_value_it_names(tmp_path: Path) -> None:
    path = tmp_path / "loop.yaml"
    path.write_text("fireline_policy: 1\nname: &loop [1, [*loop]]\n", encoding="utf-8")
    result = runner.invoke(policy_app, ["check", str(path)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{path}:2: the alias *loop is inside the value it names")


def test_check_words_twenty_problems_and_counts_the_rest(valid_file: Path) -> None:
    # Found in review: a file with 10,000 unknown keys took seconds to word, each with its
    # "did you mean"; the same mistake repeated is one mistake to fix.
    extra = "".join(f"unknown_key_{n}: {n}\n" for n in range(500))
    valid_file.write_text(valid_file.read_text(encoding="utf-8") + extra, encoding="utf-8")
    result = runner.invoke(policy_app, ["check", str(valid_file)])
    assert result.exit_code == 2
    problems = result.stderr.strip().splitlines()
    assert len(problems) == 21
    assert f"{valid_file}:1: 480 more problems are not shown: fix these and check again" in (
        problems
    )
