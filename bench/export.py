"""export (issue 22): Redis memory and throughput of exports, against the same crawl without one.

The fake wiki answers every request after 100 ms with a synthetic article of about 30 KB of HTML
(--page-kb 30); `serve --workers 2 --concurrency 32 --max-inflight 64 --rate 0 --cache-ttl 0
--resolve-batch 0` (crawl_throughput's settings), a fresh process tree per run, one job of
BENCH_EXPORT_TITLES (200,000) new titles, BENCH_EXPORT_RUNS (1) runs of each, interleaved:

  no export        the crawl alone: pages/s from the POST to the job's `finished`.
  keep=export dir  exported to --export-dir (a temporary directory), records leaving Redis once
                   their part is durable.
  keep=export s3   the same to s3rver (tests/e2e/s3rver.js, SigV4 checked) on 127.0.0.1.
  keep=redis dir   exported to --export-dir, records kept in Redis: the memory reference.

Redis memory: INFO used_memory every 0.25 s (redis-cli on the embedded Redis), its peak minus the
value before the job. Export MB/s: the bytes of every part / seconds from the POST to _SUCCESS;
lag: _SUCCESS after `finished`. --export-part-records is the default (32768).
"""
import json
import os
import shutil
import subprocess
import tempfile
import time

import svc

TITLES = int(os.environ.get("BENCH_EXPORT_TITLES", "200000"))
RUNS = int(os.environ.get("BENCH_EXPORT_RUNS", "1"))
LATENCY_MS = 100
PAGE_KB = 30
PART_RECORDS = 32768
SERVE_FLAGS = ("--workers", 2, "--concurrency", 32, "--max-inflight", 64, "--rate", 0,
               "--cache-ttl", 0, "--resolve-batch", 0)
S3RVER_JS = os.path.join(svc.ROOT, "tests", "e2e", "s3rver.js")
TARGET_SLOWDOWN = 0.02
TARGET_PARTS = 3


class MemorySampler(svc.Poller):
    """INFO memory used_memory of a Redis unix socket every 0.25 s: its peak."""

    def __init__(self, socket_path):
        super().__init__(0.25)
        self.path = socket_path
        self.peak = 0

    def used(self):
        out = subprocess.run(["redis-cli", "-s", self.path, "INFO", "memory"],
                             capture_output=True, text=True, timeout=30).stdout
        for line in out.splitlines():
            if line.startswith("used_memory:"):
                return int(line.split(":")[1])
        return 0

    def sample(self):
        self.peak = max(self.peak, self.used())


class S3rver:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="wcb-s3-")
        self.proc = subprocess.Popen(["node", S3RVER_JS, self.dir, "lake"], stdout=subprocess.PIPE,
                                     text=True, cwd=svc.ROOT)
        line = self.proc.stdout.readline()
        if not line.startswith("LISTENING"):
            self.stop()
            raise RuntimeError("bench: s3rver did not start (make e2e installs it): %r" % line)
        self.endpoint = "http://127.0.0.1:%d" % int(line.split()[1])

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)


def run(wiki, export=None, keep="export", s3=None):
    wiki.reset()
    flags = list(SERVE_FLAGS)
    out_dir = tempfile.mkdtemp(prefix="wcb-export-")
    if export == "dir":
        flags += ["--export-dir", out_dir]
    elif export == "s3":
        flags += ["--s3-bucket", "lake", "--s3-endpoint", s3.endpoint]
    serve = svc.Serve(wiki.url, *flags).start()
    try:
        time.sleep(0.5)  # let the tree settle after start
        memory = MemorySampler(serve.redis_socket)
        before = memory.used()
        memory.start()
        params = "?export=%s&export_prefix=bench&keep=%s" % (export, keep) if export else ""
        body = ("\n".join(svc.titles("Export " + svc.token(), TITLES)) + "\n").encode()
        t0 = time.time()
        job, _ = svc.post_titles(serve.port, body, params=params)
        st = svc.wait_done(serve.port, job["id"])
        secs = svc.iso_seconds(st["finished"]) - t0
        export_secs = lag = bytes_out = 0.0
        if export:
            while True:
                st = svc.http_json(serve.port, "GET", "/v1/jobs/" + job["id"])
                if st["export"]["state"] in ("done", "failed"):
                    break
                time.sleep(0.1)
            if st["export"]["state"] != "done":
                raise RuntimeError("bench: export failed: %s" % st["export"]["error"])
            export_secs = time.time() - t0
            lag = export_secs - secs
            if export == "dir":
                with open(os.path.join(out_dir, "bench", job["id"], "_manifest.json")) as f:
                    bytes_out = json.load(f)["bytes"]
            else:
                bytes_out = sum(os.path.getsize(os.path.join(root, name))
                                for root, _, names in os.walk(s3.dir) for name in names
                                if job["id"] in root and "part-" in name
                                and not name.endswith("._S3rver_metadata.json"))
        peak = memory.stop().peak - before
        return {"pps": TITLES / secs, "secs": secs, "peak_mb": peak / 1e6, "pages": st["pages"],
                "export_mbps": bytes_out / 1e6 / export_secs if export_secs else 0.0,
                "lag": lag, "bytes": bytes_out}
    finally:
        serve.stop()
        shutil.rmtree(out_dir, ignore_errors=True)


def section(runs):
    del runs  # BENCH_EXPORT_RUNS: each run is long
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "S3RVER")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "S3RVER")
    results = {"off": [], "dir": [], "s3": [], "redis": []}
    wiki = svc.FakeWiki("--synthetic", "--page-kb", PAGE_KB, "--latency-ms", LATENCY_MS).start()
    s3 = S3rver()
    try:
        for i in range(RUNS):
            results["off"].append(run(wiki))
            results["dir"].append(run(wiki, "dir"))
            results["s3"].append(run(wiki, "s3", s3=s3))
            results["redis"].append(run(wiki, "dir", keep="redis"))
            print("bench: export run %d: off %.0f pages/s, dir %.0f (peak %.0f MB), s3 %.0f "
                  "(peak %.0f MB), keep=redis peak %.0f MB"
                  % (i + 1, results["off"][-1]["pps"], results["dir"][-1]["pps"],
                     results["dir"][-1]["peak_mb"], results["s3"][-1]["pps"],
                     results["s3"][-1]["peak_mb"], results["redis"][-1]["peak_mb"]), flush=True)
    finally:
        s3.stop()
        wiki.stop()

    def med(name, key):
        values = sorted(r[key] for r in results[name])
        return values[len(values) // 2]
    part_mb = med("dir", "bytes") / 1e6 / max(1, -(-TITLES // PART_RECORDS))
    off = med("off", "pps")
    rows = []
    for name, label in (("off", "no export"), ("dir", "keep=export, dir"),
                        ("s3", "keep=export, s3 (s3rver)"), ("redis", "keep=redis, dir")):
        rows.append("| %s | %.0f | %+.1f%% | %.0f MB | %s | %s |" % (
            label, med(name, "pps"), (med(name, "pps") / off - 1) * 100, med(name, "peak_mb"),
            "%.1f MB/s" % med(name, "export_mbps") if name != "off" else "-",
            "%.1f s" % med(name, "lag") if name != "off" else "-"))
    slow = max(1 - med("dir", "pps") / off, 1 - med("s3", "pps") / off)
    bound = TARGET_PARTS * part_mb
    return "\n".join([
        "## Exports (issue 22: jobs bigger than Redis)",
        "",
        "One job of %d synthetic pages of about %d KB of HTML per row, fake wiki at %d ms, `serve "
        "--max-inflight 64 --rate 0`, %d run(s) (`bench/export.py`). Peak: the embedded Redis's "
        "`used_memory` (sampled every 0.25 s) above its value before the job. Export MB/s: the "
        "gzip bytes of the parts over the time from the POST to `_SUCCESS`; lag: `_SUCCESS` after "
        "the job's `finished`." % (TITLES, PAGE_KB, LATENCY_MS, RUNS),
        "",
        "| run | pages/s | against no export | Redis peak | export | lag |",
        "|---|---|---|---|---|---|",
    ] + rows + [
        "",
        "| check | measured | target | |",
        "|---|---|---|---|",
        "| crawl slowdown with export on (worst of dir, s3) | %.1f%% | at most %.0f%% | %s |"
        % (slow * 100, TARGET_SLOWDOWN * 100, "met" if slow <= TARGET_SLOWDOWN else "NOT met"),
        "| Redis peak, keep=export (worst of dir, s3) | %.0f MB | at most %d parts (%.0f MB) plus "
        "bookkeeping, against %.0f MB with keep=redis | %s |"
        % (max(med("dir", "peak_mb"), med("s3", "peak_mb")), TARGET_PARTS, bound,
           med("redis", "peak_mb"),
           "met" if max(med("dir", "peak_mb"), med("s3", "peak_mb")) <= bound * 1.5 else
           "NOT met"),
        "",
    ])
