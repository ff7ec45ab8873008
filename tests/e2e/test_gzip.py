"""Compact results (issue 13): lines are kept in Redis as gzip members. A client that accepts gzip
gets them as they are (Content-Encoding: gzip), any other plain NDJSON, the same lines either way,
page by page; uploads may be gzip, and their size limit holds for the inflated bytes. The CLI asks
for gzip and inflates the pages itself."""
import gzip
import http.client
import re
import subprocess
import urllib.parse

import requests

from conftest import BIN, CuttingProxy, serve, wait_for

GZIP = {"Accept-Encoding": "gzip"}
PLAIN = {"Accept-Encoding": "identity"}


def get_raw(svc, path, headers, **params):
    """The body exactly as sent (not decoded) and the response."""
    r = requests.get(svc.url(path), params=params, headers=headers, stream=True, timeout=60)
    r.raise_for_status()
    body = r.raw.read(decode_content=False)
    return r, body


def page_pair(svc, path, **params):
    """The same page asked for with and without gzip: (gzip response, inflated bytes, plain
    response, plain bytes)."""
    rg, zbody = get_raw(svc, path, GZIP, **params)
    assert rg.headers["Content-Encoding"] == "gzip"
    assert zbody[:2] == b"\x1f\x8b"
    rp, plain = get_raw(svc, path, PLAIN, **params)
    assert "Content-Encoding" not in rp.headers
    assert rp.headers["Content-Type"].startswith("application/x-ndjson")
    return rg, gzip.decompress(zbody), rp, plain


def job_keys(redis_server):
    """Keys of any job (a 32-hex hash tag), not the queue's nor the cache's."""
    keys = redis_server.cli("--scan", "--pattern", "wikicrawl:{*").split()
    return [k for k in keys if re.match(r"wikicrawl:\{[0-9a-f]{32}\}:", k)]


def titles(n):
    # One in five is missing: the errors stream is paged too.
    return ["Missing gz %d" % i if i % 5 == 0 else "Gzip page %d" % i for i in range(n)]


def page_through(svc, job, what, limit, upto=None):
    """Follow Next-Cursor from 0 with both encodings; every page identical. Stops at upto
    ordinals (a running job: only pages already complete) or when no Next-Cursor is given."""
    cursor, got = 0, b""
    while upto is None or cursor < upto:
        n = limit if upto is None else min(limit, upto - cursor)
        rg, zplain, rp, plain = page_pair(svc, "/v1/jobs/%s/%s" % (job, what), cursor=cursor,
                                          limit=n)
        assert zplain == plain
        assert rg.headers.get("Next-Cursor") == rp.headers.get("Next-Cursor")
        assert rg.headers.get("Link") == rp.headers.get("Link")
        assert plain.count(b"\n") == (n if upto is not None else plain.count(b"\n"))
        got += plain
        if "Next-Cursor" not in rp.headers:
            break
        assert int(rp.headers["Next-Cursor"]) == cursor + plain.count(b"\n")
        cursor = int(rp.headers["Next-Cursor"])
        if upto is None and plain == b"":
            break
    return got


def test_gzip_and_plain_pages_are_the_same_lines(service, redis_server, fakewiki):
    wiki = fakewiki("--synthetic", "--latency-ms", "150")
    svc = serve(service, redis_server, wiki, "--max-inflight", "2")
    job = svc.submit(titles(40)).json()["id"]

    # While it runs: pages already complete are the same with and without gzip.
    wait_for(lambda: svc.status(job)["pages"] >= 8 and svc.status(job)["missing"] >= 2, 60,
             "some records")
    st = svc.status(job)
    assert st["status"] != "done"
    running = page_through(svc, job, "results", 3, upto=8)
    running_errors = page_through(svc, job, "errors", 1, upto=2)

    st = svc.wait_done(job)
    assert st["pages"] == 32 and st["missing"] == 8
    # Finished: whole pages, paged pages and the empty page past the end.
    for what, count in (("results", 32), ("errors", 8)):
        _, zwhole, _, whole = page_pair(svc, "/v1/jobs/%s/%s" % (job, what))
        assert zwhole == whole and whole.count(b"\n") == count
        assert page_through(svc, job, what, 7) == whole
    _, zwhole, _, whole = page_pair(svc, "/v1/jobs/%s/results" % job)
    assert whole.startswith(running)
    _, _, _, errors = page_pair(svc, "/v1/jobs/%s/errors" % job)
    assert errors.startswith(running_errors)
    rg, zempty, rp, empty = page_pair(svc, "/v1/jobs/%s/results" % job, cursor=32)
    assert zempty == empty == b""
    # What requests decodes by itself is the same too.
    assert svc.lines(job)[0].content == whole


def test_a_client_without_accept_encoding_gets_plain_text(service, redis_server, fakewiki):
    wiki = fakewiki("--synthetic")
    svc = serve(service, redis_server, wiki)
    job = svc.submit(titles(6)).json()["id"]
    svc.wait_done(job)
    u = urllib.parse.urlsplit(svc.url("/v1/jobs/%s/results" % job))
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    conn.putrequest("GET", u.path, skip_accept_encoding=True)
    conn.endheaders()
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    assert resp.status == 200 and resp.getheader("Content-Encoding") is None
    lines = body.decode("utf-8").splitlines()
    assert len(lines) == 4 and all(line.startswith("{") for line in lines)
    _, _, _, plain = page_pair(svc, "/v1/jobs/%s/results" % job)
    assert body == plain


def test_gzip_uploads_are_inflated_as_they_stream(service, redis_server, fakewiki):
    wiki = fakewiki("--synthetic")
    svc = serve(service, redis_server, wiki)
    body = "".join("Upload gz %d\n" % i for i in range(300)).encode()
    r = svc.submit(gzip.compress(body), "text/plain", headers={"Content-Encoding": "gzip"})
    assert r.status_code == 202 and r.json()["titles"] == 300, r.text
    assert svc.wait_done(r.json()["id"])["pages"] == 300

    # Two members, sent in pieces of 7 bytes (chunked): one stream read as it arrives.
    z = gzip.compress(b'["Json gz 1", "Json') + gzip.compress(b' gz 2"]')

    def pieces():
        for i in range(0, len(z), 7):
            yield z[i:i + 7]

    r = requests.post(svc.url("/v1/jobs"), data=pieces(), timeout=30,
                      headers={"Content-Type": "application/json", "Content-Encoding": "gzip"})
    assert r.status_code == 202 and r.json()["titles"] == 2, r.text
    st = svc.wait_done(r.json()["id"])
    assert st["pages"] == 2
    got = sorted(rec["page_title"] for rec in svc.lines(r.json()["id"])[1])
    assert got == ["Json gz 1", "Json gz 2"]


def test_a_gzip_bomb_is_refused_and_leaves_no_key(service, redis_server, fakewiki):
    wiki = fakewiki("--synthetic")
    svc = serve(service, redis_server, wiki, "--max-body-bytes", "100000")
    bomb = gzip.compress(b"Bomb title\n" * 400000, 9)  # 4.4 MB inflated
    assert len(bomb) < 16 * 1024
    before = job_keys(redis_server)
    r = svc.submit(bomb, "text/plain", headers={"Content-Encoding": "gzip"})
    assert r.status_code == 413, r.text
    assert r.json()["error"]["code"] == "body_too_large"
    # Not gzip, truncated gzip, an encoding the service does not speak: no job either.
    r = svc.submit(b"Plain title\n", "text/plain", headers={"Content-Encoding": "gzip"})
    assert (r.status_code, r.json()["error"]["code"]) == (400, "malformed_body"), r.text
    r = svc.submit(gzip.compress(b"Cut title\n")[:-4], "text/plain",
                   headers={"Content-Encoding": "gzip"})
    assert (r.status_code, r.json()["error"]["code"]) == (400, "malformed_body"), r.text
    r = svc.submit(b"x", "text/plain", headers={"Content-Encoding": "br"})
    assert r.status_code == 415 and r.json()["error"]["code"] == "unsupported_content_encoding"
    assert job_keys(redis_server) == before == []
    # The service still takes gzip uploads under the limit.
    r = svc.submit(gzip.compress(b"After bomb\n"), "text/plain",
                   headers={"Content-Encoding": "gzip"})
    assert r.status_code == 202, r.text


def test_the_cache_keeps_no_copy_and_misses_once_its_job_is_gone(service, redis_server,
                                                                    fakewiki):
    wiki = fakewiki("--synthetic")
    svc = serve(service, redis_server, wiki)
    first = svc.submit(["Cache gz one", "Missing cache gz"]).json()["id"]
    svc.wait_done(first)
    pointer = redis_server.cli("GET", "wikicrawl:{cache}:p:Cache gz one").split("\n")
    assert pointer[:3] == ["ok", first, "1"] and len(pointer[3]) == 16
    # a missing title is settled by its batch's query answer: nothing to cache
    assert redis_server.cli("GET", "wikicrawl:{cache}:p:Missing cache gz") == ""
    second = svc.submit(["Cache gz one", "Missing cache gz"]).json()["id"]
    st = svc.wait_done(second)
    assert st["cache_hits"] == 1 and st["requests_parse"] == 0
    assert svc.lines(second)[0].content == svc.lines(first)[0].content
    assert svc.lines(second, "errors")[0].content == svc.lines(first, "errors")[0].content
    # A hit points the entry at the new job's copy (so that it outlives the first job), same
    # fingerprint. Once that job's lines are gone, the title is parsed again.
    assert redis_server.cli("GET", "wikicrawl:{cache}:p:Cache gz one").split("\n") == \
        ["ok", second, "1", pointer[3]]
    redis_server.cli("DEL", "wikicrawl:{%s}:results" % second)
    parses_before = wiki.stats()["parse_requests"]
    third = svc.submit(["Cache gz one"]).json()["id"]
    st = svc.wait_done(third)
    assert st["cache_hits"] == 0 and st["pages"] == 1
    assert wiki.stats()["parse_requests"] == parses_before + 1
    assert svc.lines(third)[0].content == svc.lines(first)[0].content


class WireProxy(CuttingProxy):
    """The service's answers as they are on the wire (see CuttingProxy, raw): the first `cuts`
    pages are cut off in the middle of their (gzip) bytes."""

    def __init__(self, upstream, cuts=0):
        super().__init__(upstream, lambda body: body[:len(body) * 2 // 3] if len(body) > 100
                         else None, cuts, raw=True)


def cli(*args):
    p = subprocess.run([BIN] + list(args), capture_output=True, timeout=120)
    err = p.stderr.decode("utf-8", "replace")
    assert "Sanitizer" not in err and "runtime error:" not in err, err[-5000:]
    assert p.returncode == 0, err[-3000:]
    return p


def test_the_cli_asks_for_gzip_and_writes_the_same_lines(service, redis_server, fakewiki):
    wiki = fakewiki("--synthetic")
    svc = serve(service, redis_server, wiki)
    job = svc.submit(titles(30)).json()["id"]
    svc.wait_done(job)
    results = page_through(svc, job, "results", 100)
    errors = page_through(svc, job, "errors", 100)
    assert results.count(b"\n") == 24 and errors.count(b"\n") == 6

    proxy = WireProxy(svc.url(""), cuts=2)
    try:
        p = cli("results", job, "--page-size", "7", "--server", proxy.url)
        assert p.stdout == results
        # Both cut pages were resumed after their last whole line.
        assert p.stderr.count(b"retrying") == 2 and proxy.cuts_left == 0
        assert cli("results", job, "--errors", "--server", proxy.url).stdout == errors
        # Every page, the cut ones too, was asked for and answered in gzip.
        assert len(proxy.pages) >= 4
        assert set(proxy.pages) == {("gzip", "gzip")}
    finally:
        proxy.close()
