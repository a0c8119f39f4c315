"""Excel workbooks (`--format xlsx -o FILE`) and safe CSV (`--bom`, formulas defused) for
`score`, `compare` and `summary`, driven through the CLI on a copy of the library and read back
with openpyxl: the sheets, their Japanese headings, the frozen header row, the autofilter, numbers
that stay numbers, and a step named like a formula that stays text."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from tamaflow.cli import app
from tamaflow.io.table import BOM, Column, Table, csv_cell, safe_text, shown, to_csv
from tamaflow.io.xlsx import workbook_bytes

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()
EVIL = '=HYPERLINK("http://x.invalid","受付")'
RENAMED = "来庁し、窓口で転入の旨を申し出る"


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The library with one step of tennyu/komae renamed to a formula."""
    lib = tmp_path_factory.mktemp("lib") / "processes"
    shutil.copytree(ROOT / "processes", lib)
    f = lib / "tennyu" / "komae.yaml"
    text = f.read_text(encoding="utf-8")
    assert f"name: {RENAMED}\n" in text
    f.write_text(text.replace(f"name: {RENAMED}\n", "name: '" + EVIL + "'\n", 1), encoding="utf-8")
    return lib


def run(*args: str) -> tuple[int, bytes, str]:
    r = runner.invoke(app, list(args))
    return r.exit_code, r.stdout_bytes, r.stderr


def read_back(path: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(path)


def check_sheet(ws: openpyxl.worksheet.worksheet.Worksheet, headings: list[str]) -> None:
    """Headings first, the header row frozen, the autofilter over the whole table."""
    assert [c.value for c in ws[1]][:len(headings)] == headings
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}{max(ws.max_row, 2)}"
    assert all(c.font.bold for c in ws[1])


def cells(wb: openpyxl.Workbook) -> list[openpyxl.cell.Cell]:
    return [c for ws in wb for row in ws.iter_rows() for c in row]


def assert_formula_is_text(wb: openpyxl.Workbook) -> None:
    evil = [c for c in cells(wb) if c.value == EVIL]
    assert evil, "the renamed step is in the workbook"
    assert all(c.data_type == "s" for c in evil)
    assert not [c for c in cells(wb) if c.data_type == "f"], "no formula anywhere"


# ----- the building blocks ------------------------------------------------------------------------

@pytest.mark.parametrize("text", [EVIL, "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_formula_starts_are_defused_in_csv(text: str) -> None:
    assert safe_text(text) == "'" + text
    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["受付", "", "a=b", "'quoted", "—", " =x"])
def test_other_text_is_left_alone(text: str) -> None:
    assert safe_text(text) == text


def test_numbers_stay_numbers_in_csv() -> None:
    assert [csv_cell(x) for x in (-3.0, -2, 0.5, True, None)] == ["-3", "-2", "0.5", "true", ""]


def test_a_row_of_the_wrong_length_is_a_bug() -> None:
    t = Table("x", (Column("a", "A"),))
    with pytest.raises(ValueError):
        t.add(1, 2)
    with pytest.raises(ValueError):
        Table("a/b", ())


def test_shown_follows_the_number_format() -> None:
    assert [shown(1234.5, '#,##0 "h"'), shown(0.456, "0%"), shown(0.5, "0.00"), shown(None, "0")] == \
        ["1,234 h", "46%", "0.50", "—"]


def test_workbook_is_deterministic_and_typed(tmp_path: Path) -> None:
    t = Table("順位", (Column("name", "手続"), Column("hours", "時間/年", "#,##0.0")))
    t.add(EVIL, -12.5)
    t.add("転入届", None)
    data = workbook_bytes([t])
    assert data == workbook_bytes([t])
    (tmp_path / "a.xlsx").write_bytes(data)
    ws = read_back(tmp_path / "a.xlsx")["順位"]
    check_sheet(ws, ["手続", "時間/年"])
    assert (ws["A2"].value, ws["A2"].data_type) == (EVIL, "s")
    assert (ws["B2"].value, ws["B2"].data_type, ws["B2"].number_format) == (-12.5, "n", "#,##0.0")
    assert ws["B3"].value is None
    assert ws.column_dimensions["A"].width > ws.column_dimensions["B"].width  # wide characters count double
    assert to_csv(t).splitlines()[1] == '"\'=HYPERLINK(""http://x.invalid"",""受付"")",-12.5'


# ----- through the CLI ---------------------------------------------------------------------------

def test_score_workbook(library: Path, tmp_path: Path) -> None:
    out = tmp_path / "score.xlsx"
    code, stdout, _ = run("score", str(library), "--format", "xlsx", "-o", str(out))
    assert code == 0 and stdout == b""
    wb = read_back(out)
    assert wb.sheetnames == ["順位", "最少時間の市", "上位の手順", "押印・紙", "手順"]
    check_sheet(wb["順位"], ["順位", "手続", "市", "件数/年", "職員 分/件", "職員 時間/年", "自動化可能 時間/年"])
    check_sheet(wb["手順"], ["手続ID", "手続", "市ID", "手順ID", "手順", "担当"])
    for name in wb.sheetnames:
        check_sheet(wb[name], [])
    hours = wb["順位"]["F2"]
    assert isinstance(hours.value, float | int) and hours.data_type == "n" and hours.number_format == "#,##0.0"
    assert wb["順位"]["B2"].value == "支出負担行為・支出命令"
    assert_formula_is_text(wb)
    # the same input gives the same bytes
    first = out.read_bytes()
    assert run("score", str(library), "--format", "xlsx", "-o", str(out))[0] == 2  # exists: no --force
    assert run("score", str(library), "--format", "xlsx", "-o", str(out), "--force")[0] == 0
    assert out.read_bytes() == first


def test_compare_workbook_of_one_procedure_and_of_the_library(library: Path, tmp_path: Path) -> None:
    one = tmp_path / "tennyu.xlsx"
    assert run("compare", str(library / "tennyu"), "--format", "xlsx", "-o", str(one))[0] == 0
    wb = read_back(one)
    assert wb.sheetnames == ["類似度", "標準フロー", "標準との違い", "対応表"]
    check_sheet(wb["標準フロー"], ["順", "手順", "担当", "種類", "支持率", "手順ID"])
    check_sheet(wb["標準との違い"], ["市", "種類", "内容"])
    sim = wb["類似度"]
    cities = [c.value for c in sim[1]][1:]
    assert sorted(cities) == sorted(p.stem for p in (library / "tennyu").glob("*.yaml"))
    assert [sim.cell(i + 2, 1).value for i in range(len(cities))] == cities  # clustered order on both axes
    assert sim["B2"].value == 1 and sim["B2"].number_format == "0.00"
    align = wb["対応表"]
    check_sheet(align, ["番号", "標準の手順ID", "支持率", *sorted(cities)])
    assert align["C2"].data_type == "n" and align["C2"].number_format == "0%"
    assert_formula_is_text(wb)

    whole = tmp_path / "all.xlsx"
    assert run("compare", str(library), "--format", "xlsx", "-o", str(whole))[0] == 0
    wb = read_back(whole)
    assert wb.sheetnames == ["類似度", "標準フロー", "標準との違い", "対応表"]
    check_sheet(wb["対応表"], ["手続", "番号", "標準の手順ID", "支持率", "市", "手順", "手順ID"])
    procedures = {c.value for c in wb["標準フロー"]["A"][1:]}
    assert procedures == {d.name for d in library.iterdir() if d.is_dir()}
    assert_formula_is_text(wb)


def test_summary_workbook_and_csv(library: Path, tmp_path: Path) -> None:
    out = tmp_path / "summary.xlsx"
    code, stdout, _ = run("summary", str(library), "--format", "xlsx", "-o", str(out))
    assert code == 0 and stdout == b""
    wb = read_back(out)
    assert wb.sheetnames == ["手続ごとの比較", "RPAの候補", "紙・押印・対面", "標準化の効果"]
    check_sheet(wb["標準化の効果"], ["手続", "市", "現在/年", "標準+RPA/年", "削減/年", "削減 P10", "削減 P90"])
    ws = wb["手続ごとの比較"]
    check_sheet(ws, ["手続", "市", "類似度", "標準の手順", "標準との違い", "職員時間/年", "自動化可能/年"])
    assert ws.max_row == 1 + sum(1 for d in library.iterdir() if d.is_dir())
    assert ws["F2"].data_type == "n" and ws["F2"].number_format == '#,##0 "h"'
    code, stdout, _ = run("summary", str(library), "--format", "csv", "--bom")
    assert code == 0 and stdout.startswith(BOM)
    rows = list(csv.DictReader(io.StringIO(stdout.decode("utf-8-sig"))))
    assert {r["process"] for r in rows} == {d.name for d in library.iterdir() if d.is_dir()}
    assert float(rows[0]["hours_per_year"]) == ws["F2"].value


def test_csv_bom_and_defused_formula(library: Path, tmp_path: Path) -> None:
    code, stdout, _ = run("score", str(library / "tennyu"), "--format", "csv", "--bom")
    assert code == 0 and stdout.startswith(BOM)
    rows = list(csv.DictReader(io.StringIO(stdout.decode("utf-8-sig"))))
    assert "'" + EVIL in {r["step_name"] for r in rows}
    assert not [r for r in rows if r["step_name"].startswith("=")]
    assert all(float(r["minutes"]) >= 0 for r in rows if r["minutes"])  # numbers stay plain numbers
    code, stdout, _ = run("score", str(library / "tennyu"), "--format", "csv")
    assert not stdout.startswith(BOM)  # stdout without --bom: plain UTF-8 for pipes
    f = tmp_path / "s.csv"
    assert run("score", str(library / "tennyu"), "--format", "csv", "-o", str(f), "--no-bom")[0] == 0
    assert not f.read_bytes().startswith(BOM)

    for target in (library / "tennyu", library):
        code, stdout, _ = run("compare", str(target), "--format", "csv", "--bom")
        assert code == 0 and stdout.startswith(BOM)
        text = stdout.decode("utf-8-sig")
        assert any(cell == "'" + EVIL for row in csv.reader(io.StringIO(text)) for cell in row)
        assert not any(cell.startswith("=") for row in csv.reader(io.StringIO(text)) for cell in row)
    out = tmp_path / "tennyu.csv"
    assert run("compare", str(library / "tennyu"), "--format", "csv", "-o", str(out))[0] == 0
    assert out.read_bytes().startswith(BOM)  # a file for Excel gets the BOM by default


@pytest.mark.parametrize("command", [["score"], ["compare"], ["summary"]])
def test_xlsx_needs_an_output_file(command: list[str], library: Path) -> None:
    target = library / "tennyu" if command == ["compare"] else library
    code, stdout, err = run(*command, str(target), "--format", "xlsx")
    assert code == 2 and stdout == b""
    assert "-o FILE.xlsx" in err


def test_help_says_so() -> None:
    for command in ("score", "compare", "summary"):
        text = runner.invoke(app, [command, "--help"], env={"COLUMNS": "200"}).stdout
        assert "xlsx" in text and "--bom" in text and "mojibake" in text


def test_site_csv_download_defuses_the_formula(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    shutil.copytree(ROOT / "tests" / "fixtures" / "publish", lib)
    f = lib / "shinsei" / "komae.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("name: 申請書を提出する\n", "name: '" + EVIL + "'\n", 1),
                 encoding="utf-8")
    r = runner.invoke(app, ["publish", str(lib), "-o", str(tmp_path / "site")], env={"SOURCE_DATE_EPOCH": "1700000000"})
    assert r.exit_code == 0, r.output
    raw = (tmp_path / "site" / "p" / "shinsei" / "komae.csv").read_bytes()
    assert raw.startswith(BOM)
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert "'" + EVIL in {r["name"] for r in rows}
    assert all(not r["minutes"].startswith("'") for r in rows)
