"""The service end to end: real binary, real redis-server, fake MediaWiki, real HTTP."""
import json
import os
import signal
import time

import requests

from conftest import accounted, expected_records, refused_at_upload, serve, wait_for

SCHEMA_KEYS = ["page_id", "page_title", "page_text", "category", "links", "external_links",
               "sections", "redirects_page"]




def test_json_array_job_outcomes_results_and_errors(service, redis_server, fakewiki):
    wiki = fakewiki("--synthetic")
    svc = serve(service, redis_server, wiki)
    r = svc.submit(["Alpha", "Beta", "Alpha", "Missing one", "Disambig two", "Bad[title", " Gamma "])
    assert r.status_code == 202, r.text
    body = r.json()
    job = body["id"]
    assert body == {"id": job, "status": "queued", "titles": 6, "chunks": 1, "duplicates": 1,
                    "invalid": 1}
    assert r.headers["Location"] == "/v1/jobs/" + job
    st = svc.wait_done(job)
    assert st["status"] == "done"
    assert (st["pages"], st["missing"], st["disambiguation"], st["invalid"], st["failed"]) == \
        (3, 1, 1, 1, 0)
    assert st["titles"] == accounted(st) == 6
    assert st["created"] and st["started"] and st["finished"]

    resp, records = svc.lines(job)
    assert resp.headers["Content-Type"].startswith("application/x-ndjson")
    assert sorted(rec["page_title"] for rec in records) == ["Alpha", "Beta", "Gamma"]
    for line in resp.text.splitlines():
        assert list(json.loads(line).keys()) == SCHEMA_KEYS
    _, errors = svc.lines(job, "errors")
    by_title = {e["title"]: e for e in errors}
    assert by_title["Missing one"]["outcome"] == "missing"
    assert by_title["Disambig two"]["outcome"] == "disambiguation"
    assert by_title["Bad[title"]["outcome"] == "invalid"
    assert "index 5" in by_title["Bad[title"]["detail"]
    assert len(errors) == 3


def test_every_input_format(service, redis_server, fakewiki):
    wiki = fakewiki("--synthetic")
    svc = serve(service, redis_server, wiki)
    cases = [
        ({"chunk_size": 1, "titles": ["One", "Two", "Three"]}, "application/json", None, 3, 3),
        ("\ufeffOne\r\nTwo\r\n\r\n  Three  \r\n", "text/plain; charset=utf-8", None, 3, 1),
        ("1; One\n2; Two; with semicolon\n3; Three\n", "text/plain", {"format": "idtitle"}, 3, 1),
        # chunk_size after the titles: the chunks already cut are cut again
        ('{"titles": ["p", "q", "r", "s", "t"], "chunk_size": 2}', "application/json", None, 5, 3),
        ("a\nb\nc\nd\ne\n", "text/plain", {"chunk_size": "2"}, 5, 3),
    ]
    for body, ctype, params, titles, chunks in cases:
        r = svc.submit(body if isinstance(body, str) else json.dumps(body), ctype, params)
        assert r.status_code == 202, r.text
        assert (r.json()["titles"], r.json()["chunks"]) == (titles, chunks), (body, r.json())
        st = svc.wait_done(r.json()["id"])
        assert st["pages"] == titles
    _, recs = svc.lines(r.json()["id"])
    assert sorted(x["page_title"] for x in recs) == ["a", "b", "c", "d", "e"]
    # idtitle: the title is what follows the first "; "
    r = svc.submit("7; Two; with semicolon\n", "text/plain", {"format": "idtitle"})
    svc.wait_done(r.json()["id"])
    _, recs = svc.lines(r.json()["id"])
    assert [x["page_title"] for x in recs] == ["Two; with semicolon"]


def test_paging_with_cursor_and_long_poll(service, redis_server, fakewiki):
    wiki = fakewiki("--synthetic", "--latency-ms", "30")
    svc = serve(service, redis_server, wiki)
    titles = ["Page %03d" % i for i in range(120)]
    job = svc.submit({"chunk_size": 10, "titles": titles}).json()["id"]
    t0 = time.time()
    st = svc.status(job, wait=1)
    assert time.time() - t0 < 5
    st = svc.wait_done(job)
    assert st["pages"] == 120 and st["chunks_done"] == st["chunks"] == 12
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 25}
        if cursor is not None:
            params["cursor"] = cursor
        resp, recs = svc.lines(job, **params)
        seen += [r["page_title"] for r in recs]
        pages += 1
        cursor = resp.headers.get("Next-Cursor")
        if cursor is None:
            assert "Link" not in resp.headers
            break
        assert resp.headers["Link"] == '</v1/jobs/%s/results?cursor=%s&limit=25>; rel="next"' % (
            job, cursor)
    assert pages == 5
    assert sorted(seen) == titles and len(set(seen)) == 120
    _, everything = svc.lines(job)
    assert [r["page_title"] for r in everything] == seen


def test_cancel_stops_work_and_keeps_results(service, redis_server, fakewiki):
    wiki = fakewiki("--synthetic", "--latency-ms", "200")
    svc = serve(service, redis_server, wiki, "--concurrency", "2")
    job = svc.submit({"chunk_size": 5, "titles": ["T%d" % i for i in range(200)]}).json()["id"]
    wait_for(lambda: svc.status(job)["pages"] > 0, 30, "first results")
    r = requests.delete(svc.url("/v1/jobs/" + job), timeout=30)
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    time.sleep(1.5)
    st1 = svc.status(job)
    time.sleep(1.0)
    st2 = svc.status(job)
    assert st2["status"] == "cancelled"
    assert st1["pages"] == st2["pages"] < 200
    assert st2["chunks_done"] < st2["chunks"]
    _, recs = svc.lines(job)
    assert len(recs) == st2["pages"]
    # the queue holds nothing of it any more, at once (DELETE drops its list and its turn)
    assert redis_server.cli("EXISTS", "wikicrawl:{queue}:jobq:" + job) == "0"
    turn = redis_server.cli("LRANGE", "wikicrawl:{queue}:turns:normal:", "0", "-1").split()
    assert job not in turn
    assert redis_server.cli("HEXISTS", "wikicrawl:{queue}:jobmeta", job) == "0"


def test_errors_are_json_with_the_right_status(service, redis_server, fakewiki):
    wiki = fakewiki("--synthetic")
    svc = serve(service, redis_server, wiki, "--max-titles", "3")
    u = svc.url

    def check(resp, status, code):
        assert resp.status_code == status, (resp.status_code, resp.text)
        err = resp.json()["error"]
        assert err["code"] == code and err["message"]

    check(requests.get(u("/v1/jobs/" + "0" * 32)), 404, "not_found")
    check(requests.get(u("/v1/jobs/../../etc/passwd")), 404, "not_found")
    check(requests.get(u("/v1/jobs/" + "0" * 32 + "/results")), 404, "not_found")
    check(requests.get(u("/nope")), 404, "not_found")
    check(requests.put(u("/v1/jobs/" + "0" * 32)), 405, "method_not_allowed")
    check(requests.delete(u("/v1/jobs")), 405, "method_not_allowed")
    check(requests.post(u("/v1/jobs"), data="x"), 415, "unsupported_media_type")
    check(svc.submit("<titles/>", "application/xml"), 415, "unsupported_media_type")
    bad = svc.submit('["a", "b"', "application/json")
    check(bad, 400, "malformed_body")
    assert "end of input" in bad.json()["error"]["message"]
    check(svc.submit('["a",, "b"]'), 400, "malformed_body")
    check(svc.submit(["a", "b", "c", "d"]), 413, "too_many_titles")
    check(svc.submit('{"titles": ["a"], "chunk_size": 5000}'), 422, "invalid_option")
    check(svc.submit('{"chunk_size": 0, "titles": ["a"]}'), 422, "invalid_option")
    check(svc.submit("\n\n", "text/plain"), 422, "invalid_option")
    check(svc.submit(["a"], params={"chunk_size": "0"}), 400, "bad_parameter")
    good = svc.submit(["a"]).json()["id"]
    check(requests.get(u("/v1/jobs/" + good), params={"wait": "61"}), 400, "bad_parameter")
    check(requests.get(u("/v1/jobs/%s/results" % good), params={"limit": "0"}), 400,
          "bad_parameter")
    check(requests.get(u("/v1/jobs/%s/results" % good), params={"cursor": "-1"}), 400,
          "bad_parameter")
    # rejected uploads leave no job behind: only the good one exists
    keys = redis_server.cli("--scan", "--pattern", "wikicrawl:{*}:job").split()
    assert keys == ["wikicrawl:{%s}:job" % good]


def test_idempotency_key_returns_the_same_job(service, redis_server, fakewiki):
    wiki = fakewiki("--synthetic")
    svc = serve(service, redis_server, wiki)
    h = {"Idempotency-Key": "batch-2026-11-25"}
    first = svc.submit(["X", "Y"], headers=h)
    second = svc.submit(["X", "Y"], headers=h)
    assert first.status_code == 202 and second.status_code == 200
    assert first.json()["id"] == second.json()["id"]
    assert second.headers["Location"] == "/v1/jobs/" + first.json()["id"]


def test_health_readiness_metrics_openapi(service, redis_server, fakewiki):
    wiki = fakewiki("--synthetic")
    svc = serve(service, redis_server, wiki)
    assert requests.get(svc.url("/healthz")).json() == {"status": "ok"}
    ready = requests.get(svc.url("/readyz")).json()
    assert ready["workers"] == 2
    job = svc.submit(["M1", "M2"]).json()["id"]
    svc.wait_done(job)
    m = requests.get(svc.url("/metrics")).text
    assert "wikicrawl_queue_chunks 0" in m
    assert "wikicrawl_workers_alive 2" in m
    assert "wikicrawl_pages_ok_total 2" in m
    assert 'wikicrawl_fetch_seconds_bucket{le="+Inf"} 2' in m
    spec = requests.get(svc.url("/openapi.yaml"))
    assert spec.status_code == 200 and spec.text.startswith("openapi: 3.1")


def test_sigkill_of_a_worker_mid_chunk_loses_and_doubles_nothing(service, redis_server,
                                                                 fakewiki):
    wiki = fakewiki("--synthetic", "--latency-ms", "150")
    svc = serve(service, redis_server, wiki, "--concurrency", "2")
    workers_before = svc.children("wc-worker")
    assert len(workers_before) == 2
    titles = ["K%03d" % i for i in range(80)]
    job = svc.submit({"chunk_size": 20, "titles": titles}).json()["id"]
    wait_for(lambda: svc.status(job)["pages"] >= 4, 30, "work in progress")
    victim = workers_before[0]
    os.kill(victim, signal.SIGKILL)
    st = svc.wait_done(job)
    assert st["titles"] == 80 == accounted(st) == st["pages"]
    _, recs = svc.lines(job)
    got = [r["page_title"] for r in recs]
    assert sorted(got) == titles, "lost or doubled: %s" % sorted(set(titles) ^ set(got))
    wait_for(lambda: len(svc.children("wc-worker")) == 2, 10, "worker replaced")
    after = svc.children("wc-worker")
    assert victim not in after
    assert "child_died" in svc.log()


def test_sigterm_stops_the_tree_cleanly(service, redis_server, fakewiki):
    wiki = fakewiki("--synthetic")
    svc = serve(service, redis_server, wiki)
    assert svc.stop() == 0
    assert svc.children("wc-worker") == [] and svc.children("wc-api") == []


def test_corpus_records_through_the_service(service, redis_server, fakewiki):
    """Every corpus title through serve: records byte for byte as the lxml reference."""
    expected, outcomes = expected_records()
    wiki = fakewiki()
    svc = serve(service, redis_server, wiki)
    titles = list(outcomes)
    r = svc.submit({"titles": titles})
    assert r.status_code == 202, r.text
    job = r.json()["id"]
    st = svc.wait_done(job)
    resp, _ = svc.lines(job)
    got = {json.loads(line)["page_title"]: line for line in resp.text.splitlines()}
    # entries are trimmed before deduplication: " Zürich " is "Zürich", "" and " " are one entry
    submitted = set(t.strip(" \t") for t in titles)
    assert st["titles"] == accounted(st) == len(submitted)
    # a title the reference crawled untrimmed, or one the service refuses, has no record here
    want = {t: line for t, line in expected.items() if t == t.strip(" \t")
            and not refused_at_upload(t)}
    assert set(got) == set(want)
    for title, line in want.items():
        assert got[title] == line, title
    _, errors = svc.lines(job, "errors")
    for e in errors:
        if refused_at_upload(e["title"]):
            assert e["outcome"] == "invalid" and ":" in e["detail"], e
        else:
            assert e["outcome"] == outcomes[e["title"]], e
    assert len(errors) + len(got) == len(submitted)
    assert len(set(e["title"] for e in errors)) == len(errors)


def parse_log_line(line):
    """ts=... level=... role=... pid=... event=... k=v k="quoted value" -> dict."""
    import shlex
    return dict(field.split("=", 1) for field in shlex.split(line))


def test_logs_are_one_key_value_line_per_event_with_job_and_pid(service, redis_server, fakewiki):
    wiki = fakewiki("--synthetic")
    svc = serve(service, redis_server, wiki, "--log-level", "debug")
    job = svc.submit(["Logged one", "Logged two"]).json()["id"]
    svc.wait_done(job)
    svc.stop()
    events = [parse_log_line(line) for line in svc.log().splitlines() if line.startswith("ts=")]
    assert events and all({"ts", "level", "role", "pid", "event"} <= set(e) for e in events)
    chunk = [e for e in events if e["event"] == "chunk_done"]
    assert chunk and chunk[0]["job"] == job and chunk[0]["role"] == "wc-worker"
    assert int(chunk[0]["pid"]) > 0

    quiet = serve(service, redis_server, wiki, "--log-level", "warn")
    quiet.wait_done(quiet.submit(["Quiet"]).json()["id"])
    quiet.stop()
    levels = {parse_log_line(line)["level"] for line in quiet.log().splitlines()
              if line.startswith("ts=")}
    assert levels <= {"warn", "error"}


def test_a_second_server_on_the_same_address_refuses_to_start(service, redis_server):
    import subprocess
    from conftest import BIN
    first = service("api", ["--redis", redis_server.socket])
    second = subprocess.run([BIN, "api", "--redis", redis_server.socket, "--listen",
                             "127.0.0.1:%d" % first.port], capture_output=True, text=True,
                            timeout=30)
    assert second.returncode != 0
    assert "listen_failed" in second.stderr + second.stdout


def test_metrics_count_jobs_once(service, redis_server, fakewiki):
    wiki = fakewiki("--synthetic")
    svc = serve(service, redis_server, wiki)
    for titles in (["Counted a", "Counted b"], ["Counted c"]):
        svc.wait_done(svc.submit(titles).json()["id"])
    text = requests.get(svc.url("/metrics"), timeout=10).text
    assert "wikicrawl_jobs_submitted_total 2\n" in text
    assert "wikicrawl_jobs_done_total 2\n" in text
