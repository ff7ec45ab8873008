"""`wikicrawl fetch` end to end: the real binary against the fake MediaWiki, no Redis. Covers parity
of the records with the lxml reference, retries under every fault kind, a dead wiki, the
concurrency cap, the query and headers sent, and Retry-After."""
import json
import os
import subprocess
import tempfile
import time


from conftest import BIN, expected_records

UA = "wikicrawl-e2e/1.0 (fetch tests; e2e@example.org)"
# Fast retries so that fault tests take seconds, not minutes.
FAST = ["--retry-base-ms", "5", "--retry-max-ms", "50"]
# revid: the provenance fields a job may ask for (issue 23)
LEAN_PROP = "text|categories|links|externallinks|sections|properties|revid"


def run_fetch(wiki_url, titles, *flags, stdin=False, timeout=120):
    """Run `wikicrawl fetch`; returns (proc, records by title, other outcomes by title)."""
    text = "".join(t + "\n" for t in titles)
    args = [BIN, "fetch", "--wiki", wiki_url, "--user-agent", UA] + list(flags)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".txt", delete=False) as f:
        f.write(text)
        path = f.name
    try:
        proc = subprocess.run(args + ["-" if stdin else path], capture_output=True,
                              input=text.encode() if stdin else None, timeout=timeout)
    finally:
        os.unlink(path)
    err = proc.stderr.decode("utf-8")
    assert "Sanitizer" not in err and "runtime error:" not in err, err[-5000:]
    records, others = {}, {}
    for line in proc.stdout.decode("utf-8").splitlines():
        rec = json.loads(line)
        assert rec["page_title"] not in records, "two records for %r" % rec["page_title"]
        records[rec["page_title"]] = line
    for line in err.splitlines():
        verdict = json.loads(line)
        assert list(verdict) == ["title", "outcome", "detail"], verdict
        assert verdict["title"] not in others and verdict["title"] not in records, verdict
        others[verdict["title"]] = verdict
    return proc, records, others


def one_line_titles(titles):
    """Titles a line-based list can carry unchanged (fetch trims lines and skips blank ones)."""
    return [t for t in titles if t and t == t.strip() and "\n" not in t and "\r" not in t]


def test_corpus_records_match_reference(fakewiki):
    records, outcomes = expected_records()
    titles = one_line_titles(list(outcomes))
    assert len(titles) >= 140
    wiki = fakewiki("--gzip")
    proc, got, others = run_fetch(wiki.url, titles, "--concurrency", "8")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert set(got) | set(others) == set(titles)
    for title in titles:
        if outcomes[title] == "ok":
            assert got.get(title) == records[title], title
        else:
            assert others[title]["outcome"] == outcomes[title], others[title]
            assert others[title]["detail"], others[title]
    st = wiki.stats()
    # every line goes to the wiki, once: what is a valid title is the wiki's to say
    assert st["requests"] == len(titles)
    assert all(n == 1 for n in st["requests_per_title"].values())
    # keep-alive: the connections are reused, never more than the transfer slots (+1: /_stats)
    assert st["connections"] <= 8 + 1
    # the body really came gzip-compressed (smaller than the corpus' plain answers)
    assert st["bytes_sent"] < 600_000


def test_fault_mix_gives_one_outcome_per_title_within_max_attempts(fakewiki):
    wiki = fakewiki("--synthetic")
    wiki.control(rate_429=0.1, rate_503=0.15, rate_maxlag=0.1, rate_broken_json=0.1,
                 rate_reset=0.05, rate_hang=0.03, hang_ms=5000, retry_after=0, seed=7)
    titles = ["Page %d" % i for i in range(300)] + ["Missing %d" % i for i in range(10)] + \
        ["Disambig %d" % i for i in range(5)] + ["Invalid %d" % i for i in range(5)]
    proc, got, others = run_fetch(wiki.url, titles, "--concurrency", "16", "--max-attempts", "4",
                                  "--timeout-ms", "1000", *FAST)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert sorted(set(got) | set(others)) == sorted(titles)
    assert len(got) + len(others) == len(titles)
    st = wiki.stats()
    per_title = st["requests_per_title"]
    assert max(per_title.values()) <= 4
    assert sum(per_title.values()) == st["requests"]
    for kind in ("429", "503", "maxlag", "broken_json", "reset", "hang"):
        assert st["faults"].get(kind, 0) > 0, (kind, st["faults"])
    assert sum(st["faults"].values()) > 100  # the retries did real work
    failed = [v for v in others.values() if v["outcome"] == "failed"]
    for v in failed:
        assert per_title[v["title"]] == 4, v  # failed only after every attempt
        assert v["detail"].split(":")[0] in ("http_429", "http_503", "maxlag", "truncated",
                                             "curl_28", "curl_52", "curl_55", "curl_56",
                                             "connection_lost"), v
    assert len(got) >= 290 - len(failed)
    for i in range(10):
        assert others["Missing %d" % i]["outcome"] == "missing"
    for i in range(5):
        assert others["Disambig %d" % i]["outcome"] == "disambiguation"
        assert others["Invalid %d" % i]["outcome"] == "invalid"


def test_dead_wiki_fails_every_title_and_keeps_the_reason(fakewiki):
    titles = ["Alpha", "Beta", "Gamma", "Delta"]
    wiki = fakewiki("--synthetic")
    wiki.stop()  # nobody listens on the port any more
    proc, got, others = run_fetch(wiki.url, titles, "--max-attempts", "3", *FAST)
    assert proc.returncode == 0, proc.stderr
    assert got == {} and sorted(others) == sorted(titles)
    for v in others.values():
        assert v["outcome"] == "failed"
        assert v["detail"].startswith("curl_7: "), v

    wiki = fakewiki("--synthetic", "--down")
    proc, got, others = run_fetch(wiki.url, titles, "--max-attempts", "3", *FAST)
    assert proc.returncode == 0, proc.stderr
    assert got == {} and sorted(others) == sorted(titles)
    for v in others.values():
        assert v["outcome"] == "failed" and v["detail"].startswith("http_503: "), v
    assert wiki.stats()["requests_per_title"] == {t: 3 for t in titles}


def test_concurrency_cap_is_respected(fakewiki):
    wiki = fakewiki("--synthetic", "--latency-ms", "40")
    titles = ["Page %d" % i for i in range(120)]
    for concurrency in (4, 24):
        wiki.reset_stats()
        proc, got, _ = run_fetch(wiki.url, titles, "--concurrency", str(concurrency))
        assert proc.returncode == 0 and len(got) == len(titles)
        st = wiki.stats()
        assert st["max_concurrent"] <= concurrency, (concurrency, st["max_concurrent"])
        assert st["max_concurrent"] >= concurrency // 2, (concurrency, st["max_concurrent"])
        assert st["connections"] <= concurrency + 1  # +1: the /_stats request


def test_query_maxlag_and_user_agent_are_sent(fakewiki):
    wiki = fakewiki("--synthetic")
    titles = ["AT&T", "C++", "100% Pure", "Semicolon; a history", "Why? (film)", "東京タワー",
              "A/B", "Plus+sign", "Equals=sign"]
    proc, got, _ = run_fetch(wiki.url, titles, "--maxlag", "3")
    assert proc.returncode == 0 and set(got) == set(titles), proc.stderr
    st = wiki.stats()
    assert st["user_agents"] == [UA]
    assert sorted(st["last_params"]) == sorted(titles)  # every title arrived intact
    for title in titles:
        params = st["last_params"][title]
        assert params["page"] == title
        assert params["maxlag"] == "3"
        assert (params["action"], params["format"], params["formatversion"]) == \
            ("parse", "json", "2")
        assert params["prop"] == LEAN_PROP and params["redirects"] == "1"
        for flag in ("disablelimitreport", "disableeditsection", "disabletoc"):
            assert params[flag] == "1"

    wiki = fakewiki("--synthetic")
    proc, got, _ = run_fetch(wiki.url, ["Alpha"], "--maxlag", "-1")
    assert proc.returncode == 0 and list(got) == ["Alpha"]
    assert "maxlag" not in wiki.stats()["last_params"]["Alpha"]


def test_retry_after_is_honoured(fakewiki):
    wiki = fakewiki("--synthetic")
    titles = ["Alpha", "Beta", "Gamma"]
    # Without Retry-After (503) the tiny backoff finishes at once...
    wiki.control(rate_503=1.0)
    start = time.monotonic()
    proc, _, others = run_fetch(wiki.url, titles, "--max-attempts", "3", *FAST)
    fast = time.monotonic() - start
    assert proc.returncode == 0 and len(others) == 3
    # ...with "Retry-After: 1" (429 and maxlag) every retry waits at least a second.
    for fault, code in (("rate_429", "http_429: "), ("rate_maxlag", "maxlag: ")):
        wiki.control(**{fault: 1.0, "retry_after": 1})
        wiki.reset_stats()
        start = time.monotonic()
        proc, _, others = run_fetch(wiki.url, titles, "--max-attempts", "3", *FAST)
        took = time.monotonic() - start
        assert proc.returncode == 0
        assert all(v["outcome"] == "failed" and v["detail"].startswith(code)
                   for v in others.values()), others
        assert wiki.stats()["requests_per_title"] == {t: 3 for t in titles}
        assert 2.0 <= took < 2.0 + fast + 3.0, (fault, took, fast)


def test_input_forms_and_usage(fakewiki):
    wiki = fakewiki("--synthetic")
    # stdin, a byte order mark, CRLF, blank lines and surrounding blanks
    raw = "\ufeffOne\r\n\r\n  Two  \r\nThree"
    proc = subprocess.run([BIN, "fetch", "--wiki", wiki.url, "--user-agent", UA, "-"],
                          input=raw.encode(), capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    titles = sorted(json.loads(line)["page_title"] for line in proc.stdout.splitlines())
    assert titles == ["One", "Three", "Two"]
    # an empty list is not an error
    proc, got, others = run_fetch(wiki.url, [], stdin=True)
    assert proc.returncode == 0 and got == {} and others == {}

    proc = subprocess.run([BIN, "fetch", "--help"], capture_output=True, timeout=30)
    assert proc.returncode == 0 and b"--concurrency" in proc.stdout
    for bad in (["--concurrency", "0"], ["--max-attempts", "x"], ["--nope"], ["a", "b"],
                ["/nonexistent/titles.txt"]):
        proc = subprocess.run([BIN, "fetch", "--wiki", wiki.url] + bad, capture_output=True,
                              timeout=30)
        assert proc.returncode == 1, (bad, proc.stderr)
        assert proc.stdout == b""
