"""Small talk: greetings, thanks, "are you a bot", goodbyes (Chinese and English) get a short, friendly
answer and the menu. They are not questions the bot failed on: no fallback is counted, no query logged.

Only a message that is small talk as a whole matches ("你好", "在吗？", "thanks!"); "你好，ICP续期要什么材料"
is a question and goes to the FAQ.
"""

from __future__ import annotations

import re

from bot.context import Context
from bot.messages import Reply
from intents.basics import main_menu

_FILLER = r"[\s,，.。!！?？~～…、:：;；\-—]*"
_TAIL = r"(?:呀|啊|哈|呢|哦|噢|喔|吧|了|啦|嘛|么|吗|哈哈|~)*"
_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = tuple((kind, re.compile(
    rf"^{_FILLER}(?:{words})(?:{_FILLER}(?:{words}))*{_TAIL}{_FILLER}$", re.IGNORECASE)) for kind, words in (
    ("greeting", r"你好|您好|你们好|大家好|嗨|哈喽|哈啰|在吗|在不在|有人吗|早上好|上午好|中午好|下午好|晚上好|早安|早|"
                 r"(?:hi|hello|hey)(?:\s+there)?|hiya|good\s+(?:morning|afternoon|evening)|anyone\s+there|are\s+you\s+there"),
    # not 好的 / ok on their own: after "要为您转接人工顾问吗？" they mean yes, not thanks
    ("thanks", r"谢谢|多谢|感谢|谢了|谢谢你|谢谢您|非常感谢|太感谢了|好的谢谢|thanks(?:\s+a\s+lot)?|thank\s+you(?:\s+very\s+much)?|thx|many\s+thanks|cheers"),
    ("bot", r"你是机器人吗|你是不是机器人|是机器人吗|你是谁|你是ai吗|你是人工智能吗|"
            r"are\s+you\s+a\s+(?:bot|robot|machine|ai)|is\s+this\s+a\s+(?:bot|robot)|who\s+are\s+you"),
    ("bye", r"再见|拜拜|回头见|下次见|先这样|bye|goodbye|bye\s+bye|see\s+you|see\s+ya"),
))
MAX_SMALL_TALK = 40


def kind_of(text: str) -> str | None:
    """'greeting', 'thanks', 'bot' or 'bye' when the whole message is small talk; else None."""
    text = text.strip()
    if not text or len(text) > MAX_SMALL_TALK or text.startswith("/"):
        return None
    return next((kind for kind, pattern in _KINDS if pattern.match(text)), None)


def is_small_talk(ctx: Context) -> bool:
    """Route test: the message is a greeting, thanks, "are you a bot" or a goodbye, and nothing more."""
    return ctx.incoming.payload is None and kind_of(ctx.text) is not None


def answer_small_talk(ctx: Context) -> list[Reply]:
    """Answers small talk in a line and shows what the bot can do."""
    kind = kind_of(ctx.text) or "greeting"
    texts = {
        "greeting": ("您好！我是{c}的许可证助手。直接打字提问即可，例如“ICP证续期要什么材料”；也可以点下面的按钮。",
                     "Hello! I'm the licence assistant of {c}. Just type a question, e.g. “What do I need to renew an "
                     "ICP licence?”, or use the buttons below."),
        "thanks": ("不客气！还有别的问题随时问我。", "You're welcome! Ask me anything else any time."),
        "bot": ("是的，我是{c}的许可证助手（机器人），回答许可证问题、生成续期清单和提醒。需要真人顾问请发送 /human。",
                "Yes, I'm {c}'s licence assistant, a bot: I answer licence questions, build renewal checklists and "
                "send reminders. Send /human for a person."),
        "bye": ("再见！需要时随时回来找我。", "Goodbye! Come back any time."),
    }
    zh, en = texts[kind]
    return [Reply(ctx.say(zh, en).format(c=ctx.consultancy), buttons=main_menu(ctx), tags=("smalltalk", f"smalltalk:{kind}"))]
