"""Faults of our own (issue: reliability): kill -9 of a worker, of the front end, of the whole
serve tree with its embedded Redis, and a Redis restart. Each ends with the job done, every title
accounted for once and no record doubled."""
import os
import shutil
import signal
import tempfile
import threading

import pytest
import requests

from conftest import Redis, check_exactly_once, numbered_titles as titles, wait_for


@pytest.fixture
def data_dir():
    d = tempfile.mkdtemp(prefix="wc-data-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def aof_redis():
    tmp = tempfile.mkdtemp(prefix="wc-aof-")
    r = Redis(tmp, appendonly=True).start()
    yield r
    r.stop()
    shutil.rmtree(tmp, ignore_errors=True)


def test_kill9_whole_tree_with_embedded_redis_then_restart(service, fakewiki, data_dir):
    wiki = fakewiki("--synthetic", "--latency-ms", "40")
    args = ["--data-dir", data_dir, "--wiki", wiki.url, "--workers", "2", "--concurrency", "4",
            "--cache-ttl", "0"]
    svc = service("serve", args)
    n = 400
    job = svc.submit({"chunk_size": 10, "titles": titles("Crash", n)}).json()["id"]
    wait_for(lambda: svc.status(job)["pages"] >= 60, 60, "some progress")
    svc.kill_tree()  # supervisor, api, workers and redis-server: one process group
    assert not os.path.exists(os.path.join(data_dir, "redis.pid"))

    again = service("serve", args)
    check_exactly_once(again, job, n)


def test_kill9_front_end_loses_no_accepted_job(service, redis_server, fakewiki):
    wiki = fakewiki("--synthetic")
    svc = service("serve", ["--redis", redis_server.socket, "--wiki", wiki.url, "--workers", "1",
                            "--rate", "0", "--max-inflight", "0"])
    n = 5000
    body = "\n".join(titles("Accepted", n)).encode()
    r = svc.submit(body, "text/plain")
    assert r.status_code == 202
    job = r.json()["id"]
    (api,) = svc.children("wc-api")
    os.kill(api, signal.SIGKILL)  # right after the 202: the job must already be whole in Redis
    assert int(redis_server.cli("HGET", "wikicrawl:{%s}:job" % job, "chunks")) == n // 50
    wait_for(lambda: svc.children("wc-api") and svc.children("wc-api") != [api], 20,
             "the supervisor to start a new front end")
    wait_for(lambda: requests.get(svc.url("/healthz"), timeout=2).ok, 20, "new front end")
    check_exactly_once(svc, job, n)


def test_kill9_front_end_mid_upload_queues_nothing(service, redis_server, fakewiki):
    wiki = fakewiki("--synthetic")
    svc = service("serve", ["--redis", redis_server.socket, "--wiki", wiki.url, "--workers", "1"])
    (api,) = svc.children("wc-api")
    stop = threading.Event()

    def slow_body():
        for i in range(100000):
            if stop.is_set():
                return
            yield ("Partial %d\n" % i).encode()

    def upload():
        try:
            requests.post(svc.url("/v1/jobs"), data=slow_body(),
                          headers={"Content-Type": "text/plain"}, timeout=30)
        except requests.RequestException:
            pass

    t = threading.Thread(target=upload)
    t.start()
    wait_for(lambda: redis_server.cli("--scan", "--pattern", "wikicrawl:{*}:chunks"), 20,
             "the upload to reach Redis")
    os.kill(api, signal.SIGKILL)
    stop.set()
    t.join(30)
    # the half-received job is never queued, and its keys expire on their own
    assert redis_server.cli("--scan", "--pattern", "wikicrawl:{queue}:jobq:*") == ""
    (key,) = redis_server.cli("--scan", "--pattern", "wikicrawl:{*}:job").split()
    assert redis_server.cli("HGET", key, "status") == "receiving"
    assert 0 < int(redis_server.cli("TTL", key)) <= 3600


def test_redis_restart_is_survived_without_restarting_the_service(service, aof_redis, fakewiki):
    wiki = fakewiki("--synthetic", "--latency-ms", "30")
    svc = service("serve", ["--redis", aof_redis.socket, "--wiki", wiki.url, "--workers", "2",
                            "--concurrency", "4", "--cache-ttl", "0"])
    workers = svc.children("wc-worker")
    n = 300
    job = svc.submit({"chunk_size": 10, "titles": titles("Outage", n)}).json()["id"]
    wait_for(lambda: svc.status(job)["pages"] >= 30, 60, "some progress")
    aof_redis.stop()
    # while Redis is away: readiness says so and submissions get a clear 503
    ready = requests.get(svc.url("/readyz"), timeout=10)
    assert ready.status_code == 503
    down = svc.submit(["x"])
    assert down.status_code == 503 and down.json()["error"]["code"] == "redis_unavailable"
    aof_redis.start()
    wait_for(lambda: requests.get(svc.url("/readyz"), timeout=5).ok, 60, "ready again")
    check_exactly_once(svc, job, n)
    assert svc.children("wc-worker") == workers, "workers were restarted instead of reconnecting"
