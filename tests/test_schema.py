"""The schema matches SPEC §2, answers to all three scripts, and its Traditional forms are real."""

import opencc
import pytest

from addin.core.schema import CHOICES, SHEETS, SHEETS_BY_KEY, all_labels, sheet_for_name
from addin.core.settings import SETTING_SPECS, Settings, setting_for_key
from tests.spec_tables import SPEC_ENUMS, SPEC_REQUIRED, SPEC_SETTINGS, SPEC_SHEETS

S2T = opencc.OpenCC("s2t")
S2TW = opencc.OpenCC("s2tw")


@pytest.mark.parametrize("sheet_zh", list(SPEC_SHEETS))
def test_every_spec_header_maps_to_its_key(sheet_zh):
    spec = sheet_for_name(sheet_zh)
    assert spec is not None
    for header, key in SPEC_SHEETS[sheet_zh]:
        assert spec.field_for_header(header) == key, header
        assert spec.field_for_header(key) == key
        assert spec.by_key[key].label.zh == header


def test_schema_has_no_field_the_spec_lacks():
    for sheet_zh, pairs in SPEC_SHEETS.items():
        spec = sheet_for_name(sheet_zh)
        keys = {k for _, k in pairs}
        extra = {f.key for f in spec.fields} - keys
        assert extra <= {"description"}, (sheet_zh, extra)


def test_required_flags_match_spec():
    for key, required in SPEC_REQUIRED.items():
        spec = SHEETS_BY_KEY[key]
        assert {f.key for f in spec.fields if f.required} == required


@pytest.mark.parametrize("field_key", list(SPEC_ENUMS))
def test_enum_values_match_spec(field_key):
    fields = [f for s in SHEETS for f in s.fields if f.key == field_key]
    assert fields and all(f.choices is not None for f in fields)
    assert [v.zh for v in fields[0].choices.values] == SPEC_ENUMS[field_key]


def test_traditional_forms_are_what_opencc_gives():
    """Each label's Traditional aliases include OpenCC's s2t and s2tw conversions of its Simplified form."""
    for label in all_labels():
        for conv in (S2T, S2TW):
            assert conv.convert(label.zh) in label.hant, (label.zh, conv.convert(label.zh), label.hant)


def test_examples_from_the_issue_are_matched():
    assert SHEETS_BY_KEY["customers"].field_for_header("客戶編號") == "customer_id"
    assert SHEETS_BY_KEY["visits"].field_for_header("拜訪日期") == "visit_date"
    assert CHOICES["method"].canonical("面訪") == "面访"
    assert CHOICES["method"].canonical("in-person") == "面访"
    assert CHOICES["role"].canonical("決策者") == "决策者"


@pytest.mark.parametrize("header", ["开发总时间(天)", "开发总时间（天）", " 開發總時間（天） ", "TOTAL_DAYS", "Total Days"])
def test_header_matching_is_nfkc_trim_and_case_insensitive(header):
    assert SHEETS_BY_KEY["development"].field_for_header(header) == "total_days"


@pytest.mark.parametrize("name,key", [("客户", "customers"), ("客戶", "customers"), ("CUSTOMERS", "customers"),
                                      ("拜訪記錄", "visits"), ("客户拜访记录表", "visits"), (" Visits ", "visits"),
                                      ("設定", "settings"), ("大客户开发记录表", "development")])
def test_sheet_names_in_three_scripts(name, key):
    assert sheet_for_name(name).key == key


def test_unknown_names_do_not_match():
    assert sheet_for_name("Sheet1") is None
    assert SHEETS_BY_KEY["visits"].field_for_header("天气") is None
    assert CHOICES["method"].canonical("飞鸽传书") is None


def test_no_alias_points_at_two_fields_or_values():
    for spec in SHEETS:
        seen: dict[str, str] = {}
        for f in spec.fields:
            for alias in (*f.label.aliases(), f.key):
                from addin.core.text import norm
                assert seen.setdefault(norm(alias), f.key) == f.key, (spec.key, alias)
    for choices in CHOICES.values():
        seen = {}
        for v in choices.values:
            for alias in v.aliases():
                from addin.core.text import norm
                assert seen.setdefault(norm(alias), v.zh) == v.zh, (choices.key, alias)


def test_settings_defaults_and_keys_match_spec():
    defaults = Settings()
    for zh, (en, value) in SPEC_SETTINGS.items():
        spec_zh, spec_en = setting_for_key(zh), setting_for_key(en)
        assert spec_zh is not None and spec_zh is spec_en
        assert getattr(defaults, spec_zh.attr) == value
        assert setting_for_key(S2T.convert(zh)) is spec_zh
    assert len(SETTING_SPECS) == len(SPEC_SETTINGS)


def test_monthly_review_takes_yes_and_no_in_every_form():
    from addin.core.model import build_table
    from addin.core.schema import SETTINGS
    from addin.core.settings import read_settings

    for word, expected in (("否", False), ("no", False), ("0", False), ("是", True), ("TRUE", True), ("yes", True)):
        settings, findings = read_settings(build_table(SETTINGS, "设置", [["参数", "值"], ["月度审核", word]]))
        assert findings == [] and settings.monthly_review is expected
    _, findings = read_settings(build_table(SETTINGS, "设置", [["参数", "值"], ["月度审核", "也许"]]))
    assert [f.code for f in findings] == ["bad-setting"] and "是" in findings[0].message("zh")
