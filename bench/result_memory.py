"""result_memory (issue 13, compact results): Redis memory a finished job holds, against the NDJSON
it serves, with the cross-job cache on.

Per input, a fresh `wikicrawl serve --workers 2 --max-inflight 64 --rate 0` (cache on, its default
--cache-ttl) and one job; once it is done:
  job + cache    MEMORY USAGE (SAMPLES 0: exact) of every key of the job (wikicrawl:{JOBID}:*)
                 and every cache key (wikicrawl:{cache}:*): what the job left in Redis.
  used_memory    INFO memory used_memory after the job minus before it (allocator included).
  NDJSON served  the bytes of GET /results and /errors without Accept-Encoding; gzip on the wire:
                 the same pages with Accept-Encoding: gzip.
Each input runs twice: as shipped (the embedded Redis sets stream-node-max-bytes 65536, see
docs/redis.md) and with Redis's default stream-node-max-bytes (4096, set with CONFIG SET before the
job), the figure a Redis of your own gives unless it is configured the same.
Inputs: the parity corpus (tests/corpus, every title of its manifest, answers as captured from
MediaWiki, fake wiki without --synthetic) and WIKICRAWL_BENCH_MEMORY_TITLES (2,000) synthetic
pages of about 30 KB of HTML (fake wiki --synthetic --page-kb 30).
"""
import json
import os
import subprocess
import time

import svc

TITLES = int(os.environ.get("WIKICRAWL_BENCH_MEMORY_TITLES", "2000"))
TARGET = 0.5
REDIS_DEFAULT_NODE_BYTES = 4096
SERVE_FLAGS = ("--workers", 2, "--max-inflight", 64, "--rate", 0)


def redis(serve, *args):
    out = subprocess.run(["redis-cli", "-s", serve.redis_socket] + [str(a) for a in args],
                         capture_output=True, text=True, check=True, timeout=60)
    return out.stdout.strip()


def used_memory(serve):
    for line in redis(serve, "INFO", "memory").splitlines():
        if line.startswith("used_memory:"):
            return int(line.split(":")[1])
    raise RuntimeError("bench: no used_memory in INFO memory")


def key_bytes(serve, pattern):
    keys = redis(serve, "--scan", "--pattern", pattern).split("\n")
    keys = [k for k in keys if k]
    return sum(int(redis(serve, "MEMORY", "USAGE", k, "SAMPLES", "0") or 0) for k in keys), len(keys)


def served(serve, job_id, what, gzip):
    headers = {"Accept-Encoding": "gzip" if gzip else "identity"}
    status, h, body = svc.http(serve.port, "GET", "/v1/jobs/%s/%s" % (job_id, what),
                               headers=headers)
    if status != 200:
        raise RuntimeError("bench: GET %s -> %d %s" % (what, status, h))
    return len(body)


def run(wiki_flags, titles, node_bytes=None):
    with svc.FakeWiki(*wiki_flags) as wiki:
        serve = svc.Serve(wiki.url, *SERVE_FLAGS).start()
        try:
            if node_bytes is not None:
                redis(serve, "CONFIG", "SET", "stream-node-max-bytes", node_bytes)
            before = used_memory(serve)
            body = ("\n".join(titles) + "\n").encode()
            job, _ = svc.post_titles(serve.port, body)
            st = svc.wait_done(serve.port, job["id"])
            time.sleep(1)  # the last chunk's bookkeeping
            after = used_memory(serve)
            job_b, job_n = key_bytes(serve, "wikicrawl:{%s}:*" % job["id"])
            cache_b, cache_n = key_bytes(serve, "wikicrawl:{cache}:*")
            plain = served(serve, job["id"], "results", False) + \
                served(serve, job["id"], "errors", False)
            wire = served(serve, job["id"], "results", True) + \
                served(serve, job["id"], "errors", True)
            return {"titles": st["titles"], "pages": st["pages"], "errors": st["titles"] - st["pages"],
                    "job": job_b, "job_keys": job_n, "cache": cache_b, "cache_keys": cache_n,
                    "used": after - before, "ndjson": plain, "gzip": wire}
        finally:
            serve.stop()


def corpus_titles():
    with open(os.path.join(svc.ROOT, "tests", "corpus", "manifest.json")) as f:
        return [e["title"] for e in json.load(f)]


def row(name, r):
    ratio = (r["job"] + r["cache"]) / r["ndjson"]
    return ratio, ("| %s | %d (%d ok) | %.1f KB | %.1f KB | %.1f KB (%d keys) | **%.2fx** | %.2fx | "
                   "%.1f KB (%.2fx) |"
                   % (name, r["titles"], r["pages"], r["ndjson"] / 1e3, r["job"] / 1e3,
                      r["cache"] / 1e3, r["cache_keys"], ratio, r["used"] / r["ndjson"],
                      r["gzip"] / 1e3, r["gzip"] / r["ndjson"]))


def section(runs):
    del runs  # one run per input: the bytes kept do not vary between runs
    synth_flags = ("--synthetic", "--page-kb", 30)
    corpus = run((), corpus_titles())
    synth = run(synth_flags, svc.titles("Memory " + svc.token(), TITLES))
    corpus_d = run((), corpus_titles(), REDIS_DEFAULT_NODE_BYTES)
    synth_d = run(synth_flags, svc.titles("Memory " + svc.token(), TITLES), REDIS_DEFAULT_NODE_BYTES)
    r1, line1 = row("parity corpus (fake wiki, no --synthetic)", corpus)
    r2, line2 = row("synthetic, --page-kb 30", synth)
    r3, line3 = row("parity corpus, Redis default stream-node-max-bytes", corpus_d)
    r4, line4 = row("synthetic, --page-kb 30, Redis default stream-node-max-bytes", synth_d)
    worst = max(r1, r2)
    worst_d = max(r3, r4)
    return "\n".join([
        "## Redis memory per finished job (issue 13: compact results)",
        "",
        "One job per input on a fresh `serve --workers 2 --max-inflight 64 --rate 0`, cache on. "
        "Kept: `MEMORY USAGE` of every key of the job and every cache key once it is done "
        "(`bench/result_memory.py`). The embedded Redis sets `stream-node-max-bytes 65536` "
        "(docs/redis.md); the last two rows set Redis's default, 4096, before the job. Lines are "
        "stored as one gzip member each (ISA-L level 1; a worker writes lines of 8 KB or more at level 0 with Huffman codes learned from its earlier ones); the cache points at a job's entry instead of holding a copy. NDJSON served: "
        "`/results` and `/errors` without `Accept-Encoding`.",
        "",
        "| input | titles | NDJSON served | job keys | cache keys | kept / NDJSON | used_memory "
        "delta / NDJSON | sent with gzip |",
        "|---|---|---|---|---|---|---|---|",
        line1,
        line2,
        line3,
        line4,
        "",
        "| check | measured | target | |",
        "|---|---|---|---|",
        "| Redis memory of a finished job, cache on, / NDJSON served | %.2fx (worst input) | at "
        "most %.1fx (2.26x before) | **%s** |" % (worst, TARGET, "met" if worst <= TARGET else
                                                  "missed"),
        "| the same with Redis's default stream-node-max-bytes | %.2fx (worst input) | at most %.1fx | "
        "**%s** |" % (worst_d, TARGET, "met" if worst_d <= TARGET else "missed"),
        "",
    ])


if __name__ == "__main__":
    print(section(1))
