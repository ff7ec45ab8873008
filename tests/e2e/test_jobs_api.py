"""Jobs as a collection: labels and priority on submit, the status's new fields, GET /v1/jobs
(filters, paging, API-key isolation) and DELETE /v1/jobs/{id}?purge=true."""
import json
import time

import requests

from conftest import serve


def submit(svc, body, params=None, headers=None, content_type="application/json"):
    r = svc.submit(body, content_type=content_type, params=params, headers=headers)
    assert r.status_code == 202, r.text
    return r.json()["id"]


def list_jobs(svc, headers=None, **params):
    r = requests.get(svc.url("/v1/jobs"), params=params, headers=headers, timeout=60)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    return r, r.json()


def list_all(svc, headers=None, **params):
    """Every job the listing gives, following Next-Cursor; also the number of pages."""
    ids, pages, cursor = [], 0, None
    while True:
        p = dict(params)
        if cursor:
            p["cursor"] = cursor
        r, page = list_jobs(svc, headers=headers, **p)
        ids += [j["id"] for j in page]
        pages += 1
        if "Next-Cursor" not in r.headers:
            assert "Link" not in r.headers
            return ids, pages
        cursor = r.headers["Next-Cursor"]
        assert r.headers["Link"].startswith("</v1/jobs?cursor=%s&limit=" % cursor)
        assert pages < 100


def job_keys(redis_server, job):
    return [k for k in redis_server.cli("--scan", "--pattern", "wikicrawl:{%s}:*" % job).split()]


def test_labels_priority_and_expires_at_in_the_status(service, redis_server, fakewiki):
    wiki = fakewiki("--synthetic")
    svc = serve(service, redis_server, wiki, "--result-ttl", "600")
    # JSON body: labels and priority after the titles (they arrive after the job was created)
    a = submit(svc, {"titles": ["A1", "A2"], "labels": ["team-x", "nightly run", "team-x"],
                     "priority": "high"})
    # text body: repeated ?label= and ?priority=
    b = submit(svc, "B1\nB2\n", params=[("label", "team-y"), ("label", "é"), ("priority", "low")],
               content_type="text/plain")
    c = submit(svc, ["C1"])
    st = svc.status(a)
    assert st["labels"] == ["team-x", "nightly run"] and st["priority"] == "high"
    assert svc.status(b)["labels"] == ["team-y", "é"] and svc.status(b)["priority"] == "low"
    assert svc.status(c)["labels"] == [] and svc.status(c)["priority"] == "normal"
    for job in (a, b, c):
        st = svc.wait_done(job)
        assert st["expires_at"] is not None
        finished = time.mktime(time.strptime(st["finished"][:19], "%Y-%m-%dT%H:%M:%S"))
        expires = time.mktime(time.strptime(st["expires_at"][:19], "%Y-%m-%dT%H:%M:%S"))
        assert abs(expires - finished - 600) <= 3, st
    # a retried job keeps the labels and the priority of the one it continues
    # (a job without failures has nothing to retry: checked in test_client.py with the CLI)


def test_labels_and_priority_refused(service, redis_server, fakewiki):
    wiki = fakewiki("--synthetic")
    svc = serve(service, redis_server, wiki)
    for body in ({"titles": ["a"], "labels": "x"}, {"titles": ["a"], "labels": [1]},
                 {"titles": ["a"], "labels": [""]}, {"titles": ["a"], "labels": ["x" * 65]},
                 {"titles": ["a"], "labels": ["l%d" % i for i in range(11)]},
                 {"titles": ["a"], "labels": ["a\tb"]}, {"titles": ["a"], "priority": "urgent"},
                 {"titles": ["a"], "priority": 1}, {"labels": ["x"] * 2000, "titles": ["a"]}):
        r = svc.submit(body)
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_option", (body, r.text)
    for params in ({"priority": "urgent"}, {"label": ""}, {"label": "x" * 65},
                   [("label", "l%d" % i) for i in range(11)]):
        r = svc.submit("a\n", content_type="text/plain", params=params)
        assert r.status_code == 400 and r.json()["error"]["code"] == "bad_parameter", r.text
    # nothing refused was listed
    _, page = list_jobs(svc)
    assert page == []


def test_listing_filters_and_paging(service, redis_server, fakewiki):
    wiki = fakewiki("--synthetic", "--latency-ms", "50")
    svc = serve(service, redis_server, wiki)
    done = [submit(svc, {"titles": ["D%d" % i], "labels": ["even" if i % 2 == 0 else "odd",
                                                             "all"]}) for i in range(7)]
    for job in done:
        svc.wait_done(job)
    cancelled = submit(svc, {"titles": ["Slow %d" % i for i in range(300)], "labels": ["all"]})
    requests.delete(svc.url("/v1/jobs/" + cancelled), timeout=30).raise_for_status()
    newest_first = [cancelled] + done[::-1]

    _, page = list_jobs(svc)
    assert [j["id"] for j in page] == newest_first
    assert page[0]["status"] == "cancelled" and page[0]["labels"] == ["all"]
    assert [j["id"] for j in list_jobs(svc, status="done")[1]] == done[::-1]
    assert [j["id"] for j in list_jobs(svc, status="cancelled")[1]] == [cancelled]
    assert list_jobs(svc, status="running")[1] == []
    assert [j["id"] for j in list_jobs(svc, label="odd")[1]] == [done[5], done[3], done[1]]
    assert [j["id"] for j in list_jobs(svc, label="all", status="done", limit=2)[1]] == [
        done[6], done[5]]

    # paging: every job once, in order, whatever the page size; filters carried by Link
    for limit in (1, 2, 3, 8, 100):
        ids, pages = list_all(svc, limit=limit)
        assert ids == newest_first, limit
        assert pages == -(-len(newest_first) // limit), limit  # no empty last page
    ids, _ = list_all(svc, limit=1, label="even")
    assert ids == [done[6], done[4], done[2], done[0]]
    r, page = list_jobs(svc, limit=1, label="nightly run")
    assert page == []
    # a job submitted between two pages does not shift the next one
    r, first = list_jobs(svc, limit=3)
    newer = submit(svc, ["New one"])
    r2, second = list_jobs(svc, limit=3, cursor=r.headers["Next-Cursor"])
    assert [j["id"] for j in first + second] == newest_first[:6]
    assert newer not in [j["id"] for j in second]

    for params in ({"status": "receiving"}, {"status": "x"}, {"limit": "0"}, {"limit": "1001"},
                   {"limit": "x"}, {"cursor": "x"}, {"cursor": "12-zz"}, {"label": ""}):
        r = requests.get(svc.url("/v1/jobs"), params=params, timeout=30)
        assert r.status_code == 400 and r.json()["error"]["code"] == "bad_parameter", params


def test_listing_prunes_expired_jobs(service, redis_server, fakewiki):
    wiki = fakewiki("--synthetic")
    svc = serve(service, redis_server, wiki)
    jobs = [submit(svc, ["E%d" % i]) for i in range(3)]
    for job in jobs:
        svc.wait_done(job)
    for key in job_keys(redis_server, jobs[1]):  # as if its TTL had run out
        redis_server.cli("DEL", key)
    assert [j["id"] for j in list_jobs(svc)[1]] == [jobs[2], jobs[0]]
    members = redis_server.cli("ZRANGE", "wikicrawl:{queue}:jobs:", "0", "-1").split()
    assert sorted(members) == sorted([jobs[0], jobs[2]])


def test_api_keys_see_only_their_jobs(service, redis_server, fakewiki, tmp_path):
    wiki = fakewiki("--synthetic")
    keys = tmp_path / "keys"
    keys.write_text("key-a\nkey-b\n")
    svc = serve(service, redis_server, wiki, "--api-keys", str(keys))
    ha, hb = {"Authorization": "Bearer key-a"}, {"Authorization": "Bearer key-b"}
    a = [submit(svc, {"titles": ["A%d" % i], "labels": ["shared"]}, headers=ha) for i in range(3)]
    b = submit(svc, {"titles": ["B"], "labels": ["shared"]}, headers=hb)
    for job in a:
        requests.get(svc.url("/v1/jobs/" + job), params={"wait": 30}, headers=ha, timeout=60)
    assert list_all(svc, headers=ha, limit=2)[0] == a[::-1]
    assert list_all(svc, headers=hb)[0] == [b]
    assert [j["id"] for j in list_jobs(svc, headers=hb, label="shared")[1]] == [b]
    # a cursor taken from A's pages shows B nothing of A's
    r, _ = list_jobs(svc, headers=ha, limit=1)
    assert list_jobs(svc, headers=hb, cursor=r.headers["Next-Cursor"])[1] == []
    assert requests.get(svc.url("/v1/jobs"), timeout=30).status_code == 401
    # B can neither purge A's job
    r = requests.delete(svc.url("/v1/jobs/" + a[0]), params={"purge": "true"}, headers=hb,
                        timeout=30)
    assert r.status_code == 403
    r = requests.delete(svc.url("/v1/jobs/" + a[0]), params={"purge": "true"}, headers=ha,
                        timeout=30)
    assert r.status_code == 204
    assert list_all(svc, headers=ha)[0] == a[:0:-1]


def test_purge_frees_every_key(service, redis_server, fakewiki):
    wiki = fakewiki("--synthetic", "--latency-ms", "200")
    svc = serve(service, redis_server, wiki)
    titles = ["P%d" % i for i in range(300)] + ["Bad[x"]
    job = submit(svc, {"titles": titles, "chunk_size": 10, "labels": ["p"]})
    # a running job is not purged
    r = requests.delete(svc.url("/v1/jobs/" + job), params={"purge": "true"}, timeout=30)
    assert r.status_code == 409 and r.json()["error"]["code"] == "job_not_finished"
    assert svc.status(job)["status"] in ("queued", "running")
    r = requests.delete(svc.url("/v1/jobs/" + job), params={"purge": "maybe"}, timeout=30)
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_parameter"
    other = submit(svc, ["Kept"])
    svc.wait_done(other)
    svc.wait_done(job, timeout=240)
    assert job_keys(redis_server, job)
    used = int(dict(l.split(":", 1) for l in redis_server.cli("INFO", "memory").splitlines()
                    if ":" in l)["used_memory"])
    r = requests.delete(svc.url("/v1/jobs/" + job), params={"purge": "true"}, timeout=30)
    assert r.status_code == 204 and r.content == b""
    assert job_keys(redis_server, job) == []
    assert job not in redis_server.cli("ZRANGE", "wikicrawl:{queue}:jobs:", "0", "-1").split()
    after = int(dict(l.split(":", 1) for l in redis_server.cli("INFO", "memory").splitlines()
                     if ":" in l)["used_memory"])
    assert after < used, (used, after)
    for method, params in (("DELETE", {"purge": "true"}), ("DELETE", None), ("GET", None)):
        r = requests.request(method, svc.url("/v1/jobs/" + job), params=params, timeout=30)
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    assert [j["id"] for j in list_jobs(svc)[1]] == [other]
    # a cancelled job is purged at once, and the other job is untouched
    cancelled = submit(svc, ["Q%d" % i for i in range(100)])
    requests.delete(svc.url("/v1/jobs/" + cancelled), timeout=30).raise_for_status()
    r = requests.delete(svc.url("/v1/jobs/" + cancelled), params={"purge": "true"}, timeout=30)
    assert r.status_code == 204
    time.sleep(1)  # a worker still busy with its chunk must not bring a key back
    assert job_keys(redis_server, cancelled) == []
    assert svc.status(other)["status"] == "done"
    assert json.loads(json.dumps(svc.status(other)))["pages"] == 1
