"""One crawl on several machines: a shared frontier in Redis (scrapy-redis), the database as record.

``yuliao crawl --frontier redis://HOST:PORT/DB --db postgresql+psycopg://…`` started on several
machines with the same seeds (or ``--name``) cooperates on one crawl. Each worker process runs
:class:`~crawler.distributed.scheduler.RedisScheduler`: pages are queued and deduplicated in
Redis through scrapy-redis's queue and dupefilter classes (:mod:`crawler.distributed.shared`),
while every URL and every outcome is still recorded in the crawl's ``frontier`` table, which
stays the record: Redis only holds what can be rebuilt from it.

What scrapy-redis lacks, and is added here through its extension points:

- Leases. scrapy-redis pops without acknowledgement, so the pages a killed worker had popped
  were lost. Here a page popped from the queue moves, atomically, into the worker's lease
  hash, and leaves it only once its outcome is committed to the database. A worker that stops
  beating for ``YULIAO_LEASE_S`` seconds (``kill -9``, a lost machine) has its leases put back
  in the queue by the next worker that beats.
- Sessions. The first worker to join when no worker is alive rebuilds Redis from the database
  (pending URLs into the queue, every known URL into the seen-set), so a crawl killed
  everywhere, or a Redis that lost its data, resumes from the record without refetching.
- Start. Every worker runs its spider's own ``async def start()``; start requests pass through
  the shared seen-set, so the first worker to offer a seed queues it and the others skip it.
  (scrapy-redis's ``RedisSpider`` reads start URLs in ``start_requests()``, which Scrapy no
  longer calls.)
- Ending. A worker stops when the queue has been empty, with no page leased anywhere, for
  ``YULIAO_IDLE_STOP_S`` seconds; it stops with an error when Redis fails or loses its data.
"""
