"""Provenance against Debian's real MediaWiki (issue 23) as one of two wikis, beside a fake one
whose articles carry a Wikidata item: revision_id is the wiki's current revision of the page,
wikidata_id is null on a wiki without Wikibase and set where the page property is."""
import json

import requests

from conftest import accounted
from test_real_mediawiki import REQUEST_DEADLINE, corpus_titles, real_wiki  # noqa: F401


def test_revision_and_wikidata_from_a_real_wiki_beside_a_fake_one(service, redis_server,
                                                                   fakewiki, real_wiki):  # noqa: F811
    fake = fakewiki("--synthetic", "--wikibase")
    svc = service("serve", ["--redis", redis_server.socket, "--wikis",
                            "real=%s,fake=%s" % (real_wiki, fake.url), "--workers", "2",
                            "--concurrency", "4", "--rate", "0", "--user-agent",
                            "wikicrawl-tests"])
    titles = corpus_titles()[:40]
    fields = ["wiki", "revision_id", "wikidata_id", "touched"]
    real_job = svc.submit({"titles": titles, "wiki": "real", "fields": fields}).json()["id"]
    fake_job = svc.submit({"titles": ["Fake one", "Fake two"], "wiki": "fake",
                           "fields": fields}).json()["id"]
    st = svc.wait_done(real_job, timeout=300)
    assert st["status"] == "done" and accounted(st) == st["titles"]
    r = requests.get(svc.url("/v1/jobs/%s/results" % real_job), params={"limit": 1000},
                     timeout=REQUEST_DEADLINE)
    records = [json.loads(line) for line in r.text.splitlines()]
    assert len(records) >= 10
    # the wiki's current revision of each page, asked by its id
    ids = sorted({rec["page_id"] for rec in records})
    revisions = {}
    for i in range(0, len(ids), 50):
        answer = requests.get(real_wiki, params={
            "action": "query", "prop": "info", "format": "json", "formatversion": "2",
            "pageids": "|".join(ids[i:i + 50])}, timeout=REQUEST_DEADLINE).json()
        for page in answer["query"]["pages"]:
            revisions[page["pageid"]] = page["lastrevid"]
    for rec in records:
        assert list(rec)[8:] == fields
        assert rec["wiki"] == "real"
        assert rec["revision_id"] == revisions[int(rec["page_id"])], rec["page_title"]
        assert rec["wikidata_id"] is None  # Debian's MediaWiki has no Wikibase client
        assert rec["touched"] is not None and rec["touched"].endswith("Z")
    st = svc.wait_done(fake_job, timeout=120)
    r = requests.get(svc.url("/v1/jobs/%s/results" % fake_job), timeout=60)
    fake_records = [json.loads(line) for line in r.text.splitlines()]
    assert len(fake_records) == 2
    assert all(rec["wiki"] == "fake" and rec["wikidata_id"].startswith("Q")
               for rec in fake_records)
