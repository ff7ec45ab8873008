"""Parity: `wikicrawl parse` on every captured MediaWiki answer gives, byte for byte, the record the
lxml reference (tests/corpus/reference.py, the notebook's own extraction) gives. Both request
variants are checked: the notebook's (formatversion 1, default props) and the lean one the
workers send (formatversion 2, only the props the record needs)."""
import json
import os
import subprocess

import pytest

from conftest import BIN, CORPUS, corpus_manifest

EXIT_FOR = {"ok": 0, "disambiguation": 2, "missing": 2, "invalid": 2, "failed": 4}


def outcomes():
    with open(os.path.join(CORPUS, "outcomes.json")) as f:
        return json.load(f)


MANIFEST = corpus_manifest()
OUTCOMES = outcomes()


def test_corpus_is_big_and_varied_enough():
    counts = {}
    for entry in MANIFEST:
        counts[OUTCOMES[entry["id"]]] = counts.get(OUTCOMES[entry["id"]], 0) + 1
    assert len(MANIFEST) >= 30
    assert counts.get("ok", 0) >= 30
    for outcome in ("disambiguation", "missing", "invalid"):
        assert counts.get(outcome, 0) >= 1, counts


@pytest.mark.parametrize("variant", ["notebook", "lean"])
@pytest.mark.parametrize("entry", MANIFEST, ids=[e["id"] for e in MANIFEST])
def test_parse_matches_reference(entry, variant):
    status = str(entry.get("http_status_" + variant, 200))
    proc = subprocess.run([BIN, "parse", "--title", entry["title"], "--status", status,
                           os.path.join(CORPUS, entry[variant])], capture_output=True)
    outcome = OUTCOMES[entry["id"]]
    assert proc.returncode == EXIT_FOR[outcome], (proc.returncode, proc.stderr)
    if outcome == "ok":
        with open(os.path.join(CORPUS, "expected", entry["id"] + ".ndjson"), "rb") as f:
            assert proc.stdout == f.read()
        assert proc.stderr == b""
    else:
        assert proc.stdout == b""
        verdict = json.loads(proc.stderr)
        assert verdict["outcome"] == outcome and verdict["title"] == entry["title"]
