"""`tamaflow import` takes the process and city from where the file goes: `--process`/`--city`,
else <library>/<process>/<city>.yaml (the city must be in cities.yaml), else the target's file
name; Japanese names are romanized rather than lost. Through the CLI on tests/fixtures/import
and a tmp copy of processes/."""

from __future__ import annotations

from pathlib import Path

import pytest
from clihelp import REPO, invoke, library_copy, load_yaml, validate_json

from tamaflow.io.romaji import kana_to_romaji, romanize

FIXTURES = REPO / "tests" / "fixtures" / "import"
PERMIT = FIXTURES / "bpmnio_permit.bpmn"


@pytest.fixture()
def lib(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A tmp copy of the shipped library; the current folder is its parent."""
    monkeypatch.chdir(tmp_path)
    return library_copy(tmp_path)


load = load_yaml


def errors_of(*args: str) -> list[dict[str, object]]:
    _, findings = validate_json(*args)
    return [f for f in findings if f["severity"] == "error"]


def test_into_a_library_the_path_gives_process_and_city(lib: Path) -> None:
    target = lib / "tennyu" / "kunitachi.yaml"
    code, out, err = invoke("import", str(PERMIT), "-o", "processes/tennyu/kunitachi.yaml", "--force")
    assert code == 0, err
    data = load(target)
    # the library's ids and its name for the procedure (one name for all cities), not `bpmnio_permit`
    assert (data["process"], data["city"], data["name"]) == ("tennyu", "kunitachi", "転入届")
    assert "The model calls the procedure '道路占用許可申請'" in target.read_text(encoding="utf-8")
    code, findings = validate_json(str(lib))
    assert code == 0, findings
    assert not [f for f in findings if f["code"] in ("TF201", "TF204", "TF205")]
    # a procedure the library does not hold yet: the folder is the process, the model keeps its name
    code, _, _ = invoke("import", str(FIXTURES / "net.pnml"), "-o", "processes/kenchiku/hino.yaml")
    assert code == 0
    data = load(lib / "kenchiku" / "hino.yaml")
    assert (data["process"], data["city"], data["name"]) == ("kenchiku", "hino", "建築確認")
    assert errors_of(str(lib)) == []


def test_unknown_city_in_a_library_is_a_usage_error(lib: Path) -> None:
    code, out, err = invoke("import", str(PERMIT), "-o", "processes/tennyu/tokyo.yaml")
    assert code == 2 and out == ""
    assert err.strip().splitlines() == ["city `tokyo` (from tokyo.yaml) is not in processes/cities.yaml "
                                        "(did you mean `nishitokyo`?); add the city there first"]
    assert not (lib / "tennyu" / "tokyo.yaml").exists()


def test_japanese_names_in_a_library_get_the_path_to_use(lib: Path) -> None:
    code, _, err = invoke("import", str(PERMIT), "-o", "processes/転入届/国立市.yaml")
    assert code == 2
    assert "write to processes/tennyu/kunitachi.yaml or give --process and --city" in err
    assert not (lib / "転入届").exists()


def test_options_give_the_ids_and_must_agree_with_a_library_path(lib: Path, tmp_path: Path) -> None:
    out = tmp_path / "elsewhere" / "model.yaml"
    code, _, _ = invoke("import", str(PERMIT), "-o", str(out), "--process", "doro", "--city", "hino")
    assert code == 0
    assert (load(out)["process"], load(out)["city"]) == ("doro", "hino")
    assert errors_of(str(out)) == []
    code, _, err = invoke("import", str(PERMIT), "-o", "processes/tennyu/kunitachi.yaml", "--city", "hino", "--force")
    assert code == 2 and "write to processes/tennyu/hino.yaml" in err
    code, _, err = invoke("import", str(PERMIT), "-o", str(out), "--city", "日野", "--force")
    assert code == 2 and "not a safe id" in err


def test_outside_a_library_the_file_name_is_the_city_and_japanese_stays_readable(tmp_path: Path) -> None:
    src = tmp_path / "転入届.pnml"
    text = (FIXTURES / "net.pnml").read_text(encoding="utf-8").replace("<text>建築確認</text>", "<text>転入届</text>", 1)
    src.write_text(text, encoding="utf-8")
    out = tmp_path / "out" / "国立市.yaml"
    code, _, err = invoke("import", str(src), "-o", str(out))
    assert code == 0, err
    data = load(out)
    assert (data["process"], data["city"], data["name"]) == ("tennyutodoke", "kunitachishi", "転入届")
    assert errors_of(str(out)) == []
    # the same bytes again: the romanization is deterministic
    first = out.read_bytes()
    assert invoke("import", str(src), "-o", str(out), "--force")[0] == 0
    assert out.read_bytes() == first


@pytest.mark.parametrize(("text", "slug"), [
    ("住民票", "juminhyo"), ("犬の登録", "inu-no-toroku"), ("国民健康保険 加入", "kokuminkenkohoken kanyu"),
    ("転入届_国立市", "tennyutodoke_kunitachishi"), ("マイナンバーカード交付 v2", "mainanbakado-kofu v2"),
    ("permit", "permit"),
])
def test_romanize_spells_like_the_library_slugs(text: str, slug: str) -> None:
    assert romanize(text) == slug


@pytest.mark.parametrize(("kana", "romaji"), [
    ("ちょっと", "chotto"), ("キャッシュ", "kyasshu"), ("ジョウホウ", "joho"), ("フィルム", "firumu"),
    ("シンセイ", "shinsei"), ("マッチ", "matchi"), ("abc", "abc"),
])
def test_kana_to_romaji(kana: str, romaji: str) -> None:
    assert kana_to_romaji(kana) == romaji
