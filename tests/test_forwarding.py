"""intents/forwarding.py on its own: whose consultant gets a reply a channel cannot deliver, and the note."""

from __future__ import annotations

from datetime import timedelta

from bot.messages import Attachment, Button, ChatRef, Reply
from bot.undeliverable import Undeliverable
from intents.forwarding import ConsultantStandIn, default_consultant
from intents.handoff_models import Ticket
from tests.conftest import make_settings

CLIENT = ChatRef("wecom_kf", "wmCLIENT1")


def ticket(services, consultant: str, channel: str = "wecom", ago: timedelta = timedelta(0)) -> None:
    with services.db.session() as s:
        s.add(Ticket(channel=CLIENT.channel, chat_id=CLIENT.chat_id, user_id=CLIENT.chat_id, packet={},
                     created_at=services.clock.now() - ago, announced_at=services.clock.now() - ago,
                     consultant_channel=channel, consultant_id=consultant))


def consultant(services, stand_in: ConsultantStandIn, handler: str = "") -> str:
    with services.db.session() as s:
        return stand_in.consultant_for(s, CLIENT, handler)


def test_the_servicer_then_the_latest_ticket_then_the_default(services):
    stand_in = ConsultantStandIn("wecom", "fallback")
    assert consultant(services, stand_in) == "fallback"
    ticket(services, "old", ago=timedelta(days=3))
    ticket(services, "on-telegram", channel="telegram")  # cannot be reached as a WeCom member
    ticket(services, "latest", ago=timedelta(days=1))
    assert consultant(services, stand_in) == "latest"
    assert consultant(services, stand_in, handler="servicer") == "servicer"


def test_the_default_is_the_configured_one_else_the_first_on_the_channel(sqlite_url):
    settings = make_settings(sqlite_url, consultants="telegram:1, wecom:zhao, wecom:li")
    assert default_consultant(settings, "wecom") == "li"
    assert default_consultant(settings, "wecom", "wang") == "wang"
    assert default_consultant(make_settings(sqlite_url), "wecom") == ""


def test_the_note_is_ready_to_forward_with_the_options_and_the_file(services):
    reply = Reply("您的许可证将到期。", buttons=(Button("开始续期清单", "/renew"),),
                  attachment=Attachment("清单.pdf", b"%PDF", "application/pdf"))
    item = Undeliverable(CLIENT, reply, ("窗口已关闭", "window closed"), "王总（外部联系人 wmCLIENT1）", "wang")
    with services.db.session() as s:
        redirect = ConsultantStandIn("wecom", "fallback").redirect(s, item)
    assert redirect.to == "wang" and redirect.why == "window closed"
    assert redirect.note.text.startswith("【请转发给客户】王总（外部联系人 wmCLIENT1）\n原因：窗口已关闭")
    assert "您的许可证将到期。" in redirect.note.text and "开始续期清单" in redirect.note.text
    assert redirect.note.attachment == reply.attachment
