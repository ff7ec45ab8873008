"""Crawling through faults (issue: crawling fast and politely): a fake wiki that answers 429 with
Retry-After, 503, maxlag errors, truncated bodies, resets and hangs on a share of requests. Every
job must finish with every title accounted for once, no title asked for more than --max-attempts
times, and the fleet never above its in-flight cap, also with two process trees on one Redis."""
import json

import pytest
import requests

from conftest import START_DEADLINE, check_exactly_once, numbered_titles as titles, wait_for

MAX_ATTEMPTS = 5


def crawl_args(redis_server, wiki, *extra):
    return ["--redis", redis_server.socket, "--wiki", wiki.url, "--retry-base-ms", "20",
            "--timeout-ms", "1500", "--max-attempts", str(MAX_ATTEMPTS), "--cache-ttl", "0"] + \
        list(extra)


def check_job(svc, job, n, wiki):
    st, records, errors = check_exactly_once(svc, job, n)
    per_title = wiki.stats()["requests_per_title"]
    assert max(per_title.values()) <= MAX_ATTEMPTS, max(per_title.items(), key=lambda kv: kv[1])
    return st, records, errors


def test_fault_mix_every_title_once_within_attempts_and_cap(service, redis_server, fakewiki):
    wiki = fakewiki("--synthetic", "--seed", "7", "--rate-429", "0.05", "--retry-after", "1",
                    "--rate-503", "0.08", "--rate-maxlag", "0.05", "--rate-broken-json", "0.05",
                    "--rate-reset", "0.05", "--rate-hang", "0.03", "--hang-ms", "3000",
                    "--latency-ms", "20")
    cap = 4
    svc = service("serve", crawl_args(redis_server, wiki, "--workers", "2", "--concurrency", "8",
                                      "--max-inflight", str(cap), "--rate", "0"))
    n = 300
    r = svc.submit({"titles": titles("Fault", n), "chunk_size": 20})
    assert r.status_code == 202, r.text
    st, records, errors = check_job(svc, r.json()["id"], n, wiki)
    stats = wiki.stats()
    assert stats["max_concurrent"] <= cap, stats["max_concurrent"]
    assert all(k in stats["faults"] for k in ("429", "503", "maxlag", "broken_json", "reset")), \
        stats["faults"]
    # Faults hit about a third of requests: with five attempts nearly every title gets through,
    # and those that did not say why.
    assert st["pages"] >= n * 0.9
    for e in errors:
        assert e["outcome"] == "failed" and e["detail"], e
    # The fleet slowed down: the 429 / maxlag answers were reported to the shared limiter.
    assert "wiki_throttled" in svc.log()


def test_two_process_trees_share_one_cap(service, redis_server, fakewiki):
    wiki = fakewiki("--synthetic", "--latency-ms", "60")
    cap = 3
    args = crawl_args(redis_server, wiki, "--concurrency", "8", "--max-inflight", str(cap),
                      "--rate", "0")
    svc = service("serve", args + ["--workers", "2", "--log-level", "debug"])
    other = service("worker", args + ["--workers", "2", "--log-level", "debug"])
    wait_for(lambda: len(other.children("wc-worker")) == 2, START_DEADLINE,
             "second tree's workers")
    n = 240
    r = svc.submit({"titles": titles("Shared", n), "chunk_size": 10})
    job = r.json()["id"]
    check_job(svc, job, n, wiki)
    stats = wiki.stats()
    assert stats["max_concurrent"] <= cap, stats["max_concurrent"]
    # the cap is reached, so the limit is what held the fleet back (not a lack of work)
    assert stats["max_concurrent"] == cap
    # both trees crawled: a worker that keeps its leases for its next requests must not starve
    # the other tree
    assert "chunk_done" in svc.log() and "chunk_done" in other.log()
    workers = redis_server.cli("ZRANGE", "wikicrawl:{queue}:workers", "0", "-1").split()
    assert len(workers) == 4
    # with nothing left to crawl every lease went back: none waits for its expiry
    wait_for(lambda: redis_server.cli("ZCARD", "wikicrawl:{queue}:inflight").strip() == "0", 10,
             "leases given back")


def test_a_busy_worker_does_not_keep_the_cap_from_another(service, redis_server, fakewiki):
    """Two trees of one worker each, a cap smaller than either's concurrency: the worker that got
    the cap first renews its leases every 5 s, and must then leave room for the one waiting, so
    both crawl (without it the second held one chunk until the first ran out of work)."""
    wiki = fakewiki("--synthetic", "--latency-ms", "20")
    args = crawl_args(redis_server, wiki, "--concurrency", "8", "--max-inflight", "4",
                      "--rate", "0", "--workers", "1", "--log-level", "debug")
    svc = service("serve", args)
    other = service("worker", args)
    wait_for(lambda: len(other.children("wc-worker")) == 1, START_DEADLINE,
             "second tree's worker")
    n, chunk = 2400, 20
    r = svc.submit({"titles": titles("Fair", n), "chunk_size": chunk})
    check_job(svc, r.json()["id"], n, wiki)
    assert wiki.stats()["max_concurrent"] <= 4
    done = [log.count("event=chunk_done") for log in (svc.log(), other.log())]
    assert sum(done) == n // chunk, done
    assert min(done) >= 0.15 * n / chunk, done


def command_calls(redis_server, command):
    for line in redis_server.cli("INFO", "commandstats").splitlines():
        if line.startswith("cmdstat_%s:" % command):
            return int(line.split("calls=")[1].split(",")[0])
    return 0


def test_a_busy_worker_reuses_its_leases(service, redis_server, fakewiki):
    """A lease carries one request after another while its worker has work: the limiter asks Redis
    for new leases (its script's ZREMRANGEBYSCORE) a few times, not once per request, and the cap
    still holds."""
    wiki = fakewiki("--synthetic", "--latency-ms", "20")
    cap = 4
    svc = service("serve", crawl_args(redis_server, wiki, "--workers", "1", "--concurrency", "8",
                                      "--max-inflight", str(cap), "--rate", "0"))
    n = 200
    before = command_calls(redis_server, "zremrangebyscore")
    r = svc.submit({"titles": titles("Reuse", n), "chunk_size": 50})
    check_job(svc, r.json()["id"], n, wiki)
    asked = command_calls(redis_server, "zremrangebyscore") - before
    assert 1 <= asked <= n / 10, asked
    stats = wiki.stats()
    assert stats["max_concurrent"] == cap, stats["max_concurrent"]
    wait_for(lambda: redis_server.cli("ZCARD", "wikicrawl:{queue}:inflight").strip() == "0", 10,
             "leases given back")


@pytest.mark.parametrize("cap", ["0", "4"])  # with a cap, reused leases must still take tokens
def test_rate_limit_holds_for_the_fleet(service, redis_server, fakewiki, cap):
    wiki = fakewiki("--synthetic")
    rate = 40
    svc = service("serve", crawl_args(redis_server, wiki, "--workers", "2", "--concurrency", "8",
                                      "--rate", str(rate), "--max-inflight", cap))
    n = 120
    r = svc.submit({"titles": titles("Rate", n)})
    st = svc.wait_done(r.json()["id"], timeout=120)
    elapsed = (iso_ms(st["finished"]) - iso_ms(st["started"])) / 1000.0
    # n requests at `rate` per second with a burst of rate/10: at least (n - burst) / rate seconds
    assert elapsed >= (n - rate / 10) / rate * 0.9, elapsed


def iso_ms(stamp):
    import datetime
    return datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc).timestamp() * 1000


def test_wiki_down_for_good_fails_titles_cleanly_then_retry(service, redis_server, fakewiki):
    wiki = fakewiki("--synthetic", "--down")
    svc = service("serve", crawl_args(redis_server, wiki, "--workers", "1"))
    n = 30
    r = svc.submit(titles("Down", n))
    job = r.json()["id"]
    st, records, errors = check_job(svc, job, n, wiki)
    assert st["failed"] == n and records == []
    for e in errors:
        assert e["outcome"] == "failed" and e["detail"].startswith("http_503"), e
    assert set(wiki.stats()["requests_per_title"].values()) == {MAX_ATTEMPTS}

    # the wiki is back: POST /retry crawls exactly the failed titles again, as a new job
    wiki.control(down=False)
    retry = requests.post(svc.url("/v1/jobs/%s/retry" % job), timeout=30)
    assert retry.status_code == 202, retry.text
    new = retry.json()
    assert new["id"] != job and new["titles"] == n
    st2 = svc.wait_done(new["id"])
    assert st2["pages"] == n
    # a job with nothing failed has nothing to retry
    again = requests.post(svc.url("/v1/jobs/%s/retry" % new["id"]), timeout=30)
    assert again.status_code == 422 and again.json()["error"]["code"] == "nothing_to_retry"


def test_requests_carry_maxlag_user_agent_and_lean_props(service, redis_server, fakewiki):
    wiki = fakewiki("--synthetic")
    svc = service("serve", crawl_args(redis_server, wiki, "--workers", "1", "--maxlag", "3",
                                      "--user-agent", "wc-test/1.0 (ops@example.org)"))
    r = svc.submit(["Polite"])
    svc.wait_done(r.json()["id"])
    stats = wiki.stats()
    assert stats["user_agents"] == ["wc-test/1.0 (ops@example.org)"]
    params = stats["last_params"]["Polite"]
    assert params["maxlag"] == "3" and params["redirects"] == "1"
    assert params["prop"] == "text|categories|links|externallinks|sections|properties|revid"
    for flag in ("disablelimitreport", "disableeditsection", "disabletoc"):
        assert params[flag] == "1", flag


def test_cache_answers_a_title_crawled_by_an_earlier_job(service, redis_server, fakewiki):
    wiki = fakewiki("--synthetic")
    svc = service("serve", ["--redis", redis_server.socket, "--wiki", wiki.url, "--workers", "1"])
    first = svc.submit(["Cached one", "Cached two", "Missing cached"]).json()["id"]
    st = svc.wait_done(first)
    # one batch resolves all three; the missing one needs no parse
    assert (st["requests_query"], st["requests_parse"], st["cache_hits"]) == (1, 2, 0)
    before = wiki.stats()
    second = svc.submit(["Cached one", "Cached two", "Missing cached", "Fresh"]).json()["id"]
    st = svc.wait_done(second)
    assert st["cache_hits"] == 2 and st["pages"] == 3 and st["missing"] == 1
    after = wiki.stats()
    assert after["query_requests"] == before["query_requests"] + 1
    assert after["parse_requests"] == before["parse_requests"] + 1  # "Fresh" only
    assert (st["requests_query"], st["requests_parse"]) == (1, 1)
    _, a = svc.lines(first)
    _, b = svc.lines(second)
    by_title = {r["page_title"]: r for r in b}
    for rec in a:
        assert by_title[rec["page_title"]] == rec
    # opting out parses again
    third = svc.submit(["Cached one"], params={"cache": "false"}).json()["id"]
    assert svc.wait_done(third)["cache_hits"] == 0
    assert wiki.stats()["parse_requests"] == after["parse_requests"] + 1
    # The cache holds where the line is and the page's fingerprint, not a copy: the latest
    # job's first results entry.
    entry = redis_server.cli("GET", "wikicrawl:{cache}:p:Cached one").strip().split("\n")
    assert entry[:3] == ["ok", third, "1"] and len(entry[3]) == 16
    # a page changed since its entry was written is parsed again
    wiki.control(edit=["Cached two"])
    fourth = svc.submit(["Cached one", "Cached two"]).json()["id"]
    st = svc.wait_done(fourth)
    assert (st["cache_hits"], st["requests_parse"]) == (1, 1)
    assert redis_server.cli("GET", "wikicrawl:{cache}:p:Cached two").strip().split("\n")[3] \
        != entry[3]
