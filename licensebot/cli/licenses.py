"""`licensebot licenses import FILE` / `licenses export FILE`: the consultants' client list (CSV or .xlsx).

Import exits 0 when every row was imported, 1 when some rows were bad (the good ones are imported
all the same), 2 when the file could not be read at all (nothing imported).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TextIO

from bot.clock import business_today
from bot.language import pick
from bot.settings import Settings
from cases.licence_import import import_hooks
from licensebot.app import build_services
from licensebot.cli.confirm import add_force, may_write
from registry.importer import ImportReport, export_file, import_file
from registry.table_io import HEADER, TableError


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="licenses_action", required=True)
    imp = sub.add_parser("import", help=f"import licences from CSV or .xlsx with the header {','.join(HEADER)}")
    imp.add_argument("file", type=Path)
    imp.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of the report")
    exp = sub.add_parser("export", help="write every licence and its subscriber chats in the import format")
    exp.add_argument("file", type=Path)
    exp.add_argument("--chinese-headers", action="store_true", help="公司名称,许可证类型,… instead of English")
    add_force(exp)


class ProgressBar:
    """A one-line bar on stderr, redrawn at most ten times a second."""

    def __init__(self, out: TextIO | None = None, width: int = 30) -> None:
        self.out, self.width, self.last = out or sys.stderr, width, 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self.last < 0.1:
            return
        self.last = now
        filled = self.width * done // max(total, 1)
        self.out.write(f"\r[{'#' * filled}{'.' * (self.width - filled)}] {done}/{total} rows")
        if done >= total:
            self.out.write("\n")
        self.out.flush()


def main(args: argparse.Namespace, settings: Settings) -> int:
    services = build_services(settings)
    try:
        if args.licenses_action == "export":
            if not may_write(args.file, args.force):
                return 1
            count = export_file(services.db, args.file, args.chinese_headers)
            print(f"wrote {count} rows to {args.file}")
            return 0
        report = import_file(services.db, args.file, business_today(services.clock), services.clock.now(),
                             ProgressBar(), hooks=import_hooks())
    except TableError as exc:
        print(f"licensebot: {exc}", file=sys.stderr)
        return 2
    finally:
        services.db.dispose()
    print_report(report, args.lang)
    return 1 if report.bad else 0


def print_report(report: ImportReport, lang: str) -> None:
    print(pick(lang, f"共{report.rows}行：新增{report.added}，更新{report.updated}，未变{report.unchanged}，"
                     f"新增订阅{report.subscriptions}，有问题{len(report.bad)}",
               f"{report.rows} rows: {report.added} added, {report.updated} updated, {report.unchanged} unchanged, "
               f"{report.subscriptions} new subscriber chats, {len(report.bad)} bad"))
    for bad in report.bad:
        print(pick(lang, f"  第{bad.row}行：{bad.zh}", f"  row {bad.row}: {bad.en}"))
    for warning in report.warnings:
        print(pick(lang, f"  第{warning.row}行（提醒）：{warning.zh}", f"  row {warning.row} (warning): {warning.en}"))
