"""service_api: the front end of `wikicrawl serve` (submission, status, results streaming), each
beside a reference measured in the same run.

  submission   POST /v1/jobs of BENCH_SUBMIT_TITLES (1,000,000) distinct synthetic titles as
               text/plain, sent in 256 KB blocks; time from the first byte to the 202 (which is
               answered only once every chunk is in Redis). Reference: the same Redis writes
               (SADD per title into a seen set, HSET of each 50-title chunk body, RPUSH of the chunk
               references) piped into the same embedded redis-server with `redis-cli --pipe`: the
               speed at which Redis alone absorbs what the front end must write.
  status       wrk -t2 -c64 -d10s --latency GET /v1/jobs/{id} of a finished job. Reference: the
               same wrk against GET /healthz (no Redis): the HTTP front end's ceiling.
  results      curl GET /v1/jobs/{id}/results of a finished job of BENCH_RESULTS_RECORDS (20,000)
               records. Reference: build/bench/results_xrange_bench reading the same stream from the
               same Redis in the same XRANGE batches of 200, with no HTTP.
"""
import os
import shutil
import statistics
import subprocess
import tempfile
import time

import svc

SUBMIT_TITLES = int(os.environ.get("BENCH_SUBMIT_TITLES", "1000000"))
RESULTS_RECORDS = int(os.environ.get("BENCH_RESULTS_RECORDS", "20000"))
RESULTS_PAGE_KB = 10
WRK_SECONDS = int(os.environ.get("BENCH_WRK_SECONDS", "10"))
XRANGE_BIN = os.path.join(svc.ROOT, "build", "bench", "results_xrange_bench")


def body_of(names):
    return ("\n".join(names) + "\n").encode("utf-8")


def resp(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode("utf-8")
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def reference_commands(names, tag, chunk=50, refs_per_push=1000):
    """RESP of the writes a submission of names makes, under keys bench:{tag}:*."""
    seen, chunks, pending = "bench:{%s}:seen" % tag, "bench:{%s}:chunks" % tag, \
        "bench:{%s}:pending" % tag
    parts = [resp("SADD", seen, t) for t in names]
    n_chunks = 0
    for i in range(0, len(names), chunk):
        body = b"wc1:" + b"".join(b"%d:%s," % (len(t.encode()), t.encode())
                                  for t in names[i:i + chunk])
        parts.append(resp("HSET", chunks, str(n_chunks), body))
        n_chunks += 1
    refs = ["%s/%d" % (tag, k) for k in range(n_chunks)]
    for i in range(0, len(refs), refs_per_push):
        parts.append(resp("RPUSH", pending, *refs[i:i + refs_per_push]))
    parts.append(resp("DEL", seen))
    return b"".join(parts), (seen, chunks, pending)


def redis_pipe(socket_path, path):
    t0 = time.perf_counter()
    with open(path, "rb") as f:
        out = subprocess.run(["redis-cli", "-s", socket_path, "--pipe"], stdin=f,
                             capture_output=True, text=True)
    secs = time.perf_counter() - t0
    if out.returncode != 0 or "errors: 0" not in out.stdout:
        raise RuntimeError("bench: redis-cli --pipe failed: %s %s" % (out.stdout, out.stderr))
    return secs


def redis_cli(socket_path, *args):
    return subprocess.run(["redis-cli", "-s", socket_path] + list(args), capture_output=True,
                          text=True, check=True).stdout.strip()


def curl_results(port, job_id):
    """One results page as a gzip client gets it: the stored members, passed through (curl does
    not inflate without --compressed), so the bytes equal the XRANGE reference's."""
    out = subprocess.run(["curl", "-s", "-o", "/dev/null", "-H", "Accept-Encoding: gzip", "-w",
                          "%{http_code} %{size_download} %{time_total}",
                          "http://127.0.0.1:%d/v1/jobs/%s/results" % (port, job_id)],
                         capture_output=True, text=True, check=True).stdout.split()
    if out[0] != "200":
        raise RuntimeError("bench: results -> HTTP %s" % out[0])
    return int(out[1]), float(out[2])


def section(runs):
    if not os.access(XRANGE_BIN, os.X_OK):
        raise RuntimeError("bench: %s missing (make build/bench/results_xrange_bench)"
                           % XRANGE_BIN)
    tmp = tempfile.mkdtemp(prefix="wcb-api-")
    wiki = svc.FakeWiki("--synthetic", "--page-kb", RESULTS_PAGE_KB).start()
    serve = None
    try:
        serve = svc.Serve(wiki.url, "--workers", 1, "--concurrency", 32, "--max-inflight", 64,
                          "--rate", 0, "--cache-ttl", 0).start()
        port = serve.port
        # the finished job whose status and results are read
        t0 = time.time()
        job, _ = svc.post_titles(port, body_of(svc.titles("Results " + svc.token(),
                                                          RESULTS_RECORDS)))
        st = svc.wait_done(port, job["id"])
        setup_secs = time.time() - t0
        if st["pages"] != RESULTS_RECORDS:
            raise RuntimeError("bench: results job has %d pages of %d: %s"
                               % (st["pages"], RESULTS_RECORDS, st))
        results_key = "wikicrawl:{%s}:results" % job["id"]

        sub, sub_ref, status, health, res, res_ref = [], [], [], [], [], []
        res_bytes = 0
        usage = []
        for run in range(runs):
            usage.append(svc.Usage(serve.pid, wiki.proc.pid).start())
            tag = svc.token()
            names = svc.titles("Submit " + tag, SUBMIT_TITLES)
            body = body_of(names)
            # submission, then the same writes straight into Redis
            answer, secs = svc.post_titles(port, body)
            svc.http(port, "DELETE", "/v1/jobs/" + answer["id"])
            if answer["titles"] != SUBMIT_TITLES:
                raise RuntimeError("bench: submission counted %s" % answer)
            sub.append({"tps": SUBMIT_TITLES / secs, "mbps": len(body) / secs / 1e6,
                        "secs": secs})
            cmds, keys = reference_commands(names, "ref" + tag)
            path = os.path.join(tmp, "ref.resp")
            with open(path, "wb") as f:
                f.write(cmds)
            del cmds
            secs = redis_pipe(serve.redis_socket, path)
            redis_cli(serve.redis_socket, "DEL", *keys)
            os.unlink(path)
            sub_ref.append({"tps": SUBMIT_TITLES / secs, "secs": secs})
            del names, body
            # status requests, then the front end's ceiling
            status.append(svc.wrk("http://127.0.0.1:%d/v1/jobs/%s" % (port, job["id"]),
                                  seconds=WRK_SECONDS))
            health.append(svc.wrk("http://127.0.0.1:%d/healthz" % port, seconds=WRK_SECONDS))
            # results streaming, then the same stream read from Redis
            size, secs = curl_results(port, job["id"])
            res_bytes = size
            res.append(size / secs / 1e6)
            kv = dict(f.split("=") for f in subprocess.run(
                [XRANGE_BIN, serve.redis_socket, results_key], capture_output=True, text=True,
                check=True).stdout.split())
            if int(kv["records"]) != RESULTS_RECORDS or int(kv["bytes"]) != size:
                raise RuntimeError("bench: results differ: HTTP %d bytes, Redis %s" % (size, kv))
            res_ref.append(float(kv["mb_per_s"]))
            usage[-1].stop()
            print("bench: service_api run %d: %.0f titles/s (redis %.0f), status %.0f req/s "
                  "(healthz %.0f), results %.0f MB/s (redis %.0f)"
                  % (run + 1, sub[-1]["tps"], sub_ref[-1]["tps"], status[-1]["rps"],
                     health[-1]["rps"], res[-1], res_ref[-1]), flush=True)
        errors = [(w["non2xx"], w["errors"]) for w in status + health]
        alive = serve.alive()
    finally:
        if serve:
            serve.stop()
        wiki.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    med = statistics.median
    s_tps, r_tps = med(x["tps"] for x in sub), med(x["tps"] for x in sub_ref)
    st_rps, h_rps = med(x["rps"] for x in status), med(x["rps"] for x in health)
    st_p99, h_p99 = med(x["p99_ms"] for x in status), med(x["p99_ms"] for x in health)
    rs, rr = med(res), med(res_ref)
    lines = [
        "## Service API: submission, status, results (`wikicrawl serve`)",
        "",
        "`wikicrawl serve --workers 1 --concurrency 32 --max-inflight 64 --rate 0 --cache-ttl 0`, "
        "own data dir and embedded redis-server (AOF on, as shipped), the fake wiki as the wiki; "
        "client, server and references share the %d CPUs of this machine. %d runs, interleaved; "
        "medians, each run's figures in brackets." % (svc.CPUS, runs),
        "",
        "| measure | wikicrawl | reference | wikicrawl / reference |",
        "|---|---|---|---|",
        "| submission: %s titles as `text/plain` (%.1f MB), first byte to `202` | "
        "**%.0f titles/s** "
        "(%.1f s; %s) | %.0f titles/s: the same SADD/HSET/RPUSH piped into the same Redis with "
        "`redis-cli --pipe` (%s) | %.2fx |"
        % ("{:,}".format(SUBMIT_TITLES), sub[0]["mbps"] * sub[0]["secs"], s_tps,
           med(x["secs"] for x in sub), svc.fmt_runs([x["tps"] for x in sub]), r_tps,
           svc.fmt_runs([x["tps"] for x in sub_ref]), s_tps / r_tps),
        "| status: `GET /v1/jobs/{id}`, wrk -c64 %d s | **%.0f req/s**, p99 %.2f ms (%s) | "
        "`GET /healthz`: %.0f req/s, p99 %.2f ms (%s) | %.2fx |"
        % (WRK_SECONDS, st_rps, st_p99, svc.fmt_runs([x["rps"] for x in status]), h_rps, h_p99,
           svc.fmt_runs([x["rps"] for x in health]), st_rps / h_rps),
        "| results: `GET /v1/jobs/{id}/results`, %s records (%.1f MB NDJSON), curl | "
        "**%.0f MB/s** (%s) | %.0f MB/s: `XRANGE` batches of 200 from the same Redis, no HTTP "
        "(%s) | %.2fx |"
        % ("{:,}".format(RESULTS_RECORDS), res_bytes / 1e6, rs, svc.fmt_runs(res), rr,
           svc.fmt_runs(res_ref), rs / rr),
        "",
        "Results job: %s synthetic pages of about %d KB crawled from the fake wiki at zero latency "
        "in %.1f s before the runs. wrk non-2xx / socket errors over all runs: %d / %d. "
        "Supervisor alive at the end: %s. Machine: %.2f of %d CPUs busy during the runs, %.2f "
        "of them other processes than the benchmark's."
        % ("{:,}".format(RESULTS_RECORDS), RESULTS_PAGE_KB, setup_secs,
           sum(e[0] for e in errors), sum(e[1] for e in errors), "yes" if alive else "**no**",
           med(u.busy for u in usage), svc.CPUS, med(u.others for u in usage)),
        "",
    ]
    return "\n".join(lines)
