"""Operating the service (issue: hardening): what it prints about its Redis, and how the embedded
Redis is started. Real binary, real redis-server, fake wiki."""
import os
import shutil
import subprocess
import tempfile

import pytest
import requests

from conftest import free_port, wait_for

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
                              "PING"], capture_output=True, text=True, timeout=10)
        return out.stdout.strip() == "PONG"

    wait_for(ping, 20, "redis-server with a password")
    yield port
    proc.terminate()
    proc.wait(10)
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
    wait_for(lambda: "event=redis_unavailable" in worker.log(), 30, "the worker's retry line")
    wait_for(lambda: "event=redis_unavailable" in api.log(), 30, "the api's error line")

    logs = {"serve": svc.log(), "api": api.log(), "worker": worker.log()}
    for name, text in logs.items():
        assert PASSWORD not in text, "%s logged the password:\n%s" % (name, text[-3000:])
    assert "event=starting" in logs["serve"] and redacted in logs["serve"], logs["serve"][-3000:]
    assert "cannot connect to redis at redis://:***@127.0.0.1:" in logs["api"], logs["api"][-3000:]
    assert "cannot connect to redis at redis://:***@127.0.0.1:" in logs["worker"]
