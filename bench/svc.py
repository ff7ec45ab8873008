"""Helpers shared by the service benchmarks: the fake MediaWiki, `wikicrawl serve` as a process
tree, /proc readings (CPU time, RSS), small HTTP helpers, wrk.

Nothing here talks to the internet: every wiki is tests/fakewiki/fakewiki.py on 127.0.0.1."""
import datetime
import http.client as httpclient
import json
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("WIKICRAWL_BENCH_BIN", os.path.join(ROOT, "build", "wikicrawl"))
PYTHON = "/usr/bin/python3"
FAKEWIKI = os.path.join(ROOT, "tests", "fakewiki", "fakewiki.py")
CORPUS = os.path.join(ROOT, "tests", "corpus")
CLK_TCK = os.sysconf("SC_CLK_TCK")
CPUS = os.cpu_count() or 1


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def iso_seconds(text):
    """Seconds since the epoch of a job's "created" / "finished" stamp (ISO 8601, UTC)."""
    return datetime.datetime.strptime(text.replace("Z", "+0000"),
                                      "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()


def token():
    """A short tag that makes every run's titles distinct (no cache, no duplicate, no reuse)."""
    return uuid.uuid4().hex[:10]


def titles(prefix, n):
    """n synthetic titles the fake wiki answers as ordinary articles (it treats titles starting
    with Missing, Disambig, Invalid, Redirect, Special: or Media: specially: none of ours do)."""
    return ["%s %07d" % (prefix, i) for i in range(n)]


def wait_for(predicate, timeout, what):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            if predicate():
                return
        except Exception as e:  # not up yet
            last = e
        time.sleep(0.05)
    raise RuntimeError("bench: timed out waiting for %s (%r)" % (what, last))


# ---- /proc ----------------------------------------------------------------------------------

def proc_stat(pid):
    """dict(comm, ppid, utime, stime, cutime, cstime) in seconds, or None when pid is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            data = f.read()
    except OSError:
        return None
    comm = data[data.index("(") + 1:data.rindex(")")]
    fields = data[data.rindex(")") + 2:].split()
    # fields[0] is field 3 (state): utime is field 14, stime 15, cutime 16, cstime 17
    return {"comm": comm, "state": fields[0], "ppid": int(fields[1]),
            "utime": int(fields[11]) / CLK_TCK, "stime": int(fields[12]) / CLK_TCK,
            "cutime": int(fields[13]) / CLK_TCK, "cstime": int(fields[14]) / CLK_TCK}


def proc_status_kb(pid, field):
    """A `kB` field of /proc/PID/status (VmRSS, VmHWM), or None."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def descendants(root):
    """pid -> comm of every live process under root (not root itself)."""
    parent = {}
    comm = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        st = proc_stat(int(name))
        if st:
            parent[int(name)] = st["ppid"]
            comm[int(name)] = st["comm"]
    out = {}
    frontier = [root]
    while frontier:
        p = frontier.pop()
        for pid, pp in parent.items():
            if pp == p and pid not in out:
                out[pid] = comm[pid]
                frontier.append(pid)
    return out


def tree_cpu(root):
    """CPU seconds (user + system) of root and every process under it, including the children
    they already reaped (cutime, cstime): a recycled worker's time moves into the supervisor's
    cutime when it is reaped, so the sum stays consistent across a measurement."""
    total = 0.0
    for pid in [root] + list(descendants(root)):
        st = proc_stat(pid)
        if st:
            total += st["utime"] + st["stime"] + st["cutime"] + st["cstime"]
    return total


def tree_cpu_by_comm(root):
    """comm -> CPU seconds (as tree_cpu) for root and every process under it."""
    out = {}
    for pid in [root] + list(descendants(root)):
        st = proc_stat(pid)
        if st:
            out[st["comm"]] = out.get(st["comm"], 0.0) + st["utime"] + st["stime"] \
                + st["cutime"] + st["cstime"]
    return out


def proc_cpu(pid):
    st = proc_stat(pid)
    return st["utime"] + st["stime"] if st else 0.0


def machine_busy():
    """(busy, total) jiffies of all CPUs from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]
    return sum(v[:8]) - idle, sum(v[:8])


class MachineLoad:
    """CPU use of the whole machine between start() and stop(), in CPUs (0..CPUS)."""

    def start(self):
        self.b0, self.t0 = machine_busy()
        self.w0 = time.time()
        return self

    def stop(self):
        b1, t1 = machine_busy()
        wall = time.time() - self.w0
        self.cpus_busy = (b1 - self.b0) / CLK_TCK / wall if wall > 0 else 0.0
        return self.cpus_busy


class Usage:
    """Machine CPU use between start() and stop(), split into ours (this process, the children
    it reaped, and the trees under roots) and other processes (anything else running on the
    machine meanwhile, e.g. other people's builds and tests): in CPUs (0..CPUS)."""

    def __init__(self, *roots):
        self.roots = roots

    def ours(self):
        s = resource.getrusage(resource.RUSAGE_SELF)
        c = resource.getrusage(resource.RUSAGE_CHILDREN)
        return (s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime
                + sum(tree_cpu(r) for r in self.roots))

    def start(self):
        self.m = MachineLoad().start()
        self.o0 = self.ours()
        return self

    def stop(self):
        busy = self.m.stop()
        wall = time.time() - self.m.w0
        self.busy = busy
        self.ours_cpus = (self.ours() - self.o0) / wall if wall > 0 else 0.0
        self.others = max(0.0, busy - self.ours_cpus)
        return self


class Poller:
    """Calls self.sample() every interval seconds in a thread until stop(), and once more then
    (errors of one sample, such as a process gone meanwhile, are skipped)."""

    def __init__(self, interval):
        self.interval = interval
        self._stop = threading.Event()

    def sample(self):
        raise NotImplementedError

    def _run(self):
        while not self._stop.wait(self.interval):
            try:
                self.sample()
            except (OSError, ValueError, subprocess.SubprocessError):
                pass

    def start(self):
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self._stop.set()
        self.thread.join(10)
        self.last_sample()
        return self

    def last_sample(self):
        self.sample()


class RedisSampler(Poller):
    """Samples one integer command (e.g. ZCARD of the fleet's in-flight leases) on a Redis unix
    socket every interval seconds in a thread, over one raw RESP connection."""

    def __init__(self, socket_path, *command, interval=0.1):
        super().__init__(interval)
        self.path = socket_path
        self.cmd = b"*%d\r\n" % len(command) + b"".join(
            b"$%d\r\n%s\r\n" % (len(c.encode()), c.encode()) for c in command)
        self.values = []

    def _run(self):
        try:
            with socket.socket(socket.AF_UNIX) as s:
                s.connect(self.path)
                f = s.makefile("rb")
                while not self._stop.is_set():
                    s.sendall(self.cmd)
                    line = f.readline()
                    if line[:1] == b":":
                        self.values.append(int(line[1:]))
                    self._stop.wait(self.interval)
        except OSError:
            pass

    def last_sample(self):
        pass  # the connection lives in the thread: its samples are all there is

    def mean(self):
        return sum(self.values) / len(self.values) if self.values else float("nan")

    def share_zero(self):
        return sum(1 for v in self.values if v == 0) / len(self.values) if self.values else 0.0


# ---- HTTP -----------------------------------------------------------------------------------

def http(port, method, path, body=None, headers=None, timeout=120):
    """(status, headers dict lower-case, body bytes) over a fresh connection."""
    c = httpclient.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data
    finally:
        c.close()


def http_json(port, method, path, body=None, headers=None, timeout=120):
    status, _, data = http(port, method, path, body, headers, timeout)
    if status >= 300:
        raise RuntimeError("bench: %s %s -> %d %s" % (method, path, status, data[:300]))
    return json.loads(data)


def post_titles(port, body, params="", block=256 * 1024, timeout=600):
    """POST /v1/jobs with a text/plain body sent in blocks as it would stream from a file.
    Returns (answer dict, seconds from the first byte sent to the answer read)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        head = ("POST /v1/jobs%s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: text/plain\r\n"
                "Content-Length: %d\r\nConnection: close\r\n\r\n"
                % (params, port, len(body))).encode()
        view = memoryview(body)
        t0 = time.perf_counter()
        sock.sendall(head)
        for i in range(0, len(body), block):
            sock.sendall(view[i:i + block])
        r = httpclient.HTTPResponse(sock)
        r.begin()
        data = r.read()
        secs = time.perf_counter() - t0
    finally:
        sock.close()
    if r.status != 202:
        raise RuntimeError("bench: POST /v1/jobs -> %d %s" % (r.status, data[:300]))
    return json.loads(data), secs


def wait_done(port, job_id, timeout=3600):
    deadline = time.time() + timeout
    while time.time() < deadline:
        st = http_json(port, "GET", "/v1/jobs/%s?wait=60" % job_id, timeout=90)
        if st["status"] in ("done", "cancelled"):
            return st
    raise RuntimeError("bench: job %s not done within %d s" % (job_id, timeout))


# ---- processes -------------------------------------------------------------------------------

def clean_env():
    """The environment without WIKICRAWL_* settings a developer may have exported."""
    return {k: v for k, v in os.environ.items() if not k.startswith("WIKICRAWL_")}


class FakeWiki:
    """tests/fakewiki/fakewiki.py on a free port (one asyncio process)."""

    def __init__(self, *flags):
        self.flags = [str(f) for f in flags]
        self.proc = None
        self.port = None

    def start(self):
        if not os.path.exists(FAKEWIKI):
            raise RuntimeError("bench: %s is missing" % FAKEWIKI)
        cmd = [PYTHON, FAKEWIKI, "--port", "0", "--corpus", CORPUS] + self.flags
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, cwd=ROOT,
                                     start_new_session=True)
        line = self.proc.stdout.readline()
        if not line.startswith("LISTENING"):
            self.stop()
            raise RuntimeError("bench: fake wiki did not start: %r" % line)
        self.port = int(line.split()[1])
        return self

    @property
    def url(self):
        return "http://127.0.0.1:%d/w/api.php" % self.port

    def stats(self):
        s = http_json(self.port, "GET", "/_stats")
        s.pop("requests_per_title", None)
        s.pop("last_params", None)
        return s

    def reset(self):
        http_json(self.port, "POST", "/_stats/reset", body=b"")

    def control(self, **settings):
        http_json(self.port, "POST", "/_control", body=json.dumps(settings).encode(),
                  headers={"Content-Type": "application/json"})

    def cpu(self):
        return proc_cpu(self.proc.pid)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class Serve:
    """`wikicrawl serve` with its own --data-dir (embedded redis-server) on a free port: a new
    temporary one removed at stop, or kept_dir, which outlives it (the next serve on it finds
    the jobs and the cache in the embedded Redis's AOF)."""

    def __init__(self, wiki_url, *flags, kept_dir=None):
        self.flags = [str(f) for f in flags]
        self.wiki_url = wiki_url
        self.kept_dir = kept_dir
        self.proc = None
        self.port = None
        self.dir = None
        self.log_path = None

    def start(self, ready_timeout=30):
        if not os.access(BIN, os.X_OK):
            raise RuntimeError("bench: %s is missing (make build/wikicrawl)" % BIN)
        self.dir = self.kept_dir or tempfile.mkdtemp(prefix="wcb-")
        self.port = free_port()
        starts = len([f for f in os.listdir(self.dir) if f.startswith("serve")])
        self.log_path = os.path.join(self.dir, "serve-%d.log" % starts if starts else "serve.log")
        cmd = [BIN, "serve", "--listen", "127.0.0.1:%d" % self.port, "--data-dir",
               os.path.join(self.dir, "var"), "--wiki", self.wiki_url] \
            + self.flags
        os.makedirs(os.path.join(self.dir, "var"), exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=log, cwd=self.dir,
                                         env=clean_env(), start_new_session=True)
        try:
            wait_for(lambda: http(self.port, "GET", "/readyz", timeout=2)[0] == 200,
                     ready_timeout, "wikicrawl serve /readyz")
            # the port is ours: the answer must come from our front end, not another process
            # that happens to share the port (libmicrohttpd sets SO_REUSEPORT)
            if not self.children("wc-api"):
                raise RuntimeError("bench: serve has no wc-api")
        except Exception:
            self.stop()
            raise RuntimeError("bench: serve did not become ready:\n" + self.log()[-3000:])
        return self

    @property
    def pid(self):
        return self.proc.pid

    @property
    def redis_socket(self):
        return os.path.join(self.dir, "var", "redis.sock")

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def children(self, comm=None):
        """pids under the supervisor, optionally only those whose comm is comm."""
        return sorted(p for p, c in descendants(self.pid).items() if comm is None or c == comm)

    def tree(self):
        return {p: c for p, c in descendants(self.pid).items()}

    def cpu(self):
        return tree_cpu(self.pid)

    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except (OSError, TypeError):
            return ""

    def stop(self, timeout=40):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        if self.dir and not self.kept_dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


# ---- wrk -------------------------------------------------------------------------------------

_UNIT = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def _ms(text):
    m = re.match(r"([\d.]+)(us|ms|s|m)$", text)
    return float(m.group(1)) * _UNIT[m.group(2)]


def wrk(url, connections=64, seconds=10, threads=2):
    """wrk --latency: dict(rps, p50_ms, p99_ms, requests, errors, non2xx)."""
    out = subprocess.run(["wrk", "-t%d" % threads, "-c%d" % connections, "-d%ds" % seconds,
                          "--latency", url], capture_output=True, text=True, check=True).stdout
    res = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
           "requests": int(re.search(r"(\d+) requests in", out).group(1)),
           "non2xx": 0, "errors": 0}
    for pct, key in (("50%", "p50_ms"), ("99%", "p99_ms")):
        m = re.search(r"^\s+%s\s+(\S+)" % re.escape(pct), out, re.M)
        res[key] = _ms(m.group(1))
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if m:
        res["non2xx"] = int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        res["errors"] = sum(int(x) for x in m.groups())
    return res


def fmt_runs(values, fmt="%.0f"):
    return ", ".join(fmt % v for v in values)
