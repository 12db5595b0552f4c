"""Canned replies: the shipped file is valid; every mistake in a file names the file and the reply."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.canned import SHIPPED, CannedError, canned_file, load_canned, parse_canned


def test_shipped_canned_replies_load_and_have_english():
    replies = load_canned(SHIPPED)
    assert {"greeting", "wrap-up"} <= set(replies)
    assert all(r.zh and r.en for r in replies.values())
    assert replies["greeting"].text("en").startswith("Hello")
    assert replies["greeting"].text("zh").startswith("您好")


def test_chinese_only_reply_is_sent_in_chinese_to_english_clients():
    replies = parse_canned({"wait": {"zh": "请稍等"}}, "canned.yaml")
    assert replies["wait"].text("en") == "请稍等"


def test_empty_file_has_no_replies():
    assert parse_canned(None, "canned.yaml") == {}


@pytest.mark.parametrize("data, message", [
    ({"Greeting!": {"zh": "hi"}}, "Greeting!: name must be"),
    ({"hi": "您好"}, "hi: expected zh"),
    ({"hi": {"en": "hello"}}, "hi.zh: expected non-empty text"),
    ({"hi": {"zh": "   "}}, "hi.zh"),
    ({"hi": {"zh": "您好", "fr": "salut"}}, "unknown field"),
    ({"hi": {"zh": "长" * 2000}}, "keep it under"),
    ([1, 2], "expected a mapping"),
])
def test_mistakes_name_the_file_and_the_reply(data, message):
    with pytest.raises(CannedError, match=message) as err:
        parse_canned(data, "canned.yaml")
    assert str(err.value).startswith("canned.yaml")


def test_unreadable_yaml_names_the_file(tmp_path: Path):
    path = tmp_path / "canned.yaml"
    path.write_bytes(b"\xff\xfe broken")
    with pytest.raises(CannedError, match=r"canned\.yaml: cannot read"):
        load_canned(path)


def test_the_knowledge_folder_may_bring_its_own_file(tmp_path: Path):
    assert canned_file(str(tmp_path)) == SHIPPED
    (tmp_path / "canned.yaml").write_text("hi:\n  zh: 你好\n", encoding="utf-8")
    assert canned_file(str(tmp_path)) == tmp_path / "canned.yaml"
