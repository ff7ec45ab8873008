"""Redis at its memory limit is a state, not a deadlock (issue 21): an external redis-server with
noeviction and a maxmemory sized from what a first job used. Jobs stop at the limit and stay
running; new jobs get 507 store_full at once; /readyz and /metrics say so; DELETE and purge work
on a full Redis and free its memory; a stalled job resumes by itself once memory is freed,
records every title once, and fetches no page twice."""
import time

import requests

from conftest import check_exactly_once, metrics, numbered_titles, samples, serve, wait_for

N = 600  # titles per job
CHUNK = 10


def used_memory(redis):
    info = redis.cli("INFO", "memory")
    return int(info.split("used_memory:")[1].split()[0])


def pages(svc, job):
    return svc.status(job)["pages"]


def wait_stalled(svc, job, what, timeout=120):
    """Until job's page count holds still across 1.5 s (its workers have stopped): its count."""
    seen = {"pages": -1, "since": time.time()}

    def still():
        now = pages(svc, job)
        if now != seen["pages"]:
            seen.update(pages=now, since=time.time())
            return False
        return time.time() - seen["since"] >= 1.5

    wait_for(still, timeout, what)
    st = svc.status(job)
    assert st["status"] == "running", st
    return st["pages"]


def start(service, redis_server, fakewiki):
    """serve on the test's Redis, without the cache (it would answer from what a job stored), and
    a first job run to its end: the measure of what a job of N titles costs in Redis."""
    assert redis_server.cli("CONFIG", "GET", "maxmemory-policy").split()[-1] == "noeviction"
    wiki = fakewiki("--synthetic", "--page-kb", "32")
    svc = serve(service, redis_server, wiki, "--cache-ttl", "0", "--rate", "0",
                "--max-inflight", "0")
    base = used_memory(redis_server)
    first = svc.submit({"chunk_size": CHUNK, "titles": numbered_titles("First", N)}).json()["id"]
    check_exactly_once(svc, first, N)
    job_bytes = used_memory(redis_server) - base
    assert job_bytes > 1 << 20, "a job should cost Redis megabytes here, not %d bytes" % job_bytes
    return svc, wiki, first, job_bytes


def assert_store_full_answers(svc):
    """A new job gets 507 store_full with Retry-After within a second; /readyz says store_full;
    /metrics shows the memory near its limit."""
    t0 = time.time()
    r = svc.submit({"titles": ["Refused 1", "Refused 2"]})
    assert time.time() - t0 < 1.0, "the refusal took %.2f s" % (time.time() - t0)
    assert r.status_code == 507, r.text
    assert r.json()["error"]["code"] == "store_full"
    assert "full" in r.json()["error"]["message"]
    assert int(r.headers["Retry-After"]) > 0
    ready = requests.get(svc.url("/readyz"), timeout=10)
    assert ready.status_code == 503 and ready.json()["error"]["code"] == "store_full", ready.text
    m = samples(metrics(svc))
    limit = m["wikicrawl_redis_memory_limit_bytes"]
    assert limit > 0 and m["wikicrawl_redis_memory_bytes"] >= 0.85 * limit, m


def test_a_job_stops_at_the_limit_and_can_be_cancelled_and_purged(service, redis_server,
                                                                    fakewiki):
    svc, _, _, job_bytes = start(service, redis_server, fakewiki)
    # Room for half a job more: the next one stops about halfway.
    limit = used_memory(redis_server) + job_bytes // 2
    redis_server.cli("CONFIG", "SET", "maxmemory", str(limit))
    # With an Idempotency-Key: a cancel makes it follow the results, a write that must run at
    # the limit too.
    job = svc.submit({"chunk_size": CHUNK, "titles": numbered_titles("Stall", N)},
                     headers={"Idempotency-Key": "stall-1"}).json()["id"]
    stalled_at = wait_stalled(svc, job, "the job to stop at the limit")
    assert 0 < stalled_at < N
    # stopped by the watermark, or by Redis refusing a record (then kept, not dropped)
    assert "event=claims_stopped" in svc.log() or "event=store_full" in svc.log()
    assert_store_full_answers(svc)

    # Over the limit: Redis now refuses every write that is not marked allow-oom.
    before = used_memory(redis_server)
    redis_server.cli("CONFIG", "SET", "maxmemory", str(before - (256 << 10)))
    assert "OOM" in redis_server.cli("SET", "probe", "x")
    r = requests.delete(svc.url("/v1/jobs/" + job), timeout=30)
    assert r.status_code == 200 and r.json()["status"] == "cancelled", r.text
    assert "idempotency_follow_failed" not in svc.log()
    r = requests.delete(svc.url("/v1/jobs/" + job), params={"purge": "true"}, timeout=30)
    assert r.status_code == 204, r.text
    assert used_memory(redis_server) < before, "the purge freed nothing"
    redis_server.cli("CONFIG", "SET", "maxmemory", str(limit))
    # The memory is back under the marks: admission reopens by itself.
    wait_for(lambda: requests.get(svc.url("/readyz"), timeout=10).status_code == 200, 30,
             "/readyz ready again after the purge")
    assert svc.submit({"titles": ["After 1"]}).status_code == 202


def test_a_full_redis_holds_the_job_which_resumes_once_memory_is_freed(service, redis_server,
                                                                       fakewiki):
    svc, wiki, first, job_bytes = start(service, redis_server, fakewiki)
    wiki.reset_stats()
    job = svc.submit({"chunk_size": CHUNK, "titles": numbered_titles("Held", N)}).json()["id"]
    wait_for(lambda: pages(svc, job) >= N // 5, 120, "a fifth of the job")
    # Full now, with the workers in mid-flight: their next records are refused with -OOM, and
    # they must keep them rather than drop them and fetch the pages again.
    redis_server.cli("CONFIG", "SET", "maxmemory", str(used_memory(redis_server)))
    stalled_at = wait_stalled(svc, job, "the job to stop at the limit")
    assert stalled_at < N
    assert_store_full_answers(svc)
    assert svc.status(job)["status"] == "running"
    assert "outcomes kept, fetching paused" in svc.log(), "no record was refused: test the limit"

    # Purging the older, finished job frees what this one needs: it resumes by itself.
    r = requests.delete(svc.url("/v1/jobs/" + first), params={"purge": "true"}, timeout=30)
    assert r.status_code == 204, r.text
    st, _, _ = check_exactly_once(svc, job, N)
    parses = wiki.stats()["parse_requests"]
    assert parses <= 1.01 * N, "%d parse requests for %d pages" % (parses, N)
    assert st["requests_parse"] <= 1.01 * N, st
    print("PARSES %d for %d pages, stalled at %d" % (parses, N, stalled_at))
    # Done, it fills most of the limit on its own: once it is purged too, the store is open.
    r = requests.delete(svc.url("/v1/jobs/" + job), params={"purge": "true"}, timeout=30)
    assert r.status_code == 204, r.text
    wait_for(lambda: requests.get(svc.url("/readyz"), timeout=10).status_code == 200, 30,
             "/readyz ready once both jobs are purged")
    m = samples(metrics(svc))
    assert 0 < m["wikicrawl_redis_memory_bytes"] < 0.8 * m["wikicrawl_redis_memory_limit_bytes"], m


def test_an_upload_that_meets_the_limit_is_undone_and_answered_507(service, redis_server,
                                                                     fakewiki):
    wiki = fakewiki("--synthetic")
    svc = serve(service, redis_server, wiki)
    before = used_memory(redis_server)
    # Room for a megabyte: the upload below needs several (its chunks and its duplicate check).
    redis_server.cli("CONFIG", "SET", "maxmemory", str(before + (1 << 20)))
    body = "".join("Upload title number %d\n" % i for i in range(200000))
    r = svc.submit(body, content_type="text/plain")
    assert r.status_code == 507, r.text[:300] + svc.log()[-2000:]
    assert r.json()["error"]["code"] == "store_full"
    assert int(r.headers["Retry-After"]) > 0
    # Undone: what it wrote is gone, so Redis is back where it was (give or take its buffers).
    wait_for(lambda: used_memory(redis_server) < before + (256 << 10), 30,
             "the undone upload's memory to be freed")
    assert requests.get(svc.url("/v1/jobs"), timeout=10).json() == []
