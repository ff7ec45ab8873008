"""Fair turns (docs/redis.md): jobs take turns for the workers, a high priority goes first, a
cancelled job leaves the rotation at once; chunks are still run at least once and recorded once."""
import os
import signal

import requests

from conftest import check_exactly_once, numbered_titles, serve, wait_for

Q = "wikicrawl:{queue}:"


def submit(svc, titles, chunk_size, **options):
    body = dict(options, titles=titles, chunk_size=chunk_size)
    r = svc.submit(body)
    assert r.status_code == 202, r.text
    return r.json()["id"]


def test_a_small_job_is_done_while_a_big_one_still_runs(service, redis_server, fakewiki):
    wiki = fakewiki("--synthetic", "--latency-ms", "100")
    svc = serve(service, redis_server, wiki, "--concurrency", "4", "--max-inflight", "8",
                "--cache-ttl", "0")
    big_titles = numbered_titles("Big", 600)
    big = submit(svc, big_titles, 10)
    wait_for(lambda: svc.status(big)["pages"] > 0, 60, "the big job to start")
    small = submit(svc, numbered_titles("Small", 3), 10)
    st = svc.wait_done(small, timeout=60)
    assert st["status"] == "done" and st["pages"] == 3
    # the big job's 60 chunks did not all go first: 8 requests in flight at 100 ms need
    # 7.5 s for them
    running = svc.status(big)
    assert running["status"] == "running" and running["pages"] < 600, running
    check_exactly_once(svc, small, 3)
    check_exactly_once(svc, big, 600)


def test_sigkill_while_three_jobs_interleave_loses_and_doubles_nothing(service, redis_server,
                                                                        fakewiki):
    wiki = fakewiki("--synthetic", "--latency-ms", "150")
    svc = serve(service, redis_server, wiki, "--concurrency", "2", "--cache-ttl", "0")
    victim = svc.children("wc-worker")[0]
    jobs = [submit(svc, numbered_titles("Mix%d" % j, 60), 5) for j in range(3)]
    # every job has work done before any is over: their chunks are interleaved
    wait_for(lambda: all(svc.status(j)["pages"] > 0 for j in jobs), 60, "all three running")
    assert all(svc.status(j)["status"] == "running" for j in jobs)
    os.kill(victim, signal.SIGKILL)
    for j, job in enumerate(jobs):
        _, records, _ = check_exactly_once(svc, job, 60)
        assert sorted(r["page_title"] for r in records) == sorted(numbered_titles("Mix%d" % j, 60))
    wait_for(lambda: len(svc.children("wc-worker")) == 2, 20, "worker replaced")
    assert "child_died" in svc.log()
    # nothing is left queued, nor held by anybody
    assert redis_server.cli("--scan", "--pattern", Q + "jobq:*") == ""
    assert redis_server.cli("--scan", "--pattern", Q + "turns:*") == ""


def test_a_high_priority_job_goes_before_the_normal_ones(service, redis_server, fakewiki):
    wiki = fakewiki("--synthetic", "--latency-ms", "50")
    args = ["--redis", redis_server.socket, "--wiki", wiki.url, "--concurrency", "2",
            "--cache-ttl", "0", "--retry-base-ms", "20"]
    api = service("api", ["--redis", redis_server.socket])
    # queued with no worker yet: the order of the claims is the rule's alone
    normal = [submit(api, numbered_titles("Normal%d" % j, 30), 5) for j in range(2)]
    high = submit(api, numbered_titles("High", 30), 5, priority="high")
    metrics = requests.get(api.url("/metrics"), timeout=10).text
    assert 'wikicrawl_queue_priority_chunks{priority="high"} 6\n' in metrics
    assert 'wikicrawl_queue_priority_chunks{priority="normal"} 12\n' in metrics
    assert "wikicrawl_queue_chunks 18\n" in metrics
    service("worker", args + ["--workers", "1"])
    done = {job: api.wait_done(job, timeout=120) for job in normal + [high]}
    assert all(st["status"] == "done" and st["pages"] == 30 for st in done.values())
    first_normal = min(done[job]["finished"] for job in normal)
    # no later: the worker may close the high job's last chunk and a normal one in one flush
    assert done[high]["finished"] <= first_normal, done
    # started last-submitted, finished first
    assert done[high]["started"] <= min(done[job]["started"] for job in normal), done
    r = api.submit({"titles": ["X"], "priority": "urgent"})
    assert r.status_code == 422 and "priority" in r.text, r.text


def test_a_cancelled_job_leaves_the_rotation_at_once(service, redis_server, fakewiki):
    wiki = fakewiki("--synthetic", "--latency-ms", "100")
    svc = serve(service, redis_server, wiki, "--concurrency", "2", "--cache-ttl", "0")
    doomed = submit(svc, numbered_titles("Doomed", 400), 5)
    other = submit(svc, numbered_titles("Other", 40), 5)
    wait_for(lambda: svc.status(doomed)["pages"] > 0, 60, "the doomed job to start")
    assert int(redis_server.cli("LLEN", Q + "jobq:" + doomed)) > 0
    r = requests.delete(svc.url("/v1/jobs/" + doomed), timeout=30)
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    # gone from the queue before DELETE answered: no claim can take it any more
    assert redis_server.cli("EXISTS", Q + "jobq:" + doomed) == "0"
    assert doomed not in redis_server.cli("LRANGE", Q + "turns:normal:", "0", "-1").split()
    assert redis_server.cli("HEXISTS", Q + "jobmeta", doomed) == "0"
    done_at_cancel = svc.status(doomed)["chunks_done"]
    check_exactly_once(svc, other, 40)
    st = svc.status(doomed)
    assert st["status"] == "cancelled" and st["chunks_done"] == done_at_cancel
    # what the workers held was handed back and settled as no-ops: nothing is queued
    wait_for(lambda: redis_server.cli("LLEN", Q + "pending") == "0", 20, "no-ops settled")
    assert redis_server.cli("--scan", "--pattern", Q + "jobq:*") == ""
