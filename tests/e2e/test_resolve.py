"""Batched title resolution and the revision-aware cache (issue 14) against the fake wiki: one
action=query per chunk of titles answers missing and invalid titles without a parse and tells
which cached records are still current; a query request that fails is retried and then left to
action=parse, so nothing is lost or answered differently. Every comparison is with the same titles
crawled by `--resolve-batch 0` and the cache off (one action=parse per title, as before), byte
for byte: records, error lines, and the exactly-once accounting."""
import json
import os
import time

import pytest

from conftest import (accounted, check_exactly_once, metrics, numbered_titles, samples, serve,
                      wait_for)

MAX_ATTEMPTS = 3

# One of each kind fakewiki answers (see tests/fakewiki/README.md), all in one chunk of 50.
MIXED = ["Alpha page", "Beta page", "Missing gamma", "Missing delta", "Invalid epsilon",
         "Disambig zeta", "Redirect to Alpha page", "Redirect to Eta page", "Special:Nothing",
         "Media:X.png", "Ünïcödé 😀 page", "東京タワー (fake)", "Theta page"]
EXISTING = {"Alpha page", "Beta page", "Disambig zeta", "Redirect to Alpha page",
            "Redirect to Eta page", "Ünïcödé 😀 page", "東京タワー (fake)", "Theta page"}
NOT_PAGES = set(MIXED) - EXISTING


def start(service, redis_server, wiki, *extra):
    return serve(service, redis_server, wiki, "--max-attempts", str(MAX_ATTEMPTS), *extra)


def raw_lines(svc, job, what):
    """title as submitted -> the raw NDJSON line of the job's results or errors."""
    resp, objs = svc.lines(job, what, limit=10000)
    key = "page_title" if what == "results" else "title"
    lines = resp.text.splitlines()
    out = {o[key]: line for o, line in zip(objs, lines)}
    assert len(out) == len(lines), "a title has two lines"
    return out


def crawl(svc, wiki, titles, params=None):
    """One job over titles: (status, records, error lines, the wiki's counters for it)."""
    wiki.reset_stats()
    job = svc.submit(titles, params=params).json()["id"]
    st, _, _ = check_exactly_once(svc, job, len(distinct(titles)))
    return st, raw_lines(svc, job, "results"), raw_lines(svc, job, "errors"), wiki.stats()


def distinct(titles):
    """The titles a job holds: trimmed at upload, duplicates dropped."""
    return list(dict.fromkeys(t.strip(" ") for t in titles))


def parsed(stats):
    """Titles the wiki was asked to parse, and how often."""
    return {t: n for t, n in stats["requests_per_title"].items() if n}


def reference(service, redis_server, wiki, titles, old=None):
    """The same titles the old way: --resolve-batch 0, the job's cache off. Stops old first (two
    trees on one Redis would share the queue)."""
    if old is not None:
        old.stop()
    svc = start(service, redis_server, wiki, "--resolve-batch", "0")
    st, records, errors, stats = crawl(svc, wiki, titles, params={"cache": "false"})
    assert stats["query_requests"] == 0, "--resolve-batch 0 sent action=query"
    assert stats["parse_requests"] == len(distinct(titles))
    assert st["requests_query"] == 0 and st["requests_parse"] == len(distinct(titles))
    return st, records, errors


def same_outcomes(a, b):
    for k in ("titles", "pages", "disambiguation", "missing", "invalid", "failed"):
        assert a[k] == b[k], (k, a, b)


def test_missing_and_invalid_cost_no_parse_and_read_as_parse_says(service, redis_server,
                                                                   fakewiki):
    wiki = fakewiki("--synthetic")
    svc = start(service, redis_server, wiki)
    st, records, errors, stats = crawl(svc, wiki, MIXED)
    assert st["failed"] == 0 and st["missing"] == 2 and st["invalid"] == 3
    assert stats["query_requests"] == 1 and stats["query_titles"] == len(MIXED)
    # only the titles that are pages were parsed (no cache yet), each once
    assert parsed(stats) == dict.fromkeys(EXISTING, 1)
    assert st["requests_query"] == 1 and st["requests_parse"] == len(EXISTING)
    assert st["cache_hits"] == 0
    ref_st, ref_records, ref_errors = reference(service, redis_server, wiki, MIXED, old=svc)
    same_outcomes(st, ref_st)
    assert set(errors) >= NOT_PAGES
    assert errors == ref_errors  # byte for byte: the query's verdicts read as parse's
    assert records == ref_records


def test_corpus_titles_resolve_as_parse_answers_them(service, redis_server, fakewiki):
    """Every corpus title (the parity corpus: redirects, double redirects, interwiki, unicode,
    normalised spellings, special pages): the same records and error lines as parse alone."""
    from conftest import corpus_manifest, refused_at_upload
    titles = [e["title"] for e in corpus_manifest()
              if e["title"] == e["title"].strip(" \t") and not refused_at_upload(e["title"])]
    titles = list(dict.fromkeys(titles))
    assert len(titles) > 100
    wiki = fakewiki("--synthetic")
    svc = start(service, redis_server, wiki)
    st, records, errors, stats = crawl(svc, wiki, titles)
    assert stats["query_requests"] == st["requests_query"] >= (len(titles) + 49) // 50
    assert stats["parse_requests"] == st["requests_parse"] < len(titles)
    ref_st, ref_records, ref_errors = reference(service, redis_server, wiki, titles, old=svc)
    same_outcomes(st, ref_st)
    assert records == ref_records
    assert errors == ref_errors
    # nothing that parse calls missing or invalid was parsed after the query
    for title in parsed(stats):
        assert json.loads(ref_errors.get(title, '{"outcome": "ok"}'))["outcome"] not in \
            ("missing", "invalid"), title


QUERY_FAULTS = [
    ("429", {"rate_429": 1, "retry_after": 1}),
    ("maxlag", {"rate_maxlag": 1, "retry_after": 1}),
    ("broken_json", {"rate_broken_json": 1}),
    ("reset", {"rate_reset": 1}),
    ("503", {"rate_503": 1}),
]


@pytest.mark.parametrize("kind,fault", QUERY_FAULTS, ids=[k for k, _ in QUERY_FAULTS])
def test_a_failing_query_is_retried_then_every_title_parsed(service, redis_server, fakewiki,
                                                             kind, fault):
    wiki = fakewiki("--synthetic")
    wiki.control(fault_action="query", **fault)
    svc = start(service, redis_server, wiki)
    st, records, errors, stats = crawl(svc, wiki, MIXED)
    assert stats["faults"][kind] == stats["query_requests"], stats["faults"]
    assert 2 <= stats["query_requests"] <= MAX_ATTEMPTS, "not retried, or retried too often"
    # the fallback: every title parsed, once (parse requests get no fault)
    assert parsed(stats) == dict.fromkeys(MIXED, 1)
    assert st["failed"] == 0
    assert st["requests_query"] == stats["query_requests"]
    assert st["requests_parse"] == len(MIXED)
    ref_st, ref_records, ref_errors = reference(service, redis_server, wiki, MIXED, old=svc)
    same_outcomes(st, ref_st)
    assert records == ref_records and errors == ref_errors


def test_a_query_that_succeeds_on_a_retry_needs_no_fallback(service, redis_server, fakewiki):
    wiki = fakewiki("--synthetic")
    wiki.control(fault_action="query", fail_first_n=MAX_ATTEMPTS - 1)
    svc = start(service, redis_server, wiki)
    st, records, errors, stats = crawl(svc, wiki, MIXED)
    assert stats["query_requests"] == MAX_ATTEMPTS and stats["faults"]["fail_first_n"] == \
        MAX_ATTEMPTS - 1
    assert parsed(stats) == dict.fromkeys(EXISTING, 1)
    assert st["requests_query"] == MAX_ATTEMPTS and st["requests_parse"] == len(EXISTING)
    ref_st, ref_records, ref_errors = reference(service, redis_server, wiki, MIXED, old=svc)
    same_outcomes(st, ref_st)
    assert records == ref_records and errors == ref_errors


def test_a_title_the_query_answer_omits_is_parsed(service, redis_server, fakewiki):
    wiki = fakewiki("--synthetic")
    omitted = ["Missing gamma", "Beta page", "Invalid epsilon"]
    wiki.control(query_omit=omitted)
    svc = start(service, redis_server, wiki)
    st, records, errors, stats = crawl(svc, wiki, MIXED)
    assert stats["query_requests"] == 1
    assert parsed(stats) == dict.fromkeys(EXISTING | set(omitted), 1)
    assert st["requests_parse"] == len(EXISTING | set(omitted))
    ref_st, ref_records, ref_errors = reference(service, redis_server, wiki, MIXED, old=svc)
    same_outcomes(st, ref_st)
    assert records == ref_records and errors == ref_errors


def test_a_batch_too_long_for_a_url_is_posted(service, redis_server, fakewiki):
    """50 long non-ASCII titles percent-encode to ~30 KB, past what front ends take in a request
    line: the batch goes as a form body, and is answered as the same titles one by one."""
    wiki = fakewiki("--synthetic")
    titles = ["%s %02d page" % ("Ünïcödé" * 12, i) for i in range(50)]
    titles[7] = "Missing " + "ß" * 100  # the fake wiki's missing pages start with "Missing"
    svc = start(service, redis_server, wiki)
    st, records, errors, stats = crawl(svc, wiki, titles)
    assert stats["query_requests"] == 1 and stats["query_posts"] == 1
    assert len(stats["last_query_params"]["titles"].split("|")) == 50
    assert st["missing"] == 1 and stats["parse_requests"] == 49
    ref_st, ref_records, ref_errors = reference(service, redis_server, wiki, titles, old=svc)
    same_outcomes(st, ref_st)
    assert records == ref_records and errors == ref_errors


def test_a_page_the_parse_did_not_find_is_not_cached(service, redis_server, fakewiki):
    """The query finds the page, its parse (a lagging replica) says missing: that outcome is
    recorded but not cached, or it would be served until the page changes."""
    wiki = fakewiki("--synthetic")
    wiki.control(parse_missing=["Lagging page"])
    svc = start(service, redis_server, wiki)
    st, _, errors, _ = crawl(svc, wiki, ["Lagging page", "Steady page"])
    assert st["missing"] == 1 and '"missing"' in errors["Lagging page"]
    assert redis_server.cli("GET", "wikicrawl:{cache}:p:Lagging page") == ""
    assert redis_server.cli("GET", "wikicrawl:{cache}:p:Steady page") != ""
    wiki.control(parse_missing=[])
    st, records, _, stats = crawl(svc, wiki, ["Lagging page", "Steady page"])
    assert st["pages"] == 2 and st["cache_hits"] == 1
    assert parsed(stats) == {"Lagging page": 1} and "Lagging page" in records


SPELLINGS = ["Plain page", "plain page", "Plain_page", "plain_page", "_Plain page",
             "Plain page_", "Plain  page", " Plain page ", "Redirect to Plain page",
             "redirect_to_Plain_page", "Missing spelt", "missing_spelt", " Missing spelt",
             "Invalid spelt", "invalid_spelt"]


def test_spellings_of_one_page_stay_separate_records(service, redis_server, fakewiki):
    """Underscores, first-letter case, blanks: MediaWiki's `normalized` and `redirects` map them
    to one page; each submitted spelling keeps its own record (page_title as submitted), as with
    parse; surrounding white space is trimmed at upload, as before (a duplicate)."""
    wiki = fakewiki("--synthetic")
    svc = start(service, redis_server, wiki)
    # a first job puts "Plain page" in the cache: its spellings must not get its page_title
    crawl(svc, wiki, ["Plain page", "Missing spelt"])
    st, records, errors, stats = crawl(svc, wiki, SPELLINGS)
    held = distinct(SPELLINGS)
    assert st["titles"] == accounted(st) == len(held)
    assert stats["query_requests"] == 1
    q = stats["last_query_params"]["titles"].split("|")
    assert sorted(q) == sorted(held)
    ref_st, ref_records, ref_errors = reference(service, redis_server, wiki, SPELLINGS, old=svc)
    same_outcomes(st, ref_st)
    assert records == ref_records and errors == ref_errors
    assert {json.loads(line)["page_title"] for line in records.values()} == \
        {t for t in held if "issing" not in t and "nvalid" not in t}
    for t in ("Redirect to Plain page", "redirect_to_Plain_page"):
        assert json.loads(records[t])["redirects_page"] == "Plain page"


def test_recrawl_after_edits_parses_exactly_the_edited_pages(service, redis_server, fakewiki):
    wiki = fakewiki("--synthetic")
    pages = ["Recrawl page %02d" % i for i in range(30)]
    titles = pages + ["Missing r1", "Missing r2", "Invalid r3", "Disambig r4",
                      "Redirect to Recrawl page 07", "Redirect to Recrawl page 08"]
    svc = start(service, redis_server, wiki)
    st1, rec1, err1, s1 = crawl(svc, wiki, titles)
    existing = [t for t in titles if not t.startswith(("Missing", "Invalid"))]
    assert s1["parse_requests"] == st1["requests_parse"] == len(existing)
    assert st1["cache_hits"] == 0

    # 07 is also the target of a redirect: both titles show that page
    out = wiki.control(edit=["Recrawl page 03", "Recrawl page 07", "Disambig r4"])
    assert set(out["edited"]) == {"Recrawl page 03", "Recrawl page 07", "Disambig r4"}
    st2, rec2, err2, s2 = crawl(svc, wiki, titles)
    reparsed = {"Recrawl page 03", "Recrawl page 07", "Redirect to Recrawl page 07",
                "Disambig r4"}
    assert parsed(s2) == dict.fromkeys(reparsed, 1)
    assert s2["query_requests"] == st2["requests_query"] == 1
    assert s2["parse_requests"] == st2["requests_parse"] == len(reparsed)
    assert st2["cache_hits"] == len(existing) - len(reparsed)
    # fakewiki's parse answers do not change with an edit: every line is the first job's
    assert rec2 == rec1 and err2 == err1

    # a third job without a change: everything that exists from the cache
    st3, rec3, err3, s3 = crawl(svc, wiki, titles)
    assert s3["parse_requests"] == st3["requests_parse"] == 0
    assert st3["cache_hits"] == len(existing) and rec3 == rec1 and err3 == err1

    # "cache": false parses every page, but still asks the query about the others
    st4, rec4, err4, s4 = crawl(svc, wiki, titles, params={"cache": "false"})
    assert parsed(s4) == dict.fromkeys(existing, 1)
    assert s4["query_requests"] == st4["requests_query"] == 1
    assert st4["cache_hits"] == 0 and rec4 == rec1 and err4 == err1


def test_a_cached_page_answers_its_redirects_and_spellings_as_parse_would(service, redis_server,
                                                                          fakewiki):
    """The cache is per page revision, the record per submitted title: a redirect or another
    spelling of a cached page gets page_title as submitted and its own redirects_page."""
    wiki = fakewiki("--synthetic")
    svc = start(service, redis_server, wiki)
    crawl(svc, wiki, ["Cached target", "Redirect to Other target"])
    titles = ["Cached target", "Redirect to Cached target", "cached_target", "Other target",
              "Redirect to Other target"]
    st, records, errors, stats = crawl(svc, wiki, titles)
    ref_st, ref_records, ref_errors = reference(service, redis_server, wiki, titles, old=svc)
    same_outcomes(st, ref_st)
    assert records == ref_records and errors == ref_errors
    # the two titles already crawled came from the cache
    assert st["cache_hits"] >= 2
    assert "Cached target" not in parsed(stats) and "Redirect to Other target" not in \
        parsed(stats)


def test_resolve_batch_zero_parses_every_title_and_reads_no_cache(service, redis_server, fakewiki):
    wiki = fakewiki("--synthetic")
    svc = start(service, redis_server, wiki, "--resolve-batch", "0")
    titles = ["Zero one", "Zero two", "Missing zero"]
    st1, rec1, err1, s1 = crawl(svc, wiki, titles)
    st2, rec2, err2, s2 = crawl(svc, wiki, titles)
    assert s2["query_requests"] == 0 and parsed(s2) == dict.fromkeys(titles, 1)
    assert st2["cache_hits"] == 0 and rec2 == rec1 and err2 == err1
    # a tree with resolution: the missing title costs no parse; whatever it takes from what
    # the parse-only tree wrote (an entry it can verify by revision) is the same record
    svc.stop()
    svc = start(service, redis_server, wiki)
    st3, rec3, err3, s3 = crawl(svc, wiki, titles)
    assert s3["query_requests"] == 1 and set(parsed(s3)) <= {"Zero one", "Zero two"}
    assert st3["cache_hits"] == 2 - len(parsed(s3)) and rec3 == rec1 and err3 == err1


def test_metrics_count_parse_and_query_requests_and_cache_hits(service, redis_server, fakewiki):
    wiki = fakewiki("--synthetic")
    svc = start(service, redis_server, wiki)
    titles = ["Metric page %d" % i for i in range(60)] + ["Missing metric", "Invalid metric"]
    jobs = []
    for _ in range(2):  # the second one from the cache
        jobs.append(svc.wait_done(svc.submit(titles).json()["id"]))
    wiki.control(fault_action="query", fail_first_n=1)  # one retry per batch, counted too
    jobs.append(svc.wait_done(svc.submit(titles + ["Metric extra"]).json()["id"]))
    stats = wiki.stats()
    assert sum(j["requests_parse"] for j in jobs) == stats["parse_requests"]
    assert sum(j["requests_query"] for j in jobs) == stats["query_requests"]
    assert jobs[2]["requests_query"] == 2 * 2  # 63 titles: two chunks, each retried once
    assert [j["cache_hits"] for j in jobs] == [0, 60, 60]
    want = {"wikicrawl_requests_parse_total": stats["parse_requests"],
            "wikicrawl_requests_query_total": stats["query_requests"],
            "wikicrawl_requests_total": stats["requests"],
            "wikicrawl_cache_hits_total": 120}

    def metrics_match():
        got = samples(metrics(svc))
        return all(got.get(k) == v for k, v in want.items())

    try:
        wait_for(metrics_match, 30, "the /metrics counters")
    except AssertionError:
        got = samples(metrics(svc))
        raise AssertionError({k: (got.get(k), v) for k, v in want.items()}) from None


def cpu_seconds(pids):
    """User + system CPU time of these processes so far."""
    total = 0
    for pid in pids:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
    return total / os.sysconf("SC_CLK_TCK")


def test_a_worker_waiting_for_query_answers_sleeps(service, redis_server, fakewiki):
    """While the batches it may have in flight are all out (queue empty, fresh titles waiting
    for room), the crawler has nothing to start: it waits for the answers instead of polling in
    a loop (a wiki that is slow to answer, or a batch waiting out a 429, is when this lasts)."""
    wiki = fakewiki("--synthetic")
    # every query answer takes 8 s, far more than the window below even when the third query
    # reaches the wiki late on a busy machine; parse answers are quick
    wiki.control(fault_action="query", rate_hang=1, hang_ms=8000)
    # batches of 5 with 8 slots: 3 batches in flight leave 25 titles waiting and 5 slots free
    svc = start(service, redis_server, wiki, "--resolve-batch", "5", "--workers", "1",
                "--timeout-ms", "20000")
    wait_for(lambda: len(svc.children("wc-worker")) == 1, 60, "the worker")
    workers = svc.children("wc-worker")
    job = svc.submit(numbered_titles("Sleepy page", 40)).json()["id"]
    wait_for(lambda: wiki.stats()["in_flight"] >= 3, 30, "three query requests in flight")
    before, t0 = cpu_seconds(workers), time.monotonic()
    time.sleep(2.5)
    used, wall = cpu_seconds(workers) - before, time.monotonic() - t0
    assert wiki.stats()["parse_requests"] == 0, "the queries were answered before the window"
    assert used < 0.25 * wall, "the worker used %.2f s of CPU in %.2f s of waiting" % (used, wall)
    wiki.control(rate_hang=0)  # the batches still to come are answered at once
    check_exactly_once(svc, job, 40)
