"""Where uploaded case files live, and which files are accepted.

Files are stored under CASE_FILES_DIR (a folder, never the database), one sub-folder per case:
`<dir>/case-<id>/<file id>-<cleaned name>`. The type is judged by the extension and by the first
bytes (a .pdf must start with %PDF, a .png with its signature …), so a renamed program is refused.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from bot.language import pick
from bot.settings import ROOT, Settings

# extension → (mime, magic prefixes; empty = not checked)
KNOWN_TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    "pdf": ("application/pdf", (b"%PDF",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "doc": ("application/msword", (b"\xd0\xcf\x11\xe0",)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
    "xls": ("application/vnd.ms-excel", (b"\xd0\xcf\x11\xe0",)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
    "ofd": ("application/ofd", (b"PK\x03\x04",)),
    "zip": ("application/zip", (b"PK\x03\x04",)),
    "txt": ("text/plain", ()),
}
_UNSAFE = re.compile(r"[^\w.\-（）()\u4e00-\u9fff]+")


@dataclass(frozen=True)
class FileProblem:
    code: str  # empty | type | size | content
    zh: str
    en: str

    def text(self, lang: str) -> str:
        return pick(lang, self.zh, self.en)


def allowed_types(settings: Settings) -> tuple[str, ...]:
    return tuple(t.strip().lower().lstrip(".") for t in settings.case_file_types.split(",") if t.strip())


def extension(filename: str) -> str:
    return filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


def clean_name(filename: str) -> str:
    """A file name safe to put on disk and in a zip: no folders, no odd characters, at most 100 long."""
    name = unicodedata.normalize("NFC", filename).replace("\\", "/").rsplit("/", 1)[-1].strip()
    name = _UNSAFE.sub("_", name).strip("._") or "file"
    if len(name) > 100:
        ext = extension(name)
        name = name[:90] + ("." + ext[:8] if ext else "")
    return name


def check_file(settings: Settings, filename: str, content: bytes) -> FileProblem | None:
    """None if the file may be stored; otherwise what is wrong, in words for the client."""
    kinds = allowed_types(settings)
    shown = "、".join(k.upper() for k in kinds)
    limit = settings.case_file_max_mb
    if not content:
        return FileProblem("empty", "没有收到这个文件的内容（文件是空的，或超过了聊天平台的大小限制），请重新发送或压缩后发送。",
                           "The file arrived empty (it is empty, or over the chat platform's size limit); "
                           "please send it again, or compress it.")
    if len(content) > limit * 1024 * 1024:
        mb = len(content) / 1024 / 1024
        return FileProblem("size", f"文件太大（{mb:.1f}MB），单个文件不能超过{limit}MB。可以压缩或分成几个文件发送。",
                           f"That file is too large ({mb:.1f} MB); the limit is {limit} MB a file. "
                           "Compress it or send it in parts.")
    ext = extension(filename)
    if ext not in kinds:
        return FileProblem("type", f"不支持“.{ext or '无扩展名'}”类型的文件。请发送以下格式之一：{shown}。",
                           f"Files of type “.{ext or 'none'}” are not accepted. Please send one of: "
                           f"{shown.replace('、', ', ')}.")
    magic = KNOWN_TYPES.get(ext, ("", ()))[1]
    if magic and not any(content.startswith(m) for m in magic):
        return FileProblem("content", f"文件内容与扩展名“.{ext}”不符，可能已损坏或被改名。请重新导出后再发送。",
                           f"The file's content does not match “.{ext}”: it may be damaged or renamed. "
                           "Please export it again and resend.")
    return None


def mime_of(filename: str, given: str = "") -> str:
    known = KNOWN_TYPES.get(extension(filename))
    return known[0] if known else (given or "application/octet-stream")


def files_root(settings: Settings) -> Path:
    root = Path(settings.case_files_dir)
    return root if root.is_absolute() else ROOT / root


def store(settings: Settings, case_id: int, file_id: int, filename: str, content: bytes) -> Path:
    """Write the bytes; returns the absolute path. The caller records it in the same transaction."""
    folder = files_root(settings) / f"case-{case_id}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{file_id}-{clean_name(filename)}"
    tmp = path.with_suffix(path.suffix + ".part")
    tmp.write_bytes(content)
    tmp.replace(path)
    return path.resolve()


def remove(path: str) -> bool:
    """Delete a stored file; True if it was there."""
    try:
        Path(path).unlink()
    except FileNotFoundError:
        return False
    return True
