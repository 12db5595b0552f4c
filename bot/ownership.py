"""Who a chat belongs to for this message: the bot, a guided flow, or a consultant.

The engine asks once per message, before any route runs (`begin`), and the routes serve that owner
alone; after the routes it asks again (`end`) and stores the answer with the buttons the turn
showed. States and transitions are drawn in bot/ownership.mmd.

    bot         FAQ, small talk, commands                 (no flow, no claimed ticket)
    flow:NAME   a guided flow answers (any flow in FLOWS)  (state.flow set)
    consultant:ID   the consultant holding ticket ID gets every message; only a few commands pass

Decided in this order: a flow that may run over a consultant (the /forget confirmation) → the
consultant holding a claimed ticket in this chat → any other flow → the bot. A flow left open when
a consultant claims the chat ends at the client's next message (the claim tells them who answers).

A typed number or label presses a stored button only when the buttons were shown under the owner
the chat has now (bot/keyboard.py): buttons from before a claim, a flow or its end stop answering.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from bot import keyboard
from bot.context import Context, Services
from bot.messages import Incoming, Reply

BOT, FLOW, CONSULTANT = "bot", "flow", "consultant"


@dataclass(frozen=True)
class Owner:
    kind: str  # BOT, FLOW or CONSULTANT
    name: str = ""  # the flow's name, or the id of the ticket the consultant holds

    @property
    def key(self) -> str:
        return self.kind if self.kind == BOT else f"{self.kind}:{self.name}"


Holder = Callable[[Context], str | None]  # the id of the ticket a consultant holds in this chat, if any
Staff = Callable[[Services, Incoming], bool]  # the sender is a consultant (not slowed by the flood guard)


def _nobody(_services: Services, _incoming: Incoming) -> bool:
    return False


@dataclass(frozen=True)
class Owners:
    """A build's owners: its flows (name → may run while a consultant holds the chat) and its holder look-up."""

    flows: Mapping[str, bool]
    holder: Holder
    is_staff: Staff = _nobody

    def decide(self, ctx: Context, held_before: bool = True) -> Owner:
        """The owner now. `held_before=False` skips the consultant look-up: after a message that came in
        without a consultant, none can hold the chat (a claim happens in the consultant's own chat)."""
        flow = ctx.state.flow or ""
        if self.flows.get(flow):
            return Owner(FLOW, flow)
        held = self.holder(ctx) if held_before else None
        if held is not None:
            return Owner(CONSULTANT, held)
        return Owner(FLOW, flow) if flow in self.flows else Owner(BOT)


@dataclass(frozen=True)
class Turn:
    owner: Owner
    keyboard: keyboard.Keyboard | None


NOT_READ = keyboard.Keyboard("", ())  # `begin` without the stored keyboard: it reads it itself


def begin(ctx: Context, owners: Owners, stored: keyboard.Keyboard | None = NOT_READ) -> Turn:
    """Decide the owner; end a flow a consultant took over; turn a typed number into the press it means.
    `stored` is the chat's keyboard when the caller read it already (with the chat's state)."""
    owner = owners.decide(ctx)
    if owner.kind == CONSULTANT and ctx.state.flow is not None:
        ctx.state.clear_flow()
    inc = ctx.incoming
    shown = keyboard.load(ctx.session, inc.channel, inc.chat_id) if stored is NOT_READ else stored
    pressed = None
    if inc.numbered and inc.payload is None and shown is not None and shown.owner == owner.key:
        pressed = shown.pressed(inc.text)
        if pressed is not None:
            ctx.incoming = replace(inc, payload=pressed.payload)
    elif inc.payload is not None and shown is not None:
        pressed = next((b for b in shown.buttons if b.payload == inc.payload), None)
    if inc.payload is not None or pressed is not None:  # the log says which button, not its payload
        ctx.notes["said"] = f"[{pressed.label if pressed is not None else inc.payload}]"
    ctx.notes["owner"] = owner
    return Turn(owner, shown)


def end(ctx: Context, owners: Owners, turn: Turn, replies: list[Reply]) -> list[Reply]:
    """Number the turn's buttons on from reply to reply and store them under the owner the chat has now."""
    numbered, buttons = keyboard.number(replies)
    if not ctx.forgotten:
        inc = ctx.incoming
        maybe_held = turn.owner.kind == CONSULTANT or bool(owners.flows.get(turn.owner.name))
        after = owners.decide(ctx, held_before=maybe_held)
        keyboard.save(ctx.session, inc.channel, inc.chat_id, inc.user_id, after.key, buttons, ctx.now,
                      turn.keyboard)
    return numbered


def said(ctx: Context) -> str:
    """What the client did, for the message log: the text typed, or "[label]" of the button pressed."""
    return str(ctx.notes.get("said", ctx.incoming.content))


def owner_of(ctx: Context) -> Owner:
    """The owner `begin` decided for this message (the bot if the engine did not decide one)."""
    owner = ctx.notes.get("owner")
    return owner if isinstance(owner, Owner) else Owner(BOT)
