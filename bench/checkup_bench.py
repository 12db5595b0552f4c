"""CPU per message of the compliance check-up (SQLite, in-process): clients walk `/checkup icp` to the
result by buttons. Prints numbers; asserts nothing.

    python bench/checkup_bench.py [--clients 30]
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.clock import FrozenClock  # noqa: E402
from bot.engine import Engine  # noqa: E402
from checklist.checkup_rules import load_checkup  # noqa: E402
from checklist.checkup_steps import checkup_steps  # noqa: E402
from licensebot.app import build_services  # noqa: E402
from tests.chat import ChatDriver  # noqa: E402
from tests.conftest import make_settings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=30)
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)
    rules = load_checkup()
    started = time.process_time()
    for _ in range(2000):
        checkup_steps(rules, "icp")
    print(f"building the steps of one message: {(time.process_time() - started) / 2000 * 1e6:.0f} µs")
    clock = FrozenClock(datetime(2026, 11, 27, 2, tzinfo=UTC))
    with tempfile.TemporaryDirectory() as folder:
        services = build_services(make_settings(f"sqlite:///{folder}/bench.db"), clock)
        engine = Engine(services)
        count, started = 0, time.process_time()
        for n in range(args.clients):
            chat = ChatDriver(engine, f"client{n}")
            chat.send("/checkup icp 2027-05-01")
            count += 1
            while "checkup" not in chat.tags:
                clock.advance(seconds=5)  # under the flood limit, as a person answers
                chat.press("是")
                count += 1
        spent = time.process_time() - started
        services.db.dispose()
    print(f"{args.clients} check-ups, {count} messages: CPU per message {spent / count * 1000:.2f} ms "
          f"({count / spent:.0f}/s on one core)")


if __name__ == "__main__":
    main()
