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

from conftest import check_exactly_once, free_port, numbered_titles as titles, wait_for

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

    def start(self):
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--requirepass",
             PASSWORD, "--dir", self.dir, "--save", "", "--appendonly", "yes",
             "--appendfsync", "always", "--logfile", os.path.join(self.dir, "redis.log")])
        wait_for(lambda: self.cli("PING") == "PONG", 30, "redis-server")
        return self

    def cli(self, *args):
        out = subprocess.run(["redis-cli", "-p", str(self.port), "--no-auth-warning", "-a",
                              PASSWORD] + list(args), capture_output=True, text=True, timeout=10)
        return out.stdout.strip()

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
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
