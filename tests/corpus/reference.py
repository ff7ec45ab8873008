#!/usr/bin/python3
"""reference.py - the lxml reference extraction (the old notebook's), applied to the corpus.

    /usr/bin/python3 tests/corpus/reference.py expected
        regenerates expected/NNN.ndjson (one record per "ok" answer, from the notebook variant)
        and outcomes.json, and checks that the lean variant of every answer gives the same
        outcome and byte-identical record; exits 1 (after writing) if any differs.
    /usr/bin/python3 tests/corpus/reference.py record --title TITLE FILE
        prints the record of one answer (either formatversion) as one NDJSON line.
    /usr/bin/python3 tests/corpus/reference.py outcome FILE
        prints ok | disambiguation | missing | invalid.

Record rules (the notebook's, for formatversion 1 and 2 answers alike):
    page_id         str(parse["pageid"])
    page_title      the title as submitted (not the canonical one)
    page_text       "".join(" " + p.text_content() for every <p>, as lxml parses the HTML)
                    with "\\n" replaced by "."
    category        names of the categories WITHOUT a "hidden" key
                    (fv1: {"sortkey","*":name,"hidden":""}, fv2: {"sortkey","category":name,"hidden":true})
    links           titles of parse["links"] (fv1 "*", fv2 "title"), whether they exist or not
    external_links  parse["externallinks"]
    sections        [s["line"] for s in parse["sections"]] (raw HTML of the heading)
    redirects_page  parse["redirects"][0]["to"] if parse has a non-empty "redirects", else None
serialised with json.dumps(ensure_ascii=False, separators=(",", ":")), keys in that order, "\\n".
"""
import argparse
import json
import os
import sys

import lxml.html

HERE = os.path.dirname(os.path.abspath(__file__))

DISAMBIGUATION_CATEGORIES = ("Disambiguation_pages", "Disambiguation pages")
MISSING_CODES = ("missingtitle",)
# Title errors. MediaWiki 1.39 answers invalidtitle (bad characters, too long, empty, interwiki,
# redirect to an interwiki) and pagecannotexist (Special:, Media:, bare fragment); "specialpage"
# and the title-invalid-* codes are what other versions use for the same situations.
INVALID_CODES = ("invalidtitle", "pagecannotexist", "specialpage")


def _invalid(code):
    return code in INVALID_CODES or code.startswith("title-invalid-")


class UnexpectedAnswer(Exception):
    pass


def _text(parse):
    text = parse["text"]
    return text["*"] if isinstance(text, dict) else text          # fv1 {"*": html}, fv2 html


def _category_name(c):
    return c["*"] if "*" in c else c["category"]


def _link_title(link):
    return link["*"] if "*" in link else link["title"]


def _properties(parse):
    props = parse.get("properties") or {}
    if isinstance(props, list):                                    # fv1 [{"name", "*"}]
        return {p["name"]: p.get("*") for p in props}
    return props                                                   # fv2 {name: value}


def outcome(answer):
    """ok | disambiguation | missing | invalid for a decoded api.php answer."""
    if "error" in answer:
        code = answer["error"].get("code")
        if code in MISSING_CODES:
            return "missing"
        if isinstance(code, str) and _invalid(code):
            return "invalid"
        raise UnexpectedAnswer(f"unexpected error code {code!r}")
    if "parse" not in answer:
        raise UnexpectedAnswer("neither parse nor error in the answer")
    parse = answer["parse"]
    if any(_category_name(c) in DISAMBIGUATION_CATEGORIES for c in parse.get("categories", [])):
        return "disambiguation"
    if "disambiguation" in _properties(parse):
        return "disambiguation"
    return "ok"


def record(answer, title):
    parse = answer["parse"]
    text = _text(parse)
    page_text = "".join(" " + p.text_content() for p in lxml.html.document_fromstring(text).xpath("//p")).replace("\n", ".")
    return {
        "page_id": str(parse["pageid"]),
        "page_title": title,
        "page_text": page_text,
        "category": [_category_name(c) for c in parse["categories"] if "hidden" not in c],
        "links": [_link_title(link) for link in parse["links"]],
        "external_links": parse["externallinks"],
        "sections": [s["line"] for s in parse["sections"]],
        "redirects_page": parse["redirects"][0]["to"] if parse.get("redirects") else None,
    }


def serialize(rec):
    return (json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def load(path):
    with open(path, "rb") as f:
        return json.loads(f.read())


def nested_paragraphs(html):
    """Number of <p> elements that lxml puts inside another <p>."""
    return sum(1 for p in lxml.html.document_fromstring(html).xpath("//p") if p.xpath(".//p"))


def cmd_expected(args):
    with open(os.path.join(HERE, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    exp_dir = os.path.join(HERE, "expected")
    os.makedirs(exp_dir, exist_ok=True)
    outcomes, failures, nested = {}, [], []
    for e in manifest:
        nid, title = e["id"], e["title"]
        nb = load(os.path.join(HERE, e["notebook"]))
        lean = load(os.path.join(HERE, e["lean"]))
        o_nb, o_lean = outcome(nb), outcome(lean)
        outcomes[nid] = o_nb
        if o_nb != o_lean:
            failures.append(f"{nid} {title!r}: outcome notebook={o_nb} lean={o_lean}")
            continue
        if "parse" in nb and nested_paragraphs(_text(nb["parse"])):
            nested.append(nid)
        if o_nb != "ok":
            continue
        line = serialize(record(nb, title))
        with open(os.path.join(exp_dir, nid + ".ndjson"), "wb") as f:
            f.write(line)
        lean_line = serialize(record(lean, title))
        if lean_line != line:
            a, b = json.loads(line), json.loads(lean_line)
            diff = [k for k in a if a[k] != b[k]]
            failures.append(f"{nid} {title!r}: lean record differs in {', '.join(diff)}")
    for name in os.listdir(exp_dir):
        if name.endswith(".ndjson") and outcomes.get(name[:-len(".ndjson")]) != "ok":
            os.remove(os.path.join(exp_dir, name))
    with open(os.path.join(HERE, "outcomes.json"), "w", encoding="utf-8") as f:
        json.dump(outcomes, f, indent=1, sort_keys=True)
        f.write("\n")
    counts = {k: sum(1 for v in outcomes.values() if v == k) for k in ("ok", "disambiguation", "missing", "invalid")}
    print(f"{len(outcomes)} answers: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    print(f"notebook answers with a <p> nested in a <p> after lxml parsing: {len(nested)} {nested}")
    if failures:
        print(f"FAILURE: lean and notebook variants disagree for {len(failures)} answers:")
        for line in failures:
            print("  " + line)
        return 1
    print("lean == notebook: identical outcome for every answer and identical record for every ok answer")
    return 0


def cmd_record(args):
    answer = load(args.file)
    if "parse" not in answer:
        print(f"reference.py: {args.file}: no parse in the answer ({outcome(answer)})", file=sys.stderr)
        return 1
    sys.stdout.buffer.write(serialize(record(answer, args.title)))
    return 0


def cmd_outcome(args):
    print(outcome(load(args.file)))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("expected").set_defaults(func=cmd_expected)
    r = sub.add_parser("record")
    r.add_argument("--title", required=True, help="the title as submitted")
    r.add_argument("file")
    r.set_defaults(func=cmd_record)
    o = sub.add_parser("outcome")
    o.add_argument("file")
    o.set_defaults(func=cmd_outcome)
    args = ap.parse_args()
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
