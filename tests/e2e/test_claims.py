"""Documented claims that did not hold (issue 25), each shown with the real binary and a real
redis-server: bad UTF-8 anywhere in a JSON body, a bad --log-level, --result-ttl of the front end
the job was submitted to, what an open front end lists, what a purge of a queued job says."""
import os
import subprocess
from datetime import datetime

import requests

from conftest import BIN, serve


def post(svc, body, headers=None):
    h = {"Content-Type": "application/json"}
    h.update(headers or {})
    return requests.post(svc.url("/v1/jobs"), data=body, headers=h, timeout=60)


def error_of(r):
    return r.json()["error"]["code"], r.json()["error"]["message"]


def when(iso):
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def test_bad_utf8_anywhere_but_a_title_is_a_malformed_body(service, redis_server):
    """RFC 8259 section 8.1: all JSON text is UTF-8. A member name or an ignored string that is
    not was accepted with 202; a title that is not stays an invalid entry, refused alone."""
    svc = service("api", ["--redis", redis_server.socket])
    for body, where in [(b'{"titles":["a"],"x\xff":1}', "line 1, column 19"),
                        (b'{"titles":["Article 1"],"note":"ab\xffcd"}', "line 1, column 35"),
                        (b'{"note":{"deep":["\xc3"]},"titles":["a"]}', "line 1, column 20"),
                        (b'{"titles":["a"],"labels":["x\xe9y"]}', "line 1, column 30")]:
        r = post(svc, body)
        assert r.status_code == 400, (body, r.text)
        code, message = error_of(r)
        assert code == "malformed_body" and message.startswith(where + ": invalid UTF-8"), message
    r = post(svc, b'{"titles":["Good","Bad\xff"]}')
    assert r.status_code == 202, r.text
    assert (r.json()["titles"], r.json()["invalid"]) == (2, 1)
    # well-formed text that is no character (a lone surrogate) in a label: the message says why
    r = post(svc, b'{"titles":["a"],"labels":["x\\udc00"]}')
    assert r.status_code == 422, r.text
    code, message = error_of(r)
    assert code == "invalid_option" and "invalid Unicode '\\uDC00'" in message, message


def test_a_bad_log_level_is_refused_like_every_other_setting():
    """`--log-level loud` used to start a process that logged nothing at all."""
    for command, args, env, source in [
            ("api", ["--log-level", "loud"], {}, "--log-level"),
            ("worker", [], {"WIKICRAWL_LOG_LEVEL": "verbose"}, "WIKICRAWL_LOG_LEVEL"),
            ("serve", ["--log-level", ""], {}, "--log-level")]:
        p = subprocess.run([BIN, command] + args, capture_output=True, text=True, timeout=60,
                           env={**os.environ, **env})
        assert p.returncode == 2, (command, p.returncode, p.stderr)
        assert "%s must be debug, info, warn or error (in any case)" % source in p.stderr, p.stderr


def test_an_upper_case_log_level_is_that_level(service, redis_server):
    svc = service("api", ["--redis", redis_server.socket, "--log-level", "INFO"])
    assert "event=listening" in svc.log()
    quiet = service("api", ["--redis", redis_server.socket, "--log-level", "ERROR"])
    assert "event=listening" not in quiet.log()


def test_result_ttl_is_the_one_of_the_front_end_the_job_was_submitted_to(service, redis_server,
                                                                           fakewiki):
    """The finish (a worker's) and the cancel (any front end's) keep a job for the --result-ttl
    of the front end it was submitted to, stored with the job."""
    wiki = fakewiki("--synthetic")
    short = service("api", ["--redis", redis_server.socket, "--result-ttl", "3600"])
    other = service("api", ["--redis", redis_server.socket])  # the default: a week
    queued = post(short, b'["Kept an hour"]').json()["id"]
    other_job = post(other, b'["Kept a week"]').json()["id"]
    r = requests.delete(other.url("/v1/jobs/" + queued), timeout=30)
    assert r.status_code == 200, r.text
    st = short.status(queued)
    assert st["status"] == "cancelled"
    assert 3000 < when(st["expires_at"]) - when(st["finished"]) <= 3601
    # a worker with its own (default) --result-ttl finishes them
    service("worker", ["--redis", redis_server.socket, "--wiki", wiki.url, "--workers", "1",
                       "--retry-base-ms", "20"])
    done = post(short, b'["Crawled, kept an hour"]').json()["id"]
    st = short.wait_done(done)
    assert st["status"] == "done"
    assert 3000 < when(st["expires_at"]) - when(st["finished"]) <= 3601
    st = other.wait_done(other_job)
    assert when(st["expires_at"]) - when(st["finished"]) > 7 * 86400 - 600


def test_an_open_front_end_lists_only_the_jobs_made_without_a_key(service, redis_server,
                                                                   tmp_path):
    """Deliberate (openapi.yaml says why): on an open front end an id is all it takes to read or
    purge a job, so a keyed front end's jobs on the same Redis are not listed there."""
    keys = tmp_path / "keys"
    keys.write_text("key-one\n")
    keyed = service("api", ["--redis", redis_server.socket, "--api-keys", str(keys)])
    open_ = service("api", ["--redis", redis_server.socket])
    mine = post(keyed, b'["Keyed"]', {"Authorization": "Bearer key-one"}).json()["id"]
    anyone = post(open_, b'["Open"]').json()["id"]
    listed = requests.get(open_.url("/v1/jobs"), timeout=30).json()
    assert [j["id"] for j in listed] == [anyone]
    listed = requests.get(keyed.url("/v1/jobs"), headers={"Authorization": "Bearer key-one"},
                          timeout=30).json()
    assert [j["id"] for j in listed] == [mine]


def test_a_purge_of_a_queued_job_says_queued_or_running(service, redis_server):
    svc = service("api", ["--redis", redis_server.socket])  # no worker: the job stays queued
    job = post(svc, b'["Waiting"]').json()["id"]
    assert svc.status(job)["status"] == "queued"
    r = requests.delete(svc.url("/v1/jobs/" + job), params={"purge": "true"}, timeout=30)
    assert r.status_code == 409
    assert error_of(r) == ("job_not_finished", "job %s is still queued or running: cancel it "
                                               "first, then purge it" % job)
    r = requests.post(svc.url("/v1/jobs/%s/retry" % job), timeout=30)
    assert r.status_code == 409 and "still queued or running" in r.text, r.text


def test_a_crawl_still_works_with_every_claim_above(service, redis_server, fakewiki):
    """The reader's new checks cost the ordinary body nothing it accepted before."""
    svc = serve(service, redis_server, fakewiki("--synthetic"))
    body = '{"note":"caf\u00e9 \u2603","titles":["Caf\u00e9","Snow \u2603"],"chunk_size":1}'
    r = post(svc, body.encode("utf-8"))
    assert r.status_code == 202, r.text
    assert r.json()["chunks"] == 2  # chunk_size after titles counts too (issue 25, item 1)
    assert svc.wait_done(r.json()["id"])["pages"] == 2
