"""Self-test of the fake MediaWiki: /usr/bin/python3 -m pytest tests/fakewiki

Starts fakewiki.py as a subprocess (as tests/e2e/conftest.py does) and checks corpus answers,
synthetic answers, every fault kind, peak concurrency, /_control and /_stats."""
import concurrent.futures
import gzip
import importlib.util
import json
import os
import re
import signal
import socket
import subprocess
import time

import pytest
import requests

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SCRIPT = os.path.join(HERE, "fakewiki.py")
CORPUS = os.path.join(ROOT, "tests", "corpus")
PYTHON = "/usr/bin/python3"


def _capture_module():
    spec = importlib.util.spec_from_file_location("capture", os.path.join(CORPUS, "capture.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


CAPTURE = _capture_module()
NOTEBOOK, LEAN = CAPTURE.NOTEBOOK, CAPTURE.LEAN
with open(os.path.join(CORPUS, "manifest.json"), encoding="utf-8") as _f:
    MANIFEST = json.load(_f)


class Wiki:
    def __init__(self, *flags):
        self.flags = list(flags)
        self.proc = None
        self.port = None
        self.http = requests.Session()

    def start(self):
        cmd = [PYTHON, SCRIPT, "--port", "0", "--corpus", CORPUS] + self.flags
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        self.line = self.proc.stdout.readline()
        assert re.fullmatch(r"LISTENING \d+\n", self.line), self.line
        self.port = int(self.line.split()[1])
        return self

    def stop(self):
        self.http.close()
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)

    @property
    def base(self):
        return "http://127.0.0.1:%d" % self.port

    @property
    def api(self):
        return self.base + "/w/api.php"

    def get(self, title, lean=True, session=None, **kw):
        params = dict(LEAN if lean else NOTEBOOK, page=title)
        params.update(kw.pop("params", {}))
        return (session or self.http).get(self.api, params=params, timeout=kw.pop("timeout", 60),
                                          **kw)

    def control(self, merge=False, **settings):
        r = requests.post(self.base + "/_control", json=settings, timeout=60,
                          params={"merge": "1"} if merge else None)
        assert r.status_code == 200, r.text
        return r.json()

    def settings(self):
        return requests.get(self.base + "/_control", timeout=60).json()

    def stats(self):
        return requests.get(self.base + "/_stats", timeout=60).json()

    def reset_stats(self):
        r = requests.post(self.base + "/_stats/reset", timeout=60)
        assert r.status_code == 200


@pytest.fixture(scope="module")
def synth_server():
    w = Wiki("--synthetic").start()
    yield w
    w.stop()


@pytest.fixture
def wiki(synth_server):
    """The --synthetic server with default settings and zeroed stats."""
    synth_server.control(page_kb=0, gzip=False, seed=0, random=False, synthetic=True)
    synth_server.reset_stats()
    return synth_server


@pytest.fixture(scope="module")
def plain():
    w = Wiki().start()
    yield w
    w.stop()


def wait_for(pred, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return True
        time.sleep(0.02)
    raise AssertionError("timed out")


def raw_request(port, path, headers=""):
    return ("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n%s\r\n" % (path, port, headers)).encode()


def read_until_close(sock):
    data = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk


# ---- corpus -------------------------------------------------------------------------------------

def test_corpus_answers_are_the_files_byte_for_byte(plain):
    s = requests.Session()
    for e in MANIFEST:
        for variant, base in (("notebook", NOTEBOOK), ("lean", LEAN)):
            r = s.get(plain.api, params=dict(base, page=e["title"]), timeout=10)
            with open(os.path.join(CORPUS, e[variant]), "rb") as f:
                want = f.read()
            assert r.status_code == e["http_status_" + variant], e["title"]
            assert r.content == want, (e["id"], variant, e["title"])
            assert r.headers["Content-Type"] == "application/json; charset=utf-8"
    st = plain.stats()
    assert st["requests"] >= 2 * len(MANIFEST)
    assert st["requests_per_title"]["Mercury (planet)"] >= 2
    assert st["answers"]["corpus"] >= 2 * len(MANIFEST)


def test_without_synthetic_unknown_titles_are_missing(plain):
    with open(os.path.join(CORPUS, "answers", "lean", "120.json"), "rb") as f:
        missing_lean = f.read()
    with open(os.path.join(CORPUS, "answers", "notebook", "120.json"), "rb") as f:
        missing_nb = f.read()
    r = plain.get("Alpha")
    assert r.status_code == 200 and r.content == missing_lean
    assert r.headers["MediaWiki-API-Error"] == "missingtitle"
    assert plain.get("Alpha", lean=False).content == missing_nb
    # the exact submitted spelling matters: a corpus title with other spaces is not in the corpus
    assert plain.get("Mercury (planet) ").content == missing_lean


# ---- synthetic ----------------------------------------------------------------------------------

def test_synthetic_outcomes(wiki):
    m2, m1 = wiki.get("Missing one").json(), wiki.get("Missing one", lean=False).json()
    assert m2["error"]["code"] == m1["error"]["code"] == "missingtitle"
    assert m2["error"]["info"] == "The page you specified doesn't exist."
    assert "docref" in m2["error"] and "*" in m1["error"]
    for t in ("Invalid title", "Bad[title", "", "Foo%41bar", "x" * 300):
        assert wiki.get(t).json()["error"]["code"] == "invalidtitle", t
    # byte-identical to MediaWiki's own answer to a bad title
    with open(os.path.join(CORPUS, "answers", "lean", "130.json"), "rb") as f:
        assert wiki.get("Qux[bar").content == f.read().replace(b"Foo[bar", b"Qux[bar")
    assert wiki.get("Special:Version x").json()["error"]["code"] == "pagecannotexist"
    d2 = wiki.get("Disambig two").json()["parse"]
    d1 = wiki.get("Disambig two", lean=False).json()["parse"]
    assert {"sortkey": "", "category": "Disambiguation_pages"} in d2["categories"]
    assert {"sortkey": "", "*": "Disambiguation_pages"} in d1["categories"]
    assert [l["title"] for l in d2["links"]] == ["Disambig two (%s)" % k
                                                 for k in ("film", "song", "place")]
    # corpus titles win over the synthetic rules
    with open(os.path.join(CORPUS, "answers", "lean", "081.json"), "rb") as f:
        assert wiki.get("Mercury").content == f.read()
    # "" and "Foo%41bar" are corpus titles: answered from the corpus
    assert wiki.stats()["answers"] == {"missing": 2, "invalid": 5, "disambiguation": 2,
                                       "corpus": 3}


def test_synthetic_ok_page_shapes(wiki):
    r2a, r2b = wiki.get("Alpha"), wiki.get("Alpha")
    assert r2a.content == r2b.content, "not deterministic"
    p2 = r2a.json()["parse"]
    p1 = wiki.get("Alpha", lean=False).json()["parse"]
    with open(os.path.join(CORPUS, "answers", "lean", "007.json")) as f:
        lean_keys = list(json.load(f)["parse"])
    with open(os.path.join(CORPUS, "answers", "notebook", "007.json")) as f:
        nb_keys = list(json.load(f)["parse"])
    assert list(p2) == lean_keys and list(p1) == nb_keys
    assert p2["title"] == p1["title"] == "Alpha"
    assert isinstance(p2["pageid"], int) and p2["pageid"] == p1["pageid"] == p1["revid"]
    assert p2["pageid"] != wiki.get("Beta").json()["parse"]["pageid"]
    # fv2: text a string, hidden true, links title/exists; fv1: "*" everywhere, "" flags
    assert isinstance(p2["text"], str) and isinstance(p1["text"], dict)
    assert p2["text"].count("<p>") >= 3 and "<b>Alpha</b>" in p2["text"]
    assert "NewPP limit report" in p1["text"]["*"] and "NewPP" not in p2["text"]
    assert 'id="toc"' in p1["text"]["*"] and 'id="toc"' not in p2["text"]
    assert "mw-editsection" in p1["text"]["*"] and "mw-editsection" not in p2["text"]
    hidden2 = [c for c in p2["categories"] if "hidden" in c]
    hidden1 = [c for c in p1["categories"] if "hidden" in c]
    assert hidden2 == [{"sortkey": "", "category": "Articles_generated_by_fakewiki",
                        "hidden": True}]
    assert hidden1 == [{"sortkey": "", "hidden": "", "*": "Articles_generated_by_fakewiki"}]
    assert all(set(l) == {"ns", "title", "exists"} for l in p2["links"])
    assert {l["exists"] for l in p2["links"]} == {True, False}
    assert all(set(l) in ({"ns", "exists", "*"}, {"ns", "*"}) for l in p1["links"])
    assert [l["title"] for l in p2["links"]] == [l["*"] for l in p1["links"]]
    assert p2["externallinks"] and all(isinstance(u, str) for u in p2["externallinks"])
    assert p2["sections"] == p1["sections"] and p2["showtoc"] is True and p1["showtoc"] == ""
    assert set(p2["sections"][0]) == {"toclevel", "level", "line", "number", "index",
                                      "fromtitle", "byteoffset", "anchor"}
    assert p2["properties"] == {} and p1["properties"] == []
    assert p2["redirects"] == []


def test_synthetic_titles_are_normalised_and_escaped(wiki):
    r = wiki.get(" café_de  \"x\" & <y>?#frag")
    # '<' and '>' are illegal in titles
    assert r.json()["error"]["code"] == "invalidtitle"
    p = wiki.get(" café_de  \"x\" & y?#frag").json()["parse"]
    assert p["title"] == 'Café de "x" & y?'
    assert "<b>Café de &quot;x&quot; &amp; y?</b>" in p["text"]
    assert p["sections"][0]["fromtitle"] == 'Café_de_"x"_&_y?'
    r1 = wiki.get("Ψ über", lean=False)
    assert b"\\u03a8 \\u00fcber" in r1.content and "Ψ".encode() not in r1.content
    assert "Ψ über".encode() in wiki.get("Ψ über").content
    red = wiki.get("Redirect to Gamma").json()["parse"]
    assert red["title"] == "Gamma" and red["redirects"] == [{"from": "Redirect to Gamma",
                                                             "to": "Gamma"}]


def test_page_kb_makes_big_realistic_pages(wiki):
    wiki.control(page_kb=30)
    text = wiki.get("Big page").json()["parse"]["text"]
    assert 28 * 1024 <= len(text.encode()) <= 34 * 1024
    for needle in ("<p>", "<table", "<span", "cite_note", '<a href="/wiki/', "class=\"new\"",
                   "external text", "<h3>"):
        assert needle in text, needle
    wiki.control(page_kb=100)
    assert 95 * 1024 <= len(wiki.get("Big page").json()["parse"]["text"].encode()) <= 110 * 1024


def test_gzip(wiki):
    plain_body = wiki.get("Zipped", headers={"Accept-Encoding": "identity"}).content
    wiki.control(gzip=True)
    r = wiki.get("Zipped", headers={"Accept-Encoding": "gzip"}, stream=True)
    assert r.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(r.raw.read()) == plain_body
    assert "Content-Encoding" not in wiki.get("Zipped", headers={"Accept-Encoding": "identity"}
                                              ).headers


# ---- faults -------------------------------------------------------------------------------------

def test_429_with_retry_after(wiki):
    wiki.control(rate_429=1, retry_after=3)
    r = wiki.get("T")
    assert r.status_code == 429 and r.headers["Retry-After"] == "3"
    wiki.control(rate_429=1)
    assert wiki.get("T").headers["Retry-After"] == "1"
    st = wiki.stats()
    assert st["faults"]["429"] == 2 and st["statuses"] == {"429": 2}


def test_503(wiki):
    wiki.control(rate_503=1)
    assert wiki.get("T").status_code == 503
    assert wiki.stats()["faults"]["503"] == 1


def test_maxlag_like_mediawiki(wiki):
    wiki.control(rate_maxlag=1, retry_after=2)
    r2, r1 = wiki.get("T"), wiki.get("T", lean=False)
    assert r2.status_code == r1.status_code == 200
    for r in (r2, r1):
        assert r.headers["Retry-After"] == "2" and r.headers["X-Database-Lag"] == "7"
        assert r.headers["MediaWiki-API-Error"] == "maxlag"
    e2, e1 = r2.json()["error"], r1.json()["error"]
    assert list(e2) == ["code", "info", "host", "lag", "type", "docref"]
    assert list(e1) == ["code", "info", "host", "lag", "type", "*"]
    assert e2["code"] == "maxlag" and e2["lag"] == 7 and e2["type"] == "db"
    assert e2["info"] == "Waiting for %s: 7 seconds lagged." % e2["host"]
    wiki.control(rate_maxlag=1, maxlag_lag=12)
    assert wiki.get("T").json()["error"]["lag"] == 12
    assert wiki.stats()["faults"]["maxlag"] == 3


def test_broken_json(wiki):
    good = wiki.get("Broken").content
    wiki.control(rate_broken_json=1)
    r = wiki.get("Broken")
    assert r.status_code == 200 and good.startswith(r.content) and len(r.content) < len(good)
    with pytest.raises(ValueError):
        json.loads(r.content)
    assert wiki.stats()["faults"]["broken_json"] == 1


def test_reset_closes_with_rst(wiki):
    wiki.control(rate_reset=1)
    with socket.create_connection(("127.0.0.1", wiki.port), timeout=5) as s:
        s.sendall(raw_request(wiki.port, "/w/api.php?action=parse&format=json&page=R"))
        with pytest.raises(ConnectionResetError):
            read_until_close(s)
    with pytest.raises(requests.ConnectionError):
        wiki.get("R", session=requests.Session())
    st = wiki.stats()
    assert st["faults"]["reset"] == 2 and st["in_flight"] == 0 and st["statuses"] == {}


def test_hang_triggers_client_timeouts(wiki):
    wiki.control(rate_hang=1, hang_ms=3000)
    t0 = time.time()
    with pytest.raises(requests.ReadTimeout):
        wiki.get("H", timeout=0.4, session=requests.Session())
    assert time.time() - t0 < 2
    wait_for(lambda: wiki.stats()["in_flight"] == 0)  # the client went away
    wiki.control(rate_hang=1, hang_ms=300)
    t0 = time.time()
    r = wiki.get("H", timeout=5)
    assert r.status_code == 200 and time.time() - t0 >= 0.3
    assert wiki.stats()["faults"]["hang"] == 2


def test_fail_first_n_down_and_fault_titles(wiki):
    wiki.control(fail_first_n=2)
    assert [wiki.get("X").status_code for _ in range(3)] == [503, 503, 200]
    assert [wiki.get("Y").status_code for _ in range(3)] == [503, 503, 200]
    assert wiki.stats()["faults"]["fail_first_n"] == 4
    wiki.reset_stats()  # attempt counters start over
    assert wiki.get("X").status_code == 503
    wiki.control(fail_first_n=2)  # so does a new setting
    assert wiki.get("Y").status_code == 503

    wiki.control(down=True)
    assert {wiki.get("Z%d" % i).status_code for i in range(5)} == {503}
    wiki.control(down=False)
    assert wiki.get("Z0").status_code == 200

    wiki.control(fault_titles=["Bad one", "Mercury"])
    assert [wiki.get(t).status_code for t in ("Bad one", "Good one", "Mercury", "Bad one")] == \
        [503, 200, 503, 503]
    st = wiki.stats()
    assert st["faults"]["down"] == 5 and st["faults"]["fault_title"] == 3


def _statuses(wiki, n=60):
    return [wiki.get("D%d" % i).status_code for i in range(n)]


def test_fault_choice_is_reproducible(wiki):
    wiki.control(rate_503=0.5, seed=1)
    a = _statuses(wiki)
    wiki.control(rate_503=0.5, seed=1)
    assert _statuses(wiki) == a, "same seed, same titles, same attempts: same faults"
    second = _statuses(wiki)  # attempt 2 of every title: a different draw
    assert second != a
    wiki.control(rate_503=0.5, seed=2)
    b = _statuses(wiki)
    assert b != a
    assert 15 <= a.count(503) <= 45 and 15 <= b.count(503) <= 45
    # order of arrival does not matter in hash mode
    wiki.control(rate_503=0.5, seed=1)
    rev = [wiki.get("D%d" % i).status_code for i in reversed(range(60))]
    assert rev[::-1] == a
    # random mode: reproducible for the same arrival order
    wiki.control(rate_503=0.5, seed=7, random=True)
    c = [wiki.get("Same").status_code for _ in range(40)]
    wiki.control(rate_503=0.5, seed=7, random=True)
    assert [wiki.get("Same").status_code for _ in range(40)] == c
    assert 503 in c and 200 in c


def test_fault_mix(wiki):
    wiki.control(rate_429=0.2, rate_503=0.2, rate_maxlag=0.2, rate_broken_json=0.2, seed=3)
    for i in range(100):
        wiki.get("M%d" % i)
    f = wiki.stats()["faults"]
    assert all(f[k] > 5 for k in ("429", "503", "maxlag", "broken_json")), f
    assert sum(f.values()) < 100


def test_latency_and_jitter(wiki):
    wiki.control(latency_ms=200)
    t0 = time.time()
    assert wiki.get("L").status_code == 200
    assert 0.2 <= time.time() - t0 < 1.0
    wiki.control(latency_ms=20, jitter_ms=200)
    times = []
    for i in range(6):
        t0 = time.time()
        wiki.get("J%d" % i)
        times.append(time.time() - t0)
    assert min(times) >= 0.02 and max(times) < 0.6 and max(times) - min(times) > 0.02


# ---- concurrency --------------------------------------------------------------------------------

def test_peak_concurrency_with_many_connections(wiki):
    # every request must still be waiting when the last connection is opened: the latency is
    # far above what opening 250 connections takes, even on a loaded machine
    wiki.control(latency_ms=5000)
    n = 250
    socks = []
    for i in range(n):
        s = socket.create_connection(("127.0.0.1", wiki.port), timeout=10)
        s.sendall(raw_request(wiki.port, "/w/api.php?action=parse&format=json&page=C%d" % i,
                              "Connection: close\r\n"))
        socks.append(s)
    wait_for(lambda: wiki.stats()["in_flight"] == n)
    for s in socks:
        data = read_until_close(s)
        s.close()
        assert data.startswith(b"HTTP/1.1 200 OK"), data[:100]
        head, body = data.split(b"\r\n\r\n", 1)
        assert int(re.search(rb"Content-Length: (\d+)", head).group(1)) == len(body)
    st = wiki.stats()
    assert st["max_concurrent"] == n and st["in_flight"] == 0 and st["max_connections"] >= n


def test_peak_concurrency_with_parallel_clients(wiki):
    wiki.control(latency_ms=150)

    def client(k):
        with requests.Session() as s:
            return [wiki.get("P%d-%d" % (k, j), session=s).status_code for j in range(3)]

    with concurrent.futures.ThreadPoolExecutor(12) as pool:
        results = list(pool.map(client, range(12)))
    assert results == [[200] * 3] * 12
    st = wiki.stats()
    assert st["max_concurrent"] == 12 and st["requests"] == 36
    # keep-alive: one connection per client, plus the /_control and this /_stats request
    assert st["connections"] == 12 + 2
    # sequential requests never overlap, latency sleep included
    wiki.reset_stats()
    for i in range(3):
        wiki.get("Seq%d" % i)
    assert wiki.stats()["max_concurrent"] == 1


def test_a_request_whose_client_left_is_not_in_flight(wiki):
    """A crawler that times out closes that connection and then sends its next request on another
    (kept-alive) one. asyncio reports the close a loop iteration after it reads the new request
    when both arrive together, which counted one request too many against the crawler's cap."""
    wiki.control(rate_hang=1, hang_ms=30000)
    spare = socket.create_connection(("127.0.0.1", wiki.port), timeout=10)
    gone = socket.create_connection(("127.0.0.1", wiki.port), timeout=10)
    gone.sendall(raw_request(wiki.port, "/w/api.php?action=parse&format=json&page=Gone"))
    wait_for(lambda: wiki.stats()["in_flight"] == 1)
    # Both events wait for the server's next poll: the close first, as the crawler does them.
    os.kill(wiki.proc.pid, signal.SIGSTOP)
    try:
        gone.close()
        spare.sendall(raw_request(wiki.port, "/w/api.php?action=parse&format=json&page=Next"))
    finally:
        os.kill(wiki.proc.pid, signal.SIGCONT)
    wait_for(lambda: wiki.stats()["faults"]["hang"] == 2)
    st = wiki.stats()
    assert st["in_flight"] == 1 and st["max_concurrent"] == 1, st
    spare.close()
    wait_for(lambda: wiki.stats()["in_flight"] == 0)


def test_keep_alive_and_pipelining(wiki):
    with socket.create_connection(("127.0.0.1", wiki.port), timeout=5) as s:
        reqs = [raw_request(wiki.port, "/w/api.php?action=parse&format=json&page=K%d" % i)
                for i in range(3)]
        reqs.append(raw_request(wiki.port, "/w/api.php?action=parse&format=json&page=K3",
                                "Connection: close\r\n"))
        s.sendall(b"".join(reqs))
        data = read_until_close(s)
    assert data.count(b"HTTP/1.1 200 OK") == 4
    assert [json.loads(b)["parse"]["title"] for b in re.findall(rb'\r\n\r\n(\{.*?\}\})(?=HTTP|$)',
                                                               data)] == ["K0", "K1", "K2", "K3"]
    assert wiki.stats()["connections"] == 2


# ---- control and stats --------------------------------------------------------------------------

def test_control_replaces_merges_and_validates(wiki):
    base = wiki.settings()
    assert base["latency_ms"] == 0 and base["synthetic"] is True and base["retry_after"] == 1
    wiki.control(latency_ms=100, rate_503=0.5, fault_titles=["A"])
    s = wiki.control(rate_429=0.1)  # replaces every fault field, keeps server fields
    assert s["latency_ms"] == 0 and s["rate_503"] == 0 and s["fault_titles"] == []
    assert s["rate_429"] == 0.1 and s["synthetic"] is True
    s = wiki.control(merge=True, latency_ms=5)
    assert s["rate_429"] == 0.1 and s["latency_ms"] == 5
    for bad in ({"nope": 1}, {"rate_503": 1.5}, {"rate_503": 0.6, "rate_429": 0.6},
                {"latency_ms": -1}, {"down": 1}, {"fault_titles": "A"}, {"hang_ms": 1.5}):
        r = requests.post(wiki.base + "/_control", json=bad, timeout=10)
        assert r.status_code == 400 and r.json()["error"], bad
    r = requests.post(wiki.base + "/_control", data="{not json", timeout=10)
    assert r.status_code == 400
    assert wiki.settings() == s, "a rejected body changes nothing"


def test_stats_fields_and_reset(wiki):
    wiki.get("S1", headers={"User-Agent": "wikicrawl-test/1.0 (ops@example.org)"},
             params={"maxlag": "5"})
    wiki.get("S1", lean=False, headers={"User-Agent": "other/2"})
    wiki.get("S2")
    st = wiki.stats()
    assert st["requests"] == 3 and st["requests_per_title"] == {"S1": 2, "S2": 1}
    assert st["user_agents"] == ["other/2", "python-requests/" + requests.__version__,
                                 "wikicrawl-test/1.0 (ops@example.org)"]
    assert st["last_params"]["S1"] == dict(NOTEBOOK, page="S1")
    lp = st["last_params"]["S2"]
    assert lp["formatversion"] == "2" and lp["prop"] == LEAN["prop"] and "maxlag" not in lp
    assert st["in_flight"] == 0 and st["max_concurrent"] == 1
    assert set(st["faults"]) == {"429", "503", "maxlag", "broken_json", "reset", "hang",
                                 "fail_first_n", "down", "fault_title"}
    assert st["statuses"] == {"200": 3} and st["answers"] == {"ok": 3}
    wiki.reset_stats()
    st = wiki.stats()
    assert st["requests"] == 0 and st["requests_per_title"] == {} and st["user_agents"] == []
    assert st["last_params"] == {} and st["max_concurrent"] == 0
    assert requests.get(wiki.base + "/nope", timeout=5).status_code == 404


def test_cli_flags():
    w = Wiki("--synthetic", "--latency-ms", "30", "--jitter-ms", "5", "--fail-first-n", "1",
             "--fault-title", "Bad", "--fault-title", "Worse", "--seed", "9", "--rate-429", "0.1",
             "--retry-after", "2", "--rate-maxlag", "0.1", "--maxlag-lag", "9", "--hang-ms", "10",
             "--page-kb", "3", "--gzip", "--fault-action", "parse",
             "--query-omit", "Gone").start()
    try:
        s = w.settings()
        assert (s["latency_ms"], s["jitter_ms"], s["fail_first_n"], s["fault_titles"], s["seed"],
                s["rate_429"], s["retry_after"], s["rate_maxlag"], s["maxlag_lag"], s["hang_ms"],
                s["page_kb"], s["gzip"], s["synthetic"]) == \
            (30, 5, 1, ["Bad", "Worse"], 9, 0.1, 2, 0.1, 9, 10, 3, True, True)
        assert (s["fault_action"], s["query_omit"]) == ("parse", ["Gone"])
        assert w.get("First").status_code == 503
        assert w.get("Bad").status_code == 503
    finally:
        w.stop()
    bad = subprocess.run([PYTHON, SCRIPT, "--port", "0", "--rate-503", "0.7", "--rate-429",
                          "0.7"], capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0 and "add up" in bad.stderr


# ---- action=query (batched title resolution) ----------------------------------------------------

QUERY = {"action": "query", "format": "json", "formatversion": "2", "redirects": "1",
         "prop": "info|pageprops", "ppprop": "disambiguation", "maxlag": "5"}


def query(wiki, titles, **kw):
    return wiki.http.get(wiki.api, params=dict(QUERY, titles="|".join(titles)),
                         timeout=kw.pop("timeout", 60), **kw)


def resolve(q, title):
    """What lib/mwquery makes of the answer for title: (outcome, pageid, redirects[0].to)."""
    pages = {p["title"]: p for p in q.get("pages", [])}
    if title in pages and pages[title].get("invalid"):
        return "invalid", None, None
    cur = title
    for key in ("normalized", "converted"):
        cur = {m["from"]: m["to"] for m in q.get(key, [])}.get(cur, cur)
    redirects = {r["from"]: r for r in q.get("redirects", [])}
    first, hops = None, 0
    while cur in redirects and hops <= len(redirects):
        r = redirects[cur]
        first = first or r["to"]
        hops += 1
        cur = r["to"]
        if "tointerwiki" in r:
            return "invalid", None, first
    if hops > len(redirects):
        return "loop", None, None
    if any(i["title"] == cur for i in q.get("interwiki", [])):
        return "invalid", None, None
    page = pages.get(cur)
    if page is None:
        return "unresolved", None, None
    if page.get("special"):
        return "invalid", None, first
    if page.get("missing"):
        return "missing", None, first
    if page.get("invalid") or "pageid" not in page:
        return "unresolved", None, None
    return ("disambiguation" if "disambiguation" in page.get("pageprops", {}) else "ok",
            page["pageid"], first)


def parse_outcome(wiki, title):
    a = wiki.get(title).json()
    if "error" in a:
        code = a["error"]["code"]
        return ("missing" if code == "missingtitle" else "invalid"), None, None
    p = a["parse"]
    disambig = any(c["category"] == "Disambiguation_pages" for c in p.get("categories", [])) or \
        "disambiguation" in p.get("properties", {})
    redirects = p.get("redirects") or [{}]
    return "disambiguation" if disambig else "ok", p["pageid"], redirects[0].get("to")


def same_as_parse(got, parsed):
    """Same outcome and pageid; for a page, the same redirects[0].to (an error answer of parse
    says nothing of redirects)."""
    if parsed[0] in ("ok", "disambiguation"):
        return got == parsed
    return got[:2] == parsed[:2]


def test_query_agrees_with_parse_on_the_corpus(wiki):
    titles = [e["title"] for e in MANIFEST if "|" not in e["title"]]
    with open(os.path.join(CORPUS, "outcomes.json"), encoding="utf-8") as f:
        by_id = json.load(f)
    outcomes = {e["title"]: by_id[e["id"]] for e in MANIFEST}
    loops = 0
    for i in range(0, len(titles), 50):
        batch = titles[i:i + 50]
        r = query(wiki, batch)
        assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/json")
        q = r.json()
        assert q["batchcomplete"] is True
        for t in batch:
            got = resolve(q["query"], t)
            if got[0] == "loop":  # lib/mwquery leaves loops to action=parse
                loops += 1
                continue
            assert got[0] == outcomes[t], t
            assert same_as_parse(got, parse_outcome(wiki, t)), t
    assert loops == 2
    st = wiki.stats()
    n_batches = (len(titles) + 49) // 50
    assert st["query_requests"] == n_batches and st["query_titles"] == len(titles)
    assert st["answers"]["query"] == n_batches


def test_query_agrees_with_parse_on_synthetic_titles(wiki):
    titles = ["Plain page", "plain_page", " Plain page ", "Redirect to Plain page", "Missing one",
              "Disambig two", "Invalid three", "Foo[bar]", "", "Special:Nothing",
              "Media:X.png", "Ünïcödé 😀", "東京タワー (fake)", "Redirect:Disambig two"]
    q = query(wiki, titles).json()["query"]
    for t in titles:
        assert same_as_parse(resolve(q, t), parse_outcome(wiki, t)), t
    # one page entry for the spellings of one page, each spelling normalised on its own
    assert [p["title"] for p in q["pages"]].count("Plain page") == 1
    assert {m["from"] for m in q["normalized"]} >= {"plain_page", " Plain page "}


def test_query_revisions_move_with_edits(wiki):
    first = query(wiki, ["Edited page", "Kept page", "Redirect to Edited page"]).json()["query"]
    pages = {p["title"]: p for p in first["pages"]}
    assert pages["Edited page"]["lastrevid"] == pages["Edited page"]["pageid"]
    assert pages["Kept page"]["touched"] == "2024-01-01T00:00:00Z"
    out = wiki.control(merge=True, rate_503=0.0, edit=["Redirect to Edited page"])
    edited = out["edited"]["Edited page"]
    assert edited["lastrevid"] > 99000999
    again = {p["title"]: p for p in query(wiki, ["Edited page", "Kept page"]).json()["query"]
             ["pages"]}
    assert again["Edited page"]["lastrevid"] == edited["lastrevid"]
    assert again["Edited page"]["touched"] == edited["touched"] > pages["Edited page"]["touched"]
    assert again["Kept page"] == pages["Kept page"]
    wiki.control(merge=True, edit=["Edited page"])
    third = query(wiki, ["Edited page"]).json()["query"]["pages"][0]
    assert third["lastrevid"] > edited["lastrevid"] and third["touched"] > edited["touched"]
    assert wiki.stats()["edits"]["Edited page"]["lastrevid"] == third["lastrevid"]
    # corpus pages too; the parse answer keeps its pageid
    wiki.control(merge=True, edit=["AT&T"])
    page = query(wiki, ["ATT"]).json()["query"]["pages"][0]
    assert page["title"] == "AT&T" and page["pageid"] == 43 and page["lastrevid"] > 99000999


def test_edit_alone_keeps_the_settings_and_refuses_non_pages(wiki):
    wiki.control(rate_503=0.25, latency_ms=1)
    s = wiki.control(edit=["Some page"])
    assert s["rate_503"] == 0.25 and s["latency_ms"] == 1 and "Some page" in s["edited"]
    for bad in ({"edit": ["Missing page"]}, {"edit": ["Foo[bar"]}, {"edit": "Some page"},
                {"edit": ["Some page", "Missing x"]}):
        r = requests.post(wiki.base + "/_control", json=bad, timeout=10)
        assert r.status_code == 400 and r.json()["error"], bad
    assert wiki.stats()["edits"]["Some page"] == s["edited"]["Some page"]


def test_query_and_parse_requests_are_counted_apart(wiki):
    wiki.get("Counted")
    query(wiki, ["Counted", "Other"], headers={"User-Agent": "wikicrawl-test/1.0"})
    query(wiki, ["Third"])
    st = wiki.stats()
    assert st["requests"] == 3 and st["parse_requests"] == 1 and st["query_requests"] == 2
    assert st["query_titles"] == 3 and st["requests_per_title"] == {"Counted": 1}
    assert st["last_query_params"] == dict(QUERY, titles="Third")
    assert "wikicrawl-test/1.0" in st["user_agents"]
    wiki.reset_stats()
    st = wiki.stats()
    assert st["query_requests"] == st["parse_requests"] == st["query_titles"] == 0
    assert st["last_query_params"] is None


def test_faults_apply_to_query_requests(wiki):
    batch = ["Q1", "Q2", "Q3"]
    wiki.control(rate_429=1, retry_after=2)
    r = query(wiki, batch)
    assert r.status_code == 429 and r.headers["Retry-After"] == "2"
    wiki.control(rate_maxlag=1)
    r = query(wiki, batch)
    assert r.status_code == 200 and r.json()["error"]["code"] == "maxlag"
    assert r.headers["MediaWiki-API-Error"] == "maxlag"
    wiki.control()
    good = query(wiki, batch).content
    wiki.control(rate_broken_json=1)
    r = query(wiki, batch)
    assert r.status_code == 200 and good.startswith(r.content) and len(r.content) < len(good)
    wiki.control(rate_reset=1)
    with pytest.raises(requests.ConnectionError):
        requests.get(wiki.api, params=dict(QUERY, titles="|".join(batch)), timeout=10)
    wiki.control(latency_ms=150)
    t0 = time.time()
    assert query(wiki, batch).status_code == 200 and time.time() - t0 >= 0.14
    # a batch is one key: its retries count as attempts 1, 2, 3 ...
    wiki.control(fail_first_n=2)
    assert [query(wiki, batch).status_code for _ in range(3)] == [503, 503, 200]
    assert query(wiki, batch[:2]).status_code == 503
    # a batch with a fault title fails as a whole
    wiki.control(fault_titles=["Q2"])
    assert query(wiki, batch).status_code == 503 and query(wiki, ["Q1"]).status_code == 200
    st = wiki.stats()
    assert st["faults"]["429"] == 1 and st["faults"]["maxlag"] == 1
    assert st["faults"]["broken_json"] == 1 and st["faults"]["reset"] == 1
    assert st["faults"]["fail_first_n"] == 3 and st["faults"]["fault_title"] == 1
    assert st["parse_requests"] == 0


def test_query_fault_choice_is_reproducible(wiki):
    batches = [["R%d" % i, "S%d" % i] for i in range(40)]
    wiki.control(rate_503=0.5, seed=3)
    first = [query(wiki, b).status_code for b in batches]
    wiki.control(rate_503=0.5, seed=3)
    assert [query(wiki, b).status_code for b in reversed(batches)] == first[::-1]
    assert 5 < first.count(503) < 35


def test_fault_action_limits_faults_to_one_kind_of_request(wiki):
    wiki.control(rate_503=1, fault_action="query")
    assert query(wiki, ["F1", "F2"]).status_code == 503
    assert wiki.get("F1").status_code == 200
    wiki.control(rate_503=1, fault_action="parse")
    assert query(wiki, ["F1", "F2"]).status_code == 200
    assert wiki.get("F1").status_code == 503
    wiki.control(fail_first_n=1, fault_action="query")
    assert [query(wiki, ["F3"]).status_code for _ in range(2)] == [503, 200]
    assert wiki.get("F3").status_code == 200
    wiki.control(rate_503=1)  # back to the default "": every request
    assert query(wiki, ["F1"]).status_code == 503 and wiki.get("F1").status_code == 503
    for bad in ({"fault_action": "edit"}, {"fault_action": 1}):
        r = requests.post(wiki.base + "/_control", json=bad, timeout=10)
        assert r.status_code == 400 and r.json()["error"], bad


def test_query_omit_leaves_titles_out_of_query_answers(wiki):
    titles = ["Kept one", "forgotten_one", "Missing forgotten", "Redirect to Kept one"]
    full = query(wiki, titles).json()["query"]
    assert resolve(full, "forgotten_one")[0] == "ok"
    wiki.control(query_omit=["forgotten_one", "Missing forgotten"])
    q = query(wiki, titles).json()["query"]
    assert resolve(q, "forgotten_one")[0] == "unresolved"
    assert resolve(q, "Missing forgotten")[0] == "unresolved"
    assert resolve(q, "Kept one") == resolve(full, "Kept one")
    assert resolve(q, "Redirect to Kept one") == resolve(full, "Redirect to Kept one")
    text = json.dumps(q)
    assert "orgotten" not in text, text
    assert wiki.get("forgotten_one").json()["parse"]["title"] == "Forgotten one"
    assert wiki.settings()["query_omit"] == ["forgotten_one", "Missing forgotten"]
    wiki.control()
    assert resolve(query(wiki, titles).json()["query"], "forgotten_one")[0] == "ok"
