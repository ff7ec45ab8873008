"""Fixtures for the end-to-end tests: a private redis-server, the fake MediaWiki, and the real
wikicrawl binary started the way a user starts it. Nothing here talks to the internet."""
import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

import pytest
import requests

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("WIKICRAWL_BIN", os.path.join(ROOT, "build", "asan", "wikicrawl"))
RELEASE_BIN = os.path.join(ROOT, "build", "wikicrawl")
PYTHON = "/usr/bin/python3"
CORPUS = os.path.join(ROOT, "tests", "corpus")

# LeakSanitizer reports leaks at exit; libcurl/OpenSSL keep some global state on purpose.
os.environ.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0:exitcode=23")
os.environ.setdefault("LSAN_OPTIONS", "suppressions=" + os.path.join(ROOT, "tests", "lsan.supp"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Deadline for a process to come up (redis-server, the fake wiki, `wikicrawl serve`, a restarted
# child): a first start on a fresh machine with two loaded cores (ASan binaries, a cold page
# cache, packages still doing post-install work) takes far longer than a warm one. Waiting on a
# condition costs nothing once it holds, so the deadline only bounds a start that never comes.
START_DEADLINE = 120


def wait_for(predicate, timeout, what, proc=None):
    """Poll predicate until it is true; fails after timeout s, or at once if proc has exited."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if predicate():
                return
        except Exception:
            pass
        if proc is not None and proc.poll() is not None:
            raise AssertionError("%s exited (%s) while waiting for %s" % (proc.args[0],
                                                                         proc.returncode, what))
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


class Redis:
    """A redis-server on a private unix socket, with a tiny client over redis-cli."""

    def __init__(self, tmp, appendonly=False):
        self.dir = tmp
        self.socket = os.path.join(tmp, "redis.sock")
        self.appendonly = appendonly
        self.proc = None

    def start(self):
        args = ["redis-server", "--port", "0", "--unixsocket", self.socket, "--dir", self.dir,
                "--save", "", "--appendonly", "yes" if self.appendonly else "no",
                "--appendfsync", "everysec", "--logfile", os.path.join(self.dir, "redis.log")]
        self.proc = subprocess.Popen(args)
        wait_for(lambda: self.cli("PING") == "PONG", START_DEADLINE, "redis-server", self.proc)
        return self

    def cli(self, *args):
        out = subprocess.run(["redis-cli", "-s", self.socket] + list(args), capture_output=True,
                             text=True, timeout=60)
        return out.stdout.strip()

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(60)


class CuttingProxy:
    """Forwards GETs to `upstream`, as a failing network between a client and the service would.
    Results and errors pages are recorded in `pages` as (Accept-Encoding asked, Content-Encoding
    answered); while `cuts_left` > 0, a page for which `cut(body)` gives a prefix is sent only up
    to it, and the connection is dropped. raw: the client's Accept-Encoding (or none) goes up and
    the answer's bytes come back undecoded with their Content-Encoding; otherwise the body is
    decoded and sent plain."""

    def __init__(self, upstream, cut, cuts, raw=False):
        proxy = self
        self.pages = []
        self.cuts_left = cuts
        forwarded = ("Content-Type", "Next-Cursor", "Link") + (("Content-Encoding",) if raw else ())

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                # None drops the header requests would add by itself.
                asked = self.headers.get("Accept-Encoding")
                if raw:
                    r = requests.get(upstream + self.path, headers={"Accept-Encoding": asked},
                                     stream=True, timeout=90)
                    body = r.raw.read(decode_content=False)
                else:
                    r = requests.get(upstream + self.path, timeout=90)
                    body = r.content
                is_page = "/results" in self.path or "/errors" in self.path
                if is_page:
                    proxy.pages.append((asked, r.headers.get("Content-Encoding")))
                part = cut(body) if is_page and proxy.cuts_left > 0 else None
                self.send_response(r.status_code)
                for name in forwarded:
                    if name in r.headers:
                        self.send_header(name, r.headers[name])
                if part is not None:
                    proxy.cuts_left -= 1
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def redis_server():
    tmp = tempfile.mkdtemp(prefix="wc-redis-")
    r = Redis(tmp).start()
    yield r
    r.stop()
    shutil.rmtree(tmp, ignore_errors=True)


class FakeWiki:
    def __init__(self, *flags):
        self.flags = list(flags)
        self.proc = None
        self.port = None

    def start(self):
        cmd = [PYTHON, os.path.join(ROOT, "tests", "fakewiki", "fakewiki.py"), "--port", "0",
               "--corpus", CORPUS] + self.flags
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        assert line.startswith("LISTENING"), "fake wiki did not start: %r" % line
        self.port = int(line.split()[1])
        return self

    @property
    def url(self):
        return "http://127.0.0.1:%d/w/api.php" % self.port

    def stats(self):
        return requests.get("http://127.0.0.1:%d/_stats" % self.port, timeout=60).json()

    def control(self, **settings):
        """Replace the fake wiki's settings (/_control); its JSON answer."""
        r = requests.post("http://127.0.0.1:%d/_control" % self.port, json=settings, timeout=60)
        r.raise_for_status()
        return r.json()

    def reset_stats(self):
        requests.post("http://127.0.0.1:%d/_stats/reset" % self.port,
                      timeout=60).raise_for_status()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(60)


@pytest.fixture
def fakewiki():
    started = []

    def start(*flags):
        w = FakeWiki(*flags).start()
        started.append(w)
        return w

    yield start
    for w in started:
        w.stop()


class Service:
    """`wikicrawl serve|api|worker` as a subprocess, with an HTTP client for its API."""

    def __init__(self, command, args, binary=BIN, env=None):
        self.command = command
        self.args = args
        self.binary = binary
        self.env = env
        self.port = None
        self.proc = None
        self.log_path = None

    def start(self, wait_ready=True):
        if self.command in ("serve", "api"):
            self.port = free_port()
            self.args = ["--listen", "127.0.0.1:%d" % self.port] + self.args
        fd, self.log_path = tempfile.mkstemp(prefix="wc-log-")
        env = dict(os.environ)
        env.update(self.env or {})
        self.proc = subprocess.Popen([self.binary, self.command] + self.args, stdout=fd,
                                     stderr=fd, env=env, start_new_session=True)
        os.close(fd)
        if self.port:
            self.wait_ok("/healthz")
            if wait_ready:
                self.wait_ok("/readyz")
        return self

    def wait_ok(self, path, timeout=START_DEADLINE):
        """Poll path until it answers 2xx: fails after timeout s, or at once if the tree exits."""
        try:
            wait_for(lambda: requests.get(self.url(path), timeout=10).ok, timeout,
                     self.command + " " + path, self.proc)
        except AssertionError as e:
            raise AssertionError("%s\n%s" % (e, self.log()[-3000:])) from None

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def children(self, name):
        """PIDs of this tree's processes whose comm is name (wc-worker, wc-api)."""
        pids = []
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open("/proc/%s/comm" % pid) as f:
                    comm = f.read().strip()
                with open("/proc/%s/stat" % pid) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                # session id: everything this service started shares it
                if comm == name and int(fields[3]) == self.proc.pid:
                    pids.append(int(pid))
            except (OSError, IndexError, ValueError):
                continue
        return sorted(pids)

    def stop(self, timeout=40):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(60)
        return self.proc.returncode

    def kill_tree(self):
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(60)

    # ---- API helpers ----
    def submit(self, body, content_type="application/json", params=None, headers=None):
        h = {"Content-Type": content_type}
        h.update(headers or {})
        if not isinstance(body, (bytes, str)) and not hasattr(body, "__iter__"):
            raise TypeError(body)
        if isinstance(body, (list, dict)):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode("utf-8")
        return requests.post(self.url("/v1/jobs"), data=body, headers=h, params=params,
                             timeout=120)

    def status(self, job_id, wait=None):
        params = {"wait": wait} if wait is not None else None
        r = requests.get(self.url("/v1/jobs/" + job_id), params=params, timeout=90)
        r.raise_for_status()
        return r.json()

    def wait_done(self, job_id, timeout=120):
        deadline = time.time() + timeout
        while time.time() < deadline:
            st = self.status(job_id, wait=5)
            if st["status"] in ("done", "cancelled"):
                return st
        raise AssertionError("job %s not done in %ss: %s\n%s" % (job_id, timeout, st,
                                                                 self.log()[-3000:]))

    def lines(self, job_id, what="results", **params):
        r = requests.get(self.url("/v1/jobs/%s/%s" % (job_id, what)), params=params, timeout=60)
        r.raise_for_status()
        r.encoding = "utf-8"  # NDJSON is UTF-8 whatever the Content-Type says
        return r, [json.loads(line) for line in r.text.splitlines()]


@pytest.fixture
def service():
    started = []

    def start(command="serve", args=(), **kw):
        wait_ready = kw.pop("wait_ready", command != "api")
        s = Service(command, list(args), **kw)
        started.append(s)  # stopped below even if it never got ready
        return s.start(wait_ready=wait_ready)

    yield start
    for s in started:
        if s.proc is None:
            continue
        rc = s.stop()
        log = s.log()
        os.unlink(s.log_path)
        # A sanitizer report anywhere in the tree fails the test that started it.
        assert "ERROR: AddressSanitizer" not in log, log[-5000:]
        assert "runtime error:" not in log, log[-5000:]
        assert "ERROR: LeakSanitizer" not in log, log[-5000:]
        assert rc in (0, -9), "%s exited %s\n%s" % (s.command, rc, log[-3000:])


def corpus_manifest():
    with open(os.path.join(CORPUS, "manifest.json")) as f:
        return json.load(f)


def expected_records():
    """title as submitted -> expected record (from the lxml reference), for ok answers."""
    with open(os.path.join(CORPUS, "outcomes.json")) as f:
        outcomes = json.load(f)
    records = {}
    for entry in corpus_manifest():
        if outcomes.get(entry["id"]) == "ok":
            with open(os.path.join(CORPUS, "expected", entry["id"] + ".ndjson"), "rb") as f:
                records[entry["title"]] = f.read().decode("utf-8").rstrip("\n")
    return records, {e["title"]: outcomes.get(e["id"]) for e in corpus_manifest()}


def serve(service, redis_server, wiki, *extra):
    """`wikicrawl serve` on the tests' Redis and fake wiki, with quick retries."""
    return service("serve", ["--redis", redis_server.socket, "--wiki", wiki.url, "--workers", "2",
                             "--retry-base-ms", "20", "--timeout-ms", "5000"] + list(extra))


def accounted(st):
    """Titles with a known outcome: equals st["titles"] once a job is done."""
    return st["pages"] + st["disambiguation"] + st["missing"] + st["invalid"] + st["failed"]


FORBIDDEN = set("#<>[]|{}")


def refused_at_upload(title):
    """The service's own title rules (lib/titles.h): such entries never reach the wiki."""
    t = title.strip(" \t")
    return (t == "" or len(t.encode("utf-8")) > 255 or any(ch in FORBIDDEN for ch in t)
            or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in t))


def numbered_titles(prefix, n):
    return ["%s %d" % (prefix, i) for i in range(n)]


def check_exactly_once(svc, job, n, timeout=240):
    """Wait for job; every one of its n titles has exactly one outcome: a record or an error."""
    st = svc.wait_done(job, timeout=timeout)
    assert st["status"] == "done"
    assert st["titles"] == accounted(st) == n
    _, records = svc.lines(job, limit=10000)
    _, errors = svc.lines(job, "errors", limit=10000)
    seen = [r["page_title"] for r in records] + [e["title"] for e in errors]
    assert len(seen) == len(set(seen)) == n, "a title is missing or doubled"
    return st, records, errors


def metrics(svc):
    """The text of /metrics."""
    r = requests.get(svc.url("/metrics"), timeout=10)
    assert r.status_code == 200 and r.headers["Content-Type"] == "text/plain; version=0.0.4"
    return r.text


def samples(text):
    """name{labels} -> value, for the sample lines of an exposition."""
    pairs = (line.rsplit(" ", 1) for line in text.splitlines() if not line.startswith("#"))
    return {name: float(value) for name, value in pairs}
