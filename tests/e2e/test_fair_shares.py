"""Fair shares by title (issue 21, docs/redis.md "Fair turns"): keys with equal demand get equal
pages whatever chunk sizes they chose; priority high only for keys marked for it; low work ages."""
import subprocess

import requests

from conftest import BIN, numbered_titles, serve, wait_for

A = {"Authorization": "Bearer key-a"}
B = {"Authorization": "Bearer key-b"}
MARKED = {"Authorization": "Bearer key-marked"}


def keys_file(tmp_path):
    keys = tmp_path / "keys"
    keys.write_text("# key, then what else it may do\nkey-a\nkey-b\nkey-marked   high\n")
    return str(keys)


def post(svc, body, headers, params=None):
    return requests.post(svc.url("/v1/jobs"), json=body, headers=headers, params=params,
                         timeout=120)


def pages(svc, job, headers):
    r = requests.get(svc.url("/v1/jobs/" + job), headers=headers, timeout=60)
    r.raise_for_status()
    return r.json()["pages"]


def test_keys_with_equal_demand_get_equal_pages_whatever_their_chunk_sizes(service, redis_server,
                                                                           fakewiki, tmp_path):
    wiki = fakewiki("--synthetic", "--latency-ms", "100")
    svc = service("serve", ["--redis", redis_server.socket, "--wiki", wiki.url,
                            "--api-keys", keys_file(tmp_path), "--workers", "2",
                            "--max-inflight", "16", "--rate", "0", "--cache-ttl", "0"])
    n = 20000
    big = post(svc, {"chunk_size": 1000, "titles": numbered_titles("Big chunks", n)}, A)
    assert big.status_code == 202, big.text
    wait_for(lambda: pages(svc, big.json()["id"], A) > 0, 60, "key A's job to start")
    small = post(svc, {"chunk_size": 50, "titles": numbered_titles("Small chunks", n)}, B)
    assert small.status_code == 202, small.text
    a, b = big.json()["id"], small.json()["id"]
    # what the workers claimed before B arrived is done first: measure from when B runs
    wait_for(lambda: pages(svc, b, B) >= 100, 120, "key B's job to run")
    a0, b0 = pages(svc, a, A), pages(svc, b, B)
    wait_for(lambda: pages(svc, a, A) - a0 + pages(svc, b, B) - b0 >= 1000, 240,
             "1,000 pages of the two")
    got_a, got_b = pages(svc, a, A) - a0, pages(svc, b, B) - b0
    assert pages(svc, a, A) < n and pages(svc, b, B) < n, "both still running"
    share = got_a / float(got_a + got_b)
    assert 0.4 <= share <= 0.6, (got_a, got_b)
    for job, key in ((a, A), (b, B)):
        assert requests.delete(svc.url("/v1/jobs/" + job), headers=key, timeout=60).ok


def test_priority_high_only_for_keys_marked_for_it(service, redis_server, tmp_path):
    svc = service("api", ["--redis", redis_server.socket, "--api-keys", keys_file(tmp_path)])
    for r in (post(svc, ["Urgent"], A, params={"priority": "high"}),
              post(svc, {"titles": ["Urgent"], "priority": "high"}, A),
              post(svc, {"priority": "high", "titles": ["Urgent"]}, A)):
        assert r.status_code == 403, r.text
        assert r.json()["error"]["code"] == "priority_not_allowed"
    assert post(svc, ["Later"], A, params={"priority": "low"}).status_code == 202
    ok = post(svc, {"titles": ["Urgent"], "priority": "high"}, MARKED)
    assert ok.status_code == 202, ok.text
    st = requests.get(svc.url("/v1/jobs/" + ok.json()["id"]), headers=MARKED, timeout=60).json()
    assert st["priority"] == "high"


def test_retry_of_a_high_job_by_a_key_no_longer_marked_is_refused(service, redis_server,
                                                                   tmp_path):
    svc = service("api", ["--redis", redis_server.socket, "--api-keys", keys_file(tmp_path)])
    job = post(svc, {"titles": ["Urgent"], "priority": "high"}, MARKED).json()["id"]
    # Over, with a failure to retry (no worker needed: the answer comes before the errors are
    # read).
    redis_server.cli("HSET", "wikicrawl:{%s}:job" % job, "status", "cancelled", "failed", "1")
    unmarked = tmp_path / "unmarked"
    unmarked.write_text("key-a\nkey-b\nkey-marked\n")
    later = service("api", ["--redis", redis_server.socket, "--api-keys", str(unmarked)])
    r = requests.post(later.url("/v1/jobs/%s/retry" % job), headers=MARKED, timeout=60)
    # Not lowered to normal behind the caller's back: refused, as a submission would be.
    assert r.status_code == 403, r.text
    assert r.json()["error"]["code"] == "priority_not_allowed"
    assert "high" in r.json()["error"]["message"]


def test_a_keys_file_with_an_unknown_mark_is_refused(tmp_path, redis_server):
    keys = tmp_path / "keys"
    keys.write_text("key-a\nkey-b urgent\n")
    r = subprocess.run([BIN, "api", "--redis", redis_server.socket, "--listen", "127.0.0.1:0",
                        "--api-keys", str(keys)], capture_output=True, text=True, timeout=60)
    assert r.returncode != 0
    assert "line 2" in r.stdout + r.stderr


def test_low_work_makes_progress_while_normal_work_is_queued(service, redis_server, fakewiki):
    wiki = fakewiki("--synthetic", "--latency-ms", "50")
    api = service("api", ["--redis", redis_server.socket])
    # queued with no worker yet: the claims alone decide who goes first
    normal = api.submit({"chunk_size": 10, "titles": numbered_titles("Normal", 3000)}).json()["id"]
    low = api.submit({"chunk_size": 10, "priority": "low",
                      "titles": numbered_titles("Low", 30)}).json()["id"]
    service("worker", ["--redis", redis_server.socket, "--wiki", wiki.url, "--workers", "1",
                       "--concurrency", "2", "--cache-ttl", "0", "--retry-base-ms", "20"])
    st = api.wait_done(low, timeout=240)
    assert st["status"] == "done" and st["pages"] == 30
    # every 10th claim serves low work first: its 3 chunks within the first 30 claims
    running = api.status(normal)
    assert running["status"] == "running" and running["pages"] <= 400, running
    requests.delete(api.url("/v1/jobs/" + normal), timeout=60)


def test_a_new_job_takes_turns_inside_a_busy_worker(service, redis_server, fakewiki):
    """The worker holds well over a hundred titles of the big job ahead of its slots (the rest of
    its chunk, a resolve batch and its concurrency): the small job's titles must not wait for
    them. Counted in the big job's pages, not in seconds, so a slow machine cannot fail it."""
    wiki = fakewiki("--synthetic", "--latency-ms", "100")
    svc = serve(service, redis_server, wiki, "--workers", "1", "--rate", "20", "--cache-ttl", "0")
    big = svc.submit({"titles": numbered_titles("Held", 2000)}).json()["id"]
    wait_for(lambda: svc.status(big)["pages"] >= 60, 120, "the big job to have its titles ahead")
    before = svc.status(big)["pages"]
    small = svc.submit({"titles": numbered_titles("Arrived", 3)}).json()["id"]
    st = svc.wait_done(small, timeout=120)
    assert st["status"] == "done" and st["pages"] == 3
    # first come, first served, they would wait for ~150 pages of the big job
    assert svc.status(big)["pages"] - before < 60
    requests.delete(svc.url("/v1/jobs/" + big), timeout=60)
