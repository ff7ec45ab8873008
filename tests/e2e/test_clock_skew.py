"""A host whose clock runs 15 s ahead shares the fleet (issue 15, item 12): heartbeats and the
reaper's cutoff are read on Redis's clock, so its reaper never takes a live worker for dead.
The skewed host is a `wikicrawl worker` under faketime (libfaketime); it runs the release build,
since LD_PRELOAD and AddressSanitizer do not mix."""
import os
import shutil

import pytest

from conftest import RELEASE_BIN, check_exactly_once, numbered_titles as titles, wait_for

pytestmark = pytest.mark.skipif(shutil.which("faketime") is None, reason="faketime not installed")


def test_a_host_with_a_fast_clock_requeues_no_live_workers_chunks(service, redis_server,
                                                                     fakewiki):
    wiki = fakewiki("--synthetic", "--latency-ms", "200")
    common = ["--redis", redis_server.socket, "--wiki", wiki.url, "--cache-ttl", "0",
              "--concurrency", "4"]
    svc = service("serve", common + ["--workers", "1"])
    skewed = service("worker", common + ["--workers", "1"], binary=RELEASE_BIN,
                     env={"FAKETIME": "+15s", "LD_PRELOAD": faketime_library()})
    n = 240
    job = svc.submit({"chunk_size": 4, "titles": titles("Skew", n)}).json()["id"]
    # both hosts hold chunks, and the skewed one reaps every 5 s of its clock
    wait_for(lambda: svc.status(job)["pages"] >= 60, 120, "progress")
    check_exactly_once(svc, job, n, timeout=240)
    for log in (skewed.log(), svc.log()):
        assert "chunks_requeued" not in log, log[-3000:]


def faketime_library():
    for path in ("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1",
                 "/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1"):
        if os.path.exists(path):
            return path
    pytest.skip("libfaketime.so.1 not found")
