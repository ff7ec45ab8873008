"""Results and errors pages: cursors at the edges of the stream, and streaming memory."""
import http.client
import socket
import time

import requests

from conftest import BIN, RELEASE_BIN

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


# Big records: a 256 KiB article gives a record of ~117 KB. The old front end read 200 records
# per XRANGE whatever their size and held them twice (reply and copy): ~23 MB per reader here
# (the whole page of 100), ~80 MB for the 4 readers; now about 256 KiB plus a record each.
BIG_PAGE_KB = 256
N_BIG = 100
N_READERS = 4
RSS_GROWTH_LIMIT_KIB = 40 * 1024


def rss_kib(pid, field):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError("no " + field)


class SlowReader:
    """A results request whose body is read a little at a time, when the test says so. Its
    receive buffer is small, so the front end cannot hand the kernel much of the page at once."""

    def __init__(self, svc, job):
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 * 1024)
        sock.settimeout(60)
        sock.connect(("127.0.0.1", svc.port))
        self.conn = http.client.HTTPConnection("127.0.0.1", svc.port, timeout=60)
        self.conn.sock = sock
        self.conn.request("GET", "/v1/jobs/%s/results" % job)
        self.resp = self.conn.getresponse()
        assert self.resp.status == 200
        self.body = []
        self.done = False

    def read(self, n):
        data = self.resp.read(n)
        if data:
            self.body.append(data)
        else:
            self.done = True
            self.conn.close()

    def text(self):
        return b"".join(self.body)


def test_slow_readers_of_big_records_keep_the_front_end_small(service, redis_server, fakewiki):
    wiki = fakewiki("--synthetic", "--page-kb", str(BIG_PAGE_KB))
    # The release build measures the program as deployed (ASan keeps freed memory in
    # quarantine); an ASan front end on the same Redis checks the bytes of the same pages.
    measured = service("api", ["--redis", redis_server.socket], binary=RELEASE_BIN)
    checked = service("api", ["--redis", redis_server.socket], binary=BIN)
    service("worker", ["--redis", redis_server.socket, "--wiki", wiki.url, "--workers", "2",
                       "--rate", "0", "--cache-ttl", "0", "--timeout-ms", "20000"],
            binary=RELEASE_BIN)
    r = measured.submit(["Big page %d" % i for i in range(N_BIG)])
    assert r.status_code == 202, r.text
    job = r.json()["id"]
    st = measured.wait_done(job, timeout=300)
    assert st["pages"] == N_BIG, st
    expected = requests.get(checked.url("/v1/jobs/%s/results" % job), timeout=120).content
    assert expected.count(b"\n") == N_BIG
    assert len(expected) > N_BIG * 100 * 1000, len(expected)  # records of over 100 KB

    pid = measured.proc.pid
    before = rss_kib(pid, "VmRSS")
    for svc in (measured, checked):
        readers = [SlowReader(svc, job) for _ in range(N_READERS)]
        # Every reader has its first bytes: each response holds its first batch now.
        for reader in readers:
            reader.read(1000)
        peak = rss_kib(pid, "VmRSS")
        # Then a little each in turn (odd sizes: lines are cut anywhere), until all are read.
        deadline = time.time() + 180
        while not all(reader.done for reader in readers):
            assert time.time() < deadline, "slow readers not done in 180 s"
            for reader in readers:
                if not reader.done:
                    reader.read(7919)
            peak = max(peak, rss_kib(pid, "VmRSS"))
        for reader in readers:
            assert reader.text() == expected
        if svc is measured:
            hwm = rss_kib(pid, "VmHWM")
            print("front end RSS: %d KiB before, %d KiB peak while streaming, VmHWM %d KiB, %d "
                  "readers of %d records (%d bytes)" % (before, peak, hwm, N_READERS, N_BIG,
                                                        len(expected)))
            assert max(peak, hwm) - before < RSS_GROWTH_LIMIT_KIB, (before, peak, hwm)
