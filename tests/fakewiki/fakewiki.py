#!/usr/bin/python3
"""fakewiki.py - a fake MediaWiki api.php for wikicrawl's tests and benchmarks (stdlib only).

    /usr/bin/python3 tests/fakewiki/fakewiki.py --port 0 --corpus tests/corpus [flags]

Prints `LISTENING <port>` on stdout once it listens on 127.0.0.1, then serves

    GET|POST /w/api.php?action=parse&page=T...   corpus answers byte for byte, synthetic answers
                                                  (--synthetic), injected faults
    GET|POST /w/api.php?action=query&titles=A|B   batched resolution consistent with parse
    GET  /_stats          counters (JSON)          POST /_stats/reset   zero them
    GET  /_control        current settings         POST /_control       replace them (JSON)

One process, one thread, asyncio with a small hand-written HTTP/1.1 parser (keep-alive,
pipelining, Content-Length bodies). See tests/fakewiki/README.md for flags, fields and semantics.
"""
import argparse
import asyncio
import hashlib
import html
import json
import os
import random
import re
import resource
import signal
import socket
import struct
import sys
import time
import zlib
from urllib.parse import parse_qsl, quote

DOCREF = ("See http://localhost/api.php for API usage. Subscribe to the mediawiki-api-announce "
          "mailing list at &lt;https://lists.wikimedia.org/postorius/lists/"
          "mediawiki-api-announce.lists.wikimedia.org/&gt; for notice of API deprecations and "
          "breaking changes.")

MAXLAG_HOST = "10.64.16.7"

# Fault settings: POST /_control replaces all of them (absent fields go back to these defaults).
FAULT_DEFAULTS = {
    "latency_ms": 0,
    "jitter_ms": 0,
    "rate_429": 0.0,
    "retry_after": 1,
    "rate_503": 0.0,
    "rate_maxlag": 0.0,
    "maxlag_lag": 7,
    "rate_broken_json": 0.0,
    "rate_reset": 0.0,
    "rate_hang": 0.0,
    "hang_ms": 30000,
    "fail_first_n": 0,
    "down": False,
    "fault_titles": [],
    "fault_action": "",
    "query_omit": [],
    "parse_missing": [],
}
# Server settings: POST /_control changes only those it names.
SERVER_DEFAULTS = {"seed": 0, "random": False, "synthetic": False, "page_kb": 0, "gzip": False}

# fault_action: faults hit every api.php request (""), or only action=parse / action=query ones.
FAULT_ACTIONS = ("", "parse", "query")
RATE_KINDS = ("429", "503", "maxlag", "broken_json", "reset", "hang")
FAULT_KINDS = RATE_KINDS + ("fail_first_n", "down", "fault_title")

REASONS = {200: "OK", 204: "No Content", 400: "Bad Request", 404: "Not Found",
           405: "Method Not Allowed", 413: "Payload Too Large", 429: "Too Many Requests",
           431: "Request Header Fields Too Large", 500: "Internal Server Error",
           501: "Not Implemented", 503: "Service Unavailable"}

MAX_HEAD = 64 * 1024
MAX_BODY = 16 * 1024 * 1024


def validate_settings(new, merge_into=None):
    """Checked settings from a /_control body. Fault fields are replaced wholesale unless
    merge_into is given (then only the named ones change); server fields only when named."""
    if not isinstance(new, dict):
        raise ValueError("the body must be a JSON object")
    unknown = sorted(set(new) - set(FAULT_DEFAULTS) - set(SERVER_DEFAULTS))
    if unknown:
        raise ValueError("unknown field(s): " + ", ".join(unknown))
    base = dict(merge_into) if merge_into is not None else dict(FAULT_DEFAULTS)
    out = {}
    for k, v in new.items():
        default = FAULT_DEFAULTS.get(k, SERVER_DEFAULTS.get(k))
        if isinstance(default, bool):
            if not isinstance(v, bool):
                raise ValueError("%s must be true or false" % k)
        elif isinstance(default, str):
            if v not in FAULT_ACTIONS:
                raise ValueError("%s must be one of %s" % (k, ", ".join(
                    repr(a) for a in FAULT_ACTIONS)))
        elif isinstance(default, list):
            if not isinstance(v, list) or not all(isinstance(t, str) for t in v):
                raise ValueError("%s must be a list of strings" % k)
        elif isinstance(default, float):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 1:
                raise ValueError("%s must be a number between 0 and 1" % k)
            v = float(v)
        else:
            if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0 or v != int(v):
                raise ValueError("%s must be a non-negative integer" % k)
            v = int(v)
        out[k] = v
    base.update({k: v for k, v in out.items() if k in FAULT_DEFAULTS})
    if sum(base["rate_" + k] for k in RATE_KINDS) > 1.0 + 1e-9:
        raise ValueError("the rate_* fields add up to more than 1")
    server = {k: v for k, v in out.items() if k in SERVER_DEFAULTS}
    return base, server


# ---------------------------------------------------------------------------------------------
# answers

def dumps(obj, fv2, ascii_only=None):
    """JSON the way MediaWiki sends it: compact; fv1 escapes non-ASCII, fv2 sends UTF-8."""
    if ascii_only is None:
        ascii_only = not fv2
    s = json.dumps(obj, ensure_ascii=ascii_only, separators=(",", ":"))
    if not ascii_only and ("\u2028" in s or "\u2029" in s):
        s = s.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return s.encode("utf-8")


def api_error(code, info, fv2, extra=None, ascii_only=None):
    err = {"code": code, "info": info}
    if extra:
        err.update(extra)
    err["docref" if fv2 else "*"] = DOCREF
    return dumps({"error": err}, fv2, ascii_only)


def error_code_of(body):
    if body.startswith(b'{"error":'):
        try:
            return json.loads(body)["error"]["code"]
        except (ValueError, KeyError, TypeError):
            return None
    return None


class Corpus:
    def __init__(self, path):
        self.answers = {}  # (title, fv2) -> (status, body, error_code)
        if not path:
            return
        with open(os.path.join(path, "manifest.json"), encoding="utf-8") as f:
            manifest = json.load(f)
        for e in manifest:
            for variant, fv2 in (("notebook", False), ("lean", True)):
                if variant not in e:
                    continue
                with open(os.path.join(path, e[variant]), "rb") as f:
                    body = f.read()
                status = int(e.get("http_status_" + variant) or 200)
                self.answers[(e["title"], fv2)] = (status, body, error_code_of(body))


_LEGAL = re.compile(r"""[^ %!"$&'()*,\-./0-9:;=?@A-Z\\^_`a-z~\x80-\U0010FFFF+]""")
_PCT = re.compile(r"%[0-9A-Fa-f]{2}")
_SPACES = re.compile("[ _\u00a0\u1680\u180e\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")


def normalise(title):
    """MediaWiki's title normalisation, roughly: drop the fragment, underscores and runs of
    blanks to one space, trim, leading colon, first letter upper case. None if invalid."""
    t = title.split("#", 1)[0]
    t = _SPACES.sub(" ", t).strip(" ")
    if t.startswith(":"):
        t = t[1:].strip(" ")
    if not t or _LEGAL.search(t) or _PCT.search(t) or "~~~" in t:
        return None
    if t in (".", "..") or t.startswith(("./", "../")) or "/./" in t or "/../" in t \
            or t.endswith(("/.", "/..")):
        return None
    if len(t.encode("utf-8", "surrogatepass")) > 255:
        return None
    return t[0].upper() + t[1:]


DEFAULT_PROPS = ("text", "langlinks", "categories", "links", "templates", "images",
                 "externallinks", "sections", "revid", "displaytitle", "iwlinks", "properties",
                 "parsewarnings")

_WORDS = ("river", "harbour", "archive", "council", "granite", "lantern", "meadow", "orbit",
          "treaty", "village", "canal", "festival", "engine", "library", "summit", "tower",
          "market", "bridge", "valley", "island", "railway", "temple", "garden", "museum",
          "castle", "forest", "coast", "plateau", "quarry", "estuary", "chapel", "observatory")


def _sentences():
    rng = random.Random(20261125)
    out = []
    for i in range(64):
        n = rng.randint(8, 18)
        words = [rng.choice(_WORDS) for _ in range(n)]
        words[0] = words[0].capitalize()
        s = " ".join(words)
        if i % 5 == 0:
            s = s.replace(" ", ", ", 1)
        if i % 7 == 3:
            s += " (%d&#160;km)" % rng.randint(2, 900)
        out.append(s + ".")
    return out


SENTENCES = _sentences()

LIMIT_REPORT = (
    "\n<!-- \nNewPP limit report\nCached time: 20261125033330\nCache expiry: 86400\n"
    "Reduced expiry: false\nComplications: []\nCPU time usage: 0.012 seconds\n"
    "Real time usage: 0.020 seconds\nPreprocessor visited node count: 42/1000000\n"
    "Post\u2010expand include size: 310/2097152 bytes\nTemplate argument size: 0/2097152 bytes\n"
    "Highest expansion depth: 2/100\nExpensive parser function count: 0/100\n"
    "Unstrip recursion depth: 0/20\nUnstrip post\u2010expand size: 0/5000000 bytes\n-->\n"
    "<!--\nTransclusion expansion time report (%,ms,calls,template)\n"
    "100.00%    4.101      1 -total\n-->\n")


# Synthetic pages are built once per shape as a "skeleton": the answer serialised with marker
# characters where the title (in its plain, HTML, URL and underscore forms), the page id and a
# per-title number go. Each request then only joins the pieces with its own values, so a 30 KB
# page costs tens of microseconds instead of a fresh build and json.dumps.
M_HTML, M_URL, M_US, M_PLAIN, M_NUM, M_FROM, M_PAGEID = "\x01\x02\x03\x04\x05\x06\x07"
_MARKER_RE = re.compile(rb'("\\u0007"|\\u000[1-6])')
URL_SAFE = ";@$!*(),/~:"
VARIANTS = 16


def h_(s):
    """HTML-escaped s, the title marker turned into the HTML-title marker."""
    return html.escape(s).replace(M_PLAIN, M_HTML)


def u_(s):
    """s as MediaWiki puts it in a URL path (underscores, wfUrlencode's safe set)."""
    return quote(s.replace(" ", "_"), safe=URL_SAFE).replace("%04", M_URL)


def wiki_url(s):
    return "/wiki/" + u_(s)


class Page:
    """Builds the HTML and the link/category/section lists of one synthetic page (skeleton)."""

    def __init__(self, v, editsection):
        self.t = M_HTML
        self.v = v
        self.editsection = editsection
        self.parts = []
        self.size = 0
        self.links = []  # (title, exists)
        self._linked = set()
        self.sections = []
        self.refs = []
        self.refs_size = 0
        self.ext = []
        self.intro_end = 0

    def add(self, s):
        self.parts.append(s)
        self.size += len(s)

    def sentence(self, k):
        return SENTENCES[(self.v * 5 + k * 7) % len(SENTENCES)]

    def word(self, k):
        return _WORDS[(self.v * 3 + k) % len(_WORDS)]

    def topic(self, k):
        return "%s %s" % (self.word(k * 5).capitalize(), _WORDS[(self.v + 3 * k) % len(_WORDS)])

    def link(self, target, label=None, exists=True):
        if target not in self._linked:
            self._linked.add(target)
            self.links.append((target, exists))
        t = h_(target)
        label = h_(label) if label is not None else t
        if exists:
            return '<a href="%s" title="%s">%s</a>' % (html.escape(wiki_url(target)), t, label)
        return ('<a href="/index.php?title=%s&amp;action=edit&amp;redlink=1" class="new" '
                'title="%s (page does not exist)">%s</a>' % (u_(target), t, label))

    def selflink(self):
        return '<a class="mw-selflink selflink">%s</a>' % self.t

    def ref(self, text):
        n = len(self.refs) + 1
        self.refs.append(text)
        self.refs_size += len(text) + 150
        return ('<sup id="cite&#95;ref-%d" class="reference"><a href="#cite_note-%d">'
                '&#91;%d&#93;</a></sup>' % (n, n, n))

    def extlink(self, url, label):
        if url not in self.ext:
            self.ext.append(url)
        return '<a rel="nofollow" class="external text" href="%s">%s</a>' % (
            html.escape(url), label)

    def heading(self, line, level=2):
        anchor = line.replace(" ", "_")
        n = len(self.sections) + 1
        top = sum(1 for s in self.sections if s["level"] == "2")
        if level == 2:
            number, toclevel = str(top + 1), 1
        else:
            sub = 0
            for s in reversed(self.sections):
                if s["level"] == "2":
                    break
                sub += 1
            number, toclevel = "%d.%d" % (max(top, 1), sub + 1), 2
        self.sections.append({"toclevel": toclevel, "level": str(level), "line": line,
                              "number": number, "index": str(n), "fromtitle": M_US,
                              "byteoffset": 120 + 410 * n, "anchor": anchor})
        edit = ""
        if self.editsection:
            edit = ('<span class="mw-editsection"><span class="mw-editsection-bracket">[</span>'
                    '<a href="/index.php?title=%s&amp;action=edit&amp;section=%d" '
                    'title="Edit section: %s">edit</a><span class="mw-editsection-bracket">]'
                    '</span></span>' % (M_URL, n, line))
        self.add('<h%d><span class="mw-headline" id="%s">%s</span>%s</h%d>\n'
                 % (level, anchor, line, edit, level))

    def toc(self):
        items, open_sub = [], False
        for s in self.sections:
            li = ('<li class="toclevel-%d tocsection-%s"><a href="#%s"><span class="tocnumber">'
                  '%s</span> <span class="toctext">%s</span></a>'
                  % (s["toclevel"], s["index"], s["anchor"], s["number"], s["line"]))
            if s["toclevel"] == 1:
                if open_sub:
                    items.append("</ul>\n</li>\n")
                    open_sub = False
                elif items:
                    items.append("</li>\n")
                items.append(li)
            else:
                items.append(("" if open_sub else "\n<ul>\n") + li + "</li>\n")
                open_sub = True
        items.append("</ul>\n</li>\n" if open_sub else "</li>\n")
        return ('<div id="toc" class="toc" role="navigation" aria-labelledby="mw-toc-heading">'
                '<input type="checkbox" role="button" id="toctogglecheckbox" '
                'class="toctogglecheckbox" style="display:none" /><div class="toctitle" '
                'lang="en" dir="ltr"><h2 id="mw-toc-heading">Contents</h2><span '
                'class="toctogglespan"><label class="toctogglelabel" for="toctogglecheckbox">'
                '</label></span></div>\n<ul>\n' + "".join(items) + "</ul>\n</div>\n")


# --text-prefix: words every ordinary article starts with, so that two fake wikis serve different
# records for the same title (a wiki's name, say).
TEXT_PREFIX = ""
# --wikibase: every synthetic article has the page property wikibase_item "Q<its number>", as a
# wiki with the Wikibase client gives it.
WIKIBASE = False


def build_page(v, page_kb, editsection):
    """Skeleton HTML and lists of an ordinary article (variant v)."""
    p = Page(v, editsection)
    t = p.t
    p.add('<div class="mw-parser-output"><p>%s<b>%s</b> is a synthetic article served by '
          'fakewiki. It is about the %s of %s and is numbered %s.%s\n</p><p>%s This paragraph '
          'about %s links to %s.\n</p>\n'
          % (html.escape(TEXT_PREFIX + " ") if TEXT_PREFIX else "", t, p.word(0), p.link("Lorem Peninsula"), M_NUM,
             p.ref("Generated for <i>%s</i>." % t), p.sentence(1), t, p.link(p.topic(1))))
    p.intro_end = len(p.parts)
    p.heading("History")
    p.add('<p>%s The <span class="nowrap">%d&#160;km</span> %s near %s. %s%s\n</p>\n'
          % (p.sentence(2), 40 + 37 * v, p.word(3), p.link(p.topic(2)), p.sentence(3),
             p.ref(p.extlink("https://example.org/sources/" + M_NUM, "Source " + M_NUM))))
    p.heading("Description")
    p.add("<p>%s Unlike %s, it has no article yet: %s.\n</p>\n"
          % (p.sentence(4), p.link(p.topic(3)), p.link("Red link %d" % v, exists=False)))
    tail = 800
    target = page_kb * 1024
    k = 0
    while p.size + p.refs_size + tail < target:
        k += 1
        kind = k % 6
        if kind == 1:
            p.heading("Part %d" % k)
        elif kind == 2:
            p.heading("Detail %d" % k, 3)
        if kind in (1, 2, 4):
            p.add('<p>%s %s %s <i>%s</i> %s%s <span title="%s">%s</span> %s\n</p>\n'
                  % (p.sentence(k), p.selflink(), p.sentence(k + 1), p.word(k),
                     p.link(p.topic(k)), p.ref("Note %d on <i>%s</i>." % (k, t)),
                     p.word(k + 5), p.sentence(k + 2), p.sentence(k + 3)))
        elif kind == 3:
            rows = "".join("<tr>\n<td>%s</td>\n<td>%d&#160;m\n</td></tr>\n"
                           % (p.link(p.topic(k + r)), (v * 311 + k * 97 * (r + 1)) % 8849)
                           for r in range(4))
            p.add('<table class="wikitable">\n<caption>Figures %d of %s\n</caption>\n<tbody><tr>\n'
                  "<th>Place</th>\n<th>Height\n</th></tr>\n%s</tbody></table>\n" % (k, t, rows))
        elif kind == 5:
            p.add("<ul><li>%s</li>\n<li>%s &#8211; %s</li>\n<li>%s</li></ul>\n<p>%s %s\n</p>\n"
                  % (p.link(p.topic(k)), p.link(p.topic(k + 1)), p.sentence(k),
                     p.extlink("https://example.com/%s/%d" % (p.word(k), k), "Catalogue"),
                     p.sentence(k + 4), p.sentence(k + 5)))
        else:
            p.add("<blockquote><p>%s\n</p></blockquote>\n<p>%s <b>%s</b> %s\n</p>\n"
                  % (p.sentence(k + 6), p.sentence(k + 7), p.word(k), p.sentence(k + 8)))
    p.heading("See also")
    p.add("<ul><li>%s</li>\n<li>%s</li></ul>\n" % (p.link("Testing"), p.link(p.topic(99))))
    p.heading("References")
    p.add('<div class="mw-references-wrap"><ol class="references">\n' + "".join(
        '<li id="cite&#95;note-%d"><span class="mw-cite-backlink"><a href="#cite_ref-%d">\u2191'
        '</a></span> <span class="reference-text">%s</span>\n</li>\n' % (i, i, r)
        for i, r in enumerate(p.refs, 1)) + "</ol></div>\n")
    p.heading("External links")
    p.add("<ul><li>%s</li></ul>\n" % p.extlink("https://example.org/wiki/" + M_URL,
                                                "Official page of <i>%s</i>" % t))
    cats = [("Articles_generated_by_fakewiki", "hidden"), ("Fakewiki_pages", None),
            ("%s_topics" % p.word(0).capitalize(), "missing")]
    return p, cats, ["Template:Cite web", "Template:Navbox"]


def build_disambiguation(v, editsection):
    p = Page(v, editsection)
    items = "".join("<li>%s, a %s</li>\n" % (p.link("%s (%s)" % (M_PLAIN, kind)), kind)
                    for kind in ("film", "song", "place"))
    p.add('<div class="mw-parser-output"><p><b>%s</b> may refer to:\n</p>\n<ul>%s</ul>\n'
          '<table id="setindexbox" class="metadata plainlinks dmbox dmbox-disambig" '
          'role="presentation"><tbody><tr><td class="dmbox-body">This '
          '<a href="/wiki/Help:Disambiguation" title="Help:Disambiguation">disambiguation</a> page '
          'lists articles associated with the title <b>%s</b>.</td></tr></tbody></table>\n'
          % (p.t, items, p.t))
    p.intro_end = len(p.parts)
    cats = [("Disambiguation_pages", None), ("All_disambiguation_pages", "hidden")]
    return p, cats, ["Template:Disambiguation"]


def build_skeleton(disambig, v, page_kb, fv2, ascii_only, params, redirect):
    """Pieces of the serialised answer: bytes at even indices, marker bytes at odd ones."""
    editsection = "disableeditsection" not in params
    if disambig:
        p, cats, templates = build_disambiguation(v, editsection)
    else:
        p, cats, templates = build_page(v, page_kb, editsection)
    showtoc = len(p.sections) >= 4
    if showtoc and "disabletoc" not in params:
        p.parts.insert(p.intro_end, p.toc())
    if "disablelimitreport" not in params:
        p.parts.append(LIMIT_REPORT)
    p.parts.append("</div>")
    text = "".join(p.parts)

    prop = params.get("prop")
    props = set(DEFAULT_PROPS if prop is None else prop.split("|"))
    out = {"title": M_PLAIN, "pageid": M_PAGEID}
    if "revid" in props:
        out["revid"] = M_PAGEID
    if "redirects" in params:
        out["redirects"] = [{"from": M_FROM, "to": M_PLAIN}] if redirect else []
    if "text" in props:
        out["text"] = text if fv2 else {"*": text}
    if "langlinks" in props:
        out["langlinks"] = []
    if "categories" in props:
        cl = []
        for name, flag in cats:
            if fv2:
                c = {"sortkey": "", "category": name}
                if flag:
                    c[flag] = True
            else:
                c = {"sortkey": ""}
                if flag:
                    c[flag] = ""
                c["*"] = name
            cl.append(c)
        out["categories"] = cl
    if "links" in props:
        if fv2:
            out["links"] = [{"ns": 0, "title": t, "exists": e} for t, e in p.links]
        else:
            out["links"] = [{"ns": 0, "exists": "", "*": t} if e else {"ns": 0, "*": t}
                            for t, e in p.links]
    if "templates" in props:
        out["templates"] = [{"ns": 10, "title": t, "exists": True} if fv2 else
                            {"ns": 10, "exists": "", "*": t} for t in templates]
    if "images" in props:
        out["images"] = []
    if "externallinks" in props:
        out["externallinks"] = p.ext
    if "sections" in props:
        out["sections"] = p.sections
        if fv2:
            out["showtoc"] = showtoc
        elif showtoc:
            out["showtoc"] = ""
    if "parsewarnings" in props:
        out["parsewarnings"] = []
    if "displaytitle" in props:
        out["displaytitle"] = '<span class="mw-page-title-main">%s</span>' % M_HTML
    if "iwlinks" in props:
        out["iwlinks"] = []
    if "properties" in props:
        out["properties"] = {} if fv2 else []
        if WIKIBASE and not disambig:  # the page's Wikidata item: Q and its number (M_NUM)
            item = "Q" + M_NUM
            out["properties"] = ({"wikibase_item": item} if fv2
                                 else [{"name": "wikibase_item", "*": item}])
    return _MARKER_RE.split(dumps({"parse": out}, fv2, ascii_only))


_SKELETONS = {}
_SKELETON_PARAMS = ("prop", "redirects", "disableeditsection", "disabletoc", "disablelimitreport")


def json_piece(s, ascii_only):
    return dumps(s, not ascii_only, ascii_only)[1:-1]


def synthetic_answer(raw, fv2, params, page_kb):
    """(status, body, error_code, kind) of a generated answer for the submitted title raw."""
    ascii_only = not fv2
    if fv2 and "ascii" in params:
        ascii_only = True
    if not fv2 and "utf8" in params:
        ascii_only = False
    title = normalise(raw)
    if title is None or title.startswith("Invalid"):
        return (200, api_error("invalidtitle", 'Bad title "%s".' % raw, fv2,
                               ascii_only=ascii_only), "invalidtitle", "invalid")
    if title.startswith(("Special:", "Media:")):
        return (200, api_error("pagecannotexist", "Namespace doesn't allow actual pages.", fv2,
                               ascii_only=ascii_only), "pagecannotexist", "invalid")
    if title.startswith("Missing"):
        return (200, api_error("missingtitle", "The page you specified doesn't exist.", fv2,
                               ascii_only=ascii_only), "missingtitle", "missing")
    source = title
    kind = "ok"
    if title.startswith("Redirect"):
        rest = title[len("Redirect"):].lstrip(" :")
        if rest.startswith("to "):
            rest = rest[3:]
        title = normalise(rest) or "Main Page"
        kind = "redirect"
    h = int.from_bytes(hashlib.blake2b(title.encode("utf-8", "surrogatepass"),
                                       digest_size=8).digest(), "big")
    redirect = kind == "redirect"
    disambig = title.startswith("Disambig")
    if disambig:
        kind = "disambiguation"
    key = (disambig, h % VARIANTS, page_kb, fv2, ascii_only, redirect) + tuple(
        params.get(k) for k in _SKELETON_PARAMS)
    pieces = _SKELETONS.get(key)
    if pieces is None:
        if len(_SKELETONS) > 512:
            _SKELETONS.clear()
        pieces = build_skeleton(disambig, h % VARIANTS, page_kb, fv2, ascii_only, params,
                                redirect)
        _SKELETONS[key] = pieces
    pageid = b"%d" % (1000 + h % 99000000)
    values = {
        b"\\u0001": json_piece(html.escape(title), ascii_only),
        b"\\u0002": json_piece(quote(title.replace(" ", "_"), safe=URL_SAFE), ascii_only),
        b"\\u0003": json_piece(title.replace(" ", "_"), ascii_only),
        b"\\u0004": json_piece(title, ascii_only),
        b"\\u0005": b"%d" % (h % 100000),
        b"\\u0006": json_piece(source, ascii_only),
        b'"\\u0007"': pageid,
    }
    parts = pieces[:]
    for i in range(1, len(parts), 2):
        parts[i] = values[parts[i]]
    return 200, b"".join(parts), None, kind


# ---------------------------------------------------------------------------------------------
# action=query&prop=info|pageprops&redirects=1&titles=... (batched title resolution)

QUERY_KEY = "\x1fquery\x1f"  # attempt-counter key of a query request: no parse title has U+001F
EDIT_REVID_BASE = 100000000  # above every synthetic pageid (= its first revid)
TOUCHED_BASE = 1704067200    # 2024-01-01T00:00:00Z: the touched of a page never edited
_BAD_TITLE = re.compile(r'^Bad title "(.*)"\.$', re.S)


def touched_of(k):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(TOUCHED_BASE + k))


def resolve_title(raw, corpus, synthetic):
    """What action=parse of raw says, as action=query reports it: a dict with "kind" (page,
    missing, invalid, special, interwiki), "title" (normalised) and, for pages, "final",
    "pageid", "disambiguation" and "redirects" ([(from, to, extra)])."""
    hit = corpus.answers.get((raw, True))
    norm = normalise(raw)
    if hit is not None:
        body, code = hit[1], hit[2]
        obj = json.loads(body)
        if code is not None:
            info = obj["error"].get("info", "")
            if code == "missingtitle":
                return {"kind": "missing", "title": norm or raw}
            if code == "pagecannotexist":
                return {"kind": "special", "title": norm or raw}
            m = _BAD_TITLE.match(info)
            if code == "invalidtitle" and m and m.group(1) not in (raw, raw.replace("\n", " ")):
                # a redirect to an interwiki link: parse quotes the target
                target = m.group(1)
                return {"kind": "interwiki", "title": norm or raw, "target": target,
                        "iw": target.split(":", 1)[0].lower()}
            return {"kind": "invalid", "title": raw, "reason": info}
        parse = obj["parse"]
        redirects = [(r["from"], r["to"], {k: v for k, v in r.items() if k not in ("from", "to")})
                     for r in parse.get("redirects", [])]
        start = redirects[0][0] if redirects else parse["title"]
        props = parse.get("properties") or {}
        disambig = "disambiguation" in props or any(
            c.get("category") in ("Disambiguation_pages", "Disambiguation pages")
            for c in parse.get("categories", []))
        return {"kind": "page", "title": start, "final": parse["title"], "pageid": parse["pageid"],
                "redirects": redirects, "disambiguation": disambig}
    if not synthetic:
        return {"kind": "missing", "title": norm or raw}
    if norm is None or norm.startswith("Invalid"):
        reason = ("The requested page title is empty or contains only the name of a namespace."
                  if norm is None and not raw.strip(" _") else
                  "The requested page title contains invalid characters or is not allowed.")
        return {"kind": "invalid", "title": raw, "reason": reason}
    if norm.startswith(("Special:", "Media:")):
        return {"kind": "special", "title": norm}
    if norm.startswith("Missing"):
        return {"kind": "missing", "title": norm}
    final = norm
    redirects = []
    if norm.startswith("Redirect"):
        rest = norm[len("Redirect"):].lstrip(" :")
        if rest.startswith("to "):
            rest = rest[3:]
        final = normalise(rest) or "Main Page"
        redirects = [(norm, final, {})]
    h = int.from_bytes(hashlib.blake2b(final.encode("utf-8", "surrogatepass"),
                                       digest_size=8).digest(), "big")
    return {"kind": "page", "title": norm, "final": final, "pageid": 1000 + h % 99000000,
            "redirects": redirects, "disambiguation": final.startswith("Disambig")}


def query_answer(titles_param, fv2, state):
    """(status, body, error_code, kind) of action=query&prop=info|pageprops&titles=..., shaped
    like MediaWiki 1.39 (ApiPageSet + ApiQuery): normalized, redirects, interwiki, pages (missing,
    invalid, special, then existing pages). Titles are deduplicated as MediaWiki does."""
    seen = set(state.faults["query_omit"])  # a broken wiki that forgets some titles
    raws = []
    for t in titles_param.split("|"):
        if t not in seen:
            seen.add(t)
            raws.append(t)
    normalized, redirects, interwiki = [], [], []
    missing, invalid, special, good = {}, {}, {}, {}
    from_seen = set()
    for raw in raws:
        r = resolve_title(raw, state.corpus, state.server["synthetic"])
        kind = r["kind"]
        if kind != "invalid" and r["title"] != raw:
            normalized.append({"fromencoded": False, "from": raw, "to": r["title"]}
                              if fv2 else {"from": raw, "to": r["title"]})
        if kind == "invalid":
            invalid.setdefault(raw, {"title": raw, "invalidreason": r["reason"],
                                     "invalid": True if fv2 else ""})
        elif kind == "missing":
            missing.setdefault(r["title"], {"ns": 0, "title": r["title"],
                                            "missing": True if fv2 else ""})
        elif kind == "special":
            ns = -2 if r["title"].startswith("Media:") else -1
            special.setdefault(r["title"], {"ns": ns, "title": r["title"],
                                            "special": True if fv2 else ""})
        elif kind == "interwiki":
            if r["title"] not in from_seen:
                from_seen.add(r["title"])
                redirects.append({"from": r["title"], "to": r["target"],
                                  "tointerwiki": r["iw"]})
            if all(i["title"] != r["target"] for i in interwiki):
                interwiki.append({"title": r["target"], "iw": r["iw"]})
        else:
            for frm, to, extra in r["redirects"]:
                if frm not in from_seen:
                    from_seen.add(frm)
                    redirects.append(dict({"from": frm, "to": to}, **extra))
            final = r["final"]
            if final not in good:
                revid, touched = state.edits.get(final, (r["pageid"], touched_of(0)))
                page = {"pageid": r["pageid"], "ns": 0, "title": final,
                        "contentmodel": "wikitext", "pagelanguage": "en",
                        "pagelanguagehtmlcode": "en", "pagelanguagedir": "ltr",
                        "touched": touched, "lastrevid": revid, "length": 1000 + r["pageid"] % 9000}
                if r["disambiguation"]:
                    page["pageprops"] = {"disambiguation": ""}
                good[final] = page
    query = {}
    if normalized:
        query["normalized"] = normalized
    if redirects:
        query["redirects"] = redirects
    if interwiki:
        query["interwiki"] = interwiki
    pages = list(missing.values()) + list(invalid.values()) + list(special.values()) + \
        sorted(good.values(), key=lambda p: p["pageid"])
    if pages:
        if fv2:
            query["pages"] = pages
        else:
            keyed, fake = {}, -1
            for p in pages:
                if "pageid" in p:
                    keyed[str(p["pageid"])] = p
                else:
                    keyed[str(fake)] = p
                    fake -= 1
            query["pages"] = keyed
    return 200, dumps({"batchcomplete": True if fv2 else "", "query": query}, fv2), None, "query"


# ---------------------------------------------------------------------------------------------
# state

class State:
    def __init__(self, corpus, faults, server):
        self.corpus = corpus
        self.faults = faults
        self.server = server
        self.verbose = False
        self.track_titles = 100000
        self.in_flight = 0
        self.in_flight_conns = set()  # the connections whose request counts in in_flight
        self.open_connections = 0
        self.edit_count = 0
        self.edits = {}  # page title -> (lastrevid, touched): pages "edited" through /_control
        self.reset_stats()

    def reset_stats(self):
        self.requests = 0
        self.parse_requests = 0
        self.query_requests = 0
        self.query_posts = 0
        self.query_titles = 0
        self.last_query_params = None
        self.other_requests = 0
        self.per_title = {}
        self.attempts = {}
        self.max_concurrent = self.in_flight
        self.fault_counts = dict.fromkeys(FAULT_KINDS, 0)
        self.status_counts = {}
        self.answer_counts = {}
        self.user_agents = set()
        self.last_params = {}
        self.connections = 0
        self.max_connections = self.open_connections
        self.bytes_sent = 0
        self.since = time.time()
        self.reset_faults()

    def reset_faults(self):
        """Attempt counters and the random stream start over (on /_control and /_stats/reset)."""
        self.attempts = {}
        self.rng = random.Random(self.server["seed"])
        f = self.faults
        self.any_rate = any(f["rate_" + k] for k in RATE_KINDS)
        self.thresholds = []
        acc = 0.0
        for k in RATE_KINDS:
            r = f["rate_" + k]
            if r:
                acc += r
                self.thresholds.append((acc, k))
        self.fault_titles = set(f["fault_titles"])

    def stats(self):
        return {
            "requests": self.requests,
            "parse_requests": self.parse_requests,
            "query_requests": self.query_requests,
            "query_posts": self.query_posts,
            "query_titles": self.query_titles,
            "last_query_params": self.last_query_params,
            "edits": {t: {"lastrevid": r, "touched": tt} for t, (r, tt) in self.edits.items()},
            "requests_per_title": self.per_title,
            "max_concurrent": self.max_concurrent,
            "in_flight": self.in_flight,
            "faults": self.fault_counts,
            "statuses": {str(k): v for k, v in sorted(self.status_counts.items())},
            "answers": self.answer_counts,
            "user_agents": sorted(self.user_agents),
            "last_params": self.last_params,
            "connections": self.connections,
            "open_connections": self.open_connections,
            "max_connections": self.max_connections,
            "other_requests": self.other_requests,
            "bytes_sent": self.bytes_sent,
            "seconds": round(time.time() - self.since, 3),
        }

    def settings(self):
        d = dict(self.faults)
        d.update(self.server)
        return d

    def uniform(self, title, attempt, salt):
        if self.server["random"]:
            return self.rng.random()
        d = hashlib.blake2b(("%d\x00%s\x00%s\x00%d" % (self.server["seed"], salt, title, attempt))
                            .encode("utf-8", "surrogatepass"), digest_size=8).digest()
        return int.from_bytes(d, "big") / 18446744073709551616.0

    def edit(self, titles):
        """Bump the revision and touched of each page (title as a parse request would name it;
        a redirect edits its target). Returns {page: {"lastrevid", "touched"}}."""
        out = {}
        for raw in titles:
            r = resolve_title(raw, self.corpus, self.server["synthetic"])
            if r["kind"] != "page":
                raise ValueError("edit: no page for title %r" % raw)
            final = r["final"]
            self.edit_count += 1
            revid = EDIT_REVID_BASE + self.edit_count
            self.edits[final] = (revid, touched_of(self.edit_count))
            out[final] = {"lastrevid": revid, "touched": touched_of(self.edit_count)}
        return out

    def choose_fault(self, title, attempt, batch=None):
        f = self.faults
        if f["down"]:
            return "down"
        if title in self.fault_titles or (batch and not self.fault_titles.isdisjoint(batch)):
            return "fault_title"
        if attempt <= f["fail_first_n"]:
            return "fail_first_n"
        if self.any_rate:
            u = self.uniform(title, attempt, "fault")
            for acc, kind in self.thresholds:
                if u < acc:
                    return kind
        return None


STATE = None


def http_response(status, body, ctype, keep, extra=b"", head_only=False):
    head = (b"HTTP/1.1 %d %s\r\nServer: fakewiki\r\nContent-Type: %s\r\nContent-Length: %d\r\n"
            b"%s%s\r\n") % (
        status, REASONS.get(status, "Unknown").encode(), ctype, len(body), extra,
        b"" if keep else b"Connection: close\r\n")
    return head if head_only else head + body


JSON_CT = b"application/json; charset=utf-8"
HTML_CT = b"text/html; charset=utf-8"


def html_error_page(status, text):
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Wikimedia "
            "Error</title></head><body><h1>Error</h1><p>%d %s: %s</p></body></html>\n"
            % (status, REASONS[status], text)).encode()


# ---------------------------------------------------------------------------------------------
# HTTP

class Conn(asyncio.Protocol):
    __slots__ = ("tr", "buf", "busy", "closed", "timer", "counted", "waiting_drain", "keep",
                 "processing", "close_after")

    def connection_made(self, tr):
        self.tr = tr
        self.buf = bytearray()
        self.busy = False
        self.closed = False
        self.timer = None
        self.counted = False
        self.waiting_drain = False
        self.keep = True
        self.processing = False
        self.close_after = False
        tr.set_write_buffer_limits(0, 0)  # pause_writing/resume_writing tell us when it drained
        s = STATE
        s.connections += 1
        s.open_connections += 1
        if s.open_connections > s.max_connections:
            s.max_connections = s.open_connections

    def connection_lost(self, exc):
        if self.closed:
            return
        self.closed = True
        STATE.open_connections -= 1
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        self.end_request()

    def pause_writing(self):
        pass

    def resume_writing(self):
        if self.waiting_drain:
            self.waiting_drain = False
            self.request_done()

    def data_received(self, data):
        self.buf += data
        if not self.busy:
            self.process()

    # -- request lifecycle --

    def begin_request(self):
        s = STATE
        self.counted = True
        s.in_flight += 1
        s.in_flight_conns.add(self)
        if s.in_flight > s.max_concurrent:
            # A client that gave up on a request (its timeout) closed that connection before it
            # sent this one, but asyncio may report the close a loop iteration after this request:
            # a request whose client is gone is not in flight, so it must not raise the maximum.
            for other in list(s.in_flight_conns):
                if other is not self and other.client_gone():
                    other.end_request()
            if s.in_flight > s.max_concurrent:
                s.max_concurrent = s.in_flight

    def end_request(self):
        if self.counted:
            self.counted = False
            STATE.in_flight -= 1
            STATE.in_flight_conns.discard(self)

    def client_gone(self):
        """Whether the client closed (or reset) this connection: its socket reads EOF."""
        sock = self.tr.get_extra_info("socket")
        if sock is None:
            return True
        try:
            with socket.fromfd(sock.fileno(), sock.family, sock.type) as dup:
                return dup.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
        except BlockingIOError:
            return False
        except OSError:
            return True

    def send(self, data, keep=True):
        """Write one whole response; the request ends when the kernel has all of it."""
        if self.closed:
            return
        STATE.bytes_sent += len(data)
        self.tr.write(data)
        if not keep:
            self.close_after = True
        if self.tr.get_write_buffer_size() == 0:
            self.request_done()
        else:
            self.waiting_drain = True

    def request_done(self):
        self.end_request()
        if self.close_after:
            self.closed_by_us()
            return
        self.busy = False
        if not self.processing and self.buf:
            self.process()

    def closed_by_us(self):
        self.busy = True  # read nothing more
        self.tr.close()

    def reset(self):
        """Close with RST: SO_LINGER 0, then abort."""
        sock = self.tr.get_extra_info("socket")
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except (OSError, AttributeError):
            pass
        self.busy = True
        self.end_request()
        self.tr.abort()

    def fail(self, status, text):
        self.busy = True
        self.send(http_response(status, text.encode() + b"\n", b"text/plain; charset=utf-8",
                                False), keep=False)

    def process(self):
        self.processing = True
        try:
            while not self.busy and not self.closed and self.buf:
                buf = self.buf
                while buf[:2] == b"\r\n":
                    del buf[:2]
                end = buf.find(b"\r\n\r\n")
                if end < 0:
                    if len(buf) > MAX_HEAD:
                        self.fail(431, "request head too large")
                    return
                lines = bytes(buf[:end]).split(b"\r\n")
                parts = lines[0].split(b" ")
                if len(parts) != 3 or not parts[2].startswith(b"HTTP/1."):
                    self.fail(400, "bad request line")
                    return
                method, target, version = parts
                headers = {}
                for line in lines[1:]:
                    name, sep, value = line.partition(b":")
                    if not sep:
                        self.fail(400, "bad header line")
                        return
                    headers[name.strip().lower()] = value.strip()
                if b"transfer-encoding" in headers:
                    self.fail(501, "Transfer-Encoding is not supported; send Content-Length")
                    return
                try:
                    clen = int(headers.get(b"content-length", b"0"))
                except ValueError:
                    self.fail(400, "bad Content-Length")
                    return
                if clen > MAX_BODY or clen < 0:
                    self.fail(413, "body too large")
                    return
                total = end + 4 + clen
                if len(buf) < total:
                    if headers.get(b"expect", b"").lower() == b"100-continue" and \
                            len(buf) == end + 4:
                        self.tr.write(b"HTTP/1.1 100 Continue\r\n\r\n")
                    return
                body = bytes(buf[end + 4:total])
                del buf[:total]
                conn = headers.get(b"connection", b"").lower()
                if version == b"HTTP/1.1":
                    keep = b"close" not in conn
                else:
                    keep = b"keep-alive" in conn
                self.busy = True
                try:
                    self.route(method, target, headers, body, keep)
                except Exception as e:  # a bug here must not leave the client hanging
                    print("fakewiki: internal error: %r" % e, file=sys.stderr)
                    if self.timer is not None:
                        self.timer.cancel()
                        self.timer = None
                    self.busy = False
                    self.fail(500, "internal error: %r" % e)
                    return
        finally:
            self.processing = False

    def route(self, method, target, headers, body, keep):
        path, _, query = target.partition(b"?")
        if path.endswith(b"/api.php"):
            if method not in (b"GET", b"POST", b"HEAD"):
                STATE.other_requests += 1
                return self.send(http_response(405, b"method not allowed\n", b"text/plain",
                                               keep, b"Allow: GET, POST, HEAD\r\n"), keep)
            return self.api(method, query, headers, body, keep)
        STATE.other_requests += 1
        if path == b"/_stats" and method == b"GET":
            return self.send_json(200, STATE.stats(), keep)
        if path == b"/_stats/reset" and method == b"POST":
            STATE.reset_stats()
            return self.send_json(200, {"ok": True}, keep)
        if path == b"/_control":
            if method == b"GET":
                return self.send_json(200, STATE.settings(), keep)
            if method == b"POST":
                return self.control(query, body, keep)
        if path in (b"/", b"/_health"):
            return self.send_json(200, {"status": "ok"}, keep)
        return self.send(http_response(404, b"not found\n", b"text/plain", keep), keep)

    def send_json(self, status, obj, keep):
        self.send(http_response(status, json.dumps(obj, ensure_ascii=False, sort_keys=True)
                                .encode() + b"\n", JSON_CT, keep), keep)

    def control(self, query, body, keep):
        s = STATE
        merge = dict(parse_qsl(query.decode("latin-1"))).get("merge") in ("1", "true")
        edited = None
        try:
            new = json.loads(body or b"{}")
            edit = new.pop("edit", None) if isinstance(new, dict) else None
            if edit is not None:
                if not isinstance(edit, list) or not all(isinstance(t, str) for t in edit):
                    raise ValueError("edit: a list of titles")
                for t in edit:  # check them all before changing anything
                    if resolve_title(t, s.corpus, s.server["synthetic"])["kind"] != "page":
                        raise ValueError("edit: no page for title %r" % t)
            if edit is None or new:
                faults, server = validate_settings(new, s.faults if merge else None)
        except ValueError as e:
            return self.send_json(400, {"error": str(e)}, keep)
        if edit is not None:
            edited = s.edit(edit)
        if edit is None or new:
            s.faults = faults
            s.server.update(server)
            s.reset_faults()
        out = s.settings()
        if edited is not None:
            out["edited"] = edited
        self.send_json(200, out, keep)

    # -- api.php --

    def api(self, method, query, headers, body, keep):
        s = STATE
        self.begin_request()
        qs = query.decode("latin-1")
        params = dict(parse_qsl(qs, keep_blank_values=True, encoding="utf-8", errors="replace"))
        if method == b"POST" and body and headers.get(b"content-type", b"").startswith(
                b"application/x-www-form-urlencoded"):
            params.update(parse_qsl(body.decode("latin-1"), keep_blank_values=True,
                                    encoding="utf-8", errors="replace"))
        s.requests += 1
        batch = None
        if params.get("action") == "query" and "titles" in params:
            # A batch: its attempt counter (and so its faults) is keyed by the whole list, so a
            # retry of the same batch is attempt n+1 as for a parse title.
            batch = params["titles"].split("|")
            title = QUERY_KEY + params["titles"]
            s.query_requests += 1
            s.query_posts += method == b"POST"
            s.query_titles += len(batch)
            s.last_query_params = params
        else:
            title = params.get("page", "")
            if params.get("action") == "parse":
                s.parse_requests += 1
            s.per_title[title] = s.per_title.get(title, 0) + 1
            if title in s.last_params or len(s.last_params) < s.track_titles:
                s.last_params[title] = params
        n = s.attempts.get(title, 0) + 1
        s.attempts[title] = n
        ua = headers.get(b"user-agent")
        if ua is not None:
            s.user_agents.add(ua.decode("utf-8", "replace"))
        f = s.faults
        action = "query" if batch is not None else params.get("action")
        faulty = f["fault_action"] in ("", action) and (s.any_rate or f["fail_first_n"]
                                                         or f["down"] or s.fault_titles)
        fault = s.choose_fault(title, n, batch) if faulty else None
        delay = f["latency_ms"]
        if f["jitter_ms"]:
            delay += f["jitter_ms"] * s.uniform(title, n, "jitter")
        if fault == "hang":
            delay += f["hang_ms"]
        if fault is not None:
            s.fault_counts[fault] += 1
        if s.verbose:
            print("%s %s attempt %d fault %s delay %.0f ms" % (method.decode(), title, n, fault,
                                                              delay), file=sys.stderr)
        head_only = method == b"HEAD"
        if delay > 0:
            self.timer = asyncio.get_running_loop().call_later(
                delay / 1000.0, self.answer, title, params, headers, fault, keep, head_only)
        else:
            self.answer(title, params, headers, fault, keep, head_only)

    def answer(self, title, params, headers, fault, keep, head_only):
        self.timer = None
        if self.closed:
            return
        s = STATE
        f = s.faults
        if fault == "reset":
            return self.reset()
        if fault in ("503", "fail_first_n", "down", "fault_title"):
            return self.respond(503, html_error_page(503, "Service Temporarily Unavailable"),
                                HTML_CT, keep, b"", head_only)
        if fault == "429":
            return self.respond(429, html_error_page(429, "Too many requests."), HTML_CT, keep,
                                b"Retry-After: %d\r\n" % f["retry_after"], head_only)
        fv2 = params.get("formatversion") in ("2", "latest")
        if fault == "maxlag":
            lag = f["maxlag_lag"]
            body = api_error("maxlag", "Waiting for %s: %d seconds lagged." % (MAXLAG_HOST, lag),
                             fv2, {"host": MAXLAG_HOST, "lag": lag, "type": "db"})
            s.answer_counts["maxlag"] = s.answer_counts.get("maxlag", 0) + 1
            return self.respond(200, body, JSON_CT, keep, b"Retry-After: %d\r\nX-Database-Lag: "
                                b"%d\r\nMediaWiki-API-Error: maxlag\r\n" % (f["retry_after"], lag),
                                head_only)
        status, body, code, kind = self.build(title, params, fv2)
        s.answer_counts[kind] = s.answer_counts.get(kind, 0) + 1
        extra = b""
        if code:
            extra = b"MediaWiki-API-Error: %s\r\n" % code.encode()
        if fault == "broken_json":
            body = body[:max(1, len(body) // 2)]
        if s.server["gzip"] and b"gzip" in headers.get(b"accept-encoding", b""):
            c = zlib.compressobj(1, zlib.DEFLATED, 31)
            body = c.compress(body) + c.flush()
            extra += b"Content-Encoding: gzip\r\nVary: Accept-Encoding\r\n"
        self.respond(status, body, JSON_CT, keep, extra, head_only)

    def build(self, title, params, fv2):
        s = STATE
        if params.get("action") != "parse":
            if params.get("action") == "query" and "titles" in params:
                return query_answer(params["titles"], fv2, s)
            if params.get("action") == "query" and params.get("meta") == "siteinfo":
                return 200, dumps({"batchcomplete": True if fv2 else "", "query": {"general": {
                    "mainpage": "Main Page", "sitename": "FakeWiki",
                    "generator": "MediaWiki 1.39.17 (fakewiki)", "lang": "en",
                    "server": "http://localhost", "articlepath": "/wiki/$1"}}}, fv2), None, \
                    "siteinfo"
            return 200, api_error("badvalue", 'Unrecognized value for parameter "action": %s.'
                                  % params.get("action", ""), fv2), "badvalue", "error"
        if "page" not in params:
            return 200, api_error("missingparam", 'The "page" parameter must be set.', fv2), \
                "missingparam", "error"
        if title in s.faults["parse_missing"]:  # a lagging replica: the page is not there yet
            return 200, api_error("missingtitle", "The page you specified doesn't exist.", fv2), \
                "missingtitle", "missing"
        hit = s.corpus.answers.get((title, fv2))
        if hit is not None:
            return hit[0], hit[1], hit[2], "corpus"
        if s.server["synthetic"]:
            return synthetic_answer(title, fv2, params, s.server["page_kb"])
        return 200, api_error("missingtitle", "The page you specified doesn't exist.", fv2), \
            "missingtitle", "missing"

    def respond(self, status, body, ctype, keep, extra, head_only):
        s = STATE
        s.status_counts[status] = s.status_counts.get(status, 0) + 1
        self.send(http_response(status, body, ctype, keep, extra, head_only), keep)


# ---------------------------------------------------------------------------------------------

def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, default=0, help="TCP port; 0 picks a free one")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--corpus", default=None, help="corpus directory with manifest.json")
    ap.add_argument("--synthetic", action="store_true", help="generate answers for other titles")
    ap.add_argument("--page-kb", type=int, default=0, help="synthetic page HTML of about N KB")
    ap.add_argument("--gzip", action="store_true",
                    help="gzip answers when the client sends Accept-Encoding: gzip")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--random", action="store_true",
                    help="draw faults from random.Random(seed) in arrival order instead of "
                         "hashing (seed, title, attempt)")
    ap.add_argument("--latency-ms", type=int, default=0)
    ap.add_argument("--jitter-ms", type=int, default=0)
    ap.add_argument("--rate-429", type=float, default=0.0)
    ap.add_argument("--retry-after", type=int, default=1)
    ap.add_argument("--rate-503", type=float, default=0.0)
    ap.add_argument("--rate-maxlag", type=float, default=0.0)
    ap.add_argument("--maxlag-lag", type=int, default=7)
    ap.add_argument("--rate-broken-json", type=float, default=0.0)
    ap.add_argument("--rate-reset", type=float, default=0.0)
    ap.add_argument("--rate-hang", type=float, default=0.0)
    ap.add_argument("--hang-ms", type=int, default=30000)
    ap.add_argument("--fail-first-n", type=int, default=0)
    ap.add_argument("--down", action="store_true")
    ap.add_argument("--fault-title", action="append", default=[], dest="fault_titles",
                    help="a title that always gets 503 (repeatable)")
    ap.add_argument("--fault-action", choices=FAULT_ACTIONS, default="",
                    help="faults only for action=parse or action=query&titles= requests")
    ap.add_argument("--query-omit", action="append", default=[],
                    help="a title query answers leave out, as if never asked (repeatable)")
    ap.add_argument("--parse-missing", action="append", default=[],
                    help="a title parse answers missingtitle while query finds it (repeatable)")
    ap.add_argument("--track-titles", type=int, default=100000,
                    help="keep last_params of at most N titles (memory bound for long benchmarks)")
    ap.add_argument("--verbose", action="store_true", help="one line per api.php request on stderr")
    ap.add_argument("--wikibase", action="store_true",
                    help="articles carry the page property wikibase_item (Q and their number)")
    ap.add_argument("--text-prefix", default="",
                    help="words every synthetic article's text starts with (tell two wikis apart)")
    return ap.parse_args(argv)


def main(argv=None):
    global STATE, TEXT_PREFIX, WIKIBASE
    args = parse_args(argv)
    TEXT_PREFIX = args.text_prefix
    WIKIBASE = args.wikibase
    raw = {k: getattr(args, k) for k in FAULT_DEFAULTS}
    raw.update({k: getattr(args, k) for k in SERVER_DEFAULTS})
    try:
        faults, server = validate_settings(raw)
    except ValueError as e:
        sys.exit("fakewiki: " + str(e))
    STATE = State(Corpus(args.corpus), faults, dict(SERVER_DEFAULTS, **server))
    STATE.verbose = args.verbose
    STATE.track_titles = args.track_titles
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    except (ValueError, OSError):
        pass

    async def serve():
        loop = asyncio.get_running_loop()
        stop = loop.create_future()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))
        server = await loop.create_server(Conn, args.host, args.port, backlog=4096,
                                          reuse_address=True)
        port = server.sockets[0].getsockname()[1]
        sys.stdout.write("LISTENING %d\n" % port)
        sys.stdout.flush()
        await stop
        server.close()

    asyncio.run(serve())


if __name__ == "__main__":
    main()
