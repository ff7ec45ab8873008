"""Defects of issue 15 found from outside or by reading the code, each shown with the real binary
and a real redis-server: a valid title dropped as a duplicate of an invalid entry, keys of a long
upload expiring mid-way."""
import threading

import requests

from conftest import serve, wait_for


def test_valid_title_is_not_a_duplicate_of_an_invalid_entry(service, redis_server, fakewiki):
    wiki = fakewiki("--synthetic")
    svc = serve(service, redis_server, wiki)
    r = svc.submit([42, "42", 42])
    assert r.status_code == 202, r.text
    body = r.json()
    assert (body["titles"], body["invalid"], body["duplicates"]) == (2, 1, 1)
    st = svc.wait_done(body["id"])
    assert (st["pages"], st["invalid"]) == (1, 1)
    _, records = svc.lines(body["id"])
    assert [rec["page_title"] for rec in records] == ["42"]
    _, errors = svc.lines(body["id"], "errors")
    assert [(e["title"], e["outcome"]) for e in errors] == [("42", "invalid")]


def test_idtitle_line_without_id_does_not_hide_the_valid_line(service, redis_server, fakewiki):
    wiki = fakewiki("--synthetic")
    svc = serve(service, redis_server, wiki)
    r = svc.submit("Foo\n1; Foo\n2; Foo\n", "text/plain", params={"format": "idtitle"})
    assert r.status_code == 202, r.text
    body = r.json()
    assert (body["invalid"], body["duplicates"]) == (1, 1)
    st = svc.wait_done(body["id"])
    assert (st["pages"], st["invalid"]) == (1, 1)
    _, records = svc.lines(body["id"])
    assert [rec["page_title"] for rec in records] == ["Foo"]
    # the deduplication set holds the valid title only
    key = "wikicrawl:{%s}:seen" % body["id"]
    members = redis_server.cli("SMEMBERS", key).split("\n")
    assert members in (["Foo"], [""])  # [""]: the set expired with the finished job


def test_every_key_of_a_long_upload_is_kept_alive(service, redis_server, fakewiki):
    """An upload that streams for longer than the upload TTL: each batch renews the TTL of every
    key of the job, the job hash included (it got one EXPIRE, once, before)."""
    wiki = fakewiki("--synthetic")
    svc = serve(service, redis_server, wiki, "--rate", "0")
    go_on, go_end = threading.Event(), threading.Event()
    answer = {}

    def body():
        for i in range(2000):  # two batches of the front end
            yield ("Long %d\n" % i).encode()
        go_on.wait(60)
        for i in range(2000, 4000):  # two more: each must renew every TTL
            yield ("Long %d\n" % i).encode()
        go_end.wait(60)

    def upload():
        answer["r"] = requests.post(svc.url("/v1/jobs"), data=body(),
                                    headers={"Content-Type": "text/plain"}, timeout=120)

    t = threading.Thread(target=upload)
    t.start()
    try:
        wait_for(lambda: redis_server.cli("--scan", "--pattern", "wikicrawl:{*}:chunks"), 30,
                 "the first batch in Redis")
        job_key = redis_server.cli("--scan", "--pattern", "wikicrawl:{*}:job").split()[0]
        # stand-in for an hour of streaming: every key of the job is about to expire
        for part in ("job", "chunks", "seen"):
            assert redis_server.cli("EXPIRE", job_key[:-3] + part, "30") == "1"
        go_on.set()
        for part in ("job", "chunks", "seen"):
            wait_for(lambda: int(redis_server.cli("TTL", job_key[:-3] + part)) > 60, 60,
                     "the %s key's TTL renewed by the next batches" % part)
    finally:
        go_on.set()
        go_end.set()
        t.join(120)
    assert answer["r"].status_code == 202, answer["r"].text
    job = answer["r"].json()["id"]
    assert job_key == "wikicrawl:{%s}:job" % job
    assert redis_server.cli("HGET", job_key, "created") != ""
    assert svc.status(job)["titles"] == 4000
