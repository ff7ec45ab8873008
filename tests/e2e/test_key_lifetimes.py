"""No key lives for ever (docs/redis.md, the key table's "bounded by" column): a soak of
3,000 jobs that are never listed leaves Redis as it found it once they expire; a job whose commit
stopped midway expires whole and leaves no entry behind; an Idempotency-Key lives as long as its
job's results; a results download whose job is purged mid-stream ends as an error."""
import concurrent.futures
import json
import os
import time

import pytest
import requests

from conftest import serve, wait_for
from test_scripts import evalsha

QUEUE = "wikicrawl:{queue}:"
TURNS = QUEUE + "turns:"

# One call: every key without a TTL and how many members it holds (1 for a string).
NO_TTL_KEYS = """
local cursor, out = '0', {}
repeat
  local page = redis.call('SCAN', cursor, 'COUNT', 1000)
  cursor = page[1]
  for _, k in ipairs(page[2]) do
    if redis.call('TTL', k) == -1 then
      local t = redis.call('TYPE', k)['ok']
      local n = 1
      if t == 'hash' then n = redis.call('HLEN', k)
      elseif t == 'set' then n = redis.call('SCARD', k)
      elseif t == 'zset' then n = redis.call('ZCARD', k)
      elseif t == 'list' then n = redis.call('LLEN', k)
      elseif t == 'stream' then n = redis.call('XLEN', k) end
      out[#out + 1] = k
      out[#out + 1] = n
    end
  end
until cursor == '0'
return out
"""


def no_ttl_keys(redis):
    """key -> members, for every key without a TTL (redis-cli prints one element a line)."""
    lines = redis.cli("EVAL", NO_TTL_KEYS, "0").splitlines()
    return {lines[i]: int(lines[i + 1]) for i in range(0, len(lines) - 1, 2)}


def used_memory(redis):
    info = redis.cli("INFO", "memory")
    return int(next(line.split(":")[1] for line in info.splitlines()
                    if line.startswith("used_memory:")))


def job_keys(redis, job):
    """The keys of job ("": of every job, and the cache's entries)."""
    pattern = "*%s*" % job if job else "wikicrawl:{[0-9a-fc]*}:*"
    return [k for k in redis.cli("--scan", "--pattern", pattern).splitlines() if k]


def submit_many(svc, n, threads=4):
    """n two-title jobs over HTTP, a session per thread. Returns their ids."""
    def run(part):
        ids = []
        with requests.Session() as s:
            for i in range(part, n, threads):
                body = json.dumps(["Soak %d a" % i, "Soak %d b" % i])
                r = s.post(svc.url("/v1/jobs"), data=body, timeout=120,
                           headers={"Content-Type": "application/json"})
                assert r.status_code == 202, r.text
                ids.append(r.json()["id"])
        return ids

    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        return [j for ids in pool.map(run, range(threads)) for j in ids]


def test_soak_of_unlisted_jobs_leaves_no_key_behind(service, redis_server, fakewiki):
    wiki = fakewiki("--synthetic")
    # The cache's entries live --cache-ttl (a week by default): a minute here, like the results.
    svc = serve(service, redis_server, wiki, "--result-ttl", "60", "--cache-ttl", "60",
                "--rate", "0", "--max-inflight", "64")
    # A first job writes the counters, the registry and the fleet's keys that any service has.
    first = svc.submit(["Warm up"]).json()["id"]
    svc.wait_done(first)
    before = no_ttl_keys(redis_server)
    memory_before = used_memory(redis_server)

    started = time.time()
    jobs = submit_many(svc, 3000)
    submitted = time.time() - started
    # A job leaves jobmeta when it is done: empty, every job is.
    wait_for(lambda: redis_server.cli("HLEN", QUEUE + "jobmeta") == "0", 150,
             "the soak's jobs to finish")
    crawled = time.time() - started
    assert svc.status(jobs[-1])["status"] == "done"
    peak = no_ttl_keys(redis_server)
    assert peak.get(QUEUE + "jobs:", 0) >= 3000, "the soak's jobs are indexed"

    # Their results expire 60 s after each finished; the sweep then drops what named them.
    def back_to_before():
        now = no_ttl_keys(redis_server)
        grown = {k: (before.get(k, 0), n) for k, n in now.items() if n > before.get(k, 0)}
        return not grown and not job_keys(redis_server, "")
    wait_for(back_to_before, 150, "the keys without a TTL to shrink back")
    after = no_ttl_keys(redis_server)
    # Expired keys are freed by Redis's active expiry, a little at a time.
    wait_for(lambda: used_memory(redis_server) < memory_before + 256 * 1024, 60,
             "Redis's memory to come back near its baseline")
    print("soak: 3000 jobs submitted in %.1f s, done after %.1f s; members of keys without a TTL: "
          "%d before, %d at the peak, %d after; used_memory %d before, %d after (%.1f s in all)"
          % (submitted, crawled, sum(before.values()), sum(peak.values()), sum(after.values()),
             memory_before, used_memory(redis_server), time.time() - started))
    assert sum(after.values()) <= sum(before.values())


def half_queued_job(redis, job, ttl_s, titles, refs):
    """What a front end leaves when it dies in the middle of a commit: the job hash, its chunks
    and its counters under the upload TTL, the job in its owner's index, only the first
    references pushed, never jobs_committed.lua."""
    keys = ["wikicrawl:{%s}:%s" % (job, part) for part in
            ("job", "chunks", "seen", "outcome", "results", "errors", "done", "seen_invalid",
             "export")]
    now = str(int(time.time() * 1000))
    assert evalsha(redis, "jobs_create", keys[:1],
                   [str(ttl_s), now, "2", "", "[]", "normal", "60"]) == "1"
    for seq in range(0, len(titles), 2):
        body = "wc1:" + "".join("%d:%s," % (len(t), t) for t in titles[seq:seq + 2])
        redis.cli("HSET", keys[1], str(seq // 2), body)
    redis.cli("EXPIRE", keys[1], str(ttl_s))
    redis.cli("ZADD", QUEUE + "jobs:", now, job)
    redis.cli("SADD", QUEUE + "owners", "")
    chunks = str((len(titles) + 1) // 2)
    assert evalsha(redis, "jobs_counted", keys[:1],
                   [str(len(titles)), "0", chunks, now, "0"]) == "committing"
    push(redis, job, refs)
    return keys


def push(redis, job, refs):
    evalsha(redis, "queue_push", [QUEUE + "jobq:" + job, QUEUE + "jobmeta", QUEUE + "bell"],
            [job, "normal", "", TURNS, "2"] + ["%s/%d" % (job, seq) for seq in refs])


def test_a_job_whose_commit_stopped_midway_expires_whole(service, redis_server, fakewiki):
    wiki = fakewiki("--synthetic")
    svc = serve(service, redis_server, wiki, "--result-ttl", "60")
    job = os.urandom(16).hex()
    keys = half_queued_job(redis_server, job, 12, ["Half %d" % i for i in range(4)], [0])
    # The workers run the chunk that was pushed: the job runs, and can never finish.
    wait_for(lambda: redis_server.cli("SCARD", keys[6]) == "1", 60, "the first chunk to finish")
    st = svc.status(job)
    assert st["status"] == "running" and st["chunks_done"] == 1 and st["pages"] == 2
    # Everything the workers wrote expires with the job hash.
    hash_ttl = int(redis_server.cli("PTTL", keys[0]))
    for key in job_keys(redis_server, job):
        ttl = int(redis_server.cli("PTTL", key))
        assert 0 < ttl <= hash_ttl + 50, (key, ttl, hash_ttl)

    wait_for(lambda: not job_keys(redis_server, job), 30, "the job's keys to expire")
    # A reference pushed for it now (a stale one) is claimed and settles as a no-op.
    push(redis_server, job, [1])
    wait_for(lambda: redis_server.cli("EXISTS", QUEUE + "jobq:" + job) == "0", 30,
             "the stale reference to be claimed")
    # The sweep drops its queue entry and its index entry, though nobody lists jobs.
    wait_for(lambda: redis_server.cli("HEXISTS", QUEUE + "jobmeta", job) == "0", 30,
             "jobmeta to forget the job")
    wait_for(lambda: redis_server.cli("ZSCORE", QUEUE + "jobs:", job) == "", 30,
             "the index to forget the job")
    # Its owner has no job left: it leaves the registry the sweep walks.
    wait_for(lambda: redis_server.cli("SISMEMBER", QUEUE + "owners", "") == "0", 30,
             "the registry to forget the owner")
    for prio in ("high", "normal", "low"):
        assert job not in redis_server.cli("LRANGE", TURNS + prio + ":", "0", "-1").split()
    assert not job_keys(redis_server, job)
    assert requests.get(svc.url("/v1/jobs/" + job), timeout=30).status_code == 404


def test_records_of_an_uncommitted_job_take_its_ttl(redis_server):
    job = "b" * 32
    keys = half_queued_job(redis_server, job, 600, ["One", "Two", "Three"], [0])
    assert evalsha(redis_server, "jobs_start_chunk", keys[:1], ["1"]) == "running"
    evalsha(redis_server, "jobs_record", [keys[0], keys[3], keys[4], keys[5]],
            ["One", "ok", "line1", "Two", "missing", "line2"])
    assert evalsha(redis_server, "jobs_finish_chunk", keys, ["0", "1", "60"]) == "running"
    for key in (keys[3], keys[4], keys[5], keys[6]):
        assert 0 < int(redis_server.cli("TTL", key)) <= 600, key
    # The commit completes after all: every key loses its TTL until the job ends.
    assert evalsha(redis_server, "jobs_committed", keys, ["3600"]) == "running"
    for key in (keys[0], keys[3], keys[4], keys[5], keys[6]):
        assert redis_server.cli("TTL", key) == "-1", key
    evalsha(redis_server, "jobs_record", [keys[0], keys[3], keys[4], keys[5]],
            ["Three", "ok", "line3"])
    assert redis_server.cli("TTL", keys[4]) == "-1"


def test_idempotency_key_lives_as_long_as_the_results(service, redis_server, fakewiki):
    wiki = fakewiki("--synthetic", "--latency-ms", "2500")
    svc = serve(service, redis_server, wiki, "--result-ttl", "60")
    headers = {"Idempotency-Key": "long-night"}
    r = svc.submit(["Long %d" % i for i in range(40)], headers=headers)
    assert r.status_code == 202, r.text
    job = r.json()["id"]
    idem = QUEUE + "idem::long-night"
    assert redis_server.cli("GET", idem) == job
    # The job outlives its key's first TTL (as a job longer than --result-ttl does): the sweep
    # writes the key again while the job runs.
    redis_server.cli("PEXPIRE", idem, "1")
    wait_for(lambda: redis_server.cli("GET", idem) == job, 30, "the key to be kept")
    assert svc.status(job)["status"] in ("queued", "running")
    svc.wait_done(job, timeout=120)
    # Once done, the key expires with the results, not before.
    key_ttl = int(redis_server.cli("TTL", idem))
    job_ttl = int(redis_server.cli("TTL", "wikicrawl:{%s}:job" % job))
    assert 0 < job_ttl and abs(key_ttl - job_ttl) <= 2, (key_ttl, job_ttl)
    again = svc.submit(["Long %d" % i for i in range(40)], headers=headers)
    assert again.json()["id"] == job


def test_a_page_missing_entries_it_counts_is_cut(service, redis_server, fakewiki):
    """Entries can leave a stream while a page is read (trimmed once exported): a page must not
    answer 200 with records missing that its Next-Cursor counts."""
    svc = serve(service, redis_server, fakewiki("--synthetic"))
    job = svc.submit(["Hole %d" % i for i in range(300)]).json()["id"]
    assert svc.wait_done(job, timeout=240)["pages"] == 300
    stream = "wikicrawl:{%s}:results" % job
    for ids in (["0-150"], ["0-1"]):  # one in the middle of the page, then its first
        assert redis_server.cli("XDEL", stream, *ids) == "1"
        r = requests.get(svc.url("/v1/jobs/%s/results" % job), params={"limit": 200},
                         stream=True, timeout=60, headers={"Accept-Encoding": "identity"})
        assert r.status_code == 200
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            for _ in r.iter_content(64 * 1024):
                pass
    # a page past the holes is whole
    r = requests.get(svc.url("/v1/jobs/%s/results" % job), params={"cursor": 150}, timeout=60)
    assert len(r.text.splitlines()) == 150


def test_a_refused_body_does_not_claim_its_idempotency_key(service, redis_server, fakewiki):
    svc = serve(service, redis_server, fakewiki("--synthetic"))
    headers = {"Idempotency-Key": "refused-first"}
    # keep=export without an export: known only once the body is read, after the titles
    r = svc.submit({"titles": ["Refused A"], "keep": "export"}, headers=headers)
    assert r.status_code == 422 and "needs an export" in r.json()["error"]["message"], r.text
    assert redis_server.cli("EXISTS", QUEUE + "idem::refused-first") == "0"
    r = svc.submit({"titles": ["Refused A"]}, headers=headers)
    assert r.status_code == 202, r.text
    assert svc.wait_done(r.json()["id"], timeout=120)["pages"] == 1


def test_results_download_cut_by_a_purge_is_an_error(service, redis_server, fakewiki):
    wiki = fakewiki("--synthetic", "--page-kb", "40")
    svc = serve(service, redis_server, wiki)
    job = svc.submit(["Big %d" % i for i in range(400)]).json()["id"]
    assert svc.wait_done(job, timeout=240)["pages"] == 400
    r = requests.get(svc.url("/v1/jobs/%s/results" % job), stream=True, timeout=60,
                     headers={"Accept-Encoding": "identity"})
    assert r.status_code == 200
    body = r.iter_content(64 * 1024)
    got = len(next(body))
    purged = requests.delete(svc.url("/v1/jobs/" + job), params={"purge": "true"}, timeout=30)
    assert purged.status_code in (200, 204), purged.text
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        for piece in body:
            got += len(piece)
    # The page was far larger than what the sockets and one batch hold: it was cut.
    assert got < 400 * 30 * 1024
