"""fair_turns (issue 13): how long a small job waits when a big one is queued before it.

`wikicrawl serve` (the crawl_throughput flags: --workers 2 --concurrency 32 --max-inflight 64
--rate 0 --cache-ttl 0) against the fake wiki at 100 ms latency. Per run, a fresh tree: a job of
20,000 new titles (400 chunks of 50) is submitted and its workers are busy with it (first pages
written); then a 3-title job is submitted. Measured: from the first byte of the small job's POST
to its `finished` time (Redis's stamp, read back from the status). The big job is cancelled
after. With one FIFO for all jobs the small job would wait for the whole big one: about
20,000 / 640 pages/s = 31 s.
"""
import os
import statistics
import time

import svc

BIG_TITLES = 20000
SMALL_TITLES = 3
LATENCY_MS = 100
TARGET_S = 1.0
BUSY_PAGES = 640  # about a second of the big job at full speed: every slot busy with it
SERVE_FLAGS = ("--workers", 2, "--concurrency", 32, "--max-inflight", 64, "--rate", 0,
               "--cache-ttl", 0)


DEFAULTS_BIG_TITLES = 2000
DEFAULTS_DELAY_S = 3.0
DEFAULTS_FLAGS = ("--cache-ttl", 0)


def run_once(wiki, serve_flags=SERVE_FLAGS, big_titles=BIG_TITLES, delay_s=None):
    """The small job behind the big one: submitted once the big one has BUSY_PAGES pages, or
    delay_s after its POST was answered."""
    wiki.reset()
    serve = svc.Serve(wiki.url, *serve_flags).start()
    try:
        tag = svc.token()
        big, _ = svc.post_titles(serve.port, ("\n".join(svc.titles("Big " + tag, big_titles))
                                              + "\n").encode())
        if delay_s is None:
            svc.wait_for(lambda: svc.http_json(serve.port, "GET", "/v1/jobs/" + big["id"])
                         ["pages"] >= BUSY_PAGES, 60, "the big job to run at full speed")
        else:
            time.sleep(delay_s)
        body = ("\n".join(svc.titles("Small " + tag, SMALL_TITLES)) + "\n").encode()
        t0 = time.time()
        small, _ = svc.post_titles(serve.port, body)
        st = svc.wait_done(serve.port, small["id"], timeout=600)
        client_secs = time.time() - t0
        big_st = svc.http_json(serve.port, "GET", "/v1/jobs/" + big["id"])
        svc.http(serve.port, "DELETE", "/v1/jobs/" + big["id"])
    finally:
        serve.stop()
    secs = svc.iso_seconds(st["finished"]) - t0 if st.get("finished") else client_secs
    return {"secs": secs, "client_secs": client_secs, "pages": st["pages"],
            "status": st["status"], "big_pages": big_st["pages"], "big_status": big_st["status"]}


def measure(name, runs, **run_args):
    """runs of run_once(run_args) on a fresh fake wiki: the results, printed as they come."""
    runs = int(os.environ.get("BENCH_TURNS_RUNS", runs))
    wiki = svc.FakeWiki("--synthetic", "--latency-ms", LATENCY_MS).start()
    results = []
    try:
        for run in range(runs):
            results.append(run_once(wiki, **run_args))
            print("bench: %s run %d: small job done in %.3f s, big job at %d pages"
                  % (name, run + 1, results[-1]["secs"], results[-1]["big_pages"]), flush=True)
    finally:
        wiki.stop()
    return results


def table(title, setup, results, before_row):
    """The section's text: its title, what was measured (setup), the median and worst runs
    against TARGET_S, and before_row (the figure before the change)."""
    med = statistics.median(r["secs"] for r in results)
    worst = max(r["secs"] for r in results)
    bad = [r for r in results if r["pages"] != SMALL_TITLES or r["status"] != "done"]
    lines = [
        title,
        "",
        setup + " %d runs, a fresh tree each." % len(results),
        "",
        "| measure | seconds | runs | target | |",
        "|---|---|---|---|---|",
        "| small job done, median | **%.3f** | %s | under %.1f s | %s |"
        % (med, ", ".join("%.3f (%d)" % (r["secs"], r["big_pages"]) for r in results), TARGET_S,
           "met" if med < TARGET_S else "**missed**"),
        "| small job done, worst run | %.3f | | | |" % worst,
        before_row,
        "",
    ]
    if bad:
        lines.insert(-1, "**%d run(s) where the small job did not end with its pages**" % len(bad))
    return "\n".join(lines)


def section(runs):
    results = measure("fair_turns", runs)
    return table(
        "## Fair turns (issue 13)",
        "A %d-title job submitted behind a %s-title job (fake wiki at %d ms latency, `serve %s`). "
        "The small job is submitted once the big one has %d pages (every slot busy with it). "
        "Time from the first byte of the small job's POST to its `finished` stamp; the big job "
        "was still running each time (its pages when the small one was done in brackets)."
        % (SMALL_TITLES, "{:,}".format(BIG_TITLES), LATENCY_MS,
           " ".join(str(f) for f in SERVE_FLAGS), BUSY_PAGES),
        results,
        "| one FIFO for all jobs (before): the whole big job first | ~%.0f | | | %s / 640 "
        "pages/s |" % (BIG_TITLES / 640.0, "{:,}".format(BIG_TITLES)))


def section_defaults(runs):
    results = measure("turns_at_defaults", runs, serve_flags=DEFAULTS_FLAGS,
                      big_titles=DEFAULTS_BIG_TITLES, delay_s=DEFAULTS_DELAY_S)
    return table(
        "## Fair turns at the defaults (issue 21)",
        "A %d-title job submitted %.0f s after a %s-title job (fake wiki at %d ms latency, `serve "
        "%s`: otherwise its defaults, --rate 50, --max-inflight 16, 2 workers of concurrency 8). "
        "Time from the first byte of the small job's POST to its `finished` stamp (the big job's "
        "pages then in brackets)."
        % (SMALL_TITLES, DEFAULTS_DELAY_S, "{:,}".format(DEFAULTS_BIG_TITLES), LATENCY_MS,
           " ".join(str(f) for f in DEFAULTS_FLAGS)),
        results,
        "| before issue 21 | 5.5, 6.0 | 2 | | the workers' claimed-ahead titles first |")
