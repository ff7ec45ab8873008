"""Exports (issue 22): a job's results written to the dir sink as parts of stored gzip members,
with a manifest and _SUCCESS, exactly once through a kill -9 of the exporter."""
import glob
import gzip
import hashlib
import json
import os
import shutil
import signal
import subprocess
import tempfile

import pytest
import requests

from conftest import (ROOT, accounted, check_exactly_once, expected_records,
                      numbered_titles as titles, serve, wait_for)


@pytest.fixture
def export_dir():
    d = tempfile.mkdtemp(prefix="wc-export-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


def export_done(svc, job, timeout=120):
    """The job's status once its export is over (done or failed)."""
    holder = {}

    def over():
        holder["st"] = svc.status(job)
        return holder["st"]["export"]["state"] in ("done", "failed")
    wait_for(over, timeout, "the export of " + job, svc.proc)
    return holder["st"]


def inflated(paths):
    out = b""
    for p in paths:
        with open(p, "rb") as f:
            out += gzip.decompress(f.read())
    return out


def check_manifest(svc, job, fetch, per_part):
    """The objects fetch(name) -> bytes (None when absent) of the job's folder hold its results
    and errors byte for byte, the manifest adds up to the status, and _SUCCESS is there."""
    st = export_done(svc, job)
    exp = st["export"]
    assert exp["state"] == "done", exp
    assert exp["error"] is None
    assert fetch("_SUCCESS") == b""
    manifest = json.loads(fetch("_manifest.json"))
    assert manifest["job"] == job
    # the 8, then the provenance the job asked for (issue 23)
    assert manifest["fields"] == ["page_id", "page_title", "page_text", "category", "links",
                                  "external_links", "sections", "redirects_page"] + st["fields"]
    objects = {}
    for entry in manifest["parts"] + manifest["errors"]:
        data = objects[entry["name"]] = fetch(entry["name"])
        assert entry["bytes"] == len(data)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["records"] == len(gzip.decompress(data).splitlines())
        assert entry["records"] <= per_part
    results = requests.get(svc.url("/v1/jobs/%s/results" % job), params={"limit": 10000},
                           timeout=60).content
    error_lines = requests.get(svc.url("/v1/jobs/%s/errors" % job), params={"limit": 10000},
                               timeout=60).content
    assert b"".join(gzip.decompress(objects[p["name"]]) for p in manifest["parts"]) == results
    assert b"".join(gzip.decompress(objects[p["name"]]) for p in manifest["errors"]) == error_lines
    assert [p["name"] for p in manifest["parts"]] == ["part-%06d.ndjson.gz" % i
                                                      for i in range(len(manifest["parts"]))]
    # the next part's name is not there: nothing beyond the manifest was written
    assert fetch("part-%06d.ndjson.gz" % len(manifest["parts"])) is None
    assert manifest["records"] == st["pages"] == exp["records"]
    assert manifest["error_records"] == (st["disambiguation"] + st["missing"] + st["invalid"] +
                                         st["failed"])
    assert exp["parts"] == len(manifest["parts"])
    return st, manifest


def check_export(svc, job, folder, per_part):
    """check_manifest() for a folder of the dir sink, where every file is listed too."""
    def fetch(name):
        path = os.path.join(folder, name)
        if not os.path.exists(path):
            return None
        with open(path, "rb") as f:
            return f.read()
    st, manifest = check_manifest(svc, job, fetch, per_part)
    assert st["export"]["to"] == "dir"
    assert os.path.realpath(st["export"]["location"]) == os.path.realpath(folder)
    assert not glob.glob(os.path.join(folder, ".*")), "a temporary file was left"
    listed = sorted(os.listdir(folder))
    assert listed == sorted([p["name"] for p in manifest["parts"] + manifest["errors"]] +
                            ["_SUCCESS", "_manifest.json"])
    return st, manifest


def test_dir_export_equals_the_results(service, redis_server, fakewiki, export_dir):
    wiki = fakewiki("--synthetic", "--latency-ms", "30")
    svc = serve(service, redis_server, wiki, "--export-dir", export_dir,
                "--export-part-records", "7")
    names = titles("Export", 60) + ["Bad|title"]
    r = svc.submit({"titles": names, "chunk_size": 5,
                    "export": {"to": "dir", "prefix": "enwiki/2026-12"}})
    assert r.status_code == 202, r.text
    job = r.json()["id"]
    folder = os.path.join(export_dir, "enwiki", "2026-12", job)
    # _SUCCESS only at the end: never while the job runs
    st = svc.status(job)
    while st["status"] != "done":
        assert not os.path.exists(os.path.join(folder, "_SUCCESS"))
        assert st["export"]["state"] in ("exporting", "stalled")
        st = svc.status(job, wait=1)
    st, manifest = check_export(svc, job, folder, 7)
    assert manifest["records"] == 60 and len(manifest["parts"]) == 9  # 8 full parts and 4 records
    assert manifest["error_records"] == 1


def test_query_string_form_for_text_uploads(service, redis_server, fakewiki, export_dir):
    wiki = fakewiki("--synthetic")
    svc = serve(service, redis_server, wiki, "--export-dir", export_dir)
    r = svc.submit("\n".join(titles("Plain", 12)), content_type="text/plain",
                   params={"export": "dir", "export_prefix": "p"})
    assert r.status_code == 202, r.text
    job = r.json()["id"]
    svc.wait_done(job)
    check_export(svc, job, os.path.join(export_dir, "p", job), 32768)


def test_export_carries_the_fields_and_the_manifest_names_them(service, redis_server, fakewiki,
                                                               export_dir):
    wiki = fakewiki("--synthetic", "--wikibase")
    svc = serve(service, redis_server, wiki, "--export-dir", export_dir)
    r = svc.submit("\n".join(titles("Lineage", 9)), content_type="text/plain",
                   params={"export": "dir", "export_prefix": "p", "fields": "wikidata_id,wiki"})
    assert r.status_code == 202, r.text
    job = r.json()["id"]
    svc.wait_done(job)
    st, manifest = check_export(svc, job, os.path.join(export_dir, "p", job), 32768)
    assert manifest["fields"][8:] == ["wiki", "wikidata_id"]
    part = os.path.join(export_dir, "p", job, manifest["parts"][0]["name"])
    records = [json.loads(line) for line in inflated([part]).splitlines()]
    assert len(records) == 9
    assert all(list(rec)[8:] == ["wiki", "wikidata_id"] and rec["wiki"] == "default" and
               rec["wikidata_id"].startswith("Q") for rec in records)


def test_bad_prefixes_and_unconfigured_sinks_get_422(service, redis_server, fakewiki, export_dir):
    wiki = fakewiki("--synthetic")
    svc = serve(service, redis_server, wiki, "--export-dir", export_dir)
    for prefix in ["", "/abs", "a//b", "a/../b", "..", "a b", "x" * 201, "a/"]:
        r = svc.submit({"titles": ["A"], "export": {"to": "dir", "prefix": prefix}})
        assert r.status_code == 422, (prefix, r.text)
        assert r.json()["error"]["code"] == "invalid_option"
        r = svc.submit("A\n", content_type="text/plain",
                       params={"export": "dir", "export_prefix": prefix})
        assert r.status_code == 422, (prefix, r.text)
    for export in [{"to": "s3", "prefix": "p"}, {"to": "ftp", "prefix": "p"}, "dir",
                   {"to": "dir"}]:
        r = svc.submit({"titles": ["A"], "export": export})
        assert r.status_code == 422, (export, r.text)
    r = svc.submit("A\n", content_type="text/plain", params={"export": "dir"})
    assert r.status_code == 422
    # a job without an export shows none
    r = svc.submit({"titles": ["A"]})
    assert r.status_code == 202 and "export" not in svc.status(r.json()["id"])


def test_dir_sink_not_configured(service, redis_server, fakewiki):
    wiki = fakewiki("--synthetic")
    svc = serve(service, redis_server, wiki)
    r = svc.submit({"titles": ["A"], "export": {"to": "dir", "prefix": "p"}})
    assert r.status_code == 422 and "not configured" in r.json()["error"]["message"]
    assert svc.children("wc-exporter") == []


@pytest.mark.parametrize("victim", ["wc-exporter", "wc-worker", "wc-api"])
def test_kill9_mid_part_exports_every_record_once(service, redis_server, fakewiki, export_dir,
                                                  victim):
    """kill -9 of the exporter (restarted by serve: it resumes from Redis, rewriting a part with
    the same bytes), of every worker (their chunks go back to the queue) or of the front end while
    parts are being written: the finished export still holds every title's record once."""
    wiki = fakewiki("--synthetic", "--latency-ms", "40")
    svc = serve(service, redis_server, wiki, "--export-dir", export_dir,
                "--export-part-records", "7", "--concurrency", "4")
    n = 240
    job = svc.submit({"titles": titles("Kill", n), "chunk_size": 5,
                      "export": {"to": "dir", "prefix": "k"}}).json()["id"]
    wait_for(lambda: svc.status(job)["export"]["parts"] >= 3, 120, "some parts", svc.proc)
    for pid in svc.children(victim):
        os.kill(pid, signal.SIGKILL)
    wait_for(lambda: svc.children(victim), 60, "the restart of " + victim, svc.proc)
    svc.wait_ok("/readyz")
    check_exactly_once(svc, job, n)
    folder = os.path.join(export_dir, "k", job)
    check_export(svc, job, folder, 7)
    seen = [json.loads(line)["page_title"] for line in
            inflated(sorted(glob.glob(os.path.join(folder, "part-*.ndjson.gz")))).splitlines()]
    assert sorted(seen) == sorted(titles("Kill", n))


def test_api_keys_export_to_folders_of_their_own(service, redis_server, fakewiki, export_dir,
                                                 tmp_path):
    wiki = fakewiki("--synthetic")
    keys = tmp_path / "keys"
    keys.write_text("key-one\nkey-two\n")
    svc = serve(service, redis_server, wiki, "--export-dir", export_dir, "--api-keys", str(keys))
    jobs = {}
    for key in ("key-one", "key-two"):
        r = requests.post(svc.url("/v1/jobs"), timeout=60,
                          data=json.dumps({"titles": titles(key, 5),
                                           "export": {"to": "dir", "prefix": "same"}}),
                          headers={"Content-Type": "application/json",
                                   "Authorization": "Bearer " + key})
        assert r.status_code == 202, r.text
        jobs[key] = r.json()["id"]
    for key, job in jobs.items():
        owner = hashlib.sha256(key.encode()).hexdigest()[:16]
        folder = os.path.join(export_dir, owner, "same", job)

        def export_over(job=job, key=key):
            st = requests.get(svc.url("/v1/jobs/" + job), timeout=60,
                              headers={"Authorization": "Bearer " + key}).json()
            return st["status"] == "done" and st["export"]["state"] == "done" and st
        wait_for(export_over, 120, "the export of " + job, svc.proc)
        st = export_over()
        assert os.path.realpath(st["export"]["location"]) == os.path.realpath(folder)
        assert os.path.exists(os.path.join(folder, "_SUCCESS"))
        assert len(inflated(glob.glob(os.path.join(folder, "part-*"))).splitlines()) == 5


def test_failing_sink_stalls_then_catches_up(service, redis_server, fakewiki, export_dir):
    wiki = fakewiki("--synthetic")
    svc = serve(service, redis_server, wiki, "--export-dir", export_dir,
                "--export-part-records", "4")
    # the prefix's first folder is a file: every object's mkdir fails until it is removed
    blocker = os.path.join(export_dir, "blocked")
    with open(blocker, "w") as f:
        f.write("in the way")
    job = svc.submit({"titles": titles("Stall", 10),
                      "export": {"to": "dir", "prefix": "blocked/x"}}).json()["id"]
    svc.wait_done(job)
    wait_for(lambda: svc.status(job)["export"]["state"] == "stalled", 60, "a stalled export",
             svc.proc)
    st = svc.status(job)
    assert "Not a directory" in st["export"]["error"], st["export"]
    assert st["export"]["parts"] == 0
    os.unlink(blocker)
    check_export(svc, job, os.path.join(export_dir, "blocked", "x", job), 4)


def test_keep_export_trims_redis_and_answers_410(service, redis_server, fakewiki, export_dir):
    wiki = fakewiki("--synthetic", "--latency-ms", "20")
    svc = serve(service, redis_server, wiki, "--export-dir", export_dir,
                "--export-part-records", "5")
    n = 40
    r = svc.submit({"keep": "export", "titles": titles("Keep", n) + ["Bad|title"],
                    "chunk_size": 5, "export": {"to": "dir", "prefix": "trim"}})
    assert r.status_code == 202, r.text
    job = r.json()["id"]
    svc.wait_done(job)
    st = export_done(svc, job)
    exp = st["export"]
    assert exp["state"] == "done" and exp["keep"] == "export" and exp["records"] == n
    folder = os.path.join(export_dir, "trim", job)
    assert os.path.exists(os.path.join(folder, "_SUCCESS"))
    # every record left Redis once its part was durable
    assert redis_server.cli("XLEN", "wikicrawl:{%s}:results" % job) == "0"
    assert redis_server.cli("XLEN", "wikicrawl:{%s}:errors" % job) == "0"
    for what in ("results", "errors"):
        r = requests.get(svc.url("/v1/jobs/%s/%s" % (job, what)), timeout=60)
        assert r.status_code == 410, r.text
        assert r.json()["error"]["code"] == "exported"
        assert exp["location"] in r.json()["error"]["message"]
        assert r.headers["Link"] == '<%s_manifest.json>; rel="describedby"' % exp["location"]
    # the API still serves past the exported range: nothing there once all is exported
    r = requests.get(svc.url("/v1/jobs/%s/results" % job), params={"cursor": n}, timeout=60)
    assert r.status_code == 200 and r.content == b""
    with open(os.path.join(folder, "_manifest.json")) as f:
        manifest = json.load(f)
    assert manifest["records"] == n and manifest["error_records"] == 1
    lines = inflated(os.path.join(folder, p["name"]) for p in manifest["parts"]).splitlines()
    seen = [json.loads(line)["page_title"] for line in lines]
    assert sorted(seen) == sorted(titles("Keep", n))


def test_keep_is_checked(service, redis_server, fakewiki, export_dir):
    wiki = fakewiki("--synthetic")
    svc = serve(service, redis_server, wiki, "--export-dir", export_dir)
    r = svc.submit({"keep": "export", "titles": ["A"]})
    assert r.status_code == 422 and "needs an export" in r.json()["error"]["message"]
    r = svc.submit({"keep": "disk", "titles": ["A"],
                    "export": {"to": "dir", "prefix": "p"}})
    assert r.status_code == 422
    r = svc.submit("A\n", content_type="text/plain", params={"keep": "export"})
    assert r.status_code == 422
    r = svc.submit("A\n", content_type="text/plain", params={"keep": "sometimes"})
    assert r.status_code == 422
    r = svc.submit("A\nB\n", content_type="text/plain",
                   params={"keep": "export", "export": "dir", "export_prefix": "q"})
    assert r.status_code == 202, r.text
    job = r.json()["id"]
    svc.wait_done(job)
    st = export_done(svc, job)
    assert st["export"]["keep"] == "export" and st["export"]["records"] == 2
    assert requests.get(svc.url("/v1/jobs/%s/results" % job), timeout=60).status_code == 410


def test_cli_submit_export_prints_the_location(service, redis_server, fakewiki, export_dir,
                                               tmp_path):
    from test_client import expect, server_of, wc
    wiki = fakewiki("--synthetic")
    svc = serve(service, redis_server, wiki, "--export-dir", export_dir,
                "--export-part-records", "3")
    src = tmp_path / "titles.txt"
    src.write_text("\n".join(titles("Cli", 10)) + "\n")
    p = expect(wc("submit", str(src), "--wait", "--export", "dir", "--export-prefix", "cli",
                  "--keep", "export", server=server_of(svc)), 0, svc)
    job = p.stdout.decode().strip()
    folder = os.path.join(export_dir, "cli", job)
    err = p.stderr.decode()
    assert "wikicrawl: export done: %s/" % folder in err, err
    assert os.path.exists(os.path.join(folder, "_SUCCESS"))
    # refused by the server, said by the client
    p = expect(wc("submit", str(src), "--export", "dir", "--export-prefix", "../up",
                  server=server_of(svc)), 2, svc)
    assert "prefix" in p.stderr.decode()
    expect(wc("submit", str(src), "--export", "dir", server=server_of(svc)), 1)
    expect(wc("submit", str(src), "-o", str(tmp_path / "x"), "--keep", "export", "--export",
              "dir", "--export-prefix", "p", server=server_of(svc)), 1)


def test_spark_example_verifies_the_export(service, redis_server, fakewiki, export_dir):
    import sys
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "examples", "spark"))
    import read_export
    wiki = fakewiki("--synthetic", "--latency-ms", "20")
    svc = serve(service, redis_server, wiki, "--export-dir", export_dir,
                "--export-part-records", "4")
    job = svc.submit({"titles": titles("Spark", 9),
                      "export": {"to": "dir", "prefix": "s"}}).json()["id"]
    folder = os.path.join(export_dir, "s", job)
    st = svc.status(job)
    while st["status"] != "done" or st["export"]["state"] != "done":
        if not os.path.exists(os.path.join(folder, "_SUCCESS")):
            with pytest.raises(read_export.IncompleteExport):
                read_export.verify(folder)
        st = svc.status(job, wait=1)
    assert read_export.verify(folder)["records"] == 9
    with open(os.path.join(folder, "part-000001.ndjson.gz"), "ab") as f:
        f.write(b"\0")
    with pytest.raises(read_export.IncompleteExport):
        read_export.verify(folder)


def test_corpus_export_read_by_duckdb_equals_the_results(service, redis_server, fakewiki,
                                                        export_dir):
    """The corpus job exported, then read by a real engine (DuckDB's read_ndjson, from npm): the
    records it reads are the API's results, line for line."""
    _, outcomes = expected_records()
    wiki = fakewiki()
    svc = serve(service, redis_server, wiki, "--export-dir", export_dir,
                "--export-part-records", "16")
    job = svc.submit({"titles": list(outcomes),
                      "export": {"to": "dir", "prefix": "corpus"}}).json()["id"]
    svc.wait_done(job)
    folder = os.path.join(export_dir, "corpus", job)
    st, manifest = check_export(svc, job, folder, 16)
    assert len(manifest["parts"]) > 1
    body = requests.get(svc.url("/v1/jobs/%s/results" % job), params={"limit": 10000},
                        timeout=60).content
    api = [json.loads(line) for line in body.decode("utf-8").splitlines()]
    out = subprocess.run(["node", os.path.join(ROOT, "tests", "e2e", "duckdb_read.js"),
                          os.path.join(folder, "part-*.ndjson.gz")], capture_output=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr.decode()[-3000:]
    rows = json.loads(out.stdout)
    assert len(rows) == len(api) == manifest["records"]
    for row, record in zip(rows, api):
        assert row == record


def test_part_size_is_fixed_per_job_across_restarts(service, redis_server, fakewiki, export_dir):
    wiki = fakewiki("--synthetic", "--latency-ms", "30")
    svc = serve(service, redis_server, wiki, "--export-dir", export_dir,
                "--export-part-records", "5")
    n = 150
    job = svc.submit({"titles": titles("Fixed", n), "chunk_size": 5,
                      "export": {"to": "dir", "prefix": "f"}}).json()["id"]
    wait_for(lambda: svc.status(job)["export"]["parts"] >= 2, 120, "some parts", svc.proc)
    assert svc.stop() == 0
    # the operator changes the part size: this job's parts keep the size they started with
    svc = serve(service, redis_server, wiki, "--export-dir", export_dir,
                "--export-part-records", "7")
    check_exactly_once(svc, job, n)
    st, manifest = check_export(svc, job, os.path.join(export_dir, "f", job), 5)
    assert [p["records"] for p in manifest["parts"]] == [5] * (n // 5)


def paused_job(service, redis_server, fakewiki, export_dir, name, n):
    """A keep=export job of n titles (parts of 5) whose sink fails (its folder, export_dir/name,
    is a file: the returned blocker) until its crawl is paused: chunks parked, none in hand.
    Returns svc, job, its parked list's key, the blocker."""
    wiki = fakewiki("--synthetic")
    svc = serve(service, redis_server, wiki, "--export-dir", export_dir,
                "--export-part-records", "5", "--concurrency", "1")
    blocker = os.path.join(export_dir, name)
    with open(blocker, "w") as f:
        f.write("in the way")
    job = svc.submit({"titles": titles(name, n), "chunk_size": 5, "keep": "export",
                      "export": {"to": "dir", "prefix": name + "/x"}}).json()["id"]
    parked = "wikicrawl:{queue}:parked:" + job

    def in_hand():
        lists = redis_server.cli("KEYS", "wikicrawl:{queue}:processing:*").split()
        return [ref for key in lists for ref in redis_server.cli("LRANGE", key, "0", "-1").split()
                if ref.startswith(job)]
    wait_for(lambda: int(redis_server.cli("LLEN", parked)) > 0, 120, "parked chunks", svc.proc)
    wait_for(lambda: not in_hand(), 120, "the chunks in hand to end", svc.proc)
    return svc, job, parked, blocker


def check_paused_job_ends(svc, redis_server, export_dir, name, job, n):
    """The job of paused_job(), its sink back, ends exactly once, its export done."""
    svc.wait_done(job, timeout=240)
    st = export_done(svc, job)
    assert st["export"]["state"] == "done" and st["export"]["records"] == n
    folder = os.path.join(export_dir, name, "x", job)
    seen = [json.loads(line)["page_title"] for line in
            inflated(sorted(glob.glob(os.path.join(folder, "part-*.ndjson.gz")))).splitlines()]
    assert sorted(seen) == sorted(titles(name, n))
    assert redis_server.cli("XLEN", "wikicrawl:{%s}:results" % job) == "0"
    assert redis_server.cli("EXISTS", "wikicrawl:{queue}:parked:" + job) == "0"


def test_keep_export_pauses_the_crawl_while_the_sink_stalls(service, redis_server, fakewiki,
                                                            export_dir):
    """Redis as a bounded buffer: a keep=export job whose sink fails stops being crawled once 3
    parts wait in Redis (the chunks in hand run to their end), stays running, and goes on to the
    end, exactly once, when the sink is back."""
    n = 300
    svc, job, parked, blocker = paused_job(service, redis_server, fakewiki, export_dir, "Held", n)
    st = svc.status(job)
    assert st["status"] == "running" and st["export"]["state"] == "stalled"
    held = accounted(st)
    assert held < n
    # nothing is crawled while the export cannot catch up: a later look sees the same counts
    assert accounted(svc.status(job, wait=1)) == held
    assert int(redis_server.cli("LLEN", "wikicrawl:{queue}:jobq:" + job)) == 0
    os.unlink(blocker)
    check_paused_job_ends(svc, redis_server, export_dir, "Held", job, n)


def test_export_scripts(redis_server):
    """export_progress.lua never brings back a job that is gone; export_park.lua moves a job's
    queued references aside, after any parked before."""
    from test_scripts import evalsha
    job = "wikicrawl:{%s}:job" % ("b" * 32)
    export = "wikicrawl:{%s}:export" % ("b" * 32)
    assert evalsha(redis_server, "export_progress", [job, export],
                   ["1", "export_state", "exporting", "parts", "1"]) == "0"
    assert redis_server.cli("EXISTS", job) == "0" and redis_server.cli("EXISTS", export) == "0"
    redis_server.cli("HSET", job, "status", "running")
    assert evalsha(redis_server, "export_progress", [job, export],
                   ["1", "export_state", "stalled", "parts", "2", "part:1", "p 1 2 x"]) == "1"
    assert redis_server.cli("HGET", job, "export_state") == "stalled"
    assert redis_server.cli("HGET", export, "parts") == "2"
    assert redis_server.cli("TTL", export) == "-1"  # none while its job has none
    redis_server.cli("EXPIRE", job, "30")
    evalsha(redis_server, "export_progress", [job, export], ["0", "parts", "3"])
    assert 0 < int(redis_server.cli("TTL", export)) <= 30  # as long as its job

    jobq, parked = "wikicrawl:{queue}:jobq:j", "wikicrawl:{queue}:parked:j"
    redis_server.cli("RPUSH", parked, "j/1")
    redis_server.cli("RPUSH", jobq, "j/2", "j/3")
    assert evalsha(redis_server, "export_park", [jobq, parked], []) == "2"
    assert redis_server.cli("LRANGE", parked, "0", "-1").split() == ["j/1", "j/2", "j/3"]
    assert redis_server.cli("EXISTS", jobq) == "0"
    assert evalsha(redis_server, "export_park", [jobq, parked], []) == "0"


def test_exporter_as_a_process_of_its_own(service, redis_server, fakewiki, export_dir):
    """api, worker and exporter run apart (as in docker-compose.yml)."""
    wiki = fakewiki("--synthetic")
    redis = ["--redis", redis_server.socket]
    svc = service("api", redis + ["--export-dir", export_dir])
    service("worker", redis + ["--wiki", wiki.url, "--workers", "1"])
    exporter = service("exporter", redis + ["--export-dir", export_dir,
                                            "--export-part-records", "4"])
    job = svc.submit({"titles": titles("Apart", 9),
                      "export": {"to": "dir", "prefix": "apart"}}).json()["id"]
    svc.wait_done(job)
    check_export(svc, job, os.path.join(export_dir, "apart", job), 4)
    assert exporter.proc.poll() is None
    assert exporter.stop() == 0  # SIGTERM: a clean stop


def test_records_lost_by_redis_fail_that_export_only(service, redis_server, fakewiki, export_dir):
    """An entry gone from a results stream (a Redis that lost data) ends that job's export as
    failed, saying so; the other exports go on."""
    wiki = fakewiki("--synthetic")
    svc = serve(service, redis_server, wiki, "--export-dir", export_dir,
                "--export-part-records", "3")
    blocker = os.path.join(export_dir, "lossy")
    with open(blocker, "w") as f:
        f.write("in the way")
    lossy = svc.submit({"titles": titles("Lossy", 8),
                        "export": {"to": "dir", "prefix": "lossy/x"}}).json()["id"]
    svc.wait_done(lossy)
    wait_for(lambda: svc.status(lossy)["export"]["state"] == "stalled", 60, "a stalled export",
             svc.proc)
    assert redis_server.cli("XDEL", "wikicrawl:{%s}:results" % lossy, "0-5") == "1"
    os.unlink(blocker)
    st = export_done(svc, lossy)
    assert st["export"]["state"] == "failed" and "lost" in st["export"]["error"], st["export"]
    assert not os.path.exists(os.path.join(export_dir, "lossy", "x", lossy, "_SUCCESS"))
    fine = svc.submit({"titles": titles("Fine", 5),
                       "export": {"to": "dir", "prefix": "fine"}}).json()["id"]
    svc.wait_done(fine)
    check_export(svc, fine, os.path.join(export_dir, "fine", fine), 3)


def test_cache_recrawls_records_that_left_redis(service, redis_server, fakewiki, export_dir):
    """A cache entry points at a line in its job's stream; once keep=export trimmed it, a later
    job with the same titles crawls them again (docs/export.md) and gets the same records."""
    wiki = fakewiki("--synthetic")
    svc = serve(service, redis_server, wiki, "--export-dir", export_dir,
                "--export-part-records", "2")
    names = titles("Cached", 6)
    first = svc.submit({"titles": names, "keep": "export",
                        "export": {"to": "dir", "prefix": "c"}}).json()["id"]
    svc.wait_done(first)
    assert export_done(svc, first)["export"]["state"] == "done"
    assert redis_server.cli("XLEN", "wikicrawl:{%s}:results" % first) == "0"
    second = svc.submit({"titles": names}).json()["id"]
    st = svc.wait_done(second)
    assert st["pages"] == 6 and st["cache_hits"] == 0
    _, records = svc.lines(second)
    folder = os.path.join(export_dir, "c", first)
    exported = [json.loads(line) for line in
                inflated(sorted(glob.glob(os.path.join(folder, "part-*.ndjson.gz")))).splitlines()]
    assert sorted(records, key=lambda r: r["page_title"]) == \
        sorted(exported, key=lambda r: r["page_title"])


def test_a_stalled_export_holds_up_no_other(service, redis_server, fakewiki, export_dir):
    """A sink failing for some jobs (their folder cannot be made) stalls those jobs only: each
    backs off on its own, and a later job's export is done meanwhile. Several stalled jobs, so
    that the set's order cannot put the healthy job first by chance."""
    wiki = fakewiki("--synthetic")
    svc = serve(service, redis_server, wiki, "--export-dir", export_dir,
                "--export-part-records", "4")
    with open(os.path.join(export_dir, "blocked"), "w") as f:
        f.write("in the way")
    stalled = [svc.submit({"titles": titles("Stuck%d" % i, 3),
                           "export": {"to": "dir", "prefix": "blocked/x%d" % i}}).json()["id"]
               for i in range(4)]
    for job in stalled:
        svc.wait_done(job)
    wait_for(lambda: all(svc.status(j)["export"]["state"] == "stalled" for j in stalled), 60,
             "the blocked exports to stall", svc.proc)
    fine = svc.submit({"titles": titles("Fine", 9),
                       "export": {"to": "dir", "prefix": "fine"}}).json()["id"]
    svc.wait_done(fine)
    assert export_done(svc, fine, timeout=60)["export"]["state"] == "done"
    check_export(svc, fine, os.path.join(export_dir, "fine", fine), 4)
    assert all(svc.status(j)["export"]["state"] == "stalled" for j in stalled)


def test_a_full_redis_still_exports_and_trims_a_paused_job(service, redis_server, fakewiki,
                                                            export_dir):
    """At Redis's maxmemory, a keep=export job whose crawl is paused still has every waiting part
    exported and trimmed (trimming is what frees Redis); queueing its parked chunks again, which
    a full Redis refuses, waits until there is room, and the job then ends exactly once."""
    n = 300
    svc, job, parked, blocker = paused_job(service, redis_server, fakewiki, export_dir, "Full", n)
    results = "wikicrawl:{%s}:results" % job
    waiting = svc.status(job)["pages"]
    assert waiting >= 15
    redis_server.cli("CONFIG", "SET", "maxmemory", "1")
    try:
        assert redis_server.cli("SET", "x", "y").startswith("OOM")
        os.unlink(blocker)
        wait_for(lambda: svc.status(job)["export"]["parts"] == waiting // 5, 60,
                 "every waiting part to be exported at the limit", svc.proc)
        assert int(redis_server.cli("XLEN", results)) == waiting % 5
        assert int(redis_server.cli("LLEN", parked)) > 0  # the release waits for room
        assert svc.status(job)["pages"] == waiting
    finally:
        redis_server.cli("CONFIG", "SET", "maxmemory", "0")
    check_paused_job_ends(svc, redis_server, export_dir, "Full", job, n)


def test_error_lines_stay_in_redis_until_the_export_is_done(service, redis_server, fakewiki,
                                                            export_dir):
    """keep=export: the error lines leave Redis only once the export's state is done, so /errors
    and retry serve them until then (a stalled manifest here); after, both answer 410 exported
    (retry too, though titles failed: they are in the export's errors parts)."""
    wiki = fakewiki("--synthetic", "--fault-title", "Broken one", "--latency-ms", "100")
    svc = serve(service, redis_server, wiki, "--export-dir", export_dir,
                "--export-part-records", "4")
    n = 8
    job = svc.submit({"titles": titles("Err", n) + ["Broken one"], "keep": "export",
                      "export": {"to": "dir", "prefix": "errs"}}).json()["id"]
    folder = os.path.join(export_dir, "errs", job)
    # the manifest's temporary file cannot be made: the export stalls once every part is written
    os.makedirs(os.path.join(folder, "._manifest.json.tmp"))
    st = svc.wait_done(job)
    assert st["failed"] == 1, st
    wait_for(lambda: os.path.exists(os.path.join(folder, "errors-000000.ndjson.gz")), 60,
             "the errors part", svc.proc)
    wait_for(lambda: svc.status(job)["export"]["state"] == "stalled", 60, "a stalled manifest",
             svc.proc)
    errors = "wikicrawl:{%s}:errors" % job
    assert redis_server.cli("XLEN", errors) == "1", "error lines left Redis before the export ended"
    _, lines = svc.lines(job, "errors")
    assert [e["title"] for e in lines] == ["Broken one"]
    os.rmdir(os.path.join(folder, "._manifest.json.tmp"))
    assert export_done(svc, job)["export"]["state"] == "done"
    wait_for(lambda: redis_server.cli("XLEN", errors) == "0", 30, "the error lines to leave")
    r = requests.get(svc.url("/v1/jobs/%s/errors" % job), timeout=60)
    assert r.status_code == 410 and r.json()["error"]["code"] == "exported", r.text
    r = requests.post(svc.url("/v1/jobs/%s/retry" % job), timeout=60)
    assert r.status_code == 410 and r.json()["error"]["code"] == "exported", r.text
    assert r.headers["Link"].endswith('_manifest.json>; rel="describedby"')
