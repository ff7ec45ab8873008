"""Results and errors pages: cursors at the edges of the stream, and streaming memory."""
import requests

LONG_MAX = 2**63 - 1


def page(svc, job, what, **params):
    return requests.get(svc.url("/v1/jobs/%s/%s" % (job, what)), params=params, timeout=60)


def assert_past_the_end(r, cursor, available):
    assert r.status_code == 400, (r.status_code, r.text)
    assert r.headers["Content-Type"].startswith("application/json")
    error = r.json()["error"]
    assert error["code"] == "bad_parameter"
    assert error["message"] == "cursor %d is past the end of the stream: the largest cursor is %d" % (
        cursor, available)


def test_a_cursor_past_the_end_is_refused_and_never_overflows(service, redis_server):
    # The front end alone: the job stays queued with 0 results and 1 error line (the invalid
    # title), so both streams have a known length while the job runs and after it is cancelled.
    svc = service("api", ["--redis", redis_server.socket])
    r = svc.submit(["Alpha", "Bad[x", "Beta"])
    assert r.status_code == 202, r.text
    job = r.json()["id"]
    for final in (False, True):
        if final:
            assert requests.delete(svc.url("/v1/jobs/" + job), timeout=30).status_code == 200
        for what, available in (("results", 0), ("errors", 1)):
            # At the end: what Next-Cursor says while a job runs; an empty page.
            r = page(svc, job, what, cursor=available)
            assert r.status_code == 200 and r.text == ""
            assert r.headers.get("Next-Cursor") == (None if final else str(available))
            r = page(svc, job, what, cursor=available, limit=10000)
            assert r.status_code == 200 and r.text == ""
            # Past it, up to the largest cursor the parameter admits, with and without a limit.
            for cursor, limit in ((available + 1, None), (available + 1, 1), (LONG_MAX, None),
                                  (LONG_MAX, 1), (LONG_MAX - 1, 10000), (LONG_MAX - 1, None)):
                params = {"cursor": cursor} if limit is None else {"cursor": cursor,
                                                                   "limit": limit}
                assert_past_the_end(page(svc, job, what, **params), cursor, available)
            r = requests.head(svc.url("/v1/jobs/%s/%s" % (job, what)),
                              params={"cursor": LONG_MAX - 1, "limit": 10000}, timeout=60)
            assert r.status_code == 400
            for cursor in ("-1", str(LONG_MAX + 1)):
                r = page(svc, job, what, cursor=cursor)
                assert r.status_code == 400 and r.json()["error"]["code"] == "bad_parameter"
    # Still serving (the fixture then checks the log for sanitizer reports).
    assert requests.get(svc.url("/healthz"), timeout=10).ok
