"""Many wikis from one service (issue 23): jobs name a wiki of --wikis, each wiki has its own
fleet-wide budget, a failing wiki holds up only its own jobs, and the cache keeps wikis apart.
The wikis are fake ones that serve different text for the same titles (--text-prefix)."""
import json
import subprocess
import time

import requests

from conftest import BIN, accounted, metrics, numbered_titles, wait_for
from test_metrics import promtool_check


def start(service, redis_server, wikis, *extra):
    """`wikicrawl serve` with --wikis (the fake wiki's URL after each name)."""
    spec = ",".join("%s=%s%s" % (name, w.url, opts) for name, w, opts in wikis)
    return service("serve", ["--redis", redis_server.socket, "--wikis", spec, "--workers", "2",
                             "--retry-base-ms", "20", "--timeout-ms", "5000", "--rate", "0",
                             "--chunk-size", "10"] + list(extra))


def records_of(svc, job, n):
    st = svc.wait_done(job, timeout=240)
    assert st["status"] == "done" and accounted(st) == st["titles"] == n, st
    _, records = svc.lines(job, limit=10000)
    assert len(records) == n
    return st, records


def test_jobs_name_wikis_each_within_its_own_cap_and_cache(service, redis_server, fakewiki):
    en = fakewiki("--synthetic", "--text-prefix", "Wiki-en", "--latency-ms", "40")
    de = fakewiki("--synthetic", "--text-prefix", "Wiki-de", "--latency-ms", "40")
    svc = start(service, redis_server, [("en", en, ";inflight=3"), ("de", de, ";inflight=2")],
                "--concurrency", "8")

    # GET /v1/wikis: names, API URLs and budgets, the first is the default
    wikis = requests.get(svc.url("/v1/wikis"), timeout=10).json()["wikis"]
    assert [(w["name"], w["api_url"], w["max_inflight"], w["rate"], w["default"])
            for w in wikis] == [("en", en.url, 3, 0, True), ("de", de.url, 2, 0, False)]

    # an unknown wiki: 422 with the names allowed, in the body and in the query alike
    r = svc.submit({"titles": ["A"], "wiki": "fr"})
    assert r.status_code == 422 and "en, de" in r.json()["error"]["message"], r.text
    r = svc.submit("A\n", "text/plain", params={"wiki": "fr"})
    assert r.status_code == 422 and "en, de" in r.json()["error"]["message"], r.text

    shared = numbered_titles("Shared title", 40)
    first = svc.submit({"titles": shared}).json()["id"]  # no wiki: the first, en
    st, records = records_of(svc, first, 40)
    assert st["wiki"] == "en"
    assert all(r["page_text"].lstrip().startswith("Wiki-en ") for r in records)
    en.reset_stats()
    de.reset_stats()

    # At the same time: the same titles on de (the cache must not answer them from en's
    # records) and new titles on en.
    on_de = svc.submit("\n".join(shared), "text/plain", params={"wiki": "de"}).json()["id"]
    on_en = svc.submit({"titles": numbered_titles("Own title", 60), "wiki": "en"}).json()["id"]
    st_de, records_de = records_of(svc, on_de, 40)
    st_en, records_en = records_of(svc, on_en, 60)
    assert st_de["wiki"] == "de" and st_en["wiki"] == "en"
    assert st_de["cache_hits"] == 0
    assert all(r["page_text"].lstrip().startswith("Wiki-de ") for r in records_de)
    assert all(r["page_text"].lstrip().startswith("Wiki-en ") for r in records_en)
    s_en, s_de = en.stats(), de.stats()
    assert s_de["parse_requests"] == 40 and s_en["parse_requests"] == 60
    assert 1 <= s_en["max_concurrent"] <= 3, s_en["max_concurrent"]
    assert 1 <= s_de["max_concurrent"] <= 2, s_de["max_concurrent"]

    # each wiki's cache still answers its own titles
    again = svc.submit({"titles": shared, "wiki": "de"}).json()["id"]
    st, records = records_of(svc, again, 40)
    assert st["cache_hits"] == 40
    assert all(r["page_text"].lstrip().startswith("Wiki-de ") for r in records)

    # /metrics: requests and pages by wiki, and promtool still accepts the whole exposition
    text = metrics(svc)
    assert 'wikicrawl_wiki_pages_total{wiki="de",outcome="ok"} 80\n' in text
    assert 'wikicrawl_wiki_pages_total{wiki="en",outcome="ok"} 100\n' in text
    by_wiki = {line.split('"')[1]: int(line.split()[-1]) for line in text.splitlines()
               if line.startswith("wikicrawl_wiki_requests_total{")}
    assert by_wiki["en"] >= 100 and by_wiki["de"] >= 40, by_wiki
    code, said = promtool_check(text)
    assert code == 0, said


def test_a_failing_wiki_slows_only_its_own_job(service, redis_server, fakewiki):
    good = fakewiki("--synthetic", "--text-prefix", "Good")
    bad = fakewiki("--synthetic", "--rate-503", "1.0", "--latency-ms", "1000")
    # one worker: the good job can only get it if the failing wiki's run gives it up
    svc = start(service, redis_server, [("good", good, ""), ("bad", bad, ";inflight=2")],
                "--concurrency", "4", "--workers", "1")
    slow = svc.submit({"titles": numbered_titles("Slow title", 40), "wiki": "bad"}).json()["id"]
    # the failing wiki's chunks are claimed (and held) first
    wait_for(lambda: bad.stats()["requests"] >= 2, 60, "requests to the failing wiki")
    fine = svc.submit({"titles": numbered_titles("Fine title", 60), "wiki": "good"}).json()["id"]
    st, records = records_of(svc, fine, 60)
    assert all(r["page_text"].lstrip().startswith("Good ") for r in records)
    # 40 titles x 5 attempts x 1 s, two at a time: the failing job is far from done
    assert svc.status(slow)["status"] in ("queued", "running"), svc.status(slow)
    assert bad.stats()["max_concurrent"] <= 2
    assert "wiki_turn_over" in svc.log()
    requests.delete(svc.url("/v1/jobs/" + slow), timeout=10)


CONTRACT = ["page_id", "page_title", "page_text", "category", "links", "external_links",
            "sections", "redirects_page"]


def test_records_say_where_they_came_from_when_asked(service, redis_server, fakewiki):
    wd = fakewiki("--synthetic", "--wikibase")
    plain = fakewiki("--synthetic", "--text-prefix", "Plain")
    svc = start(service, redis_server, [("wd", wd, ""), ("plain", plain, "")])
    titles = numbered_titles("Provenance title", 12)
    # fields in any order: they follow the 8 in the fixed one
    asked = svc.submit({"titles": titles, "fields": ["touched", "wikidata_id", "revision_id",
                                                     "wiki"]}).json()["id"]
    st, records = records_of(svc, asked, 12)
    assert st["wiki"] == "wd" and st["fields"] == ["wiki", "revision_id", "wikidata_id",
                                                     "touched"]
    for r in records:
        assert list(r) == CONTRACT + ["wiki", "revision_id", "wikidata_id", "touched"]
        number = r["page_text"].split("is numbered ")[1].split(".")[0]
        # fakewiki: a page never edited has revision = pageid and touched 2024-01-01
        assert (r["wiki"], r["revision_id"], r["wikidata_id"], r["touched"]) == \
            ("wd", int(r["page_id"]), "Q" + number, "2024-01-01T00:00:00Z")
    # ?fields= on another wiki: wikidata_id null there (no Wikibase)
    other = svc.submit("\n".join(titles), "text/plain",
                       params={"wiki": "plain", "fields": "wikidata_id,wiki"}).json()["id"]
    st, records = records_of(svc, other, 12)
    assert st["fields"] == ["wiki", "wikidata_id"]
    for r in records:
        assert list(r) == CONTRACT + ["wiki", "wikidata_id"]
        assert (r["wiki"], r["wikidata_id"]) == ("plain", None)
    # without fields: the 8, as before (and unknown names are refused)
    bare = svc.submit({"titles": titles, "wiki": "wd"}).json()["id"]
    st, records = records_of(svc, bare, 12)
    assert st["fields"] == [] and all(list(r) == CONTRACT for r in records)
    r = svc.submit({"titles": titles, "fields": ["wiki", "rev"]})
    assert r.status_code == 422 and "'rev'" in r.json()["error"]["message"], r.text
    r = svc.submit("A\n", "text/plain", params={"fields": "wiki,"})
    assert r.status_code == 422, r.text


def test_cli_submit_names_the_wiki_and_the_fields(service, redis_server, fakewiki):
    en = fakewiki("--synthetic", "--text-prefix", "Wiki-en")
    de = fakewiki("--synthetic", "--text-prefix", "Wiki-de", "--wikibase")
    svc = start(service, redis_server, [("en", en, ""), ("de", de, "")])
    titles = "\n".join(numbered_titles("Cli title", 5)).encode()
    p = subprocess.run([BIN, "submit", "-", "--wiki", "de", "--fields", "wikidata_id,wiki",
                        "--wait", "-o", "-", "--server", svc.url("")], input=titles,
                       capture_output=True, timeout=180)
    assert p.returncode == 0, p.stderr.decode()
    records = [json.loads(line) for line in p.stdout.decode().splitlines()]
    assert len(records) == 5
    assert all(list(r)[8:] == ["wiki", "wikidata_id"] and r["wiki"] == "de" and
               r["wikidata_id"].startswith("Q") and
               r["page_text"].lstrip().startswith("Wiki-de ") for r in records)
    p = subprocess.run([BIN, "submit", "-", "--wiki", "fr", "--server", svc.url("")],
                       input=titles, capture_output=True, timeout=60)
    assert p.returncode != 0 and b"en, de" in p.stderr, p.stderr


def test_total_rate_caps_all_wikis_together(service, redis_server, fakewiki):
    """Each wiki without a rate of its own, --total-rate 10: the two wikis together see at most
    10 requests a second (bounded from above only: a slow machine can only lower it)."""
    en = fakewiki("--synthetic")
    de = fakewiki("--synthetic")
    svc = start(service, redis_server, [("en", en, ";rate=0"), ("de", de, ";rate=0")],
                "--total-rate", "10", "--resolve-batch", "0", "--cache-ttl", "0")
    assert requests.get(svc.url("/v1/wikis"), timeout=10).json()["total_rate"] == 10
    began = time.monotonic()
    jobs = [svc.submit({"titles": numbered_titles("Budget title", 30), "wiki": name}).json()["id"]
            for name in ("en", "de")]
    for job in jobs:
        records_of(svc, job, 30)
    elapsed = time.monotonic() - began
    sent = en.stats()["requests"] + de.stats()["requests"]
    assert sent == 60 and en.stats()["requests"] == 30
    # a burst of one token, then 10 a second: 60 requests take at least 5.9 s
    assert elapsed >= 5.5, (sent, elapsed)
