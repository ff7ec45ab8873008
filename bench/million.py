"""million (issue 13): one job of a million synthetic titles through `wikicrawl serve`.

`wikicrawl serve` (release build, embedded redis-server, flags in SERVE_FLAGS: no rate limit, no
in-flight cap, cache off, workers never recycled so each one's peak RSS covers the whole job)
against one fake wiki (--synthetic, ~2.4 KB articles, zero latency). One job of
BENCH_MILLION_TITLES (1,000,000) new titles, uploaded as text/plain with chunked transfer
encoding from a generator (the body is never in memory whole). When the big job has half its
pages, a 3-title job is submitted. Measured:

  time to done      from the first byte of the big POST to the job's `finished` stamp;
  small job         from the first byte of its POST to its `finished` stamp;
  Redis memory      INFO memory used_memory sampled every 0.5 s and used_memory_peak at the end,
                    minus used_memory before the upload; per page of the big job; beside it the
                    NDJSON bytes a record takes (the first page of results), redis-server's
                    VmHWM and that of its AOF rewrite children (forks, seen when sampled);
  peak RSS          VmHWM of wc-api and of each wc-worker, read every 0.5 s (a process that
                    ends keeps its last reading) and at the end;
  CPU               the serve tree's and the fake wiki's CPU seconds over the job (is the fake
                    wiki the bottleneck?), and the machine's busy CPUs.
"""
import http.client as httpclient
import json
import os
import socket
import time

import svc

TITLES = int(os.environ.get("BENCH_MILLION_TITLES", "1000000"))
SMALL_TITLES = 3
SERVE_FLAGS = ("--workers", 2, "--concurrency", 64, "--max-inflight", 0, "--rate", 0,
               "--cache-ttl", 0, "--recycle-after", 0)
SAMPLE_S = 0.5
BLOCK_LINES = 10000


def title_blocks(prefix, n):
    """The upload body in blocks of BLOCK_LINES lines: one title per line (svc.titles' form)."""
    for start in range(0, n, BLOCK_LINES):
        yield "".join("%s %07d\n" % (prefix, i)
                      for i in range(start, min(n, start + BLOCK_LINES))).encode()


def post_streamed(port, blocks, timeout=600):
    """POST /v1/jobs, text/plain, Transfer-Encoding: chunked from an iterator of bytes."""
    c = httpclient.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request("POST", "/v1/jobs", body=blocks, encode_chunked=True,
                  headers={"Content-Type": "text/plain"})
        r = c.getresponse()
        data = r.read()
    finally:
        c.close()
    if r.status != 202:
        raise RuntimeError("bench: POST /v1/jobs -> %d %s" % (r.status, data[:300]))
    return json.loads(data)


class RedisInfo:
    """INFO memory over one raw RESP connection to the embedded Redis's unix socket."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(path)
        self.f = self.sock.makefile("rb")

    def memory(self):
        self.sock.sendall(b"*2\r\n$4\r\nINFO\r\n$6\r\nmemory\r\n")
        size = int(self.f.readline()[1:])
        text = self.f.read(size + 2).decode()
        out = {}
        for line in text.splitlines():
            key, sep, value = line.partition(":")
            if sep and value.isdigit():
                out[key] = int(value)
        return out

    def close(self):
        self.sock.close()


class Sampler(svc.Poller):
    """Every SAMPLE_S seconds: Redis used_memory, and VmHWM of every wc-api, wc-worker and
    redis-server process of the serve tree (pid -> (comm, largest kB seen)); a redis-server
    whose parent is a redis-server is an AOF rewrite child, kept as "redis-child"."""

    def __init__(self, serve):
        super().__init__(SAMPLE_S)
        self.serve = serve
        self.redis = RedisInfo(serve.redis_socket)
        self.used_max = 0
        self.hwm = {}

    def sample(self):
        self.used_max = max(self.used_max, self.redis.memory().get("used_memory", 0))
        tree = self.serve.tree()
        for pid, comm in tree.items():
            st = svc.proc_stat(pid)
            if comm == "redis-server" and st and tree.get(st["ppid"]) == "redis-server":
                comm = "redis-child"
            if comm in ("wc-api", "wc-worker", "redis-server", "redis-child"):
                kb = svc.proc_status_kb(pid, "VmHWM")
                if kb is not None:
                    self.hwm[pid] = (comm, max(kb, self.hwm.get(pid, (comm, 0))[1]))

    def peaks_mb(self, comm):
        return [kb / 1024.0 for pid, (c, kb) in sorted(self.hwm.items()) if c == comm]


def ndjson_bytes_per_record(port, job_id, limit=1000):
    status, _, data = svc.http(port, "GET", "/v1/jobs/%s/results?limit=%d" % (job_id, limit))
    lines = [line for line in data.split(b"\n") if line]
    if status != 200 or not lines:
        return float("nan")
    return sum(len(line) + 1 for line in lines) / len(lines)


def run():
    wiki = svc.FakeWiki("--synthetic", "--track-titles", 1000).start()
    serve = None
    try:
        serve = svc.Serve(wiki.url, *SERVE_FLAGS).start()
        time.sleep(0.5)  # let the tree settle after start
        info = RedisInfo(serve.redis_socket)
        base = info.memory()["used_memory"]
        sampler = Sampler(serve).start()
        load = svc.MachineLoad().start()
        cpu0, wcpu0 = serve.cpu(), wiki.cpu()
        tag = svc.token()
        t0 = time.time()
        big = post_streamed(serve.port, title_blocks("Million " + tag, TITLES))
        upload_secs = time.time() - t0
        print("bench: million: %s titles uploaded in %.1f s" % ("{:,}".format(TITLES),
                                                                 upload_secs), flush=True)
        half = TITLES // 2
        last = 0
        while True:
            st = svc.http_json(serve.port, "GET", "/v1/jobs/" + big["id"])
            if st["pages"] >= half or st["status"] in ("done", "cancelled"):
                break
            if st["pages"] - last >= max(1, TITLES // 10):
                last = st["pages"]
                print("bench: million: %d pages after %.0f s" % (last, time.time() - t0),
                      flush=True)
            time.sleep(0.1)
        body = "".join("Small %s %07d\n" % (tag, i) for i in range(SMALL_TITLES)).encode()
        s0 = time.time()
        small, _ = svc.post_titles(serve.port, body)
        small_st = svc.wait_done(serve.port, small["id"], timeout=600)
        small_client = time.time() - s0
        small_secs = (svc.iso_seconds(small_st["finished"]) - s0 if small_st.get("finished")
                      else small_client)
        print("bench: million: the %d-title job submitted at %d pages was done in %.3f s"
              % (SMALL_TITLES, st["pages"], small_secs), flush=True)
        big_st = svc.wait_done(serve.port, big["id"], timeout=7200)
        client_secs = time.time() - t0
        cpu1, wcpu1 = serve.cpu(), wiki.cpu()
        busy = load.stop()
        sampler.stop()
        mem = info.memory()
        info.close()
        secs = svc.iso_seconds(big_st["finished"]) - t0 if big_st.get("finished") else client_secs
        record_bytes = ndjson_bytes_per_record(serve.port, big["id"])
        alive = serve.alive()
    finally:
        if serve is not None:
            serve.stop()
        wiki.stop()
    peak = max(mem.get("used_memory_peak", 0), sampler.used_max)
    return {
        "secs": secs, "upload_secs": upload_secs, "pages": big_st["pages"],
        "failed": big_st["failed"], "status": big_st["status"], "alive": alive,
        "small_secs": small_secs, "small_at": st["pages"], "small_pages": small_st["pages"],
        "small_status": small_st["status"],
        "redis_base": base, "redis_peak": peak, "redis_end": mem.get("used_memory", 0),
        "record_bytes": record_bytes,
        "api_mb": sampler.peaks_mb("wc-api"), "worker_mb": sampler.peaks_mb("wc-worker"),
        "redis_rss_mb": sampler.peaks_mb("redis-server"),
        "redis_child_mb": sampler.peaks_mb("redis-child"),
        "cpu_s": cpu1 - cpu0, "wiki_cpu_s": wcpu1 - wcpu0, "busy": busy,
    }


def section(runs):
    del runs  # one run: a million titles is long enough
    r = run()
    pages = max(1, r["pages"])
    per_page = (r["redis_peak"] - r["redis_base"]) / pages
    mb = 1024.0 * 1024.0
    bad = r["pages"] != TITLES or r["status"] != "done" or not r["alive"] \
        or r["small_pages"] != SMALL_TITLES or r["small_status"] != "done"
    lines = [
        "## A million titles (issue 13)",
        "",
        "One job of %s new synthetic titles (fake wiki: `--synthetic`, ~2.4 KB articles, zero "
        "latency, one asyncio process), uploaded as text/plain with chunked transfer encoding "
        "from a generator; `serve %s` (release build, embedded redis-server with its AOF). When "
        "the big job had half its pages a %d-title job was submitted. Redis memory: INFO "
        "`used_memory` sampled every %.1f s and `used_memory_peak`, less `used_memory` before "
        "the upload. Peak RSS: VmHWM of each process, read every %.1f s and at the end. One run."
        % ("{:,}".format(TITLES), " ".join(str(f) for f in SERVE_FLAGS), SMALL_TITLES,
           SAMPLE_S, SAMPLE_S),
        "",
        "| measure | value | notes |",
        "|---|---|---|",
        "| time to done | **%.1f s** (%.0f pages/s) | first byte of the POST to `finished`; "
        "upload answered after %.1f s; %d pages, %d failed |"
        % (r["secs"], r["pages"] / r["secs"], r["upload_secs"], r["pages"], r["failed"]),
        "| %d-title job submitted halfway | **%.3f s** | submitted at %s pages of the big job |"
        % (SMALL_TITLES, r["small_secs"], "{:,}".format(r["small_at"])),
        "| Redis peak memory | **%.0f MB** (%.0f MB at the end) | `used_memory` before the "
        "upload %.1f MB; redis-server VmHWM %s MB; %d AOF rewrite(s), the largest child's "
        "VmHWM %.0f MB |"
        % (r["redis_peak"] / mb, r["redis_end"] / mb, r["redis_base"] / mb,
           svc.fmt_runs(r["redis_rss_mb"]), len(r["redis_child_mb"]),
           max(r["redis_child_mb"] or [0.0])),
        "| Redis bytes per page | **%.0f** | %.0f bytes of NDJSON per record (%.2fx) |"
        % (per_page, r["record_bytes"], per_page / r["record_bytes"]),
        "| wc-api peak RSS | **%s MB** | VmHWM |" % svc.fmt_runs(r["api_mb"], "%.1f"),
        "| wc-worker peak RSS, each worker | **%s MB** | VmHWM; never recycled |"
        % svc.fmt_runs(r["worker_mb"], "%.1f"),
        "| CPU | serve tree %.3f ms/page; fake wiki %.3f ms/page (%.2f CPUs) | machine %.2f of "
        "%d CPUs busy |" % (r["cpu_s"] * 1000 / pages, r["wiki_cpu_s"] * 1000 / pages,
                            r["wiki_cpu_s"] / r["secs"], r["busy"], svc.CPUS),
        "",
    ]
    if bad:
        lines.insert(-1, "**The run did not end as it should: big job %s with %d pages, small "
                     "job %s with %d, serve %s**" % (r["status"], r["pages"], r["small_status"],
                                                     r["small_pages"],
                                                     "alive" if r["alive"] else "dead"))
    return "\n".join(lines)


if __name__ == "__main__":
    print(section(1))
