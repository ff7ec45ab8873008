"""The reference for page_text throughput: the notebook's lxml expression, single pass over //p.

usage: /usr/bin/python3 bench/html_text_lxml.py ROUNDS FILE...
Prints: pages=N bytes=B seconds=S mb_per_s=X text_bytes=T (same format as html_text_bench)."""
import json
import sys
import time

import lxml.html


def html_of(path):
    with open(path, "rb") as f:
        parse = json.load(f).get("parse")
    if not parse:
        return None
    text = parse.get("text")
    return text["*"] if isinstance(text, dict) else text


def main():
    rounds = int(sys.argv[1])
    pages = [p for p in (html_of(a) for a in sys.argv[2:]) if p]
    total = sum(len(p.encode("utf-8")) for p in pages)
    checksum = 0
    t0 = time.perf_counter()
    for _ in range(rounds):
        for text in pages:
            page_text = "".join(" " + p.text_content() for p in
                                lxml.html.document_fromstring(text).xpath("//p")).replace("\n", ".")
            checksum += len(page_text.encode("utf-8"))
    secs = time.perf_counter() - t0
    print("pages=%d bytes=%d seconds=%.4f mb_per_s=%.2f text_bytes=%d"
          % (len(pages), total * rounds, secs, total * rounds / secs / 1e6, checksum))


if __name__ == "__main__":
    main()
