"""recrawl (issue 14): wiki requests per title of a first crawl and of a re-crawl, and the time of
a re-crawl at the default --rate 50.

`wikicrawl serve` (defaults: --resolve-batch 50, chunks of 50, the cross-job cache on) against the
fake wiki (--synthetic, no latency); the requests are the fake wiki's own counters (`/_stats`:
`parse_requests` + `query_requests`, retries included). Per run, with titles no run shares:
  (a) a first job of 10,000 titles, 10% of them missing (fakewiki: "Missing ..." titles);
  (b) 5% of the pages edited (`POST /_control {"edit": [...]}`, new lastrevid and touched), then
      a second job of the same titles: exactly the edited pages must be parsed again and every
      record and error line must equal the first job's (fakewiki's parse answers do not change
      with an edit, so all of them do);
  (c) `serve` restarted on the same data dir at the default --rate 50, another 5% edited, a third
      job of the same titles, timed from the first byte of its POST to its `finished` stamp;
  reference: `serve --resolve-batch 0` (what the crawler did before issue 14) on the same data
      dir, a job with the cache off ("cache": false): one parse request per title. Its time at
      --rate 50 is requests / 50 (an estimate, labelled so) unless BENCH_RECRAWL_REF_MEASURE=1
      asks for the ~200 s measurement (once, on the first run).
"""
import json
import os
import shutil
import statistics
import tempfile
import time

import svc

TITLES = int(os.environ.get("BENCH_RECRAWL_TITLES", "10000"))
MISSING_SHARE = 0.10
EDIT_SHARE = 0.05
RATE = 50  # the default of --rate
TARGET_FIRST = 0.92
TARGET_RECRAWL = 0.08
EXPECTED_RECRAWL_S = 14.0
FAST_FLAGS = ("--workers", 2, "--concurrency", 32, "--max-inflight", 64, "--rate", 0)
RATE_FLAGS = ("--workers", 2, "--concurrency", 32, "--max-inflight", 64)
REF_FLAGS = ("--resolve-batch", 0)


class KeptServe(svc.Serve):
    """svc.Serve on a data dir that outlives it, so that the next serve finds the cache; its stop
    reports the error lines of the log."""

    def __init__(self, data_dir, wiki_url, *flags):
        super().__init__(wiki_url, *flags, kept_dir=data_dir)

    def start(self, ready_timeout=60):
        return super().start(ready_timeout)

    def stop(self, timeout=40):
        super().stop(timeout)
        errors = [line for line in self.log().splitlines() if "level=error" in line]
        if errors:
            print("bench: recrawl: %d error(s) in the serve log, the first: %s"
                  % (len(errors), errors[0]), flush=True)


def job_titles(tag):
    """TITLES titles: every tenth one missing, the rest ordinary fakewiki articles."""
    every = int(round(1 / MISSING_SHARE))
    return ["Missing %s %07d" % (tag, i) if i % every == 0 else "Page %s %07d" % (tag, i)
            for i in range(TITLES)]


def wiki_counts(wiki):
    s = svc.http_json(wiki.port, "GET", "/_stats")
    return {"requests": s["requests"], "parse": s["parse_requests"],
            "query": s["query_requests"], "per_title": s["requests_per_title"],
            "statuses": s["statuses"]}


def crawl(serve, wiki, titles, params=""):
    """Submit titles as text/plain; returns (status, wiki counts, seconds to `finished`)."""
    wiki.reset()
    body = ("\n".join(titles) + "\n").encode()
    t0 = time.time()
    job, _ = svc.post_titles(serve.port, body, params)
    st = svc.wait_done(serve.port, job["id"], timeout=3600)
    client_secs = time.time() - t0
    secs = svc.iso_seconds(st["finished"]) - t0 if st.get("finished") else client_secs
    if st["status"] != "done":
        raise RuntimeError("bench: job %s ended %s" % (job["id"], st["status"]))
    accounted = st["pages"] + st["disambiguation"] + st["missing"] + st["invalid"] + st["failed"]
    if st["titles"] != len(titles) or accounted != len(titles) or st["failed"]:
        raise RuntimeError("bench: job %s lost titles: %s" % (job["id"], st))
    return st, wiki_counts(wiki), secs


def lines(serve, job_id, what):
    """title -> NDJSON line of the job's results or errors (one page: no limit)."""
    status, _, data = svc.http(serve.port, "GET", "/v1/jobs/%s/%s" % (job_id, what))
    if status != 200:
        raise RuntimeError("bench: GET %s of job %s -> %d" % (what, job_id, status))
    out = {}
    for line in data.decode("utf-8").splitlines():
        obj = json.loads(line)
        out[obj["page_title"] if what == "results" else obj["title"]] = line
    return out


def edit(wiki, pages):
    wiki.control(edit=pages)


def run_once(wiki, first_run):
    tag = svc.token()
    titles = job_titles(tag)
    pages = [t for t in titles if not t.startswith("Missing")]
    n_edit = int(len(titles) * EDIT_SHARE)  # 5% of the titles: 500 of the 9,000 pages
    step = len(pages) // n_edit
    edited_b = pages[1::step][:n_edit]
    edited_c = pages[2::step][:n_edit]
    root = tempfile.mkdtemp(prefix="wcb-recrawl-")
    out = {}
    try:
        serve = KeptServe(root, wiki.url, *FAST_FLAGS).start()
        try:
            st1, c1, _ = crawl(serve, wiki, titles)
            rec1, err1 = lines(serve, st1["id"], "results"), lines(serve, st1["id"], "errors")
            edit(wiki, edited_b)
            st2, c2, _ = crawl(serve, wiki, titles)
            rec2, err2 = lines(serve, st2["id"], "results"), lines(serve, st2["id"], "errors")
        finally:
            serve.stop()
        parsed_b = {t: n for t, n in c2["per_title"].items() if n}
        if parsed_b != dict.fromkeys(edited_b, 1):
            print("bench: recrawl: the re-crawl made %d parse requests for %d titles, %d of the "
                  "%d edited ones" % (sum(parsed_b.values()), len(parsed_b),
                                      len(set(parsed_b) & set(edited_b)), len(edited_b)),
                  flush=True)
        out.update(first=c1, first_status=st1, recrawl=c2, recrawl_status=st2,
                   parsed_exactly_edited=parsed_b == dict.fromkeys(edited_b, 1),
                   same_records=rec1 == rec2 and len(rec1) == len(pages),
                   same_errors=err1 == err2 and len(err1) == len(titles) - len(pages))

        edit(wiki, edited_c)
        serve = KeptServe(root, wiki.url, *RATE_FLAGS).start()
        try:
            st3, c3, secs3 = crawl(serve, wiki, titles)
        finally:
            serve.stop()
        out.update(timed=c3, timed_status=st3, timed_secs=secs3,
                   timed_parsed_exactly_edited={t: n for t, n in c3["per_title"].items() if n}
                   == dict.fromkeys(edited_c, 1))

        measure_ref = first_run and os.environ.get("BENCH_RECRAWL_REF_MEASURE") == "1"
        ref_flags = (RATE_FLAGS if measure_ref else FAST_FLAGS) + REF_FLAGS
        serve = KeptServe(root, wiki.url, *ref_flags).start()
        try:
            st4, c4, secs4 = crawl(serve, wiki, titles, "?cache=false")
        finally:
            serve.stop()
        out.update(ref=c4, ref_status=st4,
                   ref_secs=secs4 if measure_ref else None)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return out


def per_title(counts):
    return counts["requests"] / float(TITLES)


def section(runs):
    runs = int(os.environ.get("BENCH_RECRAWL_RUNS", runs))
    wiki = svc.FakeWiki("--synthetic", "--track-titles", 1000).start()
    results = []
    try:
        for run in range(runs):
            r = run_once(wiki, run == 0)
            results.append(r)
            print("bench: recrawl run %d: first %.4f req/title, re-crawl %.4f req/title, timed "
                  "re-crawl %.1f s, reference %.4f req/title%s"
                  % (run + 1, per_title(r["first"]), per_title(r["recrawl"]), r["timed_secs"],
                     per_title(r["ref"]), "" if r["ref_secs"] is None
                     else ", reference at rate 50: %.1f s" % r["ref_secs"]), flush=True)
    finally:
        wiki.stop()
    med = statistics.median
    first = [per_title(r["first"]) for r in results]
    again = [per_title(r["recrawl"]) for r in results]
    timed = [r["timed_secs"] for r in results]
    ref = [per_title(r["ref"]) for r in results]
    ref_measured = [r["ref_secs"] for r in results if r["ref_secs"] is not None]
    ref_requests = med(r["ref"]["requests"] for r in results)
    n_edit = int(TITLES * EDIT_SHARE)

    def split(key):
        return "%d parse + %d query" % (med(r[key]["parse"] for r in results),
                                        med(r[key]["query"] for r in results))

    def fmt(values, f="%.4f"):
        return ", ".join(f % v for v in values)

    def status_agrees(r):
        ok = True
        for k in ("first", "recrawl", "timed", "ref"):
            st = r[k + "_status"]
            got = (st.get("requests_parse"), st.get("requests_query"))
            if got != (r[k]["parse"], r[k]["query"]):
                print("bench: recrawl: job %s (%s) says %s parse + %s query requests, the wiki "
                      "counted %d + %d" % (st["id"], k, got[0], got[1], r[k]["parse"],
                                           r[k]["query"]), flush=True)
                ok = False
        return ok

    checks = all(r["parsed_exactly_edited"] and r["same_records"] and r["same_errors"]
                 and r["timed_parsed_exactly_edited"] for r in results)
    agrees = all(status_agrees(r) for r in results)
    lines_ = [
        "## Recrawls (issue 14)",
        "",
        "`wikicrawl serve` with its defaults for resolution and cache (`--resolve-batch 50`, "
        "chunks of 50, `--cache-ttl 604800`), against the fake wiki (`--synthetic`, no "
        "latency); requests are the fake wiki's `parse_requests + query_requests` (retries "
        "included), per submitted title. %s titles, every tenth one missing; (a) the first "
        "job; (b) %d pages (5%%) edited with `/_control {\"edit\"}`, then the same titles again "
        "(`serve %s`); (c) `serve` restarted on the same data dir at the default `--rate %d` "
        "(`%s`), another %d pages edited, the same titles again, timed from the first byte of "
        "the POST to the job's `finished` stamp. Reference: `--resolve-batch 0` and the job's "
        "cache off (`?cache=false`), i.e. one `action=parse` per title as before issue 14. %d "
        "runs (new titles each), medians."
        % ("{:,}".format(TITLES), n_edit, " ".join(str(f) for f in FAST_FLAGS), RATE,
           " ".join(str(f) for f in RATE_FLAGS), n_edit, runs),
        "",
        "| measure | median | runs | target | |",
        "|---|---|---|---|---|",
        "| (a) first crawl, wiki requests per title | **%.4f** (%s) | %s | at most %.2f | %s |"
        % (med(first), split("first"), fmt(first), TARGET_FIRST,
           "met" if med(first) <= TARGET_FIRST else "**missed**"),
        "| (b) re-crawl after 5%% edits, requests per title | **%.4f** (%s) | %s | at most %.2f "
        "| %s |" % (med(again), split("recrawl"), fmt(again), TARGET_RECRAWL,
                    "met" if med(again) <= TARGET_RECRAWL else "**missed**"),
        "| (c) re-crawl at `--rate %d`, seconds to done | **%.1f** (%s) | %s | about %.0f s | |"
        % (RATE, med(timed), split("timed"), fmt(timed, "%.1f"), EXPECTED_RECRAWL_S),
        "| reference (`--resolve-batch 0`, cache off): requests per title | %.4f (%s) | %s | "
        "1.0 | |" % (med(ref), split("ref"), fmt(ref)),
    ]
    if ref_measured:
        lines_.append("| reference at `--rate %d`, seconds to done (measured, run 1) | %.1f | | "
                      "about 200 s | |" % (RATE, ref_measured[0]))
    else:
        lines_.append("| reference at `--rate %d`, seconds to done | ~%.0f (**estimate**: %d "
                      "requests / %d per s, not measured) | | about 200 s | |"
                      % (RATE, ref_requests / RATE, ref_requests, RATE))
    lines_ += [
        "",
        "Checked in every run: the re-crawls parsed exactly the edited pages (the fake wiki's "
        "per-title parse counts), and the re-crawl's records and error lines equal the first "
        "job's byte for byte (the fake wiki's parse answers do not change with an edit): %s. "
        "The jobs' `requests_parse` / `requests_query` equal the fake wiki's counts: %s."
        % ("yes" if checks else "**NO**", "yes" if agrees else "**NO**"),
        "",
    ]
    return "\n".join(lines_)
