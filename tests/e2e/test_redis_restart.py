"""A Redis that the service does not own (password, AOF, TCP) killed with SIGKILL and started
again on the same directory, at several moments of a job: work resumes soon after Redis is
ready, no title is lost and none is recorded twice (issue 15, item 1)."""
import os
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

from conftest import (START_DEADLINE, check_exactly_once, free_port, numbered_titles as titles,
                      wait_for)

PASSWORD = "s3cret-restart-pw"


class TcpRedis:
    """redis-server on a loopback port with a password and AOF, restartable on its directory."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="wc-tcpredis-")
        self.port = free_port()
        self.proc = None

    @property
    def url(self):
        return "redis://:%s@127.0.0.1:%d/0" % (PASSWORD, self.port)

    def start(self, *extra, wait=True):
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--requirepass",
             PASSWORD, "--dir", self.dir, "--save", "", "--appendonly", "yes",
             "--appendfsync", "always", "--logfile", os.path.join(self.dir, "redis.log")]
            + list(extra))
        if wait:
            wait_for(lambda: self.cli("PING") == "PONG", START_DEADLINE, "redis-server", self.proc)
        return self

    def cli(self, *args):
        out = subprocess.run(["redis-cli", "-p", str(self.port), "--no-auth-warning", "-a",
                              PASSWORD] + list(args), capture_output=True, text=True, timeout=60)
        return (out.stdout + out.stderr).strip()

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(60)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(60)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def tcp_redis():
    r = TcpRedis().start()
    yield r
    r.stop()


def pages(svc, job):
    try:
        return svc.status(job)["pages"]
    except Exception:
        return -1


# (pages done before the kill, seconds Redis stays down)
MOMENTS = [(0, 2), (40, 2), (150, 1)]


@pytest.mark.parametrize("before,down_s", MOMENTS, ids=["at-start", "early", "midway"])
def test_redis_kill9_and_restart_resumes_the_job(service, tcp_redis, fakewiki, before, down_s):
    wiki = fakewiki("--synthetic", "--latency-ms", "300")
    svc = service("serve", ["--redis", tcp_redis.url, "--wiki", wiki.url, "--workers", "2",
                            "--cache-ttl", "0"])
    n = 300
    job = svc.submit({"chunk_size": 10, "titles": titles("Restart", n)}).json()["id"]
    wait_for(lambda: pages(svc, job) >= before, 120, "%d pages before the kill" % before)
    tcp_redis.kill9()
    time.sleep(down_s)  # the outage itself is the fault under test, not a wait for a condition
    tcp_redis.start()
    wait_for(lambda: pages(svc, job) >= 0, 60, "the front end to reach Redis again")
    resumed_from = pages(svc, job)
    # Work resumes: more pages within a bound far below the lease lifetime and the reaper's.
    wait_for(lambda: pages(svc, job) > resumed_from, 30,
             "progress after the restart (stuck at %d)" % resumed_from)
    check_exactly_once(svc, job, n, timeout=180)


def test_redis_restart_with_a_slow_aof_load_resumes_the_job(service, tcp_redis, fakewiki):
    """The restarted Redis answers -LOADING for seconds while it reads its AOF: the workers
    must treat those error replies as "try again", never as an answer, and resume once it is
    ready."""
    wiki = fakewiki("--synthetic", "--latency-ms", "100")
    svc = service("serve", ["--redis", tcp_redis.url, "--wiki", wiki.url, "--workers", "2",
                            "--cache-ttl", "0"])
    n = 200
    job = svc.submit({"chunk_size": 10, "titles": titles("Loading", n)}).json()["id"]
    # ballast, so that loading takes seconds: 2,000 keys at 2 ms each (the delay is per key of
    # the AOF's RDB preamble, hence the rewrite)
    for i in range(0, 2000, 500):
        tcp_redis.cli("MSET", *[x for k in range(i, i + 500) for x in ("ballast:%d" % k, "x")])
    wait_for(lambda: pages(svc, job) >= 40, 120, "40 pages before the kill")
    tcp_redis.cli("BGREWRITEAOF")
    wait_for(lambda: "aof_rewrite_in_progress:0" in tcp_redis.cli("INFO", "persistence"), 60,
             "the AOF rewrite")
    tcp_redis.kill9()
    tcp_redis.start("--key-load-delay", "2000", "--loading-process-events-interval-bytes", "1024",
                    wait=False)
    wait_for(lambda: "LOADING" in tcp_redis.cli("PING"), 30, "Redis to answer LOADING")
    wait_for(lambda: tcp_redis.cli("PING") == "PONG", 120, "the AOF to load")
    resumed_from = pages(svc, job)
    wait_for(lambda: pages(svc, job) > resumed_from, 30,
             "progress after loading (stuck at %d)" % resumed_from)
    check_exactly_once(svc, job, n, timeout=180)
    assert "LOADING" in svc.log(), "the workers never met the LOADING state"
