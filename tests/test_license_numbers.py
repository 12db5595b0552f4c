"""Table tests: licence numbers as clients type them, good and bad, and checks against their answers."""

from __future__ import annotations

from datetime import date

import pytest

from bot.license_numbers import (
    CROSS_REGION,
    LEGACY_ICP,
    PROVINCIAL,
    LicenseNumber,
    check_license_number,
    describe,
    parse_license_number,
)
from bot.problems import Problem
from bot.provinces import PROVINCES, find_province

TODAY = date(2026, 11, 27)

# text -> (canonical, kind, province abbreviation, categories, year, serial, foreign)
GOOD: list[tuple[str, tuple[str, str, str | None, tuple[str, ...], int, str, bool]]] = [
    ("京B2-20210001", ("京B2-20210001", PROVINCIAL, "京", ("B2",), 2021, "0001", False)),
    ("粤B2-20090059", ("粤B2-20090059", PROVINCIAL, "粤", ("B2",), 2009, "0059", False)),
    ("京B2-20202418", ("京B2-20202418", PROVINCIAL, "京", ("B2",), 2020, "2418", False)),
    ("沪B1.B2-20180003", ("沪B1.B2-20180003", PROVINCIAL, "沪", ("B1", "B2"), 2018, "0003", False)),
    ("B2-20190001", ("B2-20190001", CROSS_REGION, None, ("B2",), 2019, "0001", False)),
    ("A2.B1.B2-20202637", ("A2.B1.B2-20202637", CROSS_REGION, None, ("A2", "B1", "B2"), 2020, "2637", False)),
    ("合字B1.B2-20130004", ("合字B1.B2-20130004", CROSS_REGION, None, ("B1", "B2"), 2013, "0004", True)),
    ("沪合字B2-20210012", ("沪合字B2-20210012", PROVINCIAL, "沪", ("B2",), 2021, "0012", True)),
    ("京ICP证030173号", ("京ICP证030173号", LEGACY_ICP, "京", ("B2",), 2003, "0173", False)),
    ("京ICP证000000号", ("京ICP证000000号", LEGACY_ICP, "京", ("B2",), 2000, "0000", False)),
    ("京ICP證030173號", ("京ICP证030173号", LEGACY_ICP, "京", ("B2",), 2003, "0173", False)),
    ("沪icp证 990001", ("沪ICP证990001号", LEGACY_ICP, "沪", ("B2",), 1999, "0001", False)),
    ("京b2-20210001", ("京B2-20210001", PROVINCIAL, "京", ("B2",), 2021, "0001", False)),
    (" 京 B2 - 2021 0001 ", ("京B2-20210001", PROVINCIAL, "京", ("B2",), 2021, "0001", False)),
    ("京Ｂ２－２０２１０００１", ("京B2-20210001", PROVINCIAL, "京", ("B2",), 2021, "0001", False)),
    ("京B2—20210001", ("京B2-20210001", PROVINCIAL, "京", ("B2",), 2021, "0001", False)),
    ("京B220210001", ("京B2-20210001", PROVINCIAL, "京", ("B2",), 2021, "0001", False)),
    ("京B2-20210001号", ("京B2-20210001", PROVINCIAL, "京", ("B2",), 2021, "0001", False)),
    ("增值电信业务经营许可证：京B2-20210001", ("京B2-20210001", PROVINCIAL, "京", ("B2",), 2021, "0001", False)),
    ("ICP证:浙B2-20080224", ("浙B2-20080224", PROVINCIAL, "浙", ("B2",), 2008, "0224", False)),
    ("A2·B1·B2-20202637", ("A2.B1.B2-20202637", CROSS_REGION, None, ("A2", "B1", "B2"), 2020, "2637", False)),
    ("B1、B2-20150011", ("B1.B2-20150011", CROSS_REGION, None, ("B1", "B2"), 2015, "0011", False)),
    ("陇B2-20200001", ("甘B2-20200001", PROVINCIAL, "甘", ("B2",), 2020, "0001", False)),
    ("黔B1-20190002", ("黔B1-20190002", PROVINCIAL, "黔", ("B1",), 2019, "0002", False)),
    ("蒙B2-20170001", ("蒙B2-20170001", PROVINCIAL, "蒙", ("B2",), 2017, "0001", False)),
    ("新B2-20260001", ("新B2-20260001", PROVINCIAL, "新", ("B2",), 2026, "0001", False)),
    ("湘B2-20180001", ("湘B2-20180001", PROVINCIAL, "湘", ("B2",), 2018, "0001", False)),
    ("鄂B1.B2-20200008", ("鄂B1.B2-20200008", PROVINCIAL, "鄂", ("B1", "B2"), 2020, "0008", False)),
    ("云B2-20200001", ("滇B2-20200001", PROVINCIAL, "滇", ("B2",), 2020, "0001", False)),
    ("合字B2-20200001", ("合字B2-20200001", CROSS_REGION, None, ("B2",), 2020, "0001", True)),
    ("A2.B1-20210001", ("A2.B1-20210001", CROSS_REGION, None, ("A2", "B1"), 2021, "0001", False)),
    ("B1-20200001。", ("B1-20200001", CROSS_REGION, None, ("B1",), 2020, "0001", False)),
]

BAD: list[tuple[str, str]] = [
    ("", "empty"),
    ("   ", "empty"),
    ("京ICP备16020626号-1", "icp_filing"),
    ("京ICP备16020626号", "icp_filing"),
    ("沪ICP備12345678號-3", "icp_filing"),
    ("京公网安备11010802020000号", "police_filing"),
    ("港B2-20210001", "not_mainland"),
    ("台B2-20210001", "not_mainland"),
    ("华B2-20210001", "unknown_province"),
    ("京B3-20210001", "bad_category"),
    ("京C2-20210001", "bad_category"),
    ("京B25-20210001", "service_code"),
    ("B11-20190001", "service_code"),
    ("B1.B1-20190001", "duplicate_category"),
    ("京B2-2021001", "bad_digits"),
    ("京B2-202100011", "bad_digits"),
    ("京B2-19800001", "bad_year"),
    ("京B2-20300001", "bad_year"),  # a future year, with today injected
    ("ICP证030173号", "legacy_no_province"),
    ("京ICP证0301号", "bad_digits"),
    ("京ICP证", "bad_digits"),
    ("粤B2", "unrecognised"),
    ("20210001", "unrecognised"),
    ("我不知道", "unrecognised"),
    ("😀😀", "unrecognised"),
    ("京B2-2021000A", "unrecognised"),
    ("京B2-20210001" * 6, "too_long"),
    ("京京B2-20210001", "unrecognised"),
    ("B2-", "unrecognised"),
    ("-20210001", "unrecognised"),
]


@pytest.mark.parametrize(("text", "expected"), GOOD)
def test_parses(text: str, expected: tuple[str, str, str | None, tuple[str, ...], int, str, bool]) -> None:
    number = parse_license_number(text, TODAY)
    assert isinstance(number, LicenseNumber), number
    abbr = number.province.abbr if number.province else None
    assert (number.text, number.kind, abbr, number.categories, number.year, number.serial,
            number.foreign) == expected
    assert number.ok
    assert parse_license_number(number.text, TODAY) == number  # the canonical form parses to itself


@pytest.mark.parametrize(("text", "code"), BAD)
def test_rejects_with_reason(text: str, code: str) -> None:
    result = parse_license_number(text, TODAY)
    assert isinstance(result, Problem), result
    assert result.code == code
    assert result.zh and result.en


def test_icp_filing_is_explained_as_a_filing() -> None:
    problem = parse_license_number("京ICP备16020626号-1")
    assert isinstance(problem, Problem)
    assert "备案号" in problem.zh and "不是许可证" in problem.zh and "北京" in problem.zh
    assert "filing" in problem.en


def _parsed(text: str) -> LicenseNumber:
    number = parse_license_number(text, TODAY)
    assert isinstance(number, LicenseNumber)
    return number


CHECKS: list[tuple[str, str, str | None, str | None, list[str]]] = [
    ("京B2-20210001", "icp", "provincial", "北京", []),
    ("京B2-20210001", "icp", "provincial", "京", []),
    ("京B2-20210001", "icp", "provincial", "上海", ["province_mismatch"]),
    ("京B2-20210001", "icp", "nationwide", None, ["scope_provincial_number"]),
    ("B2-20190001", "edi", "nationwide", None, []),
    ("B2-20190001", "edi", "provincial", "北京", ["scope_cross_region_number"]),
    ("京B2-20210001", "idc", "provincial", "北京", ["category_mismatch"]),
    ("京B1-20210001", "icp", "provincial", "北京", ["category_mismatch"]),
    ("A2.B1.B2-20202637", "idc", "nationwide", None, []),
    ("A2.B1.B2-20202637", "hosting", "nationwide", None, []),
    ("B2-20190001", "hosting", "nationwide", None, ["category_mismatch"]),
    ("京ICP证030173号", "icp", "provincial", "北京", []),
    ("京ICP证030173号", "edi", "provincial", "北京", ["legacy_not_icp"]),
    ("粤B1-20200001", "cdn", "nationwide", None, ["scope_provincial_number"]),
    ("合字B1.B2-20130004", "cdn", "nationwide", None, []),
]


@pytest.mark.parametrize(("text", "license_code", "scope", "province", "codes"), CHECKS)
def test_check_against_answers(text: str, license_code: str, scope: str | None, province: str | None,
                               codes: list[str]) -> None:
    problems = check_license_number(_parsed(text), license_code, scope, province)
    assert [p.code for p in problems] == codes


def test_mismatch_reasons_are_precise() -> None:
    [problem] = check_license_number(_parsed("京B2-20210001"), "icp", "provincial", "上海")
    assert "北京" in problem.zh and "上海" in problem.zh
    [problem] = check_license_number(_parsed("京B2-20210001"), "idc", "provincial", "北京")
    assert "B1" in problem.zh and "B11" in problem.zh


def test_describe() -> None:
    assert describe(_parsed("京B2-20210001")) == "京B2-20210001：北京通信管理局颁发的许可证（地网），B2 第二类增值电信业务，2021年第0001号。"
    assert "MIIT" in describe(_parsed("合字B1.B2-20130004"), "en")
    assert "foreign-invested" in describe(_parsed("合字B1.B2-20130004"), "en")


def test_provinces_are_the_31_mainland_ones() -> None:
    assert len(PROVINCES) == 31
    assert len({p.abbr for p in PROVINCES}) == 31
    assert find_province("广西壮族自治区") == find_province("桂") == find_province("Guangxi")
    assert find_province("北京市") is not None and find_province("香港") is None
