"""The checklist rules: validation errors name file and entry; answers add and drop items; dates."""

from __future__ import annotations

from copy import deepcopy
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from checklist.plan import Answers, build_plan
from checklist.rules import SHIPPED_FILE, RulesError, load_rules, load_rules_for, parse_rules

RULES = load_rules()
TODAY = date(2026, 11, 27)


def raw() -> dict[str, Any]:
    return deepcopy(yaml.safe_load(SHIPPED_FILE.read_text(encoding="utf-8")))


def ids(**kw: Any) -> set[str]:
    base: dict[str, Any] = {"license": "icp", "scope": "provincial", "province": "北京",
                            "expires": date(2027, 9, 30)}
    return {m.id for m in build_plan(RULES, Answers(**{**base, **kw}), TODAY).items}


def test_shipped_rules_cover_every_holdable_licence():
    assert {lt.code for lt in RULES.licenses} >= {"icp", "sp", "edi", "idc", "cdn", "isp", "vpn", "call_center",
                                                   "multiparty", "store_forward", "code_conversion",
                                                   "data_transfer", "premises_network", "hosting"}


def broken(mutate: Any) -> str:
    data = raw()
    mutate(data)
    with pytest.raises(RulesError) as err:
        parse_rules(data)
    return str(err.value)


@pytest.mark.parametrize(("mutate", "expected"), [
    (lambda d: d["materials"][4].update(group="misc"), "materials #5 (business_licence): unknown group 'misc'"),
    (lambda d: d["materials"][1].update(when={"colour": ["red"]}), "unknown condition 'colour'"),
    (lambda d: d["materials"][1].update(when={"changes": ["haircut"]}), "(change_filing) when: condition "
                                                                       "'changes': unknown values ['haircut']"),
    (lambda d: d["materials"][1].update(when={"license": ["icq"]}), "unknown values ['icq']"),
    (lambda d: d["materials"][1].update(when={"province": ["火星"]}), "unknown values ['火星']"),
    (lambda d: d["materials"].append(dict(d["materials"][0])), "'new_application' is used twice"),
    (lambda d: d["materials"][0].pop("zh"), "(new_application): 'zh' must be a non-empty string"),
    (lambda d: d["materials"][0].update(first="yes"), "'first' must be true or false"),
    (lambda d: d["materials"][0].update(colour="red"), "unknown keys ['colour']"),
    (lambda d: d["licenses"].pop(0), "missing licence types icp"),
    (lambda d: d["licenses"][0].update({"class": "C9"}), "licenses #1 (icp): class 'C9'"),
    (lambda d: d["timeline"].pop(2), "timeline: missing submit_by"),
    (lambda d: d["timeline"][2].update(days_before_expiry="ninety"), "(submit_by): 'days_before_expiry'"),
    (lambda d: d["urgency"][0].update(zh="{weekday}"), "unknown placeholders ['weekday']"),
    (lambda d: d["urgency"].pop(), "the last level must apply 'always'"),
    (lambda d: d["answers"]["changes"].append({"value": "done", "zh": "完", "en": "d"}), "'done' is reserved"),
    (lambda d: d.update(extra=1), "sections must be exactly"),
])
def test_broken_rules_name_file_and_entry(mutate, expected):
    message = broken(mutate)
    assert message.startswith("checklist.yaml") and expected in message


def test_unreadable_yaml_names_the_file(tmp_path: Path):
    (tmp_path / "checklist.yaml").write_text("groups: [oops\n", encoding="utf-8")
    with pytest.raises(RulesError, match=r"checklist\.yaml: not valid YAML"):
        load_rules_for(tmp_path)


def test_a_new_material_is_a_yaml_edit(tmp_path: Path):
    data = raw()
    data["materials"].append({"id": "vpn_topology", "group": "technical", "when": {"license": ["vpn"]},
                              "zh": "组网拓扑图", "en": "Network topology", "what_zh": "说明", "what_en": "note"})
    (tmp_path / "checklist.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    rules = load_rules_for(tmp_path)
    plan = build_plan(rules, Answers("vpn", "nationwide", date(2027, 9, 30)), TODAY)
    assert "vpn_topology" in {m.id for m in plan.items}
    assert load_rules_for(None) == RULES  # a folder without its own file uses the shipped one


def test_answers_add_and_drop_items():
    assert {"capital_provincial"} <= ids() and "capital_nationwide" not in ids()
    nationwide = ids(scope="nationwide", province=None)
    assert {"capital_nationwide", "cross_region_coverage"} <= nationwide and "capital_provincial" not in nationwide
    assert "shareholder_change" in ids(changes=("shareholders",)) and "shareholder_change" not in ids()
    assert "change_filing" in ids(changes=("legal_rep",))
    assert {"foreign_cap", "foreign_pilot", "foreign_over_cap"} <= ids(foreign="50plus")
    assert "foreign_cap" in ids(foreign="below50") and "foreign_over_cap" not in ids(foreign="below50")
    call_center = ids(license="call_center", foreign="50plus")
    assert "foreign_open" in call_center and "foreign_over_cap" not in call_center
    hosting = ids(license="hosting", scope="nationwide", province=None, foreign="below50")
    assert "capital_nationwide" not in hosting and "foreign_basic" in hosting  # no capital figure for basic
    assert "prior_education" in ids(special=("education",)) and "licence_on_homepage" in ids()
    assert {"idc_isp_security", "cross_region_nodes"} <= ids(license="idc", scope="nationwide", province=None)


@pytest.mark.parametrize("expires", [date(2027, 3, 15), date(2028, 2, 29), date(2027, 1, 1), date(2030, 5, 31)])
def test_submit_by_is_ninety_days_before_expiry(expires: date):
    plan = build_plan(RULES, Answers("edi", "nationwide", expires), TODAY)
    assert plan.date_of("submit_by") == expires - timedelta(days=90)
    assert plan.date_of("expires") == expires
    assert plan.date_of("prepare_from") < plan.date_of("self_check") < plan.date_of("submit_by")


@pytest.mark.parametrize(("today", "level", "application"), [
    (date(2026, 1, 1), "on_track", "renewal"),
    (date(2026, 9, 16), "prepare_now", "renewal"),  # 180 days before expiry
    (date(2026, 11, 15), "urgent", "renewal"),  # 30 days before the last day to submit
    (date(2026, 12, 15), "urgent", "renewal"),  # the last day itself still counts
    (date(2026, 12, 16), "deadline_passed", "new"),
    (date(2027, 3, 15), "deadline_passed", "new"),  # valid through the expiry day
    (date(2027, 3, 16), "expired", "new"),
])
def test_urgency_follows_the_calendar(today: date, level: str, application: str):
    plan = build_plan(RULES, Answers("icp", "provincial", date(2027, 3, 15), "北京"), today)
    assert (plan.urgency.level, plan.application) == (level, application)
    assert "{" not in plan.banner("zh") and "{" not in plan.banner("en")
