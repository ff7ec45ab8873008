"""Defects of issue 15 found from outside or by reading the code, each shown with the real binary
and a real redis-server: a valid title dropped as a duplicate of an invalid entry, keys of a long
upload expiring mid-way, isolation between API keys."""
import json
import threading
from concurrent.futures import ThreadPoolExecutor

import requests

from conftest import free_port, serve, wait_for


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


# ---- API keys: isolation between keys (items 3, 4, 7) ---------------------------------------

ONE = {"Authorization": "Bearer key-one"}
TWO = {"Authorization": "Bearer key-two"}


def keyed_service(service, redis_socket, tmp_path, *extra, command="serve", wiki=None):
    keys = tmp_path / "keys"
    keys.write_text("key-one\nkey-two\n")
    args = ["--redis", redis_socket, "--api-keys", str(keys)] + list(extra)
    if wiki is not None:
        args += ["--wiki", wiki]
    return service(command, args)


def post(svc, body, headers, content_type="application/json"):
    data = json.dumps(body) if isinstance(body, (list, dict)) else body
    return requests.post(svc.url("/v1/jobs"), data=data,
                         headers={"Content-Type": content_type, **headers}, timeout=120)


def test_idempotency_key_is_scoped_by_api_key(service, redis_server, tmp_path):
    svc = keyed_service(service, redis_server.socket, tmp_path, command="api")
    a = post(svc, ["Alpha"], {**ONE, "Idempotency-Key": "nightly"})
    assert a.status_code == 202, a.text
    b = post(svc, ["Beta"], {**TWO, "Idempotency-Key": "nightly"})
    assert b.status_code == 202, b.text  # B's upload is its own job, not A's
    assert b.json()["id"] != a.json()["id"]
    again = post(svc, ["Alpha"], {**ONE, "Idempotency-Key": "nightly"})
    assert again.status_code == 200 and again.json()["id"] == a.json()["id"]
    again = post(svc, ["Beta"], {**TWO, "Idempotency-Key": "nightly"})
    assert again.status_code == 200 and again.json()["id"] == b.json()["id"]


def test_max_jobs_per_key_holds_under_parallel_uploads(service, redis_server, tmp_path):
    svc = keyed_service(service, redis_server.socket, tmp_path, "--max-jobs-per-key", "2",
                        command="api")
    body = "\n".join("Parallel %d" % i for i in range(20000)).encode()
    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda _: post(svc, body, ONE, "text/plain"), range(6)))
    codes = sorted(r.status_code for r in answers)
    assert codes.count(202) <= 2 and codes.count(202) + codes.count(429) == 6, codes
    for r in answers:
        if r.status_code == 429:
            assert r.json()["error"]["code"] == "too_many_jobs"
    # the other key is not affected
    assert post(svc, ["Other"], TWO).status_code == 202


def test_retry_counts_against_the_per_key_limit(service, redis_server, tmp_path):
    # a wiki that refuses connections: every title fails at its first attempt
    svc = keyed_service(service, redis_server.socket, tmp_path, "--max-jobs-per-key", "1",
                        "--max-attempts", "1", "--rate", "1", "--workers", "1",
                        wiki="http://127.0.0.1:%d/w/api.php" % free_port())
    first = post(svc, ["Down 1", "Down 2"], ONE).json()["id"]

    def status():
        return requests.get(svc.url("/v1/jobs/" + first), params={"wait": 5}, headers=ONE,
                            timeout=60).json()
    wait_for(lambda: status()["status"] == "done", 120, "the first job to finish")
    assert status()["failed"] == 2
    # an unfinished job (100 titles at one request a second) takes the key's one place
    busy = post(svc, ["Slow %d" % i for i in range(100)], ONE)
    assert busy.status_code == 202, busy.text
    retry = requests.post(svc.url("/v1/jobs/%s/retry" % first), headers=ONE, timeout=60)
    assert retry.status_code == 429, retry.text
    assert retry.json()["error"]["code"] == "too_many_jobs"


def test_owner_check_fails_closed(service, redis_server, tmp_path):
    """Any failure to read a job's owner answers 503, never the job. The failure is made with an
    ACL that refuses HGET (the owner read) while HMGET (the status read) still works: before,
    the check took a failed read for "not forbidden" and the handler served the job."""
    svc = keyed_service(service, redis_server.socket, tmp_path, command="api")
    job = post(svc, ["Private"], ONE).json()["id"]
    r = requests.get(svc.url("/v1/jobs/" + job), headers=TWO, timeout=30)
    assert r.status_code == 403
    assert redis_server.cli("ACL", "SETUSER", "default", "-hget") == "OK"
    try:
        r = requests.get(svc.url("/v1/jobs/" + job), headers=TWO, timeout=30)
        assert r.status_code == 503, "key two was served key one's job: %s" % r.text
        assert r.json()["error"]["code"] == "redis_unavailable"
    finally:
        redis_server.cli("ACL", "SETUSER", "default", "+hget")


def test_two_uploads_racing_with_one_idempotency_key_make_one_job(service, redis_server):
    """The second upload to reach its commit waits for the first one's and is answered with its
    job (200); neither is refused, and only one job is queued."""
    svc = service("api", ["--redis", redis_server.socket])
    body = "\n".join("Race %d" % i for i in range(30000)).encode()
    headers = {"Idempotency-Key": "nightly-race"}
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: svc.submit(body, "text/plain", headers=headers),
                                range(2)))
    codes = sorted(r.status_code for r in answers)
    assert codes in ([200, 202], [202, 202]) or codes == [200, 200], [r.text for r in answers]
    ids = {r.json()["id"] for r in answers}
    assert len(ids) == 1, "two jobs for one Idempotency-Key: %s" % ids
    listed = requests.get(svc.url("/v1/jobs"), timeout=30).json()
    assert [j["id"] for j in listed] == list(ids)
