"""Operating the service (issue: hardening): what it prints about its Redis, and how the embedded
Redis is started. Real binary, real redis-server, fake wiki."""
import os
import re
import shutil
import subprocess
import tempfile
import time

import pytest
import requests

from conftest import START_DEADLINE, Service, free_port, wait_for

PASSWORD = "s3cret-Pw-7f3a9c"


@pytest.fixture
def tcp_redis_with_password():
    """A redis-server on a TCP port of 127.0.0.1 that wants PASSWORD."""
    tmp = tempfile.mkdtemp(prefix="wc-redis-pw-")
    port = free_port()
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                             "--requirepass", PASSWORD, "--save", "", "--appendonly", "no",
                             "--dir", tmp, "--logfile", os.path.join(tmp, "redis.log")])

    def ping():
        out = subprocess.run(["redis-cli", "-p", str(port), "--no-auth-warning", "-a", PASSWORD,
                              "PING"], capture_output=True, text=True, timeout=60)
        return out.stdout.strip() == "PONG"

    wait_for(ping, START_DEADLINE, "redis-server with a password", proc)
    yield port
    proc.terminate()
    proc.wait(60)
    shutil.rmtree(tmp, ignore_errors=True)


def test_redis_password_is_never_logged(service, fakewiki, tcp_redis_with_password):
    port = tcp_redis_with_password
    wiki = fakewiki("--synthetic")
    url = "redis://:%s@127.0.0.1:%d/0" % (PASSWORD, port)
    redacted = "redis://:***@127.0.0.1:%d/0" % port
    svc = service("serve", ["--redis", url, "--wiki", wiki.url, "--workers", "1"])
    job = svc.submit(["Alpha", "Beta"]).json()["id"]
    assert svc.wait_done(job)["pages"] == 2

    # The same password on a port where no Redis listens: every connection attempt fails.
    wrong = "redis://:%s@127.0.0.1:%d/0" % (PASSWORD, free_port())
    api = service("api", ["--redis", wrong])
    r = requests.get(api.url("/v1/jobs/0123456789abcdef0123456789abcdef"), timeout=30)
    assert r.status_code == 503
    assert PASSWORD not in r.text
    worker = service("worker", ["--redis", wrong, "--wiki", wiki.url])
    wait_for(lambda: "event=redis_unavailable" in worker.log(), 120, "the worker's retry line")
    wait_for(lambda: "event=redis_unavailable" in api.log(), 120, "the api's error line")

    logs = {"serve": svc.log(), "api": api.log(), "worker": worker.log()}
    for name, text in logs.items():
        assert PASSWORD not in text, "%s logged the password:\n%s" % (name, text[-3000:])
    assert "event=starting" in logs["serve"] and redacted in logs["serve"], logs["serve"][-3000:]
    assert "cannot connect to redis at redis://:***@127.0.0.1:" in logs["api"], logs["api"][-3000:]
    assert "cannot connect to redis at redis://:***@127.0.0.1:" in logs["worker"]


class SlowStartingServe(Service):
    """`wikicrawl serve` whose start may take long (its embedded Redis is loading): waits for
    /readyz with a generous deadline and fails at once if serve exits meanwhile."""

    def start(self, wait_ready=True):
        self.port = free_port()
        self.args = ["--listen", "127.0.0.1:%d" % self.port] + self.args
        fd, self.log_path = tempfile.mkstemp(prefix="wc-log-")
        env = dict(os.environ)
        env.update(self.env or {})
        self.proc = subprocess.Popen([self.binary, self.command] + self.args, stdout=fd,
                                     stderr=fd, env=env, start_new_session=True)
        os.close(fd)

        def ready():
            assert self.proc.poll() is None, "serve exited %s:\n%s" % (self.proc.returncode,
                                                                     self.log()[-3000:])
            return requests.get(self.url("/readyz"), timeout=2).ok

        deadline = time.time() + 180
        while time.time() < deadline:
            try:
                if ready():
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise AssertionError("serve not ready in 180 s:\n" + self.log()[-3000:])


@pytest.fixture
def data_dir():
    d = tempfile.mkdtemp(prefix="wc-data-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


def slow_loading_redis_server(tmp, delay_us):
    """A directory with a `redis-server` that is the real one, told to spend delay_us on every key
    it loads and to answer clients (LOADING) every KiB while it loads: a big AOF, made small."""
    real = shutil.which("redis-server")
    path = os.path.join(tmp, "redis-server")
    with open(path, "w") as f:
        f.write('#!/bin/sh\nexec %s "$@" --key-load-delay %d '
                '--loading-process-events-interval-bytes 1024\n' % (real, delay_us))
    os.chmod(path, 0o755)
    return tmp


def test_embedded_redis_loading_a_big_aof_is_waited_for(service, fakewiki, data_dir):
    wiki = fakewiki("--synthetic")
    args = ["--data-dir", data_dir, "--wiki", wiki.url, "--workers", "1"]
    svc = service("serve", args)
    job = svc.submit(["Alpha", "Beta", "Gamma"]).json()["id"]
    assert svc.wait_done(job)["pages"] == 3

    # Filler keys, then an AOF rewrite: the base file holds every key, loaded one by one.
    sock = os.path.join(data_dir, "redis.sock")

    def cli(*a):
        return subprocess.run(["redis-cli", "-s", sock] + list(a), capture_output=True,
                              text=True, timeout=60).stdout.strip()

    # 1 KiB values: Redis answers (LOADING) after every key it loads, as it would every 2 MiB
    # of a real AOF, so serve sees a Redis that answers, and loads.
    n_filler = 2500
    cli("EVAL", "for i = 1, tonumber(ARGV[1]) do "
        "redis.call('SET', 'filler:' .. i, string.rep('x', 1024)) end", "0", str(n_filler))
    cli("CONFIG", "SET", "rdbcompression", "no")  # 1 KiB of 'x' would be 30 bytes on disk
    cli("BGREWRITEAOF")
    wait_for(lambda: "aof_rewrite_in_progress:0" in cli("INFO", "persistence")
             and "aof_rewrite_scheduled:0" in cli("INFO", "persistence"), 60, "the AOF rewrite")
    assert svc.stop() == 0

    # 2500 keys at 6 ms each: loading takes 15 s or more, longer than serve used to wait.
    tools = tempfile.mkdtemp(prefix="wc-bin-")
    try:
        env = {"PATH": slow_loading_redis_server(tools, 6000) + os.pathsep + os.environ["PATH"]}
        again = SlowStartingServe("serve", list(args), env=env)
        again.start()
        try:
            st = again.status(job)
            assert st["status"] == "done" and st["pages"] == 3, st
            _, records = again.lines(job)
            assert sorted(r["page_title"] for r in records) == ["Alpha", "Beta", "Gamma"]
            assert cli("STRLEN", "filler:%d" % n_filler) == "1024"
            log = again.log()
            with open(os.path.join(data_dir, "redis.log")) as f:
                loaded = re.findall(r"DB loaded from append only file: ([0-9.]+) seconds", f.read())
            assert loaded and float(loaded[-1]) > 10, "loading took %s s only" % loaded
            assert "event=redis_loading" in log and "loaded_perc=" in log, log[-3000:]
            assert "embedded_redis_failed" not in log
        finally:
            rc = again.stop()
            log = again.log()
            os.unlink(again.log_path)
            assert "ERROR: AddressSanitizer" not in log and "runtime error:" not in log, log
            assert rc == 0, "serve exited %s\n%s" % (rc, log[-3000:])
    finally:
        shutil.rmtree(tools, ignore_errors=True)
