"""Files and photos users send on WeCom: fetched by media_id and attached to the Incoming.

A file that cannot be fetched arrives as an empty attachment, so the feature that asked for it says
"the file is empty or did not arrive, please send it again" instead of the message vanishing.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from bot.messages import Attachment, Incoming
from channels.wecom.api import WeComApi, WeComError

log = logging.getLogger(__name__)
MEDIA_TYPES = ("image", "file")
_EXT = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "application/pdf": "pdf"}


async def with_media(api: WeComApi, incoming: Incoming, kind: str, media_id: str, name: str, ident: str) -> Incoming:
    """`incoming` with the sent file attached (`name` as WeCom gave it; images get one from `ident`)."""
    if kind not in MEDIA_TYPES or not media_id:
        return incoming
    try:
        given, content, mime = await api.download(media_id)
    except WeComError as exc:
        log.warning("wecom: could not fetch a %s the user sent: %s", kind, exc, extra={"chat_id": incoming.chat_id})
        given, content, mime = "", b"", ""
    filename = name or given or f"{kind}-{ident}.{_EXT.get(mime, 'jpg' if kind == 'image' else 'bin')}"
    return replace(incoming, attachment=Attachment(filename, content, mime or "application/octet-stream"))
