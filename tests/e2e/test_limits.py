"""Hostile and careless input (issue: reliability and security): every limit answers with its own
status and error code, the service keeps serving, and a rejected request leaves no job."""
import socket
import time

import requests

from conftest import serve


def scan_jobs(redis_server):
    return redis_server.cli("--scan", "--pattern", "wikicrawl:{*}:job").split()


def error_code(resp):
    return resp.status_code, resp.json()["error"]["code"]


def test_body_title_and_count_limits(service, redis_server, fakewiki):
    wiki = fakewiki("--synthetic")
    svc = serve(service, redis_server, wiki, "--max-body-bytes", "2000", "--max-titles", "10",
                "--max-title-bytes", "20")
    # declared too large: refused before the body is read
    assert error_code(svc.submit("a\n" * 1500, "text/plain")) == (413, "body_too_large")

    # chunked (no Content-Length): refused once the limit is passed
    def chunks():
        for _ in range(100):
            yield b"abcdefghij\n" * 10

    r = requests.post(svc.url("/v1/jobs"), data=chunks(), headers={"Content-Type": "text/plain"},
                      timeout=30)
    assert error_code(r) == (413, "body_too_large")
    assert error_code(svc.submit(["t%d" % i for i in range(11)])) == (413, "too_many_titles")
    # a title over the length limit, NUL and control bytes, bad UTF-8: invalid entries, listed
    body = b"ok title\n" + b"x" * 21 + b"\nnul\x00inside\nbell\x07\n\xff\xfe broken\n"
    r = svc.submit(body, "text/plain")
    assert r.status_code == 202 and r.json()["invalid"] == 4, r.text
    job = r.json()["id"]
    svc.wait_done(job)
    _, errors = svc.lines(job, "errors")
    reasons = sorted(e["detail"].split(": ", 1)[1].split(" ")[1] for e in errors)
    assert len(errors) == 4 and all(e["outcome"] == "invalid" for e in errors)
    assert sorted(e["detail"].split(":")[0] for e in errors) == ["line 2", "line 3", "line 4",
                                                                  "line 5"], reasons
    too_long = [e for e in errors if e["detail"].startswith("line 2:")]
    assert too_long[0]["detail"].endswith("this service's limit is 20 bytes"), too_long
    assert scan_jobs(redis_server) == ["wikicrawl:{%s}:job" % job]


def test_bad_requests_never_leave_a_job(service, redis_server, fakewiki):
    wiki = fakewiki("--synthetic")
    svc = serve(service, redis_server, wiki)
    u = svc.url
    cases = [
        (svc.submit('{"titles": ["a", ]}'), (400, "malformed_body")),
        (svc.submit('{"titles": "a"}'), (400, "malformed_body")),
        (svc.submit(b'["a\xff"', "application/json"), (400, "malformed_body")),
        (svc.submit('["a"]', "application/x-www-form-urlencoded"),
         (415, "unsupported_media_type")),
        (svc.submit('["a"]', params={"chunk_size": "1001"}), (400, "bad_parameter")),
        (svc.submit('["a"]', params={"cache": "maybe"}), (400, "bad_parameter")),
        (svc.submit("a\n", "text/plain", params={"format": "csv"}), (400, "bad_parameter")),
        (requests.get(u("/v1/jobs/" + "f" * 32), params={"wait": "61"}), (400, "bad_parameter")),
        (requests.get(u("/v1/jobs/" + "f" * 32 + "/results"), params={"limit": "10001"}),
         (400, "bad_parameter")),
        (requests.get(u("/v1/jobs/%2e%2e/%2e%2e/etc/passwd")), (404, "not_found")),
        (requests.get(u("/v1/jobs/" + "a" * 4000)), (404, "not_found")),
        (requests.request("PATCH", u("/v1/jobs")), (405, "method_not_allowed")),
        (requests.request("BREW", u("/healthz")), (405, "method_not_allowed")),
    ]
    for resp, want in cases:
        assert error_code(resp) == want, (resp.request.method, resp.request.url, resp.text)
    assert scan_jobs(redis_server) == []
    assert requests.get(u("/healthz"), timeout=5).ok


def test_slow_clients_are_cut_off_and_connections_are_capped(service, redis_server, fakewiki):
    wiki = fakewiki("--synthetic")
    svc = serve(service, redis_server, wiki, "--connection-timeout", "2",
                "--max-connections", "8")
    # slowloris: half a request line, then silence
    slow = socket.create_connection(("127.0.0.1", svc.port))
    slow.sendall(b"POST /v1/jobs HTTP/1.1\r\nHost: x\r\n")
    slow.settimeout(60)
    started = time.time()
    assert slow.recv(1024) == b""  # closed by the server
    assert time.time() - started < 15  # the 2 s asked for, not the 30 s default; load may add
    slow.close()
    # too many connections: an extra one waits in the listen backlog, unanswered, and is served
    # as soon as a slot frees; nothing breaks. On a second tree whose idle connections outlive
    # the test's watching: with the 2 s above, a test held up 0.7 s by load would see the held
    # connections cut off and the extra one served.
    svc = serve(service, redis_server, wiki, "--connection-timeout", "60",
                "--max-connections", "8")
    held = [socket.create_connection(("127.0.0.1", svc.port)) for _ in range(8)]
    time.sleep(0.3)
    extra = socket.create_connection(("127.0.0.1", svc.port))
    extra.settimeout(1)
    extra.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    try:
        early = extra.recv(1024)
    except socket.timeout:
        early = None
    assert early is None, early
    for s in held:
        s.close()
    extra.settimeout(60)
    assert extra.recv(1024).startswith(b"HTTP/1.1 200")
    extra.close()
    assert requests.get(svc.url("/healthz"), timeout=60).ok
    assert svc.submit(["still fine"]).status_code == 202


def test_titles_cannot_steer_the_workers_elsewhere(service, redis_server, fakewiki):
    """No open proxy: whatever a title holds, the worker asks the configured wiki for it as the
    URL-encoded page parameter, and nothing else."""
    wiki = fakewiki("--synthetic")
    svc = serve(service, redis_server, wiki)
    hostile = ["x&action=delete&title=Main_Page", "http://169.254.169.254/latest/meta-data/",
               "../../w/index.php?action=raw", "a%26b=c", "Title?page=Other",
               "@evil.example.org/x"]
    job = svc.submit(hostile).json()["id"]
    st = svc.wait_done(job)
    # the wiki judges them (MediaWiki refuses "../" titles): each is a page or "invalid"
    assert st["pages"] + st["invalid"] == len(hostile)
    stats = wiki.stats()
    # every request was an api.php query of the batch or a parse of one of these titles
    # (other_requests counts only the test's own /_stats call)
    assert stats["other_requests"] == 1
    assert stats["query_requests"] == 1
    assert stats["requests"] == 1 + sum(stats["requests_per_title"].values())
    query = stats["last_query_params"]
    assert query["titles"] == "|".join(hostile) and query["action"] == "query", query
    assert set(query) == {"action", "format", "formatversion", "redirects", "prop", "ppprop",
                          "maxlag", "titles"}, query
    assert set(stats["requests_per_title"]) <= set(hostile)
    for title in stats["requests_per_title"]:
        params = stats["last_params"][title]
        assert params["page"] == title and params["action"] == "parse", params
    _, records = svc.lines(job)
    _, errors = svc.lines(job, "errors")
    assert sorted([r["page_title"] for r in records] + [e["title"] for e in errors]) == \
        sorted(hostile)
