"""Exports to S3 (issue 22): a real S3 server that checks SigV4 signatures (@20minutes/s3rver,
installed into build/npm by `make test`), wrong credentials, a missing bucket, and the server
killed and restarted mid-job."""
import hashlib
import http.client
import http.server
import json
import os
import shutil
import subprocess
import tempfile
import threading

import pytest
import requests

from conftest import ROOT, expected_records, numbered_titles as titles, wait_for
from test_export import check_manifest, export_done

S3RVER_JS = os.path.join(ROOT, "tests", "e2e", "s3rver.js")
S3RVER_PKG = os.path.join(ROOT, "build", "npm", "node_modules", "@20minutes", "s3rver")
BUCKET = "lake"
# s3rver's own credentials
GOOD = {"AWS_ACCESS_KEY_ID": "S3RVER", "AWS_SECRET_ACCESS_KEY": "S3RVER"}


class S3rver:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="wc-s3rver-")
        self.proc = None
        self.port = None

    def start(self, port=None):
        assert os.path.isdir(S3RVER_PKG), \
            "s3rver is not installed: make build/npm/node_modules/@20minutes/s3rver/package.json"
        cmd = ["node", S3RVER_JS, self.dir, BUCKET] + ([str(port)] if port else [])
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        assert line.startswith("LISTENING"), "s3rver did not start: %r" % line
        self.port = int(line.split()[1])
        return self

    @property
    def endpoint(self):
        return "http://127.0.0.1:%d" % self.port

    def get(self, key):
        """The object's bytes, or None when there is none (a signed GET, as any S3 client)."""
        out = subprocess.run(
            ["curl", "-s", "-w", "\n%{http_code}", "--aws-sigv4", "aws:amz:us-east-1:s3",
             "--user", "S3RVER:S3RVER", "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD",
             "%s/%s/%s" % (self.endpoint, BUCKET, key)], capture_output=True, check=True).stdout
        body, _, code = out.rpartition(b"\n")
        if code == b"404":
            return None
        assert code == b"200", (key, code, body[:300])
        return body

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(30)


class FaultProxy:
    """Forwards requests to an S3 server as they are (the Host header too: SigV4 signs it), but
    answers 503 SlowDown to every PUT while `failing`."""

    def __init__(self, upstream_port):
        proxy = self
        self.failing = True
        self.refused = 0

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def forward(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                if self.command == "PUT" and proxy.failing:
                    proxy.refused += 1
                    answer = (b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown"
                              b"</Code><Message>Please reduce your request rate.</Message></Error>")
                    self.send_response(503)
                    self.send_header("Content-Type", "application/xml")
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                    return
                conn = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=60)
                conn.putrequest(self.command, self.path, skip_host=True,
                                skip_accept_encoding=True)
                for name, value in self.headers.items():
                    conn.putheader(name, value)
                conn.endheaders(body)
                r = conn.getresponse()
                data = r.read()
                self.send_response(r.status)
                for name, value in r.getheaders():
                    if name.lower() not in ("transfer-encoding", "content-length", "connection"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                conn.close()

            do_GET = do_PUT = do_HEAD = forward

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def s3rver():
    servers = []

    def start(port=None):
        s = S3rver().start(port)
        servers.append(s)
        return s
    yield start
    for s in servers:
        s.stop()
        shutil.rmtree(s.dir, ignore_errors=True)


def start(service, redis_server, wiki, s3, env, *extra):
    return service("serve", ["--redis", redis_server.socket, "--wiki", wiki.url, "--workers", "2",
                             "--retry-base-ms", "20", "--timeout-ms", "5000",
                             "--s3-bucket", BUCKET, "--s3-endpoint", s3.endpoint] + list(extra),
                   env=env)


def test_s3_export_equals_the_results(service, redis_server, fakewiki, s3rver):
    s3 = s3rver()
    wiki = fakewiki("--synthetic", "--latency-ms", "20")
    svc = start(service, redis_server, wiki, s3, GOOD, "--export-part-records", "8")
    r = svc.submit({"titles": titles("S3", 30) + ["Bad|title"], "chunk_size": 5,
                    "export": {"to": "s3", "prefix": "enwiki/2026-12"}})
    assert r.status_code == 202, r.text
    job = r.json()["id"]
    folder = "enwiki/2026-12/" + job
    st = svc.status(job)
    while st["status"] != "done":
        assert s3.get(folder + "/_SUCCESS") is None
        st = svc.status(job, wait=1)
    st, manifest = check_manifest(svc, job, lambda name: s3.get(folder + "/" + name), 8)
    assert st["export"]["location"] == "s3://%s/%s/" % (BUCKET, folder)
    assert manifest["records"] == 30 and len(manifest["parts"]) == 4
    log = svc.log()
    assert "S3RVER" not in log, "a credential was logged"


def test_wrong_secret_fails_the_export_and_keeps_the_records(service, redis_server, fakewiki,
                                                             s3rver):
    s3 = s3rver()
    wiki = fakewiki("--synthetic")
    env = {"AWS_ACCESS_KEY_ID": "S3RVER", "AWS_SECRET_ACCESS_KEY": "not-the-secret"}
    svc = start(service, redis_server, wiki, s3, env)
    job = svc.submit({"titles": titles("Denied", 5),
                      "export": {"to": "s3", "prefix": "p"}}).json()["id"]
    svc.wait_done(job)
    st = export_done(svc, job)
    assert st["export"]["state"] == "failed"
    assert "403" in st["export"]["error"] and "SignatureDoesNotMatch" in st["export"]["error"]
    assert "not-the-secret" not in str(st) and "not-the-secret" not in svc.log()
    _, records = svc.lines(job)
    assert len(records) == 5  # the records stay in Redis


def test_missing_bucket_fails_the_export(service, redis_server, fakewiki, s3rver):
    s3 = s3rver()
    wiki = fakewiki("--synthetic")
    svc = service("serve", ["--redis", redis_server.socket, "--wiki", wiki.url, "--workers", "1",
                            "--s3-bucket", "no-such-bucket", "--s3-endpoint", s3.endpoint],
                  env=GOOD)
    job = svc.submit({"titles": ["A"], "export": {"to": "s3", "prefix": "p"}}).json()["id"]
    st = export_done(svc, job)
    assert st["export"]["state"] == "failed"
    assert "404" in st["export"]["error"] and "NoSuchBucket" in st["export"]["error"]


def test_s3_server_down_mid_job_stalls_then_catches_up(service, redis_server, fakewiki, s3rver):
    s3 = s3rver()
    wiki = fakewiki("--synthetic", "--latency-ms", "30")
    svc = start(service, redis_server, wiki, s3, GOOD, "--export-part-records", "5")
    n = 120
    job = svc.submit({"titles": titles("Down", n), "chunk_size": 5,
                      "export": {"to": "s3", "prefix": "d"}}).json()["id"]
    wait_for(lambda: svc.status(job)["export"]["parts"] >= 2, 120, "some parts", svc.proc)
    port = s3.port
    s3.stop()
    wait_for(lambda: svc.status(job)["export"]["state"] == "stalled", 120, "a stalled export",
             svc.proc)
    assert svc.status(job)["export"]["error"]
    svc.wait_done(job)
    s3b = S3rver()  # the same port, the same stored objects
    shutil.rmtree(s3b.dir, ignore_errors=True)
    s3b.dir = s3.dir
    s3b.start(port)
    folder = "d/" + job
    try:
        st, manifest = check_manifest(svc, job, lambda name: s3b.get(folder + "/" + name), 5)
    finally:
        s3b.stop()
    assert manifest["records"] == n


def test_s3_answering_503_stalls_then_catches_up(service, redis_server, fakewiki, s3rver):
    s3 = s3rver()
    proxy = FaultProxy(s3.port)
    try:
        wiki = fakewiki("--synthetic")
        svc = service("serve", ["--redis", redis_server.socket, "--wiki", wiki.url,
                                "--workers", "2", "--s3-bucket", BUCKET, "--s3-endpoint",
                                proxy.endpoint, "--export-part-records", "4"], env=GOOD)
        job = svc.submit({"titles": titles("Slow", 18),
                          "export": {"to": "s3", "prefix": "slow"}}).json()["id"]
        wait_for(lambda: svc.status(job)["export"]["state"] == "stalled", 120,
                 "a stalled export", svc.proc)
        err = svc.status(job)["export"]["error"]
        assert "503" in err and "SlowDown" in err, err
        svc.wait_done(job)
        assert svc.status(job)["export"]["parts"] == 0
        proxy.failing = False
        folder = "slow/" + job
        st, manifest = check_manifest(svc, job, lambda name: s3.get(folder + "/" + name), 4)
        assert manifest["records"] == 18 and proxy.refused >= 1
    finally:
        proxy.close()


def test_s3_api_key_folders_and_410_after_trimming(service, redis_server, fakewiki, s3rver,
                                                   tmp_path):
    s3 = s3rver()
    wiki = fakewiki("--synthetic")
    keys = tmp_path / "keys"
    keys.write_text("key-one\n")
    svc = start(service, redis_server, wiki, s3, GOOD, "--api-keys", str(keys),
                "--export-part-records", "3")
    auth = {"Authorization": "Bearer key-one"}
    r = requests.post(svc.url("/v1/jobs"), params={"keep": "export"}, timeout=60,
                      data=json.dumps({"titles": titles("Keyed", 7),
                                       "export": {"to": "s3", "prefix": "team"}}),
                      headers={"Content-Type": "application/json", **auth})
    assert r.status_code == 202, r.text
    job = r.json()["id"]
    owner = hashlib.sha256(b"key-one").hexdigest()[:16]
    folder = "%s/team/%s" % (owner, job)

    def over():
        st = requests.get(svc.url("/v1/jobs/" + job), headers=auth, timeout=60).json()
        return st["status"] == "done" and st["export"]["state"] == "done" and st
    wait_for(over, 120, "the export", svc.proc)
    st = over()
    assert st["export"]["location"] == "s3://%s/%s/" % (BUCKET, folder)
    assert s3.get(folder + "/_SUCCESS") == b""
    manifest = json.loads(s3.get(folder + "/_manifest.json"))
    assert manifest["records"] == 7 and len(manifest["parts"]) == 3
    r = requests.get(svc.url("/v1/jobs/%s/results" % job), headers=auth, timeout=60)
    assert r.status_code == 410 and r.json()["error"]["code"] == "exported"
    assert r.headers["Link"] == '<s3://%s/%s/_manifest.json>; rel="describedby"' % (BUCKET, folder)


def test_s3_corpus_job_parts_equal_the_results(service, redis_server, fakewiki, s3rver):
    """The corpus job to S3, with temporary credentials (AWS_SESSION_TOKEN goes out as
    x-amz-security-token): the parts, inflated, are /results byte for byte."""
    s3 = s3rver()
    wiki = fakewiki()
    env = dict(GOOD, AWS_SESSION_TOKEN="session-token-not-to-be-logged")
    svc = start(service, redis_server, wiki, s3, env, "--export-part-records", "16")
    _, outcomes = expected_records()
    job = svc.submit({"titles": list(outcomes),
                      "export": {"to": "s3", "prefix": "corpus"}}).json()["id"]
    svc.wait_done(job)
    folder = "corpus/" + job
    st, manifest = check_manifest(svc, job, lambda name: s3.get(folder + "/" + name), 16)
    assert len(manifest["parts"]) > 1 and manifest["errors"]
    assert "session-token-not-to-be-logged" not in svc.log() + json.dumps(st)
