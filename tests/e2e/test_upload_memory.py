"""A 1,000,000-title upload streams through the front end in bounded memory."""
import requests

from conftest import RELEASE_BIN

N_TITLES = 1_000_000
LIMIT_KIB = 64 * 1024


def body():
    batch = []
    for i in range(N_TITLES):
        batch.append("Title number %d\n" % i)
        if len(batch) == 10000:
            yield "".join(batch).encode()
            batch = []
    if batch:
        yield "".join(batch).encode()


def peak_rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise AssertionError("no VmHWM")


def test_million_title_upload_keeps_front_end_rss_under_64_mib(service, redis_server):
    # The release build: this measures the program as deployed (ASan's shadow memory would
    # measure the sanitizer). The front end alone: nothing crawls.
    api = service("api", ["--redis", redis_server.socket], binary=RELEASE_BIN)
    r = requests.post(api.url("/v1/jobs"), data=body(), headers={"Content-Type": "text/plain"},
                      timeout=600)
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["titles"] == N_TITLES and job["chunks"] == N_TITLES // 50
    assert job["duplicates"] == 0 and job["invalid"] == 0
    assert redis_server.cli("LLEN", "wikicrawl:{queue}:jobq:" + job["id"]) == str(N_TITLES // 50)
    peak = peak_rss_kib(api.proc.pid)
    print("front end peak RSS: %d KiB for %d titles" % (peak, N_TITLES))
    assert peak < LIMIT_KIB
