"""One crawl, several workers: Redis (scrapy-redis) shares the frontier, PostgreSQL the corpus.

Workers are ``yuliao crawl --frontier`` subprocesses on this machine, against real Redis and
PostgreSQL servers. Each sends its own User-Agent, so the site's request log tells which worker
fetched what, and when.
"""

from __future__ import annotations

import re
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
import redis
import sqlalchemy as sa
from scrapy import Request, Spider

from crawler.distributed.shared import KeysGone, LeaseQueue
from tests.conftest import yuliao
from tests.crawl_fixtures import (
    FAST,
    ROOT,
    children,
    crawl_cmd,
    crawl_env,
    link_site,
    link_site_paths,
    running,
    stop,
    wait_until,
)
from tests.db_fixtures import run_sql
from tests.redis_fixtures import RedisCrawl, RedisServer
from tests.siteserver import Reply, RoutedServer

Serve = Callable[..., RoutedServer]
Crews = Callable[[RedisCrawl, str], "Crew"]

# Fast workers: one process each for the text, the end noticed 2 s after the last page, the
# pages of a silent worker put back after 10 s (a loaded machine can stall one for seconds).
TUNING = (
    "-q",
    *FAST,
    "--concurrency",
    "8",
    "-s",
    "YULIAO_WORKERS=1",
    "-s",
    "YULIAO_IDLE_STOP_S=2",
    "-s",
    "YULIAO_LEASE_S=10",
)
# The only warning scrapy-redis is known to raise under Scrapy 2.19 (its Scheduler passes
# ``spider=`` to the stats); ScrapyDeprecationWarning cannot be named before Scrapy is imported.
KNOWN_WARNING = "ignore:Passing a 'spider' argument to:Warning:scrapy_redis.scheduler"


def agent(tag: str) -> str:
    return f"yuliao-test/{tag}"


@dataclass(frozen=True)
class Ended:
    code: int
    log: str  # stderr


def assert_all_ok(ended: dict[str, Ended]) -> None:
    """Every worker exited 0; else show the whole log of those that did not."""
    failed = {tag: end for tag, end in ended.items() if end.code != 0}
    assert not failed, "\n\n".join(
        f"{tag} exited {end.code}:\n{end.log}" for tag, end in failed.items()
    )


class Crew:
    """The workers of one crawl, started by tag, stderr in ``logs/TAG.log``."""

    def __init__(self, db: str, frontier: RedisCrawl, seed: str, logs: Path) -> None:
        self.db, self.frontier, self.seed, self.logs = db, frontier, seed, logs
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, *tags: str, python: Sequence[str] = ()) -> list[subprocess.Popen[bytes]]:
        """Start workers (the crawler's own processes), ``python`` options first."""
        for tag in tags:
            cmd = crawl_cmd(self.db, self.seed, "--name", self.frontier.name, *TUNING)
            cmd[1:1] = python
            cmd += ["--frontier", self.frontier.url, "-s", f"USER_AGENT={agent(tag)}"]
            with (self.logs / f"{tag}.log").open("ab") as stderr:
                self.procs[tag] = subprocess.Popen(
                    cmd, stdout=subprocess.DEVNULL, stderr=stderr, env=crawl_env(), cwd=ROOT
                )
        return [self.procs[tag] for tag in tags]

    def finish(self, *tags: str) -> dict[str, Ended]:
        """Wait for these workers to exit, in bounded time."""
        for tag in tags:
            self.procs[tag].wait(timeout=150)
        return {tag: Ended(self.procs[tag].returncode, self.log(tag)) for tag in tags}

    def log(self, tag: str) -> str:
        return (self.logs / f"{tag}.log").read_text()

    def kill(self) -> None:
        """Kill the workers a failed test left running."""
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)


@pytest.fixture
def crews(postgres_url: str, tmp_path: Path) -> Iterator[Crews]:
    """Make a crew of workers for a crawl of ``seed`` into a fresh PostgreSQL schema."""
    made: list[Crew] = []

    def make(frontier: RedisCrawl, seed: str) -> Crew:
        made.append(Crew(postgres_url, frontier, seed, tmp_path))
        return made[-1]

    yield make
    for crew in made:
        crew.kill()


def all_pages(server: RoutedServer, pages: int) -> list[str]:
    """The URLs of every page of the :func:`link_site` on ``server``, sorted."""
    return sorted(server.url(path) for path in link_site_paths(pages))


def crawl_of_a_site(
    serve: Serve, crews: Crews, frontier: RedisCrawl, *, pages: int
) -> tuple[RoutedServer, list[str], Crew]:
    """A :func:`link_site` of ``pages`` articles, its pages' URLs, a crew to crawl it."""
    server = serve({"*": link_site(pages)})
    return server, all_pages(server, pages), crews(frontier, server.url("/"))


def documents(db: str) -> list[str]:
    """Every stored document's URL, sorted, duplicates kept."""
    return sorted(url for (url,) in run_sql(db, "SELECT url FROM documents"))


def stored_count(db: str) -> int:
    """How many documents are stored; 0 before the first worker made the tables."""
    try:
        return int(run_sql(db, "SELECT count(*) FROM documents")[0][0])
    except sa.exc.ProgrammingError:
        return 0


def frontier_urls(db: str, status: str) -> list[str]:
    return [url for (url,) in run_sql(db, "SELECT url FROM frontier WHERE status = :s", s=status)]


def frontier_states(db: str) -> dict[str, int]:
    return dict(run_sql(db, "SELECT status, count(*) FROM frontier GROUP BY status"))


def page_fetches(server: RoutedServer, *, after: float = 0.0) -> Counter[str]:
    """How often each page was requested (robots.txt left out), since ``after``."""
    return Counter(
        hit.path for hit in server.hits() if hit.path != "/robots.txt" and hit.time >= after
    )


def fetched_by(server: RoutedServer, tag: str, *, after: float = 0.0) -> set[str]:
    return {
        hit.path
        for hit in server.hits()
        if hit.headers.get("User-Agent") == agent(tag) and hit.time >= after
    }


def stored_by(log: str) -> int:
    """The documents a worker stored, from its summary line."""
    found = re.search(r"(\d+) stored", log)
    assert found, log
    return int(found[1])


def left_in_redis(frontier: RedisCrawl) -> list[str]:
    """The crawl's keys once every worker left: no queue, no lease, no heartbeat."""
    return [key.removeprefix(frontier.key("")) for key in frontier.key_names()]


class HoldingServer(RoutedServer):
    """A site that answers one worker for ``allow`` pages, then keeps it waiting.

    The worker then holds pages it cannot finish: killed, it dies with live leases.
    """

    def __init__(self, routes: dict[str, Any], *, victim: str, allow: int) -> None:
        super().__init__(routes)
        self.victim, self.allow = agent(victim), allow
        self.answered: list[str] = []
        self.held: list[str] = []

    def reply(self, path: str, headers: dict[str, str]) -> Reply:
        reply = super().reply(path, headers)
        if headers.get("User-Agent") != self.victim or path == "/robots.txt":
            return reply
        with self._lock:
            if len(self.answered) < self.allow:
                self.answered.append(path)
                return reply
            self.held.append(path)
        return replace(reply, delay=20.0)


def test_three_workers_share_the_crawl_and_fetch_each_page_once(
    serve: Serve, crews: Crews, postgres_url: str, redis_crawl: RedisCrawl
) -> None:
    server, expected, crew = crawl_of_a_site(serve, crews, redis_crawl, pages=1000)
    crew.start("w1", "w2", "w3")
    ended = crew.finish("w1", "w2", "w3")
    assert_all_ok(ended)
    assert documents(postgres_url) == expected  # every page, each once
    fetches = page_fetches(server)
    assert sorted(server.url(path) for path in fetches) == expected  # every page fetched
    assert max(fetches.values()) == 1  # no page fetched twice, by any worker
    stored = {tag: stored_by(end.log) for tag, end in ended.items()}
    assert all(stored.values()), stored  # the work was shared
    assert sum(stored.values()) == len(expected)
    assert frontier_states(postgres_url) == {"done": len(expected)}  # the record is complete
    assert left_in_redis(redis_crawl) == ["seen", "session"]
    assert redis_crawl.client.scard(redis_crawl.key("seen")) == len(expected)


def test_case46_worker_kill9_loses_nothing(
    crews: Crews, postgres_url: str, redis_crawl: RedisCrawl
) -> None:
    pages = 600
    with HoldingServer({"*": link_site(pages)}, victim="victim", allow=120) as server:
        expected = all_pages(server, pages)
        crew = crews(redis_crawl, server.url("/"))
        [victim] = crew.start("victim")
        crew.start("survivor")

        def stuck() -> bool:
            """The victim waits for pages, and what it was answered is recorded: a fixed point."""
            answered = {server.url(path) for path in server.answered}
            return bool(server.held) and answered <= set(frontier_urls(postgres_url, "done"))

        wait_until(
            lambda: victim.poll() is not None or stuck(),
            timeout=120,
            what="the victim to be stuck",
        )
        assert victim.poll() is None, crew.log("victim")
        pool = children(victim.pid)
        assert stop(victim, signal.SIGKILL) == -signal.SIGKILL
        killed_at = time.monotonic()
        stored_then = set(documents(postgres_url))
        wait_until(lambda: not any(map(running, pool)), timeout=10, what="its pool to exit")
        ended = crew.finish("survivor")
        assert ended["survivor"].code == 0, ended
        assert documents(postgres_url) == expected  # nothing lost, nothing stored twice
        held = set(server.held)
        assert held <= fetched_by(server, "survivor", after=killed_at)  # its leases came back
        refetched = {path for path, n in page_fetches(server).items() if n > 1}
        assert held <= refetched
        assert not {server.url(path) for path in refetched} & stored_then  # only lost work
    assert frontier_states(postgres_url) == {"done": len(expected)}
    assert left_in_redis(redis_crawl) == ["seen", "session"]  # no lease, no worker left


def crawl_until(crew: Crew, *tags: str, more: int) -> None:
    """Start workers ``tags``; return, with them running, once they stored ``more`` pages."""
    stored = stored_count(crew.db) + more
    workers = crew.start(*tags)
    wait_until(
        lambda: stored_count(crew.db) >= stored or any(p.poll() is not None for p in workers),
        timeout=120,
        what=f"{stored} pages stored",
    )
    assert all(proc.poll() is None for proc in workers), crew.finish(*tags)


def assert_stopped(crew: Crew, *tags: str, problem: tuple[str, ...]) -> None:
    """Each worker exited 1 with one clear line, the last, naming the frontier's problem
    (one of ``problem``)."""
    for end in crew.finish(*tags).values():
        lines = end.log.splitlines()
        assert end.code == 1, end.log
        assert [line for line in lines if line.startswith("Error:")] == lines[-1:], end.log
        assert lines[-1].startswith(f"Error: frontier {crew.frontier.url}: "), end.log
        assert any(words in lines[-1] for words in problem), end.log
        assert "Traceback" not in end.log


def test_case47_redis_outage_stops_workers_and_a_rerun_resumes_from_the_database(
    serve: Serve, crews: Crews, postgres_url: str, redis_server: RedisServer
) -> None:
    frontier = RedisCrawl(redis_server.url, "outage", redis.Redis.from_url(redis_server.url))
    server, expected, crew = crawl_of_a_site(serve, crews, frontier, pages=800)
    reruns: list[tuple[float, set[str]]] = []  # when each re-run started, what was stored then

    crawl_until(crew, "a1", "a2", more=100)
    redis_server.stop()  # down: the workers cannot reach it
    # refused at the next connection, or reset in the middle of a command
    assert_stopped(crew, "a1", "a2", problem=("Connection refused", "Connection reset"))
    redis_server.start()  # back, and empty: no persistence
    reruns.append((time.monotonic(), set(documents(postgres_url))))
    crawl_until(crew, "b1", "b2", more=100)
    frontier.client.flushdb()  # as if restarted between two heartbeats: the keys are gone
    assert_stopped(crew, "b1", "b2", problem=("keys are gone",))
    reruns.append((time.monotonic(), set(documents(postgres_url))))
    crew.start("c1", "c2")
    ended = crew.finish("c1", "c2")

    assert_all_ok(ended)
    assert documents(postgres_url) == expected  # finished, no duplicate
    for started, stored_before in reruns:  # each re-run seeded from the database
        assert len(stored_before) < len(expected)
        fetched = {server.url(path) for path in page_fetches(server, after=started)}
        assert not fetched & stored_before
    assert frontier_states(postgres_url) == {"done": len(expected)}


def test_case48_no_double_fetch_under_warnings_as_errors(
    serve: Serve, crews: Crews, postgres_url: str, redis_crawl: RedisCrawl
) -> None:
    server, expected, crew = crawl_of_a_site(serve, crews, redis_crawl, pages=300)
    crew.start("strict", python=("-W", "error", "-W", KNOWN_WARNING))
    crew.start("plain")
    ended = crew.finish("strict", "plain")
    assert_all_ok(ended)
    assert "Warning" not in ended["strict"].log
    fetches = page_fetches(server)
    assert fetches["/"] == 1  # the seed both workers start from: queued once, consumed once
    assert max(fetches.values()) == 1
    robots = Counter(hit.headers.get("User-Agent") for hit in server.hits("/robots.txt"))
    assert max(robots.values()) == 1  # one robots.txt per worker
    assert documents(postgres_url) == expected
    assert all(fetched_by(server, tag) for tag in ended)  # both worked
    assert left_in_redis(redis_crawl) == ["seen", "session"]  # the queue was consumed


def test_the_seen_set_does_not_start_again_empty_once_redis_lost_its_keys(
    redis_crawl: RedisCrawl,
) -> None:
    # Redirect targets and sitemaps are deduplicated by the seen-set alone, not the queue.
    queue = LeaseQueue(redis_crawl.client, Spider("t"), redis_crawl.name, "w1", lease_s=10)
    assert queue.join()  # nobody else: a new session
    queue.begin()
    url = "http://a.test/x"
    assert queue.seen.add(url)
    assert not queue.seen.add(url)
    assert queue.seen.request_seen(Request(url))
    redis_crawl.client.delete(redis_crawl.key("session"), redis_crawl.key("seen"))  # a flush
    with pytest.raises(KeysGone):
        queue.seen.add("http://a.test/y")
    with pytest.raises(KeysGone):
        queue.seen.request_seen(Request(url))
    assert redis_crawl.key_names() == []  # nothing began again from empty


def test_frontier_must_be_a_reachable_redis(closed_port: int, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'corpus.db'}"
    seed = "http://127.0.0.1:9/"
    proc = yuliao("--db", db, "crawl", seed, "--frontier", "http://127.0.0.1:6379/0")
    assert proc.returncode == 2
    assert "not a Redis URL" in proc.stderr.splitlines()[-1]
    proc = yuliao(
        "--db", db, "crawl", seed, "--frontier", f"redis://:secret@127.0.0.1:{closed_port}/0"
    )
    assert proc.returncode == 1
    assert proc.stderr.startswith(
        f"Error: cannot reach the frontier redis://127.0.0.1:{closed_port}/0: "
    )
    assert len(proc.stderr.splitlines()) == 1
    assert "secret" not in proc.stderr
