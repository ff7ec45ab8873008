"""Recrawls against a real MediaWiki (issue 14): after two pages are edited and a template used by
a third (maintenance/edit.php, then maintenance/runJobs.php, whose htmlCacheUpdate job is what
moves the third page's page_touched), a second crawl of the same titles parses exactly those three
again and takes every other page from the cache; every record equals a fresh crawl's. And with
the C code this time, the outcome check of issue 14: every record and error line of a crawl with
batched resolution equals the one of a crawl that only parses. The wiki is a private one (this
module edits it), Debian's package on SQLite served by php -S on loopback."""
import json
import os
import shutil
import subprocess
import tempfile

import pytest
import requests

from conftest import accounted, free_port, refused_at_upload
from test_real_mediawiki import (REQUEST_DEADLINE, SERVE_DEADLINE, SETUP_DEADLINE, WIKI_SH,
                                 corpus_titles)

MW = os.environ.get("MW_DIR", "/usr/share/mediawiki")
# Two pages edited directly, and a template whose only user among the corpus pages is DEPENDANT.
EDITED = ["Earth", "Jupiter"]
TEMPLATE = "Template:Section heading"
DEPENDANT = "Headings and sections"
# Beside the corpus: titles MediaWiki answers missing or invalid, and redirects to pages.
EXTRA = ["Missing recrawl page", "Foo%41bar", "Talk:", "Special:Recentchanges",
         "mercury_(planet)", "missing recrawl page"]


class Wiki:
    def __init__(self, tmp):
        self.dir = os.path.join(tmp, "wiki")
        self.port = free_port()
        self.api = "http://127.0.0.1:%d/api.php" % self.port

    def maint(self, script, *args, stdin=None):
        done = subprocess.run(["php", os.path.join(MW, "maintenance", script)] + list(args),
                              input=stdin, capture_output=True, text=True, timeout=SETUP_DEADLINE,
                              env=dict(os.environ,
                                       MW_CONFIG_FILE=os.path.join(self.dir, "LocalSettings.php")))
        assert done.returncode == 0, "%s: %s%s" % (script, done.stdout[-2000:],
                                                  done.stderr[-2000:])
        return done.stdout

    def pending_jobs(self):
        return int(self.maint("showJobs.php").strip() or "0")

    def run_jobs(self):
        self.maint("runJobs.php", "--quiet")
        assert self.pending_jobs() == 0

    def edit(self, title, text):
        self.maint("edit.php", "--user", "Admin", "--summary", "wikicrawl recrawl test", title,
                   stdin=text)

    def source(self, title):
        r = requests.get(self.api, params={
            "action": "query", "prop": "revisions", "rvprop": "content", "rvslots": "main",
            "titles": title, "format": "json", "formatversion": "2"}, timeout=REQUEST_DEADLINE)
        return r.json()["query"]["pages"][0]["revisions"][0]["slots"]["main"]["content"]

    def info(self, titles):
        """title -> (pageid, lastrevid, touched) of existing pages, redirects followed."""
        r = requests.post(self.api, data={
            "action": "query", "prop": "info", "redirects": "1", "titles": "|".join(titles),
            "format": "json", "formatversion": "2"}, timeout=REQUEST_DEADLINE)
        q = r.json()["query"]
        return {p["title"]: (p["pageid"], p["lastrevid"], p["touched"])
                for p in q.get("pages", []) if "pageid" in p}

    def access_log_size(self):
        return os.path.getsize(os.path.join(self.dir, "php.log"))

    def access_log_since(self, offset):
        with open(os.path.join(self.dir, "php.log"), "rb") as f:
            f.seek(offset)
            return f.read().decode("utf-8", "replace").splitlines()


@pytest.fixture(scope="module")
def wiki():
    assert os.path.exists(os.path.join(MW, "api.php")), \
        "Debian's mediawiki package is missing: run scripts/deps.sh test (make test does)"
    tmp = tempfile.mkdtemp(prefix="wc-mediawiki-recrawl-")
    w = Wiki(tmp)
    subprocess.run([WIKI_SH, "setup", w.dir], check=True, timeout=SETUP_DEADLINE)
    # setup leaves htmlCacheUpdate jobs queued (category page-props) that move page_touched of
    # many pages when they run: run them now, so that later only our edits move anything.
    w.run_jobs()
    subprocess.run([WIKI_SH, "serve", w.dir, str(w.port)], check=True,
                   timeout=SERVE_DEADLINE + 60,
                   env=dict(os.environ, WIKI_SERVE_TIMEOUT=str(SERVE_DEADLINE)))
    yield w
    subprocess.run([WIKI_SH, "stop", w.dir], timeout=60)
    shutil.rmtree(tmp, ignore_errors=True)


def crawl_titles(loops=True):
    """The corpus titles the service accepts as they are, and EXTRA. The two titles of a redirect
    loop are ones the query does not settle (parse answers them with the page where the loop
    closes): they are parsed on every crawl, so the recrawl count leaves them out."""
    titles = [t for t in corpus_titles() + EXTRA if t == t.strip(" \t")
              and not refused_at_upload(t) and (loops or not t.startswith("Redirect loop"))]
    return list(dict.fromkeys(titles))


def start(service, redis_server, wiki, *extra):
    return service("serve", ["--redis", redis_server.socket, "--wiki", wiki.api, "--workers", "2",
                             "--concurrency", "4", "--rate", "0",
                             "--user-agent", "wikicrawl-tests"] + list(extra))


def crawl(svc, titles, params=None):
    """(status, title -> record line, title -> error line) of one job over titles."""
    job = svc.submit(titles, params=params).json()["id"]
    st = svc.wait_done(job, timeout=600)
    assert st["status"] == "done" and st["titles"] == accounted(st) == len(titles), st
    assert st["failed"] == 0, st
    out = []
    for what, key in (("results", "page_title"), ("errors", "title")):
        resp, objs = svc.lines(job, what, limit=10000)
        lines = resp.text.splitlines()
        out.append({o[key]: line for o, line in zip(objs, lines)})
        assert len(out[-1]) == len(lines)
    assert len(out[0]) + len(out[1]) == len(titles)
    return st, out[0], out[1]


def test_batched_resolution_answers_as_parse_on_a_real_wiki(service, redis_server, wiki):
    """Issue 14 item 1, with the crawler itself: the titles of tests/mediawiki/check_query.py
    (the corpus, missing, invalid, redirects, double redirects, disambiguation, normalised
    spellings, unicode) crawled with the default resolution and with --resolve-batch 0."""
    titles = [t for t in crawl_titles() if "\x1f" not in t]
    svc = start(service, redis_server, wiki)
    st, records, errors = crawl(svc, titles)
    assert st["requests_query"] >= (len(titles) + 49) // 50
    assert st["requests_parse"] < len(titles) - st["missing"] - st["invalid"] + 1
    svc.stop()
    ref = start(service, redis_server, wiki, "--resolve-batch", "0")
    ref_st, ref_records, ref_errors = crawl(ref, titles, params={"cache": "false"})
    assert ref_st["requests_query"] == 0 and ref_st["requests_parse"] == len(titles)
    for k in ("pages", "disambiguation", "missing", "invalid"):
        assert st[k] == ref_st[k], k
    assert {o["outcome"] for o in map(json.loads, ref_errors.values())} >= \
        {"missing", "invalid", "disambiguation"}
    assert sorted(records) == sorted(ref_records)
    for title, line in ref_records.items():
        assert records[title] == line, title
    assert sorted(errors) == sorted(ref_errors)
    for title, line in ref_errors.items():
        assert errors[title] == line, title
    assert any(json.loads(line)["redirects_page"] for line in records.values()), "no redirect"


def test_recrawl_parses_exactly_what_changed_on_a_real_wiki(service, redis_server, wiki):
    titles = crawl_titles(loops=False)
    assert set(EDITED + [DEPENDANT]) <= set(titles)
    # no other title of the list ends at the three pages (a redirect to one would be re-parsed)
    others = [t for t in titles if t not in EDITED + [DEPENDANT] and "|" not in t]
    for i in range(0, len(others), 50):
        assert not set(wiki.info(others[i:i + 50])) & set(EDITED + [DEPENDANT])
    svc = start(service, redis_server, wiki)
    st1, rec1, err1 = crawl(svc, titles)
    existing = len(rec1) + st1["disambiguation"]
    assert st1["cache_hits"] == 0

    before = wiki.info(EDITED + [DEPENDANT, TEMPLATE])
    for page in EDITED:
        wiki.edit(page, wiki.source(page) + "\n\nA paragraph added by the recrawl test.\n")
    wiki.edit(TEMPLATE, wiki.source(TEMPLATE) + "\nA line the recrawl test added to the "
              "template.\n")
    after_edit = wiki.info(EDITED + [DEPENDANT, TEMPLATE])
    for page in EDITED + [TEMPLATE]:
        assert after_edit[page][1] > before[page][1], page  # a new revision
    # the template's user keeps its revision, and its touched until the jobs run
    assert after_edit[DEPENDANT] == before[DEPENDANT]
    assert wiki.pending_jobs() > 0
    wiki.run_jobs()
    after_jobs = wiki.info(EDITED + [DEPENDANT])
    assert after_jobs[DEPENDANT][1] == before[DEPENDANT][1]
    assert after_jobs[DEPENDANT][2] > before[DEPENDANT][2], "runJobs did not move touched"

    log_from = wiki.access_log_size()
    st2, rec2, err2 = crawl(svc, titles)
    log = wiki.access_log_since(log_from)
    assert st2["requests_parse"] == 3, st2
    assert st2["cache_hits"] == existing - 3, st2
    # the wiki's side: parse requests are GETs, php -S logs each with its query string
    parse_lines = [line for line in log if "]: GET /api.php?" in line and "action=parse" in line]
    assert len(parse_lines) == 3, parse_lines
    for page in EDITED + [DEPENDANT]:
        assert any("page=" + requests.utils.quote(page, safe="") in line
                   for line in parse_lines), (page, parse_lines)

    svc.stop()
    fresh = start(service, redis_server, wiki)
    st3, rec3, err3 = crawl(fresh, titles, params={"cache": "false"})
    assert st3["cache_hits"] == 0 and st3["requests_parse"] == existing
    assert sorted(rec2) == sorted(rec3)
    for title, line in rec3.items():
        assert rec2[title] == line, title
    assert err2 == err3
    # the edits show in the records: the three changed, nothing else did
    changed = {t for t in rec1 if rec1[t] != rec3[t]}
    assert changed == set(EDITED + [DEPENDANT]), changed
