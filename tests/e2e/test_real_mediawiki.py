"""The whole corpus through `wikicrawl serve` against a real MediaWiki (Debian's package, SQLite,
php -S on loopback), compared with the notebook's own lxml extraction run against the same wiki:
same titles, same records byte for byte, disambiguation pages dropped, redirects resolved, every
other title in the errors with the right outcome. make test installs the packages; a missing
MediaWiki is a failure, not a skip."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

import pytest
import requests

from conftest import CORPUS, ROOT, accounted, free_port, refused_at_upload

sys.path.insert(0, CORPUS)
import reference  # noqa: E402  (tests/corpus/reference.py: the notebook's extraction)

WIKI_SH = os.path.join(ROOT, "tests", "mediawiki", "wiki.sh")
# The first run on a new machine pays for everything cold: PHP's opcache, MediaWiki's
# localisation cache and first parses, SQLite's files, on two cores other work is using. These
# bound a wiki that never comes up; one that is slow but comes up must not fail the suite.
SETUP_DEADLINE = 900
SERVE_DEADLINE = 240
REQUEST_DEADLINE = 180


@pytest.fixture(scope="module")
def real_wiki():
    assert os.path.exists("/usr/share/mediawiki/api.php"), \
        "Debian's mediawiki package is missing: run scripts/deps.sh test (make test does)"
    tmp = tempfile.mkdtemp(prefix="wc-mediawiki-")
    wiki_dir = os.path.join(tmp, "wiki")
    port = free_port()
    subprocess.run([WIKI_SH, "setup", wiki_dir], check=True, timeout=SETUP_DEADLINE)
    subprocess.run([WIKI_SH, "serve", wiki_dir, str(port)], check=True,
                   timeout=SERVE_DEADLINE + 60,
                   env=dict(os.environ, WIKI_SERVE_TIMEOUT=str(SERVE_DEADLINE)))
    yield "http://127.0.0.1:%d/api.php" % port
    subprocess.run([WIKI_SH, "stop", wiki_dir], timeout=60)
    shutil.rmtree(tmp, ignore_errors=True)


def corpus_titles():
    with open(os.path.join(CORPUS, "manifest.json"), encoding="utf-8") as f:
        return [e["title"] for e in json.load(f)]


def notebook_crawl(api, titles):
    """What the notebook did, title by title: title -> (outcome, NDJSON line or None)."""
    out = {}
    with requests.Session() as s:
        for title in titles:
            r = s.get(api, params={"action": "parse", "page": title, "format": "json",
                                   "redirects": "1"}, timeout=REQUEST_DEADLINE)
            answer = r.json()
            o = reference.outcome(answer)
            line = reference.serialize(reference.record(answer, title)).decode() \
                if o == "ok" else None
            out[title] = (o, line)
    return out


def test_corpus_through_serve_matches_the_notebook_on_a_real_wiki(service, redis_server,
                                                                  real_wiki):
    # titles the service refuses at upload or trims never reach the wiki as the notebook sent
    # them; they are checked by the service tests. Everything else is compared here.
    titles = [t for t in corpus_titles() if t == t.strip(" \t") and not refused_at_upload(t)]
    assert len(titles) >= 50
    want = notebook_crawl(real_wiki, titles)
    assert {o for o, _ in want.values()} >= {"ok", "disambiguation", "missing", "invalid"}

    svc = service("serve", ["--redis", redis_server.socket, "--wiki", real_wiki,
                            "--workers", "2", "--concurrency", "4", "--rate", "0",
                            "--cache-ttl", "0", "--user-agent", "wikicrawl-tests"])
    job = svc.submit({"titles": titles}).json()["id"]
    st = svc.wait_done(job, timeout=300)
    assert st["titles"] == accounted(st) == len(titles)
    assert st["failed"] == 0

    resp, _ = svc.lines(job, limit=10000)
    got = {json.loads(line)["page_title"]: line + "\n" for line in resp.text.splitlines()}
    ok = {t: line for t, (o, line) in want.items() if o == "ok"}
    assert set(got) == set(ok)
    for title, line in ok.items():
        assert got[title] == line, title
    assert any(json.loads(line)["redirects_page"] for line in got.values()), "no redirect"

    _, errors = svc.lines(job, "errors", limit=10000)
    assert {e["title"]: e["outcome"] for e in errors} == \
        {t: o for t, (o, _) in want.items() if o != "ok"}
