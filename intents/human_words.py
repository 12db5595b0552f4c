"""Words that ask for a person (转人工, 找顾问, talk to a person …): the client's request, not a question."""

from __future__ import annotations

import re

_END = r"(?=$|[\s，,。.!！?？~…]|客服|服务|顾问|吧|吗|啊|呢|谢谢|聊|谈|咨询|沟通|帮|处理)"
_ZH = re.compile(
    r"转人工|人工客服|人工服务|人工坐席|真人客服|真人服务"
    r"|(?:找|(?<!需)要|转|接|换|叫|请)(?:个|一个|一位|位|下)?(?:真人|人工|顾问|专员)" + _END +
    r"|联系(?:一下|下)?(?:顾问|人工|专员)" + _END +
    r"|(?:有|是)真人吗|(?:和|跟|与)(?:顾问|真人|人工)(?:聊|谈|说|沟通)"
    r"|^(?:真人|人工|顾问)[吗呢啊吧？?！!。.\s]*$"
)
_EN = re.compile(
    r"\b(?:talk|speak|chat)\s+(?:to|with)\s+(?:a\s+|an\s+|some\s+|the\s+|your\s+)?(?:real\s+|live\s+|human\s+)?"
    r"(?:person|human|someone|somebody|consultant|agent|advisor|adviser|people)\b"
    r"|\bhuman\s+(?:agent|being|support|please)\b|\breal\s+person\b|\blive\s+(?:agent|person|support)\b"
    r"|^\s*(?:human|agent|operator)\W*$",
    re.IGNORECASE,
)


def wants_human(text: str) -> bool:
    """Does this message ask for a person? (转人工, 找顾问, 真人, talk to a person, human agent …)"""
    text = text.strip()
    if not text or text.startswith("/") or len(text) > 200:
        return False
    return bool(_ZH.search(text) or _EN.search(text))


def beyond_request(text: str) -> str:
    """What the message says besides asking for a person ('' for a bare "转人工" or "talk to a human")."""
    rest = _EN.sub("", _ZH.sub("", text.strip()))
    rest = rest.strip(" \t，,。.!！?？~…：:；;")
    return rest if len(rest) >= 4 else ""
