"""GET /metrics as Prometheus reads it: `promtool check metrics` (Prometheus's own parser and
linter) accepts the exposition of a real crawl without a warning, whatever the stats hash holds,
and the live-worker gauge counts heartbeats on Redis's clock."""
import shutil
import subprocess

import requests

from conftest import metrics, samples, serve

STATS = "wikicrawl:{queue}:stats"
WORKERS = "wikicrawl:{queue}:workers"


def promtool_check(text):
    """promtool's verdict on an exposition: (exit code, everything it printed)."""
    assert shutil.which("promtool"), "promtool is missing: scripts/deps.sh test installs it"
    done = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True,
                          text=True, timeout=60)
    return done.returncode, done.stdout + done.stderr


def test_the_exposition_of_a_crawl_passes_promtool(service, redis_server, fakewiki):
    svc = serve(service, redis_server, fakewiki("--synthetic"))
    for titles in (["Metric a", "Metric b", "Metric c"], ["Metric d", "Bad[x"]):
        svc.wait_done(svc.submit(titles).json()["id"])
    text = metrics(svc)
    rc, said = promtool_check(text)
    assert rc == 0 and said == "", said + "\n" + text
    got = samples(text)
    assert got["wikicrawl_jobs_submitted_total"] == 2 and got["wikicrawl_jobs_done_total"] == 2
    # Bad[x is refused at upload: no worker sees it, the fleet's pages_invalid does not count it.
    assert got["wikicrawl_pages_ok_total"] == 4 and got["wikicrawl_pages_invalid_total"] == 0
    assert got["wikicrawl_workers_alive"] == 2
    # A valid histogram: cumulative buckets, +Inf equal to _count, one observation per fetch.
    buckets = [v for k, v in got.items() if k.startswith("wikicrawl_fetch_seconds_bucket")]
    assert buckets == sorted(buckets) and len(buckets) == 9
    assert buckets[-1] == got["wikicrawl_fetch_seconds_count"] == 4


def test_fields_of_another_version_do_not_break_the_exposition(service, redis_server):
    """A newer or older wikicrawl on the same Redis may write fields this one does not know:
    they are left out rather than exposed without HELP and TYPE, out of order, or unreadable."""
    redis_server.cli("HSET", STATS, "pages_ok", "3", "some_future_counter", "7",
                     'fetch_seconds_bucket|le="0.07"', "1", 'fetch_seconds_bucket|le="+Inf"', "2",
                     "fetch_seconds_count", "2", "requests", "many")
    svc = service("api", ["--redis", redis_server.socket])
    text = metrics(svc)
    rc, said = promtool_check(text)
    assert rc == 0 and said == "", said + "\n" + text
    got = samples(text)
    assert got["wikicrawl_pages_ok_total"] == 3 and got["wikicrawl_requests_total"] == 0
    assert not [k for k in got if "future" in k or "0.07" in k]


def test_live_workers_are_counted_on_redis_clock(service, redis_server):
    """Stamps on Redis's clock (what jobs_heartbeat.lua writes), judged against Redis's clock: a
    worker heard from 1 s ago is alive, one silent for longer than the reaper allows (15 s) is
    not, and neither is one exactly at the reaper's cutoff."""
    # The stamps are written once the front end is up: a slow start must not age "fresh".
    svc = service("api", ["--redis", redis_server.socket])
    secs, micros = redis_server.cli("TIME").split()
    now = int(secs) * 1000 + int(micros) // 1000
    redis_server.cli("ZADD", WORKERS, str(now - 1000), "fresh", str(now - 16000), "silent",
                     str(now - 3600 * 1000), "gone")
    assert samples(metrics(svc))["wikicrawl_workers_alive"] == 1
    assert requests.get(svc.url("/readyz"), timeout=10).json()["workers"] == 1
    redis_server.cli("ZREM", WORKERS, "fresh")
    assert samples(metrics(svc))["wikicrawl_workers_alive"] == 0
    assert requests.get(svc.url("/readyz"), timeout=10).status_code == 503
