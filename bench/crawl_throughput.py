"""crawl_throughput (issue 7): pages per second from submission to `done`, `wikicrawl serve`
against the notebook's multiprocessing crawl, on the same fake wiki in the same run.

The fake wiki answers every request after --latency-ms 100 with a realistic synthetic article of
about 30 KB of HTML (--page-kb 30). Per run, interleaved:

  wikicrawl      serve --workers 2 --concurrency 32 --max-inflight 64 --rate 0 --cache-ttl 0
                 --resolve-batch 0 (the crawl engine alone: one parse per title), a
                 fresh process tree and data dir, WIKICRAWL_BENCH_TITLES (10,000) new titles in
                 one job; from the first byte of the POST to the job's `finished` time. CPU: user + system
                 time of the whole tree (supervisor, wc-api, wc-worker, embedded redis-server, and
                 children they reaped) from /proc before and after; the fake wiki is not in it.
                 Peak RSS: VmHWM of each wc-worker at the end.
  wikicrawl, resolve  the same with the default --resolve-batch 50: one action=query per 50
                 titles first, so 51 requests per 50 new pages (the price of batched resolution
                 on a first crawl where every title exists; it pays on missing titles and
                 re-crawls, see the recrawl section). Its ideal is max-inflight / latency * 50/51.
  wikicrawl, 0 ms  the same with the fake wiki's latency set to 0: the crawler's own limit.
                 Leases held: ZCARD of the fleet's lease set in Redis every 0.1 s (a lease carries
                 its worker's requests one after another, so this is the slots kept busy).
  notebook       bench/notebook_crawl.py (Pool.map over 50-title chunks, requests + lxml, one
                 title at a time per process) with processes = CPUs and with 64 processes, on
                 fewer titles to keep runs short: 100 per process with CPUs processes, one
                 50-title chunk per process with 64 (at most WIKICRAWL_BENCH_TITLES).
  ideal          --max-inflight / latency = 640 pages/s.
"""
import os
import statistics
import subprocess
import time

import svc

TITLES = int(os.environ.get("WIKICRAWL_BENCH_TITLES", "10000"))
LATENCY_MS = 100
PAGE_KB = 30
MAX_INFLIGHT = 64
WORKERS = 2
CONCURRENCY = 32
IDEAL = MAX_INFLIGHT * 1000.0 / LATENCY_MS
TARGET_SHARE = 0.95
TARGET_CPU_MS = 0.5
TARGET_CPU_MS_RESOLVING = 0.45  # issue 13
SERVE_FLAGS = ("--workers", WORKERS, "--concurrency", CONCURRENCY, "--max-inflight", MAX_INFLIGHT,
               "--rate", 0, "--cache-ttl", 0)
ENGINE_FLAGS = ("--resolve-batch", 0)
RESOLVE_BATCH = 50  # the default
IDEAL_RESOLVING = IDEAL * RESOLVE_BATCH / (RESOLVE_BATCH + 1)
INFLIGHT_KEY = "wikicrawl:{queue}:inflight"  # docs/redis.md: the fleet's leases
NOTEBOOK = os.path.join(svc.ROOT, "bench", "notebook_crawl.py")


def run_wikicrawl(wiki, latency_ms, extra_flags=ENGINE_FLAGS):
    wiki.control(latency_ms=latency_ms)
    wiki.reset()
    serve = svc.Serve(wiki.url, *(SERVE_FLAGS + tuple(extra_flags))).start()
    try:
        body = ("\n".join(svc.titles("Crawl " + svc.token(), TITLES)) + "\n").encode()
        time.sleep(0.5)  # let the tree settle after start
        load = svc.MachineLoad().start()
        inflight = svc.RedisSampler(serve.redis_socket, "ZCARD", INFLIGHT_KEY).start()
        cpu0, wcpu0 = serve.cpu(), wiki.cpu()
        by0 = svc.tree_cpu_by_comm(serve.pid)
        t0, p0 = time.time(), time.perf_counter()
        job, _ = svc.post_titles(serve.port, body)
        st = svc.wait_done(serve.port, job["id"])
        client_secs = time.perf_counter() - p0
        cpu1, wcpu1 = serve.cpu(), wiki.cpu()
        by1 = svc.tree_cpu_by_comm(serve.pid)
        busy = load.stop()
        inflight.stop()
        try:
            secs = svc.iso_seconds(st["finished"]) - t0
        except (KeyError, TypeError, ValueError):
            secs = client_secs
        if not 0 < secs <= client_secs + 0.01:
            secs = client_secs
        hwm = [svc.proc_status_kb(p, "VmHWM") or 0 for p in serve.children("wc-worker")]
        stats = wiki.stats()
        alive = serve.alive()
    finally:
        serve.stop()
    return {"pps": TITLES / secs, "secs": secs, "cpu_ms": (cpu1 - cpu0) * 1000 / TITLES,
            "wiki_cpu_ms": (wcpu1 - wcpu0) * 1000 / TITLES, "wiki_util": (wcpu1 - wcpu0) / secs,
            "busy": busy, "own_cpus": (cpu1 - cpu0) / secs,
            "by_comm": {k: (by1.get(k, 0.0) - by0.get(k, 0.0)) * 1000 / TITLES for k in by1},
            "inflight": inflight.mean(), "inflight_zero": inflight.share_zero(),
            "hwm_mb": max(hwm) / 1024 if hwm else 0.0,
            "max_concurrent": stats.get("max_concurrent"), "requests": stats.get("requests"),
            "pages": st["pages"], "failed": st["failed"], "status": st["status"], "alive": alive}


def run_notebook(wiki, processes, count):
    wiki.control(latency_ms=LATENCY_MS)
    wiki.reset()
    load = svc.MachineLoad().start()
    wcpu0 = wiki.cpu()
    out = subprocess.run([svc.PYTHON, NOTEBOOK, "--api", wiki.url, "--processes", str(processes),
                          "--prefix", "Notebook " + svc.token(), "--count", str(count)],
                         capture_output=True, text=True, cwd=svc.ROOT)
    if out.returncode != 0:
        raise RuntimeError("bench: notebook_crawl failed:\n" + out.stderr[-3000:])
    kv = {k: float(v) for k, v in (f.split("=") for f in out.stdout.strip().splitlines()[-1]
                                   .split())}
    wcpu1 = wiki.cpu()
    busy = load.stop()
    return {"pps": kv["pages_per_s"], "secs": kv["seconds"], "cpu_ms": kv["cpu_ms_per_page"],
            "own_cpus": kv["cpu_s"] / kv["seconds"],
            "rows": int(kv["rows"]), "pages": int(kv["pages"]),
            "wiki_cpu_ms": (wcpu1 - wcpu0) * 1000 / count,
            "wiki_util": (wcpu1 - wcpu0) / kv["seconds"], "busy": busy,
            "max_concurrent": wiki.stats().get("max_concurrent")}


def section(runs):
    runs = int(os.environ.get("BENCH_CRAWL_RUNS", runs))
    nb_small = min(TITLES, svc.CPUS * 100)
    nb_big = min(TITLES, 64 * 50)
    wc, wcr, wc0, nb1, nb64 = [], [], [], [], []
    wiki = svc.FakeWiki("--synthetic", "--page-kb", PAGE_KB, "--latency-ms", LATENCY_MS).start()
    try:
        for run in range(runs):
            wc.append(run_wikicrawl(wiki, LATENCY_MS))
            wcr.append(run_wikicrawl(wiki, LATENCY_MS, ()))
            wc0.append(run_wikicrawl(wiki, 0))
            nb1.append(run_notebook(wiki, svc.CPUS, nb_small))
            nb64.append(run_notebook(wiki, 64, nb_big))
            print("bench: crawl_throughput run %d: wikicrawl %.0f pages/s (%.3f ms CPU/page), "
                  "resolving %.0f pages/s (%.3f ms), 0 ms %.0f pages/s (%.3f ms), notebook x%d "
                  "%.0f, x64 %.0f pages/s"
                  % (run + 1, wc[-1]["pps"], wc[-1]["cpu_ms"], wcr[-1]["pps"], wcr[-1]["cpu_ms"],
                     wc0[-1]["pps"], wc0[-1]["cpu_ms"], svc.CPUS, nb1[-1]["pps"],
                     nb64[-1]["pps"]), flush=True)
    finally:
        wiki.stop()

    med = statistics.median
    m = {name: med(r["pps"] for r in rs) for name, rs in
         (("wc", wc), ("wcr", wcr), ("wc0", wc0), ("nb1", nb1), ("nb64", nb64))}
    cpu = med(r["cpu_ms"] for r in wc)
    cpu_r = med(r["cpu_ms"] for r in wcr)
    bound_r = min(IDEAL_RESOLVING, m["wc0"])
    rpp = med(r["requests"] / r["pages"] for r in wcr if r["pages"])
    cpu0 = med(r["cpu_ms"] for r in wc0)
    hwm = med(r["hwm_mb"] for r in wc + wc0)
    bound = min(IDEAL, m["wc0"])
    goal = TARGET_SHARE * bound
    incomplete = [r for r in wc + wcr + wc0 if r["pages"] != TITLES or r["status"] != "done"]
    bad_rows = [r for r in nb1 + nb64 if r["rows"] != r["pages"]]

    def row(label, rs, key_pps, note):
        return "| %s | **%.0f** | %s | %s | %s |" % (
            label, med(r[key_pps] for r in rs), svc.fmt_runs([r[key_pps] for r in rs]),
            "%.3f" % med(r["cpu_ms"] for r in rs), note)

    def by_comm(rs):
        names = sorted({k for r in rs for k in r["by_comm"]})
        return ", ".join("%s %.3f" % (k, med(r["by_comm"].get(k, 0.0) for r in rs))
                         for k in names)

    def util(rs):
        return ("crawler %.2f CPUs; fake wiki %.2f ms CPU/page (%.2f CPUs); machine %.2f of %d "
                "CPUs busy, %.2f of them other processes" % (
                    med(r["own_cpus"] for r in rs), med(r["wiki_cpu_ms"] for r in rs),
                    med(r["wiki_util"] for r in rs), med(r["busy"] for r in rs), svc.CPUS,
                    med(max(0.0, r["busy"] - r["own_cpus"] - r["wiki_util"]) for r in rs)))

    lines = [
        "## Crawl throughput (issue 7)",
        "",
        "%s titles per wikicrawl run, new titles every run, cache off. Fake wiki: %d ms latency, "
        "synthetic articles of about %d KB of HTML, one asyncio process on the same machine (its "
        "own CPU use is shown: on a %d-CPU machine it competes with the crawler). wikicrawl: "
        "`serve %s` (the resolution row: without `--resolve-batch 0`). Notebook: `bench/notebook_crawl.py`, %s titles with %d processes and %s "
        "with 64. %d runs, interleaved; medians (pages/s of each run in brackets)."
        % ("{:,}".format(TITLES), LATENCY_MS, PAGE_KB, svc.CPUS,
           " ".join(str(f) for f in SERVE_FLAGS + ENGINE_FLAGS), "{:,}".format(nb_small), svc.CPUS,
           "{:,}".format(nb_big), runs),
        "",
        "| crawler | pages/s | runs | CPU ms per page | notes |",
        "|---|---|---|---|---|",
        row("wikicrawl serve, %d ms latency" % LATENCY_MS, wc, "pps",
            "whole serve tree (%s); leases held (sampled every 0.1 s): mean %.1f, "
            "0 in %.0f%% of samples; max %s requests in flight at the wiki; %s"
            % (by_comm(wc), med(r["inflight"] for r in wc),
               100 * med(r["inflight_zero"] for r in wc),
               max(r["max_concurrent"] or 0 for r in wc), util(wc))),
        row("wikicrawl serve, %d ms latency, `--resolve-batch %d` (the default)"
            % (LATENCY_MS, RESOLVE_BATCH), wcr, "pps",
            "%.3f wiki requests per page; whole serve tree (%s); leases held: mean %.1f; %s"
            % (rpp, by_comm(wcr), med(r["inflight"] for r in wcr), util(wcr))),
        row("wikicrawl serve, 0 ms latency (its own limit on this machine)", wc0, "pps",
            "whole serve tree (%s); mean leases held %.1f; %s"
            % (by_comm(wc0), med(r["inflight"] for r in wc0), util(wc0))),
        row("notebook, %d processes (= CPUs), %d ms" % (svc.CPUS, LATENCY_MS), nb1, "pps",
            "parent and pool; %s" % util(nb1)),
        row("notebook, 64 processes, %d ms" % LATENCY_MS, nb64, "pps",
            "parent and pool; %s" % util(nb64)),
        "| ideal: max-inflight / latency | %.0f | | | %d / %.1f s |"
        % (IDEAL, MAX_INFLIGHT, LATENCY_MS / 1000.0),
        "| ideal with resolution: one query per %d pages | %.0f | | | %.0f x %d / %d |"
        % (RESOLVE_BATCH, IDEAL_RESOLVING, IDEAL, RESOLVE_BATCH, RESOLVE_BATCH + 1),
        "",
        "| check | measured | target | |",
        "|---|---|---|---|",
        "| wikicrawl pages/s at %d ms | %.0f = %.0f%% of min(%.0f, %.0f) | at least %.0f%% (%.0f) "
        "| %s |" % (LATENCY_MS, m["wc"], 100 * m["wc"] / bound, IDEAL, m["wc0"],
                   100 * TARGET_SHARE, goal, "met" if m["wc"] >= goal else "**missed**"),
        "| the same with `--resolve-batch %d` | %.0f = %.0f%% of min(%.0f, %.0f); %.0f%% of %.0f "
        "| at least %.0f%% (%.0f) | %s |"
        % (RESOLVE_BATCH, m["wcr"], 100 * m["wcr"] / bound_r, IDEAL_RESOLVING, m["wc0"],
           100 * m["wcr"] / IDEAL, IDEAL, 100 * TARGET_SHARE, TARGET_SHARE * bound_r,
           "met" if m["wcr"] >= TARGET_SHARE * bound_r else "**missed**"),
        "| CPU per page, whole serve tree, at %d ms | %.3f ms (%.3f ms at 0 ms latency) | at "
        "most %.1f ms | %s |" % (LATENCY_MS, cpu, cpu0, TARGET_CPU_MS,
                                 "met" if cpu <= TARGET_CPU_MS else "**missed**"),
        "| the same with `--resolve-batch %d` | %.3f ms | at most %.2f ms (issue 13) | %s |"
        % (RESOLVE_BATCH, cpu_r, TARGET_CPU_MS_RESOLVING,
           "met" if cpu_r <= TARGET_CPU_MS_RESOLVING else "**missed**"),
        "| CPU per page over the fake wiki's CPU per page in the same runs (fixed Python code: "
        "a yardstick of the host's speed, which varies by 1.5x on this shared machine) | %.2f "
        "(engine), %.2f (with resolution) | | |"
        % (med(r["cpu_ms"] / r["wiki_cpu_ms"] for r in wc if r["wiki_cpu_ms"]),
           med(r["cpu_ms"] / r["wiki_cpu_ms"] for r in wcr if r["wiki_cpu_ms"])),
        "| wc-worker peak RSS (VmHWM, largest worker) | %.1f MB | | |" % hwm,
        "| wikicrawl / notebook with 64 processes | %.2fx | | |" % (m["wc"] / m["nb64"]),
        "| wikicrawl / notebook with %d processes | %.2fx | | |" % (svc.CPUS, m["wc"] / m["nb1"]),
        "",
    ]
    if incomplete:
        lines.insert(-1, "**%d wikicrawl run(s) did not end with every title a page**: %s" % (
            len(incomplete), "; ".join("%s %d pages, %d failed" % (r["status"], r["pages"],
                                                                  r["failed"])
                                       for r in incomplete)))
    if bad_rows:
        lines.insert(-1, "**notebook run(s) returned fewer rows than titles**: %s" % ", ".join(
            "%d/%d" % (r["rows"], r["pages"]) for r in bad_rows))
    return "\n".join(lines)
