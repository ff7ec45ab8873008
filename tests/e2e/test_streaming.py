"""Results and errors pages: cursors at the edges of the stream, and streaming memory."""
import requests

LONG_MAX = 2**63 - 1


def page(svc, job, what, **params):
    return requests.get(svc.url("/v1/jobs/%s/%s" % (job, what)), params=params, timeout=60)


def test_a_cursor_past_the_end_gives_an_empty_page_and_never_overflows(service, redis_server):
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
            # At the end (what Next-Cursor says while a job runs) and past it, up to the largest
            # cursor the parameter admits, with and without a limit: an empty page. While the
            # job runs Next-Cursor keeps the position asked for; once it is final there is none.
            for cursor, limit in ((available, None), (available, 10000), (available + 1, None),
                                  (available + 1, 1), (LONG_MAX, None), (LONG_MAX, 1),
                                  (LONG_MAX - 1, 10000), (LONG_MAX - 1, None)):
                params = {"cursor": cursor} if limit is None else {"cursor": cursor,
                                                                   "limit": limit}
                r = page(svc, job, what, **params)
                assert r.status_code == 200 and r.text == "", (params, r.status_code, r.text)
                if final:
                    assert "Next-Cursor" not in r.headers and "Link" not in r.headers
                else:
                    assert r.headers["Next-Cursor"] == str(cursor)
                    assert r.headers["Link"] == '</v1/jobs/%s/%s?cursor=%d%s>; rel="next"' % (
                        job, what, cursor, "" if limit is None else "&limit=%d" % limit)
            r = requests.head(svc.url("/v1/jobs/%s/%s" % (job, what)),
                              params={"cursor": LONG_MAX - 1, "limit": 10000}, timeout=60)
            assert r.status_code == 200
            for cursor in ("-1", str(LONG_MAX + 1)):
                r = page(svc, job, what, cursor=cursor)
                assert r.status_code == 400 and r.json()["error"]["code"] == "bad_parameter"
        # The line before the end is still there.
        r = page(svc, job, "errors", cursor=0, limit=1)
        assert len(r.text.splitlines()) == 1 and "Bad[x" in r.text
    # Still serving (the fixture then checks the log for sanitizer reports).
    assert requests.get(svc.url("/healthz"), timeout=10).ok
