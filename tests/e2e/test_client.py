"""The command-line client (`wikicrawl submit|status|results|cancel`) and the Spark example's paging
client, end to end: real binary, real redis-server, fake MediaWiki, real HTTP."""
import json
import os
import pty
import re
import subprocess
import sys
import types

import pytest
import requests

from conftest import BIN, ROOT, CuttingProxy, free_port, wait_for

SPARK_DIR = os.path.join(ROOT, "examples", "spark")
sys.path.insert(0, SPARK_DIR)
import read_results  # noqa: E402
import wikicrawl_schema  # noqa: E402

SCHEMA_KEYS = ["page_id", "page_title", "page_text", "category", "links", "external_links",
               "sections", "redirects_page"]
JOB_ID = re.compile(r"^[0-9a-f]{32}$")


def serve(service, redis_server, wiki, *extra):
    return service("serve", ["--redis", redis_server.socket, "--wiki", wiki.url, "--workers", "2",
                             "--retry-base-ms", "20", "--timeout-ms", "5000"] + list(extra))


def server_of(svc):
    return svc.url("")


def wc(*args, server=None, stdin=None, timeout=180, env=None):
    """Run the client as a user would; sanitizer reports fail the test."""
    cmd = [BIN] + list(args)
    if server:
        cmd += ["--server", server]
    e = dict(os.environ)
    e.pop("WIKICRAWL_SERVER", None)
    e.update(env or {})
    p = subprocess.run(cmd, input=stdin, capture_output=True, timeout=timeout, env=e)
    err = p.stderr.decode("utf-8", "replace")
    assert "Sanitizer" not in err and "runtime error:" not in err, err[-5000:]
    return p


def expect(p, code, svc=None):
    """p exited with code; otherwise fail with its stderr and the service's log."""
    if p.returncode != code:
        log = svc.log()[-3000:] if svc else ""
        raise AssertionError("exit %s, not %s\nstderr: %s\nservice log:\n%s" % (
            p.returncode, code, p.stderr.decode("utf-8", "replace")[-3000:], log))
    return p


def lines_of(data):
    return [json.loads(line) for line in data.decode("utf-8").splitlines()]


def api_lines(svc, job, what="results"):
    r = requests.get(svc.url("/v1/jobs/%s/%s" % (job, what)), timeout=60)
    r.raise_for_status()
    return r.text.splitlines()


def test_submit_wait_writes_every_record(service, redis_server, fakewiki, tmp_path):
    wiki = fakewiki("--synthetic", "--latency-ms", "20")
    svc = serve(service, redis_server, wiki)
    titles = ["Page %02d" % i for i in range(57)] + ["Missing one", "Disambig two", "Bad[title"]
    src = tmp_path / "titles.txt"
    src.write_text("\n".join(titles) + "\n")
    out = tmp_path / "pages.ndjson"
    p = wc("submit", str(src), "--wait", "-o", str(out), "--chunk-size", "4", "--page-size", "7",
           server=server_of(svc))
    err = p.stderr.decode()
    expect(p, 0, svc)
    job = p.stdout.decode().strip()
    assert JOB_ID.match(job), p.stdout
    records = lines_of(out.read_bytes())
    assert sorted(r["page_title"] for r in records) == sorted(titles[:57])
    assert all(list(r.keys()) == SCHEMA_KEYS for r in records)
    # exactly the lines the API serves, in the same order, each once
    assert out.read_text().splitlines() == api_lines(svc, job)
    # stderr is not a terminal: plain progress lines and a summary, no carriage returns
    assert "\r" not in err
    assert re.search(r"wikicrawl: job %s done: 60/60 titles \(100%%\)" % job, err), err
    assert re.search(r"job %s done in [0-9.]+ s: 57 pages, 1 disambiguation, 1 missing, "
                     r"1 invalid, 0 failed" % job, err), err


def test_submit_from_stdin_in_every_format(service, redis_server, fakewiki, tmp_path):
    wiki = fakewiki("--synthetic")
    svc = serve(service, redis_server, wiki)
    server = server_of(svc)

    p = wc("submit", "-", stdin=b"\xef\xbb\xbfOne\r\nTwo\r\n\r\n  Three  \r\n", server=server)
    expect(p, 0, svc)
    job = p.stdout.decode().strip()
    assert svc.wait_done(job)["pages"] == 3

    idtitle = tmp_path / "ids.txt"
    idtitle.write_text("7; Two; with semicolon\n8; Eight\n")
    p = wc("submit", "--format", "idtitle", str(idtitle), "--wait", "-o", "-", server=server)
    expect(p, 0, svc)
    assert JOB_ID.match(p.stderr.decode().splitlines()[0])  # -o -: the id goes to stderr
    assert sorted(r["page_title"] for r in lines_of(p.stdout)) == ["Eight", "Two; with semicolon"]

    body = json.dumps({"chunk_size": 1, "titles": ["J1", "J2", "J1"]}).encode()
    p = wc("submit", "-", "--format", "json", "--wait", server=server, stdin=body)
    expect(p, 0, svc)
    job = p.stdout.decode().strip()
    st = svc.status(job)
    assert (st["titles"], st["chunks"], st["duplicates"], st["pages"]) == (2, 2, 1, 2)

    # a large body arrives whole through the chunked upload (WIKICRAWL_SERVER as the server)
    many = "".join("Title number %06d\n" % i for i in range(30000)).encode()
    p = wc("submit", "-", stdin=many, env={"WIKICRAWL_SERVER": server})
    expect(p, 0, svc)
    job = p.stdout.decode().strip()
    assert svc.status(job)["titles"] == 30000
    assert wc("cancel", job, server=server).returncode == 0


def test_status_results_and_cancel(service, redis_server, fakewiki, tmp_path):
    wiki = fakewiki("--synthetic", "--latency-ms", "150")
    svc = serve(service, redis_server, wiki, "--concurrency", "2")
    server = server_of(svc)
    titles = "".join("T%d\n" % i for i in range(200)).encode()
    p = wc("submit", "-", "--chunk-size", "5", stdin=titles, server=server)
    expect(p, 0, svc)
    job = p.stdout.decode().strip()

    p = wc("status", job, server=server)
    expect(p, 0, svc)
    st = json.loads(p.stdout)
    assert st["id"] == job and st["titles"] == 200 and st["status"] in ("queued", "running")
    wait_for(lambda: svc.status(job)["pages"] >= 3, 120, "first results")

    p = wc("results", job, "--no-wait", "--page-size", "2", server=server)
    expect(p, 0, svc)
    early = lines_of(p.stdout)
    assert 3 <= len(early) < 200

    p = wc("cancel", job, server=server)
    expect(p, 0, svc)
    assert json.loads(p.stdout)["status"] == "cancelled"
    st = svc.wait_done(job)
    wait_for(lambda: svc.status(job)["pages"] == st["pages"], 5, "workers to stop")
    st = svc.status(job)

    out = tmp_path / "partial.ndjson"
    p = wc("results", job, "-o", str(out), "--page-size", "3", server=server)
    expect(p, 4, svc)  # everything written, but the job was cancelled
    assert out.read_text().splitlines() == api_lines(svc, job)
    assert len(out.read_text().splitlines()) == st["pages"]
    assert [x["page_title"] for x in early] == \
        [x["page_title"] for x in lines_of(out.read_bytes())[:len(early)]]

    # cancelling a finished job leaves it as it was
    p = wc("cancel", job, server=server)
    assert p.returncode == 0 and json.loads(p.stdout)["status"] == "cancelled"


def test_results_follows_a_running_job_and_reads_errors(service, redis_server, fakewiki):
    wiki = fakewiki("--synthetic", "--latency-ms", "40")
    svc = serve(service, redis_server, wiki, "--concurrency", "2")
    server = server_of(svc)
    titles = ["R%d" % i for i in range(40)] + ["Missing %d" % i for i in range(5)]
    p = wc("submit", "-", "--chunk-size", "3", stdin="\n".join(titles).encode(), server=server)
    job = p.stdout.decode().strip()
    p = wc("results", job, "--page-size", "4", server=server)  # starts while the job runs
    expect(p, 0, svc)
    assert svc.status(job)["status"] == "done"
    assert sorted(r["page_title"] for r in lines_of(p.stdout)) == sorted(titles[:40])
    p = wc("results", job, "--errors", server=server)
    expect(p, 0, svc)
    errors = lines_of(p.stdout)
    assert sorted(e["title"] for e in errors) == sorted(titles[40:])
    assert {e["outcome"] for e in errors} == {"missing"}


def test_submit_wait_exits_4_when_the_job_is_cancelled(service, redis_server, fakewiki,
                                                       tmp_path):
    wiki = fakewiki("--synthetic", "--latency-ms", "200")
    svc = serve(service, redis_server, wiki, "--concurrency", "1")
    src = tmp_path / "t.txt"
    src.write_text("".join("C%d\n" % i for i in range(100)))
    out = tmp_path / "c.ndjson"
    proc = subprocess.Popen([BIN, "submit", str(src), "--wait", "-o", str(out), "--chunk-size",
                             "5", "--server", server_of(svc)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    job = proc.stdout.readline().decode().strip()
    assert JOB_ID.match(job)
    wait_for(lambda: svc.status(job)["pages"] > 0, 120, "first results")
    requests.delete(svc.url("/v1/jobs/" + job), timeout=30).raise_for_status()
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 4, err
    assert b"cancelled" in err
    wait_for(lambda: len(api_lines(svc, job)) == svc.status(job)["pages"], 5, "workers to stop")
    # what the job wrote before the cancel is in the file (the job may write a last title late)
    got = out.read_text().splitlines()
    assert got and got == api_lines(svc, job)[:len(got)]


def test_exit_codes(service, redis_server, fakewiki, tmp_path):
    # 3: nothing listens
    nowhere = "http://127.0.0.1:%d" % free_port()
    for args in (("submit", "-"), ("status", "0" * 32), ("results", "0" * 32),
                 ("cancel", "0" * 32)):
        p = wc(*args, server=nowhere, stdin=b"A\n")
        assert p.returncode == 3, (args, p.stderr)
        assert b"cannot reach" in p.stderr

    wiki = fakewiki("--synthetic")
    svc = serve(service, redis_server, wiki, "--max-titles", "3")
    server = server_of(svc)
    # 2: the server refused, with its message
    p = wc("submit", "-", stdin=b"\n\n", server=server)
    assert p.returncode == 2 and b"invalid_option" in p.stderr and b"no titles" in p.stderr
    assert p.stdout == b""
    p = wc("submit", "-", "--format", "json", stdin=b'["a", "b"', server=server)
    assert p.returncode == 2 and b"malformed_body" in p.stderr, p.stderr
    p = wc("submit", "-", stdin=b"a\nb\nc\nd\n", server=server)
    assert p.returncode == 2 and b"HTTP 413 too_many_titles" in p.stderr, p.stderr
    for command in ("status", "results", "cancel"):
        p = wc(command, "0" * 32, server=server)
        assert p.returncode == 2 and b"HTTP 404 not_found" in p.stderr, (command, p.stderr)
    # 1: usage and local files
    assert wc().returncode != 0
    for args in (("submit",), ("submit", "a", "b"), ("submit", "--format", "xml", "-"),
                 ("submit", str(tmp_path / "absent.txt")), ("status",), ("status", "not-an-id"),
                 ("results", "0" * 32, "--page-size", "0"), ("cancel", "0" * 32, "--errors"),
                 ("submit", "-", "-o", str(tmp_path / "no" / "such" / "dir"))):
        p = wc(*args, server=server, stdin=b"A\n")
        assert p.returncode == 1, (args, p.stderr)
    # a bad output path is found before a job is made
    keys = redis_server.cli("--scan", "--pattern", "wikicrawl:{*}:job").split()
    assert keys == []
    for command in ("submit", "status", "results", "cancel"):
        p = wc(command, "--help")
        assert p.returncode == 0 and b"Exit status: 0" in p.stdout and b"--server" in p.stdout


def test_exit_code_3_for_a_5xx(service, tmp_path):
    api = service("api", ["--redis", str(tmp_path / "no-redis.sock")])
    p = wc("submit", "-", stdin=b"A\n", server=server_of(api))
    expect(p, 3, api)
    assert b"HTTP 503 redis_unavailable" in p.stderr
    p = wc("status", "0" * 32, server=server_of(api))
    expect(p, 3, api)


def test_schema_file_fields_match_a_real_record(service, redis_server, fakewiki):
    wiki = fakewiki("--synthetic")
    svc = serve(service, redis_server, wiki)
    p = wc("submit", "-", "--wait", "-o", "-", stdin=b"Schema page\nRedirect to Target\n",
           server=server_of(svc))
    expect(p, 0, svc)
    records = lines_of(p.stdout)
    assert records
    for record in records:
        assert list(record.keys()) == wikicrawl_schema.FIELD_NAMES == SCHEMA_KEYS
        for name, kind, nullable in wikicrawl_schema.FIELDS:
            value = record[name]
            if value is None:
                assert nullable, name
            elif kind.startswith("array<"):
                assert isinstance(value, list) and all(isinstance(v, str) for v in value)
            else:
                assert isinstance(value, str), name
    with open(os.path.join(SPARK_DIR, "wikicrawl_schema.json")) as f:
        on_disk = json.load(f)
    assert on_disk == wikicrawl_schema.schema_json()
    assert [f["name"] for f in on_disk["fields"]] == SCHEMA_KEYS
    assert [f["nullable"] for f in on_disk["fields"]] == [False] * 7 + [True]
    assert wikicrawl_schema.schema_ddl().split(", ")[3] == "category ARRAY<STRING>"
    assert spark_schema_with_stub_pyspark() == on_disk
    # with provenance (issue 23): the same 8, then the fields asked, in their fixed order
    everything = ["touched", "wiki", "wikidata_id", "revision_id"]
    assert spark_schema_with_stub_pyspark(everything) == wikicrawl_schema.schema_json(everything)
    assert [f["name"] for f in wikicrawl_schema.schema_json(everything)["fields"][8:]] == \
        ["wiki", "revision_id", "wikidata_id", "touched"]


def spark_schema_with_stub_pyspark(fields=()):
    """spark_schema() built with a stand-in for pyspark.sql.types that writes jsonValue()."""

    class StringType:
        def jsonValue(self):
            return "string"

    class LongType:
        def jsonValue(self):
            return "long"

    class ArrayType:
        def __init__(self, element, contains_null=True):
            self.element, self.contains_null = element, contains_null

        def jsonValue(self):
            return {"type": "array", "elementType": self.element.jsonValue(),
                    "containsNull": self.contains_null}

    class StructField:
        def __init__(self, name, kind, nullable=True):
            self.name, self.kind, self.nullable = name, kind, nullable

        def jsonValue(self):
            return {"name": self.name, "type": self.kind.jsonValue(), "nullable": self.nullable,
                    "metadata": {}}

    class StructType:
        def __init__(self, fields):
            self.fields = fields

        def jsonValue(self):
            return {"type": "struct", "fields": [f.jsonValue() for f in self.fields]}

    stub = types.ModuleType("pyspark.sql.types")
    stub.StringType, stub.ArrayType, stub.LongType = StringType, ArrayType, LongType
    stub.StructField, stub.StructType = StructField, StructType
    saved = {k: sys.modules.get(k) for k in ("pyspark", "pyspark.sql", "pyspark.sql.types")}
    sys.modules.update({"pyspark": types.ModuleType("pyspark"),
                        "pyspark.sql": types.ModuleType("pyspark.sql"),
                        "pyspark.sql.types": stub})
    try:
        return wikicrawl_schema.spark_schema(fields).jsonValue()
    finally:
        for k, v in saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v


def test_spark_paging_client_reads_every_record(service, redis_server, fakewiki, tmp_path):
    assert "pyspark" not in sys.modules  # the client imports it only to run the Spark job
    wiki = fakewiki("--synthetic", "--latency-ms", "30")
    svc = serve(service, redis_server, wiki, "--concurrency", "2")
    titles = ["S%02d" % i for i in range(23)] + ["Missing a", "Missing b"]
    job = svc.submit({"chunk_size": 2, "titles": titles}).json()["id"]
    client = read_results.Client(server_of(svc))

    # follow a running job with tiny pages: every record once, in the API's order
    followed = list(client.iter_lines(job, limit=3, follow=True, poll=1))
    st = svc.status(job)
    assert st["status"] == "done"
    everything = api_lines(svc, job)
    assert followed == everything and len(everything) == 23
    assert list(client.iter_lines(job, limit=3)) == everything
    assert sorted(r["page_title"] for r in client.iter_records(job, limit=5)) == titles[:23]
    assert [json.loads(x)["title"] for x in client.iter_lines(job, what="errors", limit=1)] == \
        [json.loads(x)["title"] for x in api_lines(svc, job, "errors")]
    assert client.wait_done(job, poll=1)["pages"] == 23

    # partitions: slices planned from the count, each read on its own, add up to the whole
    for total, per in ((23, 5), (23, 23), (10, 4), (0, 7), (40, 6)):
        slices = read_results.plan_slices(total, per)
        got = []
        for cursor, count in slices:
            got += list(read_results.slice_lines(client.server, job, "results", cursor, count, 2))
        assert got == everything, (total, per, slices)

    # staging: files of 4 lines, renamed into place, that add up to the whole
    staged = tmp_path / "stage"
    assert read_results.stage(client, job, str(staged), records_per_file=4, limit=3) == 23
    names = sorted(os.listdir(staged))
    assert names == ["part-%05d.ndjson" % i for i in range(6)]
    lines = []
    for name in names:
        lines += (staged / name).read_text().splitlines()
    assert lines == everything

    with pytest.raises(requests.HTTPError):
        list(client.iter_lines("0" * 32))


class BreakingProxy(CuttingProxy):
    """Forwards GETs to the service, but cuts the first `breaks` results pages off in the middle
    of a line and drops the connection, as a failing network would."""

    def __init__(self, upstream, breaks):
        # one whole line and a bit
        super().__init__(upstream, lambda body: body[:body.index(b"\n") + 6]
                         if body.count(b"\n") >= 2 else None, breaks)

    @property
    def breaks_left(self):
        return self.cuts_left

    @breaks_left.setter
    def breaks_left(self, n):
        self.cuts_left = n


def test_pages_cut_short_are_resumed_after_the_last_whole_line(service, redis_server, fakewiki):
    wiki = fakewiki("--synthetic")
    svc = serve(service, redis_server, wiki)
    job = svc.submit({"chunk_size": 3, "titles": ["B%02d" % i for i in range(30)]}).json()["id"]
    svc.wait_done(job)
    everything = api_lines(svc, job)
    proxy = BreakingProxy(server_of(svc), breaks=3)
    try:
        p = wc("results", job, "--page-size", "7", server=proxy.url)
        expect(p, 0, svc)
        assert p.stdout.decode().splitlines() == everything
        assert p.stderr.count(b"retrying") == 3
        proxy.breaks_left = 3
        client = read_results.Client(proxy.url)
        assert list(client.iter_lines(job, limit=7)) == everything
        assert proxy.breaks_left == 0
    finally:
        proxy.close()


def read_terminal(controller):
    """Everything written to a pseudo-terminal until its other side is closed; closes it."""
    shown = b""
    while True:
        try:
            data = os.read(controller, 4096)
        except OSError:  # the client closed the terminal's last descriptor
            break
        if not data:
            break
        shown += data
    os.close(controller)
    return shown


def test_progress_bar_is_redrawn_on_a_terminal(service, redis_server, fakewiki, tmp_path):
    wiki = fakewiki("--synthetic", "--latency-ms", "20")
    svc = serve(service, redis_server, wiki, "--concurrency", "2")
    src = tmp_path / "t.txt"
    src.write_text("".join("Bar %d\n" % i for i in range(80)))
    controller, terminal = pty.openpty()
    proc = subprocess.Popen([BIN, "submit", str(src), "--wait", "--chunk-size", "4", "--server",
                             server_of(svc)], stdout=subprocess.PIPE, stderr=terminal)
    os.close(terminal)
    shown = read_terminal(controller)
    assert proc.wait(60) == 0, shown
    assert JOB_ID.match(proc.stdout.read().decode().strip())
    assert b"\r[" in shown and b"\x1b[K" in shown
    assert re.search(rb"\[#{30}\] 80/80 titles 100%  [0-9.]+ pages/s  ETA 0:00  done", shown), shown
    assert b"Sanitizer" not in shown


def test_list_retry_labels_and_priority(service, redis_server, fakewiki, tmp_path):
    """`submit --label --priority`, `list` with its filters and paging, `retry` of failed
    titles."""
    wiki = fakewiki("--synthetic", "--fault-title", "Broken title")
    svc = serve(service, redis_server, wiki, "--max-attempts", "2")
    server = server_of(svc)
    ids = []
    for i, (labels, priority) in enumerate([(["nightly"], "low"), (["nightly", "team b"], None),
                                            ([], "high")]):
        args = ["submit", "-", "--wait"]
        for label in labels:
            args += ["--label", label]
        if priority:
            args += ["--priority", priority]
        p = expect(wc(*args, server=server, stdin=b"T%d\nBroken title\n" % i), 0, svc)
        ids.append(p.stdout.decode().strip())
    st = json.loads(expect(wc("status", ids[1], server=server), 0).stdout)
    assert st["labels"] == ["nightly", "team b"] and st["priority"] == "normal"
    assert st["expires_at"] is not None

    listed = lines_of(expect(wc("list", server=server), 0).stdout)
    assert [j["id"] for j in listed] == ids[::-1]
    assert [j["priority"] for j in listed] == ["high", "normal", "low"]
    listed = lines_of(expect(wc("list", "--label", "nightly", server=server), 0).stdout)
    assert [j["id"] for j in listed] == [ids[1], ids[0]]
    listed = lines_of(expect(wc("list", "--label", "team b", "--status", "done",
                                server=server), 0).stdout)
    assert [j["id"] for j in listed] == [ids[1]]
    assert expect(wc("list", "--status", "running", server=server), 0).stdout == b""
    listed = lines_of(expect(wc("list", "--limit", "2", server=server), 0).stdout)
    assert [j["id"] for j in listed] == ids[:0:-1]

    # retry: the failed title of job 1 becomes a new job with its labels
    p = expect(wc("retry", ids[1], server=server), 0)
    retried = json.loads(p.stdout)
    assert retried["titles"] == 1 and retried["id"] not in ids
    st = svc.wait_done(retried["id"])
    assert st["labels"] == ["nightly", "team b"] and st["failed"] == 1
    assert [j["id"] for j in lines_of(expect(wc("list", "--limit", "1", server=server),
                                             0).stdout)] == [retried["id"]]

    # refused by the server (2), or by the command line (1)
    p = wc("submit", "-", "--priority", "urgent", server=server, stdin=b"A\n")
    assert p.returncode == 2 and b"bad_parameter" in p.stderr, p.stderr
    p = wc("submit", "-", "--label", "x" * 65, server=server, stdin=b"A\n")
    assert p.returncode == 2 and b"bad_parameter" in p.stderr, p.stderr
    p = wc("list", "--status", "sleeping", server=server)
    assert p.returncode == 2 and b"bad_parameter" in p.stderr, p.stderr
    p = wc("retry", "0" * 32, server=server)
    assert p.returncode == 2 and b"HTTP 404 not_found" in p.stderr, p.stderr
    for args in (("list", "extra"), ("list", "--limit", "0"), ("retry",), ("retry", "x"),
                 ("retry", "0" * 32, "--wait", "1")):
        p = wc(*args, server=server)
        assert p.returncode == 1, (args, p.stderr)
    for command in ("list", "retry"):
        p = wc(command, "--help")
        assert p.returncode == 0 and b"Exit status: 0" in p.stdout and b"--server" in p.stdout


def wc_on_terminal(*args, server):
    """Run the client with its stdout on a pseudo-terminal, as `wikicrawl list` typed at a shell;
    returns what it showed, with the terminal's CR LF turned back into the LF written."""
    controller, terminal = pty.openpty()
    proc = subprocess.Popen([BIN] + list(args) + ["--server", server], stdout=terminal,
                            stderr=subprocess.PIPE)
    os.close(terminal)
    shown = read_terminal(controller)
    err = proc.stderr.read().decode("utf-8", "replace")
    assert proc.wait(60) == 0 and "Sanitizer" not in err, err
    return shown.replace(b"\r\n", b"\n").decode("utf-8")


LIST_COLUMNS = ["ID", "STATUS", "WIKI", "TITLES", "PAGES", "FAILED", "CREATED", "LABELS"]
LIST_NUMBERS = {"TITLES", "PAGES", "FAILED"}  # right-aligned


def cell_spans(line):
    """(start, end, text) of each cell: cells are three spaces apart, and hold at most one space
    in a row (a time, a label)."""
    return [(m.start(), m.end(), m.group()) for m in re.finditer(r"\S+(?: \S+)*", line)]


def test_list_is_a_table_on_a_terminal_and_json_lines_when_piped(service, redis_server, fakewiki):
    wiki = fakewiki("--synthetic")
    svc = serve(service, redis_server, wiki)
    server = server_of(svc)
    ids = []
    for labels, titles in ((["nightly", "team b"], b"A\nB\nC\n"), ([], b"D\n")):
        args = ["submit", "-", "--wait"] + [a for label in labels for a in ("--label", label)]
        ids.append(expect(wc(*args, server=server, stdin=titles), 0, svc).stdout.decode().strip())
    statuses = [svc.status(job) for job in ids[::-1]]  # newest first, as listed

    lines = wc_on_terminal("list", server=server).splitlines()
    assert len(lines) == 3, lines
    header = cell_spans(lines[0])
    assert [text for _, _, text in header] == LIST_COLUMNS
    for line, st in zip(lines[1:], statuses):
        cells = cell_spans(line)
        assert [text for _, _, text in cells] == [
            st["id"], st["status"], st.get("wiki") or "-", str(st["titles"]), str(st["pages"]),
            str(st["failed"]), st["created"][:10] + " " + st["created"][11:19],
            ",".join(st["labels"]) or "-"], line
        for (h_start, h_end, name), (start, end, _) in zip(header, cells):
            assert (end == h_end) if name in LIST_NUMBERS else (start == h_start), (name, lines)
    assert not any(line.endswith(" ") for line in lines)

    # piped: JSON lines, one status each, exactly as before; --json prints them on a terminal too
    def steady(listing):  # expires_at is read from a TTL: it may move by a millisecond
        return [dict(json.loads(line), expires_at=None) for line in listing.splitlines()]

    piped = expect(wc("list", server=server), 0).stdout.decode()
    assert steady(piped) == [dict(st, expires_at=None) for st in statuses]
    assert steady(wc_on_terminal("list", "--json", server=server)) == steady(piped)
    assert wc_on_terminal("list", "--limit", "1", server=server).splitlines()[1].startswith(ids[1])
    help_text = expect(wc("list", "--help"), 0).stdout
    assert b"--json" in help_text and b"terminal" in help_text
