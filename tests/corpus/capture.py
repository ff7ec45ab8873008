#!/usr/bin/python3
"""capture.py - record real MediaWiki api.php answers for the test corpus.

    tests/mediawiki/wiki.sh setup /tmp/wiki && tests/mediawiki/wiki.sh serve /tmp/wiki 8080
    /usr/bin/python3 tests/corpus/capture.py [--api http://127.0.0.1:8080/api.php]
    tests/mediawiki/wiki.sh stop /tmp/wiki

For every title of titles() (all pages of tests/mediawiki/corpus.xml in the main namespace,
redirects included, then non-canonical spellings, missing and invalid titles) it sends two
action=parse requests and stores the response bodies byte for byte:

    answers/notebook/NNN.json   the old notebook's request (formatversion 1, default props)
    answers/lean/NNN.json       the crawler's request (formatversion 2, only the props it uses)

and writes manifest.json. Existing answers are replaced; answers of ids no longer listed are
deleted.
"""
import argparse
import concurrent.futures
import json
import os
import sys
import xml.etree.ElementTree as ET

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS_XML = os.path.join(HERE, "..", "mediawiki", "corpus.xml")
NS = "{http://www.mediawiki.org/xml/export-0.11/}"

NOTEBOOK = {"action": "parse", "format": "json", "redirects": "1"}
LEAN = {"action": "parse", "format": "json", "formatversion": "2", "redirects": "1",
        "prop": "text|categories|links|externallinks|sections|properties",
        "disablelimitreport": "1", "disableeditsection": "1", "disabletoc": "1"}

# Existing pages spelled the way users and old link dumps spell them: lower-case first letter,
# underscores, stray spaces, a fragment. MediaWiki normalises all of them.
NON_CANONICAL = [
    "star Wars: Episode IV",
    "mercury_(planet)",
    "café_de_Flore",
    "aT&T",
    "washington,_D.C.",
    " Zürich ",
    "Mercury  (planet)",
    "hello,_World!",
    "ψ (psi)",
    "straße",
    "c++",
    "iPod (device)",
    "cairo",
    "Mercury (planet)#Orbit",
    "Star_Wars:_Episode_IV",
]

MISSING = [
    "This article does not exist",
    "Nonexistent redirect target",
    "Mercury (band)",
    "Talk:Mercury (planet)",
    "Category:Nonexistent category",
    "Help:Contents",
    "Zürich (disambiguation)",
    "Ａlpha",                   # fullwidth A: a different title, not a spelling of "Alpha"
    "B" * 255,                 # longest legal title (255 bytes)
    "é" * 127 + "A",           # 255 bytes of UTF-8, 128 characters
]

INVALID = [
    "Foo[bar",
    "Foo]bar",
    "Foo{bar}",
    "Foo|bar",
    "Foo<bar>",
    "Special:Version",
    "Special:Random",
    "Media:Example.png",
    "",
    " ",
    "A" * 300,                 # 300 bytes
    "é" * 150,                 # 300 bytes, 150 characters
    "B" * 256,                 # one byte too long
    "é" * 128,                 # 256 bytes
    "~~~~",
    "a/../b",
    "./x",
    "Foo%41bar",
    ":",
    "Talk:",
    "#Anchor only",
    "Foo\nbar",
    "Foo\x7fbar",
    "wikipedia:Example",
]


def corpus_titles():
    """(articles, redirects): main-namespace titles of corpus.xml in file order."""
    articles, redirects = [], []
    for _, el in ET.iterparse(CORPUS_XML):
        if el.tag != NS + "page":
            continue
        if el.findtext(NS + "ns") == "0":
            (redirects if el.find(NS + "redirect") is not None else articles).append(el.findtext(NS + "title"))
        el.clear()
    return articles, redirects


def titles():
    articles, redirects = corpus_titles()
    out = articles + redirects + NON_CANONICAL + MISSING + INVALID
    assert len(out) == len(set(out)), "duplicate title in the capture list"
    return out


def fetch(session, api, params):
    r = session.get(api, params=params, timeout=60, headers={"Accept-Encoding": "identity"})
    return r.status_code, r.content


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--api", default="http://127.0.0.1:8080/api.php")
    ap.add_argument("--out", default=HERE, help="corpus directory (default: beside this script)")
    ap.add_argument("--jobs", type=int, default=4)
    args = ap.parse_args()

    session = requests.Session()
    session.headers["User-Agent"] = "wikicrawl-corpus-capture/1.0"
    adapter = requests.adapters.HTTPAdapter(pool_maxsize=args.jobs)
    session.mount("http://", adapter)
    general = session.get(args.api, params={"action": "query", "meta": "siteinfo", "format": "json"},
                          timeout=30).json()["query"]["general"]

    dirs = {v: os.path.join(args.out, "answers", v) for v in ("notebook", "lean")}
    for d in dirs.values():
        os.makedirs(d, exist_ok=True)

    todo = [(f"{i:03d}", t) for i, t in enumerate(titles(), 1)]

    def one(item):
        nid, title = item
        entry = {"id": nid, "title": title}
        for variant, base in (("notebook", NOTEBOOK), ("lean", LEAN)):
            status, body = fetch(session, args.api, dict(base, page=title))
            rel = f"answers/{variant}/{nid}.json"
            with open(os.path.join(args.out, rel), "wb") as f:
                f.write(body)
            entry[variant] = rel
            entry["http_status_" + variant] = status
        return entry

    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        manifest = list(pool.map(one, todo))

    keep = {e["id"] + ".json" for e in manifest}
    for d in dirs.values():
        for name in os.listdir(d):
            if name not in keep:
                os.remove(os.path.join(d, name))
    with open(os.path.join(args.out, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, ensure_ascii=False, indent=1)
        f.write("\n")
    bad = [e["id"] for e in manifest if e["http_status_notebook"] != 200 or e["http_status_lean"] != 200]
    print(f"captured {len(manifest)} titles x 2 variants from {args.api} "
          f"({general['generator']}); non-200 answers: {bad or 'none'}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
