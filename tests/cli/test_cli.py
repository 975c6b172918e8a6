"""Every command through the click runner: help, success, and clear failures."""

import json

import pytest
from click.testing import CliRunner

from matcher.cli import main
from tests.helpers import posting_row, seeker_row, write_csv

COMMANDS = ["init-db", "demo", "import", "export", "serve"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command):
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output


def test_init_db_is_safe_to_run_twice(cli):
    first = cli.invoke(main, ["init-db"])
    second = cli.invoke(main, ["init-db"])
    assert first.exit_code == 0 and second.exit_code == 0
    assert "up to date" in second.output


def test_commands_on_a_database_without_schema_say_what_to_do(tmp_path):
    runner = CliRunner(
        env={
            "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
            "JOBBRIDGE_INSTANCE": str(tmp_path / "i"),
        }
    )
    result = runner.invoke(main, ["export", "postings"])
    assert result.exit_code == 1 and "jobbridge init-db" in result.output


def test_an_unreachable_database_is_a_clear_message_without_the_password(tmp_path):
    runner = CliRunner(
        env={
            "DATABASE_URL": "postgresql://me:secret@127.0.0.1:1/nowhere",
            "JOBBRIDGE_INSTANCE": str(tmp_path / "i"),
        }
    )
    result = runner.invoke(main, ["init-db"])
    assert (
        result.exit_code == 1
        and "database postgresql://me:***@127.0.0.1:1/nowhere" in result.output
    )
    assert "secret" not in result.output and "Traceback" not in result.output


def test_production_without_secret_key_fails_with_a_message(tmp_path):
    runner = CliRunner(env={"JOBBRIDGE_ENV": "production", "JOBBRIDGE_INSTANCE": str(tmp_path)})
    result = runner.invoke(main, ["init-db"])
    assert result.exit_code == 1 and "SECRET_KEY" in result.output


def test_import_reports_and_exits_non_zero_on_bad_rows(cli, tmp_path):
    bad = write_csv(tmp_path / "s.csv", [seeker_row(1), seeker_row(2, 残疾等级="七级")])
    result = cli.invoke(main, ["import", "seekers", str(bad)])
    assert result.exit_code == 1
    assert "row 3, column 残疾等级 '七级'" in result.output and "nothing written" in result.output


def test_import_dry_run_json_and_campaign(cli, tmp_path):
    path = write_csv(tmp_path / "p.csv", [posting_row(1), posting_row(2)])
    dry = cli.invoke(main, ["import", "postings", str(path), "--dry-run", "--json"])
    assert dry.exit_code == 0
    assert json.loads(dry.stdout)["new"] == 2 and json.loads(dry.stdout)["written"] is False
    real = cli.invoke(main, ["import", "postings", str(path), "--campaign", "季度专场"])
    assert real.exit_code == 0 and "2 new" in real.output and "written" in real.output
    wrong = cli.invoke(main, ["import", "seekers", str(path), "--campaign", "x"])
    assert wrong.exit_code == 2


def test_export_to_stdout_and_to_a_file(cli, tmp_path):
    path = write_csv(tmp_path / "p.csv", [posting_row(1)])
    assert cli.invoke(main, ["import", "postings", str(path)]).exit_code == 0
    stdout = cli.invoke(main, ["export", "postings", "--format", "json"])
    assert stdout.exit_code == 0 and json.loads(stdout.stdout)[0]["posting_id"] == "T-P0001"
    target = tmp_path / "out.xlsx"
    result = cli.invoke(main, ["export", "postings", "--format", "xlsx", "--output", str(target)])
    assert result.exit_code == 0 and target.stat().st_size > 0
    assert not (tmp_path / "out.xlsx.partial").exists()


def test_demo_loads_once_then_refuses_or_skips(cli):
    result = cli.invoke(main, ["demo", "--seekers", "60", "--postings", "40"])
    assert result.exit_code == 0, result.output
    assert "60 seekers" in result.output and "jobbridge-demo" in result.output
    again = cli.invoke(main, ["demo", "--seekers", "10", "--postings", "10"])
    assert again.exit_code == 1 and "already has data" in again.output
    skipped = cli.invoke(main, ["demo", "--if-empty"])
    assert skipped.exit_code == 0 and "not loaded" in skipped.output


def test_demo_writes_the_targets_when_asked(cli, tmp_path):
    truth = tmp_path / "truth.csv"
    result = cli.invoke(
        main, ["demo", "--seekers", "20", "--postings", "10", "--truth", str(truth)]
    )
    assert result.exit_code == 0
    lines = truth.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "seeker_id,target_category" and len(lines) == 21


def test_a_nul_cell_is_a_problem_naming_row_and_column_and_nothing_is_stored(cli, tmp_path):
    """SECURITY item 31: on PostgreSQL a NUL could not even be stored; it is refused first,
    with its row and column, and no traceback or row data is printed."""
    rows = [seeker_row(1), seeker_row(2, 姓名="张\x00三")]
    result = cli.invoke(main, ["import", "seekers", str(write_csv(tmp_path / "s.csv", rows))])
    assert result.exit_code == 1
    assert "row 3, column 姓名" in result.output and "U+0000" in result.output
    assert "Traceback" not in result.output and "\x00" not in result.output
    listed = cli.invoke(main, ["export", "seekers", "--format", "json"])
    assert "T-S0001" not in listed.output  # all or nothing: the good row was not written


def test_an_unexpected_error_prints_no_traceback_and_no_data(cli, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("INSERT ... ('张三', '520102200105171234', '13900001111')")

    monkeypatch.setattr("matcher.intake.import_file", broken)
    rows = [seeker_row(1)]
    result = cli.invoke(main, ["import", "seekers", str(write_csv(tmp_path / "s.csv", rows))])
    assert result.exit_code == 1
    assert "unexpected error (RuntimeError at test_cli.py:" in result.output
    for secret in ("张三", "520102200105171234", "13900001111", "Traceback"):
        assert secret not in result.output


def test_run_job_takes_every_job_of_the_scheduler_by_name(cli):
    """The command's job names are the scheduler's registry (fair_analysis was refused when
    the command kept a list of its own)."""
    from matcher import jobs

    assert cli.invoke(main, ["init-db"]).exit_code == 0
    refused = cli.invoke(main, ["run-job", "nonsense"])
    assert refused.exit_code == 2
    listed = refused.output.split("the jobs are ", 1)[1].split()
    assert [name.strip(",") for name in listed] == list(jobs.RUNNABLE)
    assert set(jobs.RUNNABLE) == set(jobs.JOBS) - {"seeker_refresh"}
    assert set(jobs.SCHEDULED) <= set(jobs.RUNNABLE)
    ran = cli.invoke(main, ["run-job", "fair_analysis"])
    assert ran.exit_code == 0 and ran.output.startswith("fair_analysis (run ")


def test_valid_rows_only_is_explicit_and_the_rejected_rows_come_back_to_fix(cli, tmp_path):
    from openpyxl import load_workbook

    rows = [posting_row(1), posting_row(2, 招聘人数="很多"), posting_row(3, 工作地点="")]
    path = write_csv(tmp_path / "p.csv", rows)
    refused = cli.invoke(main, ["import", "postings", str(path)])
    assert refused.exit_code == 1 and "nothing written" in refused.output
    assert cli.invoke(main, ["import", "postings", str(path), "--valid-only"]).exit_code == 2
    rejected = tmp_path / "rejected.xlsx"
    args = ["import", "postings", str(path), "--valid-only", "--rejected", str(rejected)]
    partial = cli.invoke(main, args)
    assert partial.exit_code == 1 and "1 new" in partial.output
    assert "2 rows left out" in partial.output
    sheet = load_workbook(rejected).active
    table = [[cell or "" for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert table[0][0] == "退回原因(reasons)" and table[0][1:] == list(rows[0])
    assert [row[1] for row in table[1:]] == ["T-P0002", "T-P0003"]
    assert "招聘人数" in table[1][0] and "工作地点" in table[2][0]
    # fixed in the returned file itself, which then imports as it is
    table[1][table[0].index("招聘人数")] = "3"
    table[2][table[0].index("工作地点")] = "贵阳市云岩区"
    fixed = write_csv(
        tmp_path / "fixed.csv",
        [dict(zip(table[0], row, strict=True)) for row in table[1:]],
    )
    again = cli.invoke(main, ["import", "postings", str(fixed)])
    assert again.exit_code == 0 and "2 new" in again.output and "0 warnings" in again.output
    repeat = cli.invoke(main, args)  # the same choice again: nothing new, nothing doubled
    assert "0 new" in repeat.output and "1 unchanged" in repeat.output


def test_the_postings_export_says_where_each_posting_stands(cli, tmp_path):
    from tests.helpers import TODAY

    row = {
        "岗位名称": "客服专员",
        "用人单位": "某科技有限公司",
        "岗位描述": "负责接听客户来电，解答业务咨询。要求：女，身高160以上，身体健康",
        "薪资": "4-6千/月",
        "工作地点": "贵阳市南明区",
        "截止日期": str(TODAY.replace(year=TODAY.year + 1)),
    }
    path = write_csv(tmp_path / "p.csv", [row])
    assert cli.invoke(main, ["import", "postings", str(path)]).exit_code == 0
    (posting,) = json.loads(cli.invoke(main, ["export", "postings", "--format", "json"]).stdout)
    assert posting["category"] == "customer_service_phone"
    assert posting["category_source"]["source"] == "inferred"
    assert posting["requirement_profile"]["hearing"] == 2
    assert posting["demand_sources"]["hearing"] == {
        "source": "phrase",
        "quote": "接听",
        "confidence": posting["demand_sources"]["hearing"]["confidence"],
    }
    assert posting["review"] == "held" and "flag:gender" in posting["review_reasons"]
    assert {"gender", "height"} <= {flag["rule"] for flag in posting["screening_flags"]}
    assert (posting["salary_min"], posting["salary_max"]) == (4000, 6000)
    people = cli.invoke(main, ["export", "postings"]).stdout
    assert "待核对" in people and "听觉：文本短语“接听”" in people, people
    again = tmp_path / "again.csv"
    again.write_text(people, encoding="utf-8")
    back = cli.invoke(main, ["import", "postings", str(again)])
    assert back.exit_code == 0 and "1 unchanged" in back.output, back.output
