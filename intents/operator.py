"""Commands for the people who run the bot (consultants): reloading the knowledge base."""

from __future__ import annotations

from bot.context import Context
from bot.messages import Reply
from knowledge.base import KnowledgeBase
from knowledge.reload import reload_everywhere

MAX_ERROR_CHARS = 1500


def reload_knowledge_base(ctx: Context) -> list[Reply]:
    """Reloads the FAQ files: the consultant learns how many entries serve, or why the files were refused."""
    kb = ctx.services.get(KnowledgeBase)
    error = reload_everywhere(kb)
    count = len(kb.snapshot.entries)
    if error is not None:
        detail = error if len(error) <= MAX_ERROR_CHARS else error[:MAX_ERROR_CHARS] + "…"
        return [Reply(ctx.say(f"知识库文件有错误，没有重新加载，仍在使用原来的版本（{count} 条）：\n{detail}",
                              f"The knowledge base has an error and was not reloaded; the previous version "
                              f"({count} entries) stays in service:\n{detail}"), tags=("reload-failed",))]
    return [Reply(ctx.say(f"知识库已重新加载：{count} 条。", f"Knowledge base reloaded: {count} entries."),
                  tags=("reload-ok",))]
