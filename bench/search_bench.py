"""FAQ search benchmark: index build time, query latency (p50/p99) and peak memory, at the shipped
knowledge-base size and at 20,000 synthetic entries; plus the start-up + 1,000 questions run that
`licensebot ask --json` does.

    python bench/search_bench.py [--entries 20000] [--queries 1000]

Targets (issue): p99 ≤ 5 ms at the shipped size and ≤ 30 ms at 20,000 entries; build ≤ 1 s for
the shipped KB; 1,000 questions through `ask --json` in under 3 s including start-up.
Synthetic entries are real entries with their licence swapped and a few real words added, so word
frequencies stay realistic; the questions are the evaluation set's (or the FAQ's own alternates).
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import os
import random
import re
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from knowledge.codes import LICENSES, TOPICS  # noqa: E402
from knowledge.entries import Entry, Localized, load_entries  # noqa: E402
from knowledge.search import Searcher  # noqa: E402

EVAL_FILE = ROOT / "knowledge" / "eval" / "questions.yaml"
NAMES = {
    "general": "增值电信许可证", "icp": "ICP证", "sp": "SP证", "edi": "EDI证", "idc": "IDC证",
    "cdn": "CDN证", "isp": "ISP证", "vpn": "IP-VPN证", "call_center": "呼叫中心许可证",
    "multiparty": "多方通信许可证", "store_forward": "存储转发许可证", "code_conversion": "B26证",
    "data_transfer": "数据传送业务许可证", "premises_network": "驻地网许可证",
    "hosting": "网络托管许可证", "number": "106码号",
}
_NAME_PATTERNS = sorted((re.escape(n) for n in NAMES.values()), key=len, reverse=True)
LICENCE_WORDS = re.compile("|".join([*_NAME_PATTERNS, "ICP", "EDI", "IDC", "CDN", "ISP", "SP"]))


def questions(entries: list[Entry], count: int) -> list[str]:
    if EVAL_FILE.exists():
        from knowledge.evaluate import load_items

        pool = [item.q for item in load_items(EVAL_FILE)]
    else:
        pool = [alt for e in entries for alt in e.zh.alternates]
    return [pool[i % len(pool)] for i in range(count)]


def synthetic(entries: list[Entry], size: int, seed: int = 7) -> list[Entry]:
    """`size` entries made from the real ones: another licence, another topic, a few extra words."""
    rnd = random.Random(seed)
    texts = [t for e in entries for t in (e.zh.question, *e.zh.alternates)]
    words = sorted({w for t in texts for w in re.findall(r"[\u4e00-\u9fff]{2,4}", t)})
    out = []
    for i in range(size):
        base = rnd.choice(entries)
        licence, topic = rnd.choice(list(LICENSES)), rnd.choice(list(TOPICS))

        def vary(text: str, licence: str = licence) -> str:
            text = LICENCE_WORDS.sub(NAMES[licence], text)
            return text + "".join(rnd.choice(words) for _ in range(rnd.randint(0, 2)))

        zh = Localized(vary(base.zh.question), tuple(vary(a) for a in base.zh.alternates), base.zh.answer)
        ident = f"{licence}-{topic}-syn{i}"
        out.append(dataclasses.replace(base, id=ident, license=licence, topic=topic, zh=zh))
    return out


def measure(entries: list[Entry], qs: list[str], label: str) -> dict[str, float]:
    """Build once and time every question (wall clock and CPU); then the same under tracemalloc."""
    gc.collect()
    started, cpu = time.perf_counter(), time.process_time()
    searcher = Searcher(entries)
    build, build_cpu = time.perf_counter() - started, time.process_time() - cpu
    for q in qs[:20]:  # warm-up: the tokenizer loads on the first question
        searcher.search(q)
    wall, cpu_times = [], []
    for q in qs:
        t, c = time.perf_counter(), time.process_time()
        searcher.search(q)
        wall.append(time.perf_counter() - t)
        cpu_times.append(time.process_time() - c)
    del searcher
    gc.collect()
    tracemalloc.start()
    searcher = Searcher(entries)
    for q in qs[:50]:
        searcher.search(q)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    p50, p99 = _quantile(wall, 0.5), _quantile(wall, 0.99)
    print(f"{label:>13}: {len(entries):>6} entries  build {build:6.2f} s (cpu {build_cpu:5.2f})  "
          f"p50 {p50:5.2f} ms  p99 {p99:5.2f} ms (cpu p50 {_quantile(cpu_times, 0.5):5.2f}, "
          f"p99 {_quantile(cpu_times, 0.99):5.2f})  peak memory {peak / 2**20:5.1f} MB")
    return {"build_s": build, "p50_ms": p50, "p99_ms": p99, "peak_mb": peak / 2**20}


def _quantile(seconds: list[float], q: float) -> float:
    ordered = sorted(seconds)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000


ASK = """
import json, sys, time
started = time.perf_counter()
sys.path.insert(0, {root!r})
from knowledge.search import Searcher
searcher = Searcher.from_folder(cache={cache})
ready = time.perf_counter()
for q in sys.stdin.read().splitlines():
    o = searcher.search(q)
    results = [{{"id": h.entry.id, "license": h.entry.license, "topic": h.entry.topic, "score": h.score}}
               for h in o.hits[:5]]
    print(json.dumps({{"query": q, "decision": o.decision, "results": results}}, ensure_ascii=False))
print(f"start-up {{ready - started:.2f}} s", file=sys.stderr)
"""


def ask_run(qs: list[str]) -> None:
    """A fresh interpreter: import, load and index the shipped KB, answer every question as JSON —
    first without the index cache (a first start), then with it (every later start)."""
    for cache in (False, True):
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", ASK.format(root=str(ROOT), cache=cache)],
                              input="\n".join(qs), capture_output=True, text=True, check=True)
        wall = time.perf_counter() - started
        lines = done.stdout.splitlines()
        assert len(lines) == len(qs) and json.loads(lines[0])["query"] == qs[0]
        label = "ask, cached" if cache else "ask, cold"
        print(f"{label:>13}: {len(qs)} questions as JSON in {wall:.2f} s wall, {done.stderr.strip()} "
              f"(fresh python; the CLI's own imports come on top)")
    started = time.perf_counter()
    plain = "import jieba; jieba.lcut('测试')"
    subprocess.run([sys.executable, "-c", plain], capture_output=True, check=True)
    print(f"{'plain jieba':>13}: `{plain}` takes {time.perf_counter() - started:.2f} s "
          f"(full dictionary; the search loads only its frequent words)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=1000)
    args = parser.parse_args()
    entries = load_entries()
    qs = questions(entries, args.queries)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cpus (wall times suffer when high)")
    measure(entries, qs, "shipped KB")
    measure(synthetic(entries, args.entries), qs, "synthetic KB")
    ask_run(qs)


if __name__ == "__main__":
    main()
