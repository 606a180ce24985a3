"""Full-pipeline crawl speed and memory: `yuliao crawl` against bare Scrapy, in the same run.

A generated bilingual site (an index, sections, and article pages of 10-50 KB with the usual
boilerplate: header, navigation, sidebar, comments, footer) is served on 127.0.0.1. It is
crawled (a) by a bare Scrapy spider that follows links and keeps nothing, then (b) by
`yuliao crawl`, which extracts, analyzes and stores every page. Both use the same
concurrency; robots.txt and AutoThrottle are off for both. Reported: pages per second of each
(responses over the time from the first to the last request, from the server's log), the
ratio (b)/(a), the peak resident memory of the crawler plus its workers, their memory after
1,000 and 2,000 pages, and the CPU time per page of the crawler and of its workers (sampled
from /proc every 0.1 s, so a worker's last tenth of a second before it is renewed is missed).

    .venv/bin/python bench/bench_crawl.py [--pages 2000] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.siteserver import Reply, RoutedServer

ZH_WORDS = [
    "语料",
    "语言",
    "研究",
    "文本",
    "数据",
    "城市",
    "历史",
    "文化",
    "社会",
    "经济",
    "技术",
    "教育",
    "科学",
    "自然",
    "环境",
    "发展",
    "人们",
    "时间",
    "问题",
    "方法",
    "世界",
    "中国",
    "工作",
    "生活",
    "学习",
    "计算机",
    "网络",
    "信息",
    "系统",
    "模型",
    "分析",
    "结果",
    "变化",
    "过程",
    "时候",
    "地方",
    "朋友",
    "老师",
    "学生",
    "作品",
    "故事",
    "音乐",
    "电影",
    "书籍",
    "河流",
    "山脉",
    "季节",
    "春天",
    "秋天",
    "茶叶",
    "饮食",
    "传统",
    "节日",
]
ZH_GLUE = ("的", "了", "在", "和", "是", "也", "都", "把", "对", "从", "为", "与")
EN_WORDS = [
    "corpus",
    "language",
    "research",
    "text",
    "data",
    "city",
    "history",
    "culture",
    "society",
    "economy",
    "technology",
    "education",
    "science",
    "nature",
    "environment",
    "development",
    "people",
    "time",
    "question",
    "method",
    "world",
    "work",
    "life",
    "learning",
    "computer",
    "network",
    "information",
    "system",
    "model",
    "analysis",
    "result",
    "change",
    "process",
    "place",
    "friend",
    "teacher",
    "student",
    "story",
    "music",
    "film",
    "book",
    "river",
    "mountain",
    "season",
    "tea",
]
BOILERPLATE = textwrap.dedent(
    """\
    <header><div class="logo">语料示例站 Corpus Example</div>
    <form><input name="q" placeholder="搜索 Search"></form></header>
    <nav><ul>{nav}</ul></nav>
    """
)


def sentence(rng: random.Random, lang: str) -> str:
    if lang == "zh":
        parts = [rng.choice(ZH_WORDS) + rng.choice(ZH_GLUE) for _ in range(rng.randint(5, 12))]
        return "".join(parts) + rng.choice("。！？")
    words = [rng.choice(EN_WORDS) for _ in range(rng.randint(8, 18))]
    return " ".join(words).capitalize() + rng.choice(".!?")


def article(i: int, sections: int, per: int) -> str:
    """Article ``i``: 10-50 KB of HTML, about a third of it main text."""
    rng = random.Random(i)
    lang = "zh" if i % 2 == 0 else "en"
    body = "".join(
        f"<p>{''.join(sentence(rng, lang) for _ in range(rng.randint(4, 8)))}</p>"
        for _ in range(rng.randint(16, 60))
    )
    related = "".join(
        f'<li><a href="/a{(i * 31 + k) % (sections * per)}.html">相关 related {k}</a></li>'
        for k in range(1, 6)
    )
    comments = "".join(
        f'<div class="comment"><b>user{k}</b> {sentence(rng, lang)}</div>'
        for k in range(rng.randint(2, 10))
    )
    return page(
        f"{'文章' if lang == 'zh' else 'Article'} {i}", sections, body, related, comments, lang
    )


def section(k: int, sections: int, per: int) -> str:
    links = "".join(
        f'<li><a href="/a{i}.html">文章 {i}</a></li>' for i in range(k * per, (k + 1) * per)
    )
    return page(
        f"栏目 Section {k}",
        sections,
        f"<p>第{k}栏目的文章列表。Articles of section {k}.</p><ul>{links}</ul>",
        "",
        "",
        "zh",
    )


def page(title: str, sections: int, body: str, related: str, comments: str, lang: str) -> str:
    nav = "".join(f'<li><a href="/s{k}/">栏目 {k}</a></li>' for k in range(sections))
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>'
        '<link rel="stylesheet" href="/style.css"></head><body>'
        + BOILERPLATE.format(nav=nav)
        + f'<main><article><h1>{title}</h1><p class="meta">2024-05-01 · 作者 Author</p>{body}</article>'
        f"<aside><h2>相关文章 Related</h2><ul>{related}</ul></aside>"
        f'<section class="comments">{comments}</section></main>'
        "<footer><p>版权所有 © 语料示例站 · Copyright Corpus Example · 京ICP备00000000号</p>"
        '<p><a href="/about">关于 About</a> · <a href="/contact">联系 Contact</a></p></footer>'
        "</body></html>"
    )


def site(pages: int, sections: int = 40) -> dict[str, Reply]:
    """Every page of the site, generated up front (the server only sends bytes)."""
    per = -(-pages // sections)
    home = page("首页 Home", sections, "<p>欢迎 Welcome.</p>", "", "", "zh")
    html = {"/": home, **{f"/s{k}/": section(k, sections, per) for k in range(sections)}}
    html.update({f"/a{i}.html": article(i, sections, per) for i in range(sections * per)})
    return {path: Reply.html(text) for path, text in html.items()}


BARE_SPIDER = """
import sys, scrapy
from scrapy.crawler import AsyncCrawlerProcess
from scrapy.linkextractors import LinkExtractor

class Bare(scrapy.Spider):
    name = "bare"
    links = LinkExtractor()

    async def start(self):
        yield scrapy.Request(sys.argv[1])

    def parse(self, response):
        for link in self.links.extract_links(response):
            yield response.follow(link)

process = AsyncCrawlerProcess({
    "LOG_LEVEL": "ERROR", "TELNETCONSOLE_ENABLED": False, "ROBOTSTXT_OBEY": False,
    "CONCURRENT_REQUESTS": 16, "CONCURRENT_REQUESTS_PER_DOMAIN": int(sys.argv[2]),
    "DEPTH_LIMIT": 5, "COOKIES_ENABLED": False,
})
process.crawl(Bare)
process.start()
"""


def rss_kb(pid: int) -> int:
    """Resident memory of ``pid``, in KiB (0 once it has exited)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_s(pid: int) -> float:
    """CPU seconds (user and system) ``pid`` has used so far (0 once it has exited)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def run(cmd: list[str], server: RoutedServer, marks: tuple[int, ...]) -> dict[str, float]:
    """Run a crawl; time it from the server's log; sample memory; RSS at page-count marks."""
    before = len(server.log)
    env = {**os.environ, "no_proxy": "127.0.0.1"}
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    peak, peak_main, at = 0, 0, {}
    cpu: dict[int, float] = {}  # the most CPU seen used by each process
    while proc.poll() is None:
        main_kb = rss_kb(proc.pid)
        workers = children(proc.pid)
        rss = main_kb + sum(rss_kb(child) for child in workers)
        for pid in (proc.pid, *workers):
            cpu[pid] = max(cpu.get(pid, 0.0), cpu_s(pid))
        peak, peak_main = max(peak, rss), max(peak_main, main_kb)
        fetched = len(server.log) - before
        for mark in marks:
            if fetched >= mark and mark not in at:
                at[mark] = (rss, main_kb)
        time.sleep(0.1)
    _, stderr = proc.communicate()
    if proc.returncode:
        raise SystemExit(f"{cmd[2]} failed:\n{stderr.decode()[-2000:]}")
    hits = server.log[before:]
    seconds = hits[-1].time - hits[0].time
    result = {"pages": len(hits), "seconds": seconds, "pages_per_s": len(hits) / seconds}
    result.update(peak_mb=peak / 1024, peak_main_mb=peak_main / 1024)
    result["crawler_cpu_ms"] = cpu.pop(proc.pid, 0.0) / len(hits) * 1000
    result["workers_cpu_ms"] = sum(cpu.values()) / len(hits) * 1000
    for mark, (total, main_kb) in at.items():
        result.update({f"rss_at_{mark}_mb": total / 1024, f"main_at_{mark}_mb": main_kb / 1024})
    return result


def _mb(result: dict[str, float], total: str, main: str) -> str:
    return f"{result.get(total, 0):.0f} ({result.get(main, 0):.0f})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000, help="articles (plus 41 other pages)")
    parser.add_argument("--concurrency", type=int, default=8, help="requests to the site at a time")
    args = parser.parse_args()
    marks = (1000, 2000)
    with RoutedServer(site(args.pages)) as server, tempfile.TemporaryDirectory() as tmp:
        url = server.url("/")
        bare = run([sys.executable, "-c", BARE_SPIDER, url, str(args.concurrency)], server, marks)
        db = f"sqlite:///{Path(tmp) / 'bench.db'}"
        yuliao = [
            sys.executable, "-m", "crawler.cli", "--db", db, "crawl", url, "-q",
            "--concurrency", str(args.concurrency), "--depth", "5",
            "-s", "ROBOTSTXT_OBEY=False", "-s", "AUTOTHROTTLE_ENABLED=False",
        ]  # fmt: skip
        full = run(yuliao, server, marks)
    print(f"site: {bare['pages']} pages, concurrency {args.concurrency}, {os.cpu_count()} CPUs")
    print("RSS in MB: crawler and workers (crawler alone)")
    header = ("pages/s", "seconds", "peak RSS", "@1000 pages", "@2000 pages")
    print(f"{'':20}" + "".join(f"{h:>14}" for h in header))
    for name, r in (("(a) bare Scrapy", bare), ("(b) yuliao crawl", full)):
        cells = [
            f"{r['pages_per_s']:.1f}",
            f"{r['seconds']:.1f}",
            _mb(r, "peak_mb", "peak_main_mb"),
        ]
        cells += [_mb(r, f"rss_at_{m}_mb", f"main_at_{m}_mb") for m in marks]
        print(f"{name:20}" + "".join(f"{c:>14}" for c in cells))
    print(f"ratio (b)/(a): {full['pages_per_s'] / bare['pages_per_s']:.2f}")
    for name, r in (("(a)", bare), ("(b)", full)):
        print(
            f"CPU per page {name}: crawler {r['crawler_cpu_ms']:.1f} ms,"
            f" workers {r['workers_cpu_ms']:.1f} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
