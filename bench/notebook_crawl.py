"""The reference for crawl throughput: the old notebook's crawl, measured the way it ran.

usage: /usr/bin/python3 bench/notebook_crawl.py --api URL --processes N --prefix P --count N
                                                 [--chunk 50]

The notebook split its title list into chunks and ran multiprocessing.Pool(processes).map over
them; each process requested action=parse&page=T&format=json&redirects=1 with `requests`, one title
at a time, and turned every answer into a row with lxml (the page_text expression below is the
notebook's, character for character). The rows came back to the parent through pool.map.

Titles are "P 0000000" .. "P <count-1>" (bench/svc.py titles()). Prints one line:
pages=N rows=R seconds=S pages_per_s=X cpu_s=C cpu_ms_per_page=M
(seconds from creating the pool to having every row in the parent; cpu: parent and its children).
"""
import argparse
import multiprocessing
import resource
import time

import lxml.html
import requests

API = None


def crawl_title(title):
    answer = requests.get(API, params={"action": "parse", "page": title, "format": "json",
                                       "redirects": 1}).json()
    if "parse" not in answer:
        return None
    parse = answer["parse"]
    text = parse["text"]["*"]
    if any(c["*"] in ("Disambiguation_pages", "Disambiguation pages")
           for c in parse["categories"]):
        return None
    page_text = "".join(" " + p.text_content() for p in lxml.html.document_fromstring(text).xpath("//p")).replace("\n", ".")
    return {
        "page_id": str(parse["pageid"]),
        "page_title": title,
        "page_text": page_text,
        "category": [c["*"] for c in parse["categories"] if "hidden" not in c],
        "links": [link["*"] for link in parse["links"]],
        "external_links": parse["externallinks"],
        "sections": [s["line"] for s in parse["sections"]],
        "redirects_page": parse["redirects"][0]["to"] if parse.get("redirects") else None,
    }


def crawl_chunk(chunk):
    rows = []
    for title in chunk:
        row = crawl_title(title)
        if row is not None:
            rows.append(row)
    return rows


def main():
    global API
    ap = argparse.ArgumentParser()
    ap.add_argument("--api", required=True)
    ap.add_argument("--processes", type=int, required=True)
    ap.add_argument("--prefix", required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--chunk", type=int, default=50)
    args = ap.parse_args()
    API = args.api
    titles = ["%s %07d" % (args.prefix, i) for i in range(args.count)]
    # never fewer chunks than processes (a scaled-down run must still keep every process busy)
    chunk = max(1, min(args.chunk, len(titles) // args.processes))
    chunks = [titles[i:i + chunk] for i in range(0, len(titles), chunk)]
    ru0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    pool = multiprocessing.Pool(args.processes)
    results = pool.map(crawl_chunk, chunks)
    pool.close()
    pool.join()
    secs = time.perf_counter() - t0
    rows = [row for chunk_rows in results for row in chunk_rows]
    ru1 = resource.getrusage(resource.RUSAGE_SELF)
    ruc = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (ru1.ru_utime - ru0.ru_utime + ru1.ru_stime - ru0.ru_stime
           + ruc.ru_utime + ruc.ru_stime)
    print("pages=%d rows=%d seconds=%.4f pages_per_s=%.2f cpu_s=%.3f cpu_ms_per_page=%.3f"
          % (len(titles), len(rows), secs, len(titles) / secs, cpu, cpu * 1000 / len(titles)))


if __name__ == "__main__":
    main()
