"""openapi.yaml: the document is a sound OpenAPI 3.1 description, and the running service keeps to
it (every status, Content-Type, header and body it answers is the one documented)."""
import glob
import json
import os
import re
import time

import pytest
import requests
import yaml
from jsonschema import Draft202012Validator

from conftest import ROOT

SPEC_PATH = os.path.join(ROOT, "openapi.yaml")
SERVER_C = os.path.join(ROOT, "service", "server", "*.c")
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
MISSING_JOB = "0" * 32


# ---- the document -------------------------------------------------------------------------------

def load_spec():
    with open(SPEC_PATH, encoding="utf-8") as f:
        return yaml.safe_load(f)


def pointer(doc, ref):
    """The node a local reference ("#/a/b") names; AssertionError when there is none."""
    assert isinstance(ref, str) and ref.startswith("#/"), "only local $refs are used: %r" % ref
    node = doc
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list):
            assert part.isdigit() and int(part) < len(node), "unresolved $ref %s" % ref
            node = node[int(part)]
        else:
            assert isinstance(node, dict) and part in node, "unresolved $ref %s" % ref
            node = node[part]
    return node


_WHOLE = object()


def deref(doc, node=_WHOLE, stack=()):
    """A copy of node with every {"$ref": ...} replaced by its target (siblings kept via allOf)."""
    if node is _WHOLE:
        node = doc
    if isinstance(node, dict):
        if "$ref" in node:
            ref = node["$ref"]
            assert ref not in stack, "$ref cycle: %s" % " -> ".join(stack + (ref,))
            target = deref(doc, pointer(doc, ref), stack + (ref,))
            rest = {k: deref(doc, v, stack) for k, v in node.items() if k != "$ref"}
            return {"allOf": [target], **rest} if rest else target
        return {k: deref(doc, v, stack) for k, v in node.items()}
    if isinstance(node, list):
        return [deref(doc, v, stack) for v in node]
    return node


def walk(node, path=""):
    """Every (json-pointer-ish path, dict) in the document."""
    if isinstance(node, dict):
        yield path, node
        for k, v in node.items():
            yield from walk(v, "%s/%s" % (path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from walk(v, "%s/%d" % (path, i))


def operations(spec):
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item, item[method]


def media_types(spec):
    """(where, media type name, media type object) of every request and response body."""
    def from_content(where, content):
        for name, media in (content or {}).items():
            yield where, name, media

    for path, method, _, op in operations(spec):
        body = op.get("requestBody")
        if body and "$ref" not in body:
            yield from from_content("%s %s request" % (method, path), body.get("content"))
        for status, resp in op["responses"].items():
            if "$ref" not in resp:
                yield from from_content("%s %s %s" % (method, path, status), resp.get("content"))
    for name, resp in spec.get("components", {}).get("responses", {}).items():
        yield from from_content("components/responses/" + name, resp.get("content"))


def schemas_in(spec):
    """(where, schema) of every schema the document holds, raw (with $refs)."""
    comps = spec.get("components", {})
    for name, schema in comps.get("schemas", {}).items():
        yield "components/schemas/" + name, schema
    params = list(comps.get("parameters", {}).items())
    for path, method, item, op in operations(spec):
        params += [("%s %s" % (method, path), p) for p in item.get("parameters", [])]
        params += [("%s %s" % (method, path), p) for p in op.get("parameters", [])]
    for where, p in params:
        if "schema" in p:
            yield "parameter %s of %s" % (p.get("name"), where), p["schema"]
    headers = list(comps.get("headers", {}).items())
    for where, node in walk(spec):
        if where.endswith("/headers") and not where.startswith("/components"):
            headers += [(where + "/" + k, v) for k, v in node.items()]
    for where, h in headers:
        if "schema" in h:
            yield "header " + where, h["schema"]
    for where, name, media in media_types(spec):
        for key in ("schema", "x-item-schema"):
            if key in media:
                yield "%s %s %s" % (where, name, key), media[key]


@pytest.fixture(scope="module")
def spec():
    return load_spec()


def test_document_starts_with_the_version_line():
    with open(SPEC_PATH, encoding="utf-8") as f:
        assert f.readline() == "openapi: 3.1.0\n"


def test_document_structure(spec):
    assert spec["openapi"] == "3.1.0"
    assert isinstance(spec["info"]["title"], str) and isinstance(spec["info"]["version"], str)
    assert set(spec) <= {"openapi", "info", "jsonSchemaDialect", "servers", "paths", "webhooks",
                         "components", "security", "tags", "externalDocs"}
    assert spec["paths"], "no paths"
    ids = []
    for path, method, item, op in operations(spec):
        where = "%s %s" % (method.upper(), path)
        assert path.startswith("/"), path
        assert op.get("operationId"), where + ": no operationId"
        ids.append(op["operationId"])
        responses = op.get("responses")
        assert isinstance(responses, dict) and responses, where + ": no responses"
        assert any(s.startswith("2") for s in responses), where + ": no success response"
        for status, resp in responses.items():
            assert re.fullmatch(r"[1-5][0-9]{2}|[1-5]XX|default", status), (where, status)
            resp = deref(spec, resp)
            assert resp.get("description"), "%s %s: no description" % (where, status)
            for name, media in resp.get("content", {}).items():
                assert re.fullmatch(r"[a-z]+/[a-z0-9.+-]+", name), (where, status, name)
                assert "schema" in media, "%s %s %s: no schema" % (where, status, name)
            for name, header in resp.get("headers", {}).items():
                assert "schema" in header, (where, status, name)
        # path parameters: exactly the template's names, all required
        params = [deref(spec, p) for p in item.get("parameters", []) + op.get("parameters", [])]
        keys = [(p["name"], p["in"]) for p in params]
        assert len(set(keys)) == len(keys), where + ": a parameter is declared twice"
        for p in params:
            assert p["in"] in ("query", "header", "path", "cookie"), (where, p)
            assert "schema" in p, (where, p["name"])
        declared = {p["name"] for p in params if p["in"] == "path"}
        assert declared == set(re.findall(r"\{([^}]+)\}", path)), where
        assert all(p.get("required") is True for p in params if p["in"] == "path"), where
        body = op.get("requestBody")
        if body is not None:
            assert method in ("post", "put", "patch"), where
            assert deref(spec, body)["content"], where
    assert len(ids) == len(set(ids)), "duplicate operationId"
    schemes = spec.get("components", {}).get("securitySchemes", {})
    requirements = list(spec.get("security", []))
    requirements += [r for _, _, _, op in operations(spec) for r in op.get("security", [])]
    for requirement in requirements:
        assert set(requirement) <= set(schemes), requirement
    for name, resp in spec["components"].get("responses", {}).items():
        assert resp.get("description"), name


def test_every_ref_resolves(spec):
    refs = [(where, node["$ref"]) for where, node in walk(spec) if "$ref" in node]
    assert refs
    for where, ref in refs:
        pointer(spec, ref)  # raises for a dangling one
    deref(spec)  # and none loops


def test_every_schema_is_valid_json_schema_2020_12(spec):
    found = list(schemas_in(spec))
    assert len(found) > 20
    for where, schema in found:
        try:
            Draft202012Validator.check_schema(schema)
            Draft202012Validator.check_schema(deref(spec, schema))
        except Exception as e:  # pragma: no cover - the message is the point
            pytest.fail("%s: %s" % (where, e))


def check_example(validator, value, where, item=None):
    if item is not None:  # NDJSON: every line an item
        assert isinstance(value, str) and value.endswith("\n"), where
        for line in value.splitlines():
            errors = list(item.iter_errors(json.loads(line)))
            assert not errors, "%s: %s" % (where, errors[0].message)
    errors = list(validator.iter_errors(value))
    assert not errors, "%s: %s" % (where, errors[0].message)


def test_every_example_matches_its_schema(spec):
    full = deref(spec)
    checked = 0
    for where, name, media in media_types(full):
        validator = Draft202012Validator(media["schema"])
        item = Draft202012Validator(media["x-item-schema"]) if "x-item-schema" in media else None
        values = []
        if "example" in media:
            values.append(("example", media["example"]))
        for key, ex in media.get("examples", {}).items():
            assert "value" in ex, "%s %s: example %s has no value" % (where, name, key)
            values.append((key, ex["value"]))
        for key, value in values:
            check_example(validator, value, "%s %s example %s" % (where, name, key), item)
            checked += 1
    for where, schema in schemas_in(full):
        for i, value in enumerate(schema.get("examples", [])):
            check_example(Draft202012Validator(schema), value, "%s examples/%d" % (where, i))
            checked += 1
    for kind in ("parameters", "headers"):
        for name, obj in full["components"].get(kind, {}).items():
            if "example" in obj:
                check_example(Draft202012Validator(obj["schema"]), obj["example"],
                              "components/%s/%s" % (kind, name))
                checked += 1
    assert checked > 30


HTTP_STATUS = {
    "MHD_HTTP_BAD_REQUEST": 400, "MHD_HTTP_UNAUTHORIZED": 401, "MHD_HTTP_FORBIDDEN": 403,
    "MHD_HTTP_NOT_FOUND": 404, "MHD_HTTP_METHOD_NOT_ALLOWED": 405, "MHD_HTTP_CONFLICT": 409,
    "MHD_HTTP_GONE": 410,
    "MHD_HTTP_CONTENT_TOO_LARGE": 413, "MHD_HTTP_UNSUPPORTED_MEDIA_TYPE": 415,
    "MHD_HTTP_UNPROCESSABLE_CONTENT": 422, "MHD_HTTP_TOO_MANY_REQUESTS": 429,
    "MHD_HTTP_INTERNAL_SERVER_ERROR": 500, "MHD_HTTP_SERVICE_UNAVAILABLE": 503,
    "MHD_HTTP_INSUFFICIENT_STORAGE": 507,
}


def error_codes_in_file(src):
    """(status constant or None, code) of every error one source file can answer, in the shapes
    the front end uses: respond_error/defer_error(x, STATUS, "code", ...), `status = STATUS, code =
    "code"`, bodies written out whole ("{\\"error\\":{\\"code\\":\\"code\\"..." then
    respond_static, respond_json_headers or MHD_queue_response), respond_store_full(x, STATUS),
    and bare `code = "code"` assignments (status not known from the text: None)."""
    pairs = set(re.findall(r'(?:respond_error|defer_error)\(\s*\w+,\s*(MHD_HTTP_\w+),\s*"(\w+)"',
                           src))
    pairs |= set(re.findall(r'\bstatus\s*=\s*(MHD_HTTP_\w+)\s*[,;][^";]{0,40}?\bcode\s*=\s*"(\w+)"',
                            src))
    sends = re.compile(r"(?:respond_static|respond_json_headers|MHD_queue_response)\(\s*\w+,\s*"
                       r"(MHD_HTTP_\w+)")
    for m in re.finditer(r'\\"code\\":\\"(\w+)\\"', src):
        # a body given inline to respond_static(c, STATUS, "...") or defined before the call
        before = list(sends.finditer(src, max(0, m.start() - 120), m.start()))
        queued = before[-1] if before else sends.search(src, m.end())
        assert queued, "no response sent with the body with code %s" % m.group(1)
        pairs.add((queued.group(1), m.group(1)))
    pairs |= {(None, code) for code in re.findall(r'\bcode\s*=\s*"(\w+)"', src)}
    pairs |= {(status, "store_full")
              for status in re.findall(r"respond_store_full\(\s*\w+,\s*(MHD_HTTP_\w+)\)", src)}
    return pairs


def error_codes_in_server():
    """(status constant or None, code) of every error the front end (service/server/*.c) can
    answer; a code whose status no pattern found is kept as (None, code)."""
    paths = sorted(glob.glob(SERVER_C))
    assert paths, "no source under %s" % SERVER_C
    pairs = set()
    for path in paths:
        with open(path, encoding="utf-8") as f:
            pairs |= error_codes_in_file(f.read())
    known = {code for status, code in pairs if status is not None}
    return {(status, code) for status, code in pairs if status is not None or code not in known}


def test_error_codes_are_the_ones_the_code_uses(spec):
    """Every (status, code) the front end can answer is in the spec, and the spec names no other
    code."""
    pairs = error_codes_in_server()
    assert len(pairs) > 15, "service/server/ changed shape: the patterns find too little"
    codes = {code for _, code in pairs}
    assert set(spec["components"]["schemas"]["ErrorCode"]["enum"]) == codes
    full = deref(spec)
    responses = [(status, resp) for _, _, _, op in operations(full)
                 for status, resp in op["responses"].items()]
    responses += [(None, r) for r in full["components"]["responses"].values()]
    for name, code in sorted(p for p in pairs if p[0] is not None):
        status = HTTP_STATUS.get(name)
        assert status, "unknown status constant %s in service/server/" % name
        body = {"error": {"code": code, "message": "x"}}
        accepted = []
        for s, resp in responses:
            schema = resp.get("content", {}).get("application/json", {}).get("schema")
            if schema is None or (s is not None and s != str(status)):
                continue
            if s is None and code not in resp["description"]:
                continue
            if Draft202012Validator(schema).is_valid(body):
                accepted.append(s)
        assert accepted, "the front end answers %d %s but no documented %d response allows it" % (
            status, code, status)


# ---- the running service ------------------------------------------------------------------------

class Contract:
    """Checks responses against the document; remembers which operations answered what."""

    def __init__(self, spec):
        self.spec = spec
        self.full = deref(spec)
        self.seen = set()
        self._validators = {}

    def validator(self, schema):
        key = json.dumps(schema, sort_keys=True)
        if key not in self._validators:
            self._validators[key] = Draft202012Validator(schema)
        return self._validators[key]

    def validate(self, instance, schema, where):
        errors = sorted(self.validator(schema).iter_errors(instance), key=lambda e: e.path)
        assert not errors, "%s: %s (at %s) in %r" % (where, errors[0].message,
                                                       list(errors[0].path), instance)

    def check(self, resp, template, status=None, code=None):
        """resp answered the operation (method, template): its status is documented there and
        everything else matches that response. Returns the parsed body (JSON, NDJSON lines)."""
        method = resp.request.method.lower()
        op_method = "get" if method == "head" else method
        where = "%s %s -> %d" % (resp.request.method, resp.request.path_url, resp.status_code)
        if status is not None:
            assert resp.status_code == status, "%s, expected %d: %s" % (where, status,
                                                                       resp.text[:500])
        op = self.full["paths"][template].get(op_method)
        assert op is not None, "%s: %s is not documented for %s" % (where, method, template)
        responses = op["responses"]
        s = str(resp.status_code)
        documented = responses.get(s) or responses.get(s[0] + "XX") or responses.get("default")
        assert documented, "%s: status not documented for %s %s (documented: %s): %s" % (
            where, op_method.upper(), template, sorted(responses), resp.text[:500])
        self.seen.add((op_method, template, s))
        body = self.check_response(resp, documented, where)
        if code is not None and body is not None:
            assert body["error"]["code"] == code, (where, body)
        return body

    def check_component(self, resp, name, status, code=None):
        where = "%s %s -> %d" % (resp.request.method, resp.request.path_url, resp.status_code)
        assert resp.status_code == status, "%s, expected %d: %s" % (where, status,
                                                                   resp.text[:500])
        body = self.check_response(resp, self.full["components"]["responses"][name], where)
        if code is not None and body is not None:
            assert body["error"]["code"] == code, (where, body)
        return body

    def check_response(self, resp, documented, where):
        for name, header in documented.get("headers", {}).items():
            value = resp.headers.get(name)
            if header.get("required"):
                assert value is not None, "%s: no %s header" % (where, name)
            if value is not None:
                self.validate(value, header["schema"], "%s header %s" % (where, name))
        content = documented.get("content")
        if not content:
            assert resp.content == b"", where + ": a body where none is documented"
            return None
        ctype = resp.headers.get("Content-Type")
        assert ctype, where + ": no Content-Type"
        base = ctype.split(";")[0].strip().lower()
        media = {k.split(";")[0].strip().lower(): v for k, v in content.items()}.get(base)
        assert media is not None, "%s: Content-Type %s, documented %s" % (where, ctype,
                                                                          sorted(content))
        if resp.request.method == "HEAD":
            assert resp.content == b"", where + ": HEAD with a body"
            return None
        # JSON and NDJSON are UTF-8 (RFC 8259): decode as such, never as requests guesses
        text = resp.content.decode("utf-8")
        body = json.loads(text) if base == "application/json" else text
        self.validate(body, media["schema"], where + " body")
        if "x-item-schema" in media:
            assert body == "" or body.endswith("\n"), where + ": last line not terminated"
            items = []
            for n, line in enumerate(body.splitlines(), 1):
                item = json.loads(line)
                self.validate(item, media["x-item-schema"], "%s line %d" % (where, n))
                items.append(item)
            return items
        return body

    def check_not_allowed(self, resp, template):
        """405 for a method the path does not implement; Allow = the documented methods."""
        body = self.check_component(resp, "MethodNotAllowed", 405, "method_not_allowed")
        item = self.spec["paths"][template]
        allowed = {m.upper() for m in METHODS if m in item}
        if "GET" in allowed:
            allowed.add("HEAD")
        got = {m.strip() for m in resp.headers["Allow"].split(",")}
        assert got == allowed, "%s %s: Allow %s, documented %s" % (
            resp.request.method, template, got, allowed)
        assert resp.request.method not in allowed
        return body


@pytest.fixture
def contract(spec):
    return Contract(spec)


def http(method, url, **kw):
    kw.setdefault("timeout", 90)
    return requests.request(method, url, **kw)


def post_job(svc, body, content_type="application/json", params=None, headers=None):
    h = {} if content_type is None else {"Content-Type": content_type}
    h.update(headers or {})
    if isinstance(body, (list, dict)):
        body = json.dumps(body)
    return http("POST", svc.url("/v1/jobs"), data=body, headers=h, params=params, timeout=120)


def wait_final(svc, contract, job, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        st = contract.check(http("GET", svc.url("/v1/jobs/" + job), params={"wait": 5}),
                            "/v1/jobs/{id}", 200)
        if st["status"] in ("done", "cancelled"):
            return st
    raise AssertionError("job %s not final in %ss:\n%s" % (job, timeout, svc.log()[-3000:]))


def read_all_pages(svc, contract, job, what, limit):
    """Follow Next-Cursor/Link from cursor 0 to the end; returns every line."""
    template = "/v1/jobs/{id}/" + what
    lines, cursor, pages = [], 0, 0
    while True:
        r = http("GET", svc.url("/v1/jobs/%s/%s" % (job, what)),
                 params={"cursor": cursor, "limit": limit})
        page = contract.check(r, template, 200)
        assert len(page) <= limit
        lines += page
        pages += 1
        if "Next-Cursor" not in r.headers:
            assert "Link" not in r.headers
            return lines, pages
        nxt = int(r.headers["Next-Cursor"])
        assert nxt == cursor + len(page), (cursor, len(page), r.headers)
        assert r.headers["Link"] == '</v1/jobs/%s/%s?cursor=%d&limit=%d>; rel="next"' % (
            job, what, nxt, limit)
        cursor = nxt
        assert pages < 100


def test_contract_of_a_full_service(service, redis_server, fakewiki, contract):
    wiki = fakewiki("--synthetic", "--fault-title", "Broken title")
    svc = service("serve", ["--redis", redis_server.socket, "--wiki", wiki.url, "--workers", "2",
                            "--retry-base-ms", "20", "--timeout-ms", "5000", "--max-attempts", "2",
                            "--max-titles", "50", "--max-body-bytes", "8192"])
    u = svc.url
    c = contract

    # operations
    assert c.check(http("GET", u("/healthz")), "/healthz", 200) == {"status": "ok"}
    c.check(http("HEAD", u("/healthz")), "/healthz", 200)
    ready = c.check(http("GET", u("/readyz")), "/readyz", 200)
    assert ready["workers"] == 2
    c.check(http("HEAD", u("/readyz")), "/readyz", 200)
    c.check(http("GET", u("/metrics")), "/metrics", 200)
    wikis = c.check(http("GET", u("/v1/wikis")), "/v1/wikis", 200)
    assert wikis == {"wikis": [{"name": "default", "api_url": wiki.url, "rate": 50,
                                "max_inflight": 16, "default": True}], "total_rate": 0}
    c.check(http("HEAD", u("/v1/wikis")), "/v1/wikis", 200)
    spec_resp = http("GET", u("/openapi.yaml"))
    c.check(spec_resp, "/openapi.yaml", 200)
    with open(SPEC_PATH, "rb") as f:
        assert spec_resp.content == f.read()

    # submissions, every body format
    r = post_job(svc, ["Alpha", "Beta", "Alpha", "Missing one", "Disambig two", "Bad[title",
                       " Gamma "])
    first = c.check(r, "/v1/jobs", 202)
    assert r.headers["Location"] == "/v1/jobs/" + first["id"]
    assert (first["titles"], first["duplicates"], first["invalid"]) == (6, 1, 1)
    jobs = [first["id"]]
    for body, ctype, params in [
        ({"chunk_size": 1, "titles": ["One", "Two", "Three"]}, "application/json", None),
        ({"chunk_size": 2, "titles": ["One", "Two"], "other": [1, {"x": 2}]},
         "application/json", {"format": "anything"}),
        ({"titles": ["One", "Four"], "cache": False}, "application/json", {"cache": "true"}),
        (["One", "Five"], "application/json", {"cache": "false"}),
        ("\ufeffOne\r\nTwo\r\n\r\n  Three  \r\n", "text/plain; charset=utf-8", None),
        ("1; One\n2; Two; with semicolon\n", "text/plain", {"format": "idtitle"}),
        ("a\nb\nc\n", "TEXT/PLAIN", {"format": "text", "chunk_size": "2"}),
        ({"titles": ["L1"], "labels": ["x", "y z"], "priority": "high"}, "application/json",
         None),
        ("L2\n", "text/plain", [("label", "x"), ("label", "é"), ("priority", "low")]),
        ({"titles": ["P1"], "fields": ["touched", "wiki"], "wiki": "default"},
         "application/json", None),
        ("P2\n", "text/plain", {"fields": "revision_id,wikidata_id", "wiki": "default"}),
    ]:
        r = post_job(svc, body.encode() if isinstance(body, str) else body, ctype, params)
        accepted = c.check(r, "/v1/jobs", 202)
        assert accepted["status"] == "queued" and accepted["chunks"] >= 1, accepted
        jobs.append(accepted["id"])
    broken = c.check(post_job(svc, ["Broken title", "Fine title"]), "/v1/jobs", 202)["id"]
    jobs.append(broken)
    r = post_job(svc, ["Bad[one", "Bad|two"])  # nothing valid: done at once
    nothing = c.check(r, "/v1/jobs", 202)
    assert (nothing["status"], nothing["chunks"], nothing["invalid"]) == ("done", 0, 2)

    # Idempotency-Key: 202 then 200 with the same job
    h = {"Idempotency-Key": "contract-1"}
    once = c.check(post_job(svc, ["X1", "Y1"], headers=h), "/v1/jobs", 202)
    again = post_job(svc, ["X1", "Y1"], headers=h)
    replay = c.check(again, "/v1/jobs", 200)
    assert replay["id"] == once["id"] and again.headers["Location"] == "/v1/jobs/" + once["id"]

    # status, long poll, HEAD
    for job in jobs:
        st = wait_final(svc, c, job)
        assert st["status"] == "done"
    done = c.check(http("GET", u("/v1/jobs/" + first["id"]), params={"wait": "0"}),
                   "/v1/jobs/{id}", 200)
    assert (done["pages"], done["missing"], done["disambiguation"], done["invalid"]) == (3, 1, 1,
                                                                                         1)
    c.check(http("HEAD", u("/v1/jobs/" + first["id"])), "/v1/jobs/{id}", 200)
    c.check(http("GET", u("/v1/jobs/" + nothing["id"])), "/v1/jobs/{id}", 200)

    # results and errors: whole, paged, HEAD, past the end
    records = c.check(http("GET", u("/v1/jobs/%s/results" % first["id"])),
                      "/v1/jobs/{id}/results", 200)
    assert sorted(x["page_title"] for x in records) == ["Alpha", "Beta", "Gamma"]
    paged, pages = read_all_pages(svc, c, first["id"], "results", 1)
    assert paged == records and pages == 3
    errors = c.check(http("GET", u("/v1/jobs/%s/errors" % first["id"])),
                     "/v1/jobs/{id}/errors", 200)
    assert sorted(e["outcome"] for e in errors) == ["disambiguation", "invalid", "missing"]
    paged, pages = read_all_pages(svc, c, first["id"], "errors", 2)
    assert paged == errors and pages == 2
    for what in ("results", "errors"):
        c.check(http("HEAD", u("/v1/jobs/%s/%s" % (first["id"], what))),
                "/v1/jobs/{id}/" + what, 200)
        for params in ({"cursor": 1000}, {"cursor": 2**63 - 2, "limit": 10000}):
            r = http("GET", u("/v1/jobs/%s/%s" % (first["id"], what)), params=params)
            assert c.check(r, "/v1/jobs/{id}/" + what, 200) == []
            assert "Next-Cursor" not in r.headers
    assert len(c.check(http("GET", u("/v1/jobs/%s/errors" % nothing["id"])),
                       "/v1/jobs/{id}/errors", 200)) == 2

    # retry: the failed titles of a finished job become a new job
    assert c.check(http("GET", u("/v1/jobs/" + broken)), "/v1/jobs/{id}", 200)["failed"] == 1
    r = http("POST", u("/v1/jobs/%s/retry" % broken))
    retried = c.check(r, "/v1/jobs/{id}/retry", 202)
    assert r.headers["Location"] == "/v1/jobs/" + retried["id"] and retried["id"] != broken
    assert (retried["status"], retried["titles"], retried["chunks"]) == ("queued", 1, 1)

    # the listing: newest first, filters, paging with Next-Cursor and Link, HEAD
    listed = c.check(http("GET", u("/v1/jobs")), "/v1/jobs", 200)
    assert listed[0]["id"] == retried["id"] and {j["id"] for j in listed} >= set(jobs)
    assert [j["labels"] for j in c.check(http("GET", u("/v1/jobs"), params={"label": "x"}),
                                         "/v1/jobs", 200)] == [["x", "é"], ["x", "y z"]]
    assert {j["priority"] for j in c.check(
        http("GET", u("/v1/jobs"), params={"label": "x", "status": "done"}), "/v1/jobs",
        200)} == {"low", "high"}
    r = http("GET", u("/v1/jobs"), params={"limit": 2, "label": "y z", "status": "done"})
    assert len(c.check(r, "/v1/jobs", 200)) == 1 and "Next-Cursor" not in r.headers
    r = http("GET", u("/v1/jobs"), params={"limit": 2, "status": "done"})
    assert len(c.check(r, "/v1/jobs", 200)) == 2
    assert r.headers["Link"] == '</v1/jobs?cursor=%s&limit=2&status=done>; rel="next"' % (
        r.headers["Next-Cursor"])
    r = http("GET", u("/v1/jobs"), params={"limit": 1, "label": "y z"})
    c.check(r, "/v1/jobs", 200)
    c.check(http("GET", u("/v1/jobs"), params={"cursor": r.headers["Next-Cursor"]}),
            "/v1/jobs", 200)
    c.check(http("HEAD", u("/v1/jobs")), "/v1/jobs", 200)

    # purge: a finished job goes at once, then answers 404
    r = http("DELETE", u("/v1/jobs/" + nothing["id"]), params={"purge": "true"})
    c.check(r, "/v1/jobs/{id}", 204)
    c.check(http("DELETE", u("/v1/jobs/" + nothing["id"]), params={"purge": "true"}),
            "/v1/jobs/{id}", 404, "not_found")
    c.check(http("GET", u("/v1/jobs/" + nothing["id"])), "/v1/jobs/{id}", 404, "not_found")
    st = wait_final(svc, c, retried["id"])
    assert (st["titles"], st["failed"]) == (1, 1)
    failed = c.check(http("GET", u("/v1/jobs/%s/errors" % retried["id"])),
                     "/v1/jobs/{id}/errors", 200)
    assert [(e["title"], e["outcome"]) for e in failed] == [("Broken title", "failed")]
    c.check(http("POST", u("/v1/jobs/%s/retry" % first["id"])), "/v1/jobs/{id}/retry", 422,
            "nothing_to_retry")
    c.check(http("POST", u("/v1/jobs/%s/retry" % MISSING_JOB)), "/v1/jobs/{id}/retry", 404,
            "not_found")

    # cancel of a finished job: nothing changes
    after = c.check(http("DELETE", u("/v1/jobs/" + first["id"])), "/v1/jobs/{id}", 200)
    assert after["status"] == "done"

    c.check(http("GET", u("/metrics")), "/metrics", 200)

    # ---- errors ----
    # 404
    for template, url in [("/v1/jobs/{id}", "/v1/jobs/" + MISSING_JOB),
                          ("/v1/jobs/{id}", "/v1/jobs/NOT-A-JOB"),
                          ("/v1/jobs/{id}", "/v1/jobs/" + "A" * 32),
                          ("/v1/jobs/{id}", "/v1/jobs/" + "a" * 33),
                          ("/v1/jobs/{id}/results", "/v1/jobs/%s/results" % MISSING_JOB),
                          ("/v1/jobs/{id}/errors", "/v1/jobs/%s/errors" % MISSING_JOB)]:
        c.check(http("GET", u(url)), template, 404, "not_found")
    c.check(http("DELETE", u("/v1/jobs/" + MISSING_JOB)), "/v1/jobs/{id}", 404, "not_found")
    for url in ("/nope", "/v1/jobs/%s/nope" % first["id"], "/v1/jobs/", "/v1",
                "/v1/jobs/%s/results/" % first["id"]):
        c.check_component(http("GET", u(url)), "NotFound", 404, "not_found")
    # 405
    for method, template, url in [
        ("PUT", "/v1/jobs/{id}", "/v1/jobs/" + first["id"]),
        ("POST", "/v1/jobs/{id}", "/v1/jobs/" + first["id"]),
        ("PATCH", "/v1/jobs/{id}", "/v1/jobs/" + MISSING_JOB),
        ("POST", "/v1/jobs/{id}/results", "/v1/jobs/%s/results" % first["id"]),
        ("DELETE", "/v1/jobs/{id}/errors", "/v1/jobs/%s/errors" % first["id"]),
        ("GET", "/v1/jobs/{id}/retry", "/v1/jobs/%s/retry" % first["id"]),
        ("DELETE", "/v1/jobs/{id}/retry", "/v1/jobs/%s/retry" % first["id"]),
        ("DELETE", "/v1/jobs", "/v1/jobs"),
        ("PUT", "/v1/jobs", "/v1/jobs"),
        ("OPTIONS", "/v1/jobs", "/v1/jobs"),
        ("DELETE", "/healthz", "/healthz"),
        ("POST", "/readyz", "/readyz"),
        ("POST", "/v1/wikis", "/v1/wikis"),
        ("PUT", "/metrics", "/metrics"),
        ("POST", "/openapi.yaml", "/openapi.yaml"),
    ]:
        r = http(method, u(url), data=b"{}" if method in ("POST", "PUT") else None)
        c.check_not_allowed(r, template)
    # 415
    c.check(post_job(svc, "Alpha\n", None), "/v1/jobs", 415, "unsupported_media_type")
    c.check(post_job(svc, "<titles/>", "application/xml"), "/v1/jobs", 415,
            "unsupported_media_type")
    c.check(post_job(svc, "[]", "application/jsonx"), "/v1/jobs", 415, "unsupported_media_type")
    # 400
    c.check(post_job(svc, '["a", "b"'), "/v1/jobs", 400, "malformed_body")
    c.check(post_job(svc, '["a",, "b"]'), "/v1/jobs", 400, "malformed_body")
    for body in ("", '{"other": 1}', '{"titles": "a"}', '"a"', '{"titles": [], "titles": []}',
                 '["a"] x'):
        c.check(post_job(svc, body), "/v1/jobs", 400, "malformed_body")
    for value in ("0", "1001", "x", "2.5", ""):
        c.check(post_job(svc, ["a"], params={"chunk_size": value}), "/v1/jobs", 400,
                "bad_parameter")
    c.check(post_job(svc, "a\n", "text/plain", {"format": "csv"}), "/v1/jobs", 400,
            "bad_parameter")
    for value in ("yes", "1", "TRUE", ""):
        c.check(post_job(svc, ["a"], params={"cache": value}), "/v1/jobs", 400, "bad_parameter")
    c.check(post_job(svc, ["a"], headers={"Idempotency-Key": "k" * 129}), "/v1/jobs", 400,
            "bad_header")
    for params in ({"priority": "urgent"}, {"priority": ""}, {"label": ""}, {"label": "x" * 65},
                   [("label", "l%d" % i) for i in range(11)]):
        c.check(post_job(svc, "a\n", "text/plain", params), "/v1/jobs", 400, "bad_parameter")
    for params in ({"status": "receiving"}, {"label": ""}, {"limit": "0"}, {"limit": "1001"},
                   {"cursor": "5"}, {"cursor": "x-" + "0" * 32}):
        c.check(http("GET", u("/v1/jobs"), params=params), "/v1/jobs", 400, "bad_parameter")
    c.check(http("DELETE", u("/v1/jobs/" + first["id"]), params={"purge": "yes"}),
            "/v1/jobs/{id}", 400, "bad_parameter")
    # 413
    c.check(post_job(svc, ["t%d" % i for i in range(51)]), "/v1/jobs", 413, "too_many_titles")
    c.check(post_job(svc, "x" * 9000 + "\n", "text/plain"), "/v1/jobs", 413, "body_too_large")
    # 422
    for body in ('{"titles": ["a"], "chunk_size": 5000}', '{"chunk_size": 0, "titles": ["a"]}',
                 '{"chunk_size": "5", "titles": ["a"]}', '{"chunk_size": 2.5, "titles": ["a"]}',
                 '{"chunk_size": 1001, "titles": ["a"]}', "[]", '{"titles": []}',
                 '{"cache": "no", "titles": ["a"]}', '{"titles": ["a"], "cache": 1}',
                 '{"titles": ["a"], "labels": "x"}', '{"labels": [""], "titles": ["a"]}',
                 '{"titles": ["a"], "priority": "urgent"}', '{"priority": 1, "titles": ["a"]}',
                 '{"titles": ["a"], "wiki": "fr"}', '{"wiki": 1, "titles": ["a"]}',
                 '{"titles": ["a"], "fields": ["rev"]}', '{"fields": "wiki", "titles": ["a"]}'):
        c.check(post_job(svc, body), "/v1/jobs", 422, "invalid_option")
    c.check(post_job(svc, "\n\n", "text/plain"), "/v1/jobs", 422, "invalid_option")
    c.check(post_job(svc, "a\n", "text/plain", params={"wiki": "fr"}), "/v1/jobs", 422,
            "invalid_option")
    c.check(post_job(svc, "a\n", "text/plain", params={"fields": "wiki,rev"}), "/v1/jobs", 422,
            "invalid_option")
    # query parameters of the job endpoints
    job_url = u("/v1/jobs/" + first["id"])
    for value in ("61", "-1", "x", "1.5", ""):
        c.check(http("GET", job_url, params={"wait": value}), "/v1/jobs/{id}", 400,
                "bad_parameter")
    # DELETE answers the status at once: it takes no wait
    c.check(http("DELETE", job_url, params={"wait": "61"}), "/v1/jobs/{id}", 200)
    for what in ("results", "errors"):
        for params in ({"limit": "0"}, {"limit": "10001"}, {"limit": "x"}, {"cursor": "-1"},
                       {"cursor": "x"}, {"cursor": "99999999999999999999"}):
            c.check(http("GET", u("/v1/jobs/%s/%s" % (first["id"], what)), params=params),
                    "/v1/jobs/{id}/" + what, 400, "bad_parameter")

    # every operation answered at least one success
    for path, method, _, op in operations(c.spec):
        assert any(m == method and p == path and s.startswith("2") for m, p, s in c.seen), \
            "%s %s never succeeded" % (method.upper(), path)


def test_contract_while_jobs_wait_for_workers(service, redis_server, contract):
    """The front end alone: jobs stay queued, so pages carry Next-Cursor; readiness says why."""
    svc = service("api", ["--redis", redis_server.socket])
    u = svc.url
    c = contract
    c.check(http("GET", u("/readyz")), "/readyz", 503, "no_workers")
    job = c.check(post_job(svc, ["Alpha", "Bad[x", "Beta"]), "/v1/jobs", 202)["id"]
    st = c.check(http("GET", u("/v1/jobs/" + job)), "/v1/jobs/{id}", 200)
    assert st["status"] == "queued" and st["started"] is None and st["finished"] is None
    t0 = time.time()
    st = c.check(http("GET", u("/v1/jobs/" + job), params={"wait": 1}), "/v1/jobs/{id}", 200)
    assert st["status"] == "queued" and time.time() - t0 >= 0.9
    c.check(http("DELETE", u("/v1/jobs/" + job), params={"purge": "true"}), "/v1/jobs/{id}", 409,
            "job_not_finished")
    r = http("GET", u("/v1/jobs"), params={"status": "queued"})
    assert [j["id"] for j in c.check(r, "/v1/jobs", 200)] == [job]

    r = http("GET", u("/v1/jobs/%s/results" % job))
    assert c.check(r, "/v1/jobs/{id}/results", 200) == []
    assert r.headers["Next-Cursor"] == "0"
    assert r.headers["Link"] == '</v1/jobs/%s/results?cursor=0>; rel="next"' % job
    r = http("GET", u("/v1/jobs/%s/errors" % job), params={"limit": 5})
    lines = c.check(r, "/v1/jobs/{id}/errors", 200)
    assert [(e["title"], e["outcome"]) for e in lines] == [("Bad[x", "invalid")]
    assert "index 1" in lines[0]["detail"]
    assert r.headers["Next-Cursor"] == "1"
    assert r.headers["Link"] == '</v1/jobs/%s/errors?cursor=1&limit=5>; rel="next"' % job
    r = http("GET", u("/v1/jobs/%s/errors" % job), params={"cursor": 1})
    assert c.check(r, "/v1/jobs/{id}/errors", 200) == [] and r.headers["Next-Cursor"] == "1"

    text = c.check(http("GET", u("/metrics")), "/metrics", 200)
    assert "wikicrawl_queue_chunks 1\n" in text and "wikicrawl_workers_alive 0\n" in text

    c.check(http("POST", u("/v1/jobs/%s/retry" % job)), "/v1/jobs/{id}/retry", 409,
            "job_not_finished")

    cancelled = c.check(http("DELETE", u("/v1/jobs/" + job)), "/v1/jobs/{id}", 200)
    assert cancelled["status"] == "cancelled" and cancelled["finished"] is not None
    again = c.check(http("DELETE", u("/v1/jobs/" + job)), "/v1/jobs/{id}", 200)
    assert again["status"] == "cancelled"
    r = http("GET", u("/v1/jobs/%s/errors" % job))
    assert len(c.check(r, "/v1/jobs/{id}/errors", 200)) == 1 and "Next-Cursor" not in r.headers
    c.check(http("POST", u("/v1/jobs/%s/retry" % job)), "/v1/jobs/{id}/retry", 422,
            "nothing_to_retry")


def test_contract_without_redis(service, tmp_path, contract):
    """Redis down: every endpoint that needs it answers the documented 503."""
    svc = service("api", ["--redis", str(tmp_path / "no-such-redis.sock")])
    u = svc.url
    c = contract
    c.check(http("GET", u("/healthz")), "/healthz", 200)
    c.check(http("GET", u("/openapi.yaml")), "/openapi.yaml", 200)
    c.check(http("GET", u("/readyz")), "/readyz", 503, "redis_unavailable")
    c.check(http("GET", u("/metrics")), "/metrics", 503, "redis_unavailable")
    c.check(post_job(svc, ["a"]), "/v1/jobs", 503, "redis_unavailable")
    c.check(http("GET", u("/v1/jobs/" + MISSING_JOB)), "/v1/jobs/{id}", 503, "redis_unavailable")
    c.check(http("DELETE", u("/v1/jobs/" + MISSING_JOB)), "/v1/jobs/{id}", 503,
            "redis_unavailable")
    for what in ("results", "errors"):
        c.check(http("GET", u("/v1/jobs/%s/%s" % (MISSING_JOB, what))), "/v1/jobs/{id}/" + what,
                503, "redis_unavailable")
    c.check(http("POST", u("/v1/jobs/%s/retry" % MISSING_JOB)), "/v1/jobs/{id}/retry", 503,
            "redis_unavailable")
    # checks that come before Redis still answer as documented
    c.check(post_job(svc, "a", "application/xml"), "/v1/jobs", 415, "unsupported_media_type")
    c.check(http("GET", u("/v1/jobs/" + MISSING_JOB), params={"wait": 99}), "/v1/jobs/{id}", 400,
            "bad_parameter")


def test_contract_with_api_keys(service, redis_server, tmp_path, contract):
    """--api-keys: 401 without a known key on /v1, 403 for another key's job, 429 over the
    per-key limit; the operational endpoints stay open."""
    keys = tmp_path / "keys"
    keys.write_text("# two clients\nkey-one\n  key-two  \n\n")
    svc = service("api", ["--redis", redis_server.socket, "--api-keys", str(keys),
                          "--max-jobs-per-key", "1"])
    u = svc.url
    c = contract
    one = {"Authorization": "Bearer key-one"}
    two = {"Authorization": "Bearer key-two"}

    c.check(http("GET", u("/healthz")), "/healthz", 200)
    c.check(http("GET", u("/openapi.yaml")), "/openapi.yaml", 200)
    c.check(http("GET", u("/metrics")), "/metrics", 200)
    c.check(http("GET", u("/readyz")), "/readyz", 503, "no_workers")  # no 401: open

    # 401 first, whatever else is wrong with the request
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic a2V5LW9uZQ=="},
                    {"Authorization": "Bearer "}):
        c.check(post_job(svc, ["a"], headers=headers), "/v1/jobs", 401, "unauthorized")
        c.check(post_job(svc, "a", "application/xml", headers=headers), "/v1/jobs", 401,
                "unauthorized")
        for template, method, url in [
                ("/v1/jobs", "GET", "/v1/jobs"),
                ("/v1/jobs/{id}", "GET", "/v1/jobs/" + MISSING_JOB),
                ("/v1/jobs/{id}", "DELETE", "/v1/jobs/" + MISSING_JOB),
                ("/v1/jobs/{id}/results", "GET", "/v1/jobs/%s/results" % MISSING_JOB),
                ("/v1/jobs/{id}/errors", "GET", "/v1/jobs/%s/errors" % MISSING_JOB),
                ("/v1/jobs/{id}/retry", "POST", "/v1/jobs/%s/retry" % MISSING_JOB)]:
            c.check(http(method, u(url), headers=headers), template, 401, "unauthorized")
        c.check_component(http("GET", u("/v1/nope"), headers=headers), "Unauthorized", 401,
                          "unauthorized")
        c.check_component(http("PUT", u("/v1/jobs/" + MISSING_JOB), headers=headers),
                          "Unauthorized", 401, "unauthorized")

    # a job belongs to its key
    job = c.check(post_job(svc, ["Alpha", "Beta"], headers=one), "/v1/jobs", 202)["id"]
    c.check(post_job(svc, ["Gamma"], headers=one), "/v1/jobs", 429, "too_many_jobs")
    c.check(post_job(svc, ["Gamma"], headers={**one, "Idempotency-Key": "k1"}), "/v1/jobs", 429,
            "too_many_jobs")
    other = c.check(post_job(svc, ["Gamma"], headers=two), "/v1/jobs", 202)["id"]
    c.check(http("GET", u("/v1/jobs/" + job), headers=one), "/v1/jobs/{id}", 200)
    # the scheme in any case, spaces around the key (RFC 7235 section 2.1); the key itself exact
    for spelled in ("bearer key-one", "BEARER key-one", "Bearer  key-one", "Bearer key-one "):
        c.check(http("GET", u("/v1/jobs/" + job), headers={"Authorization": spelled}),
                "/v1/jobs/{id}", 200)
    c.check(http("GET", u("/v1/jobs/" + job), headers={"Authorization": "Bearer KEY-ONE"}),
            "/v1/jobs/{id}", 401, "unauthorized")
    # each key lists only its own jobs
    assert [j["id"] for j in c.check(http("GET", u("/v1/jobs"), headers=one), "/v1/jobs",
                                     200)] == [job]
    assert [j["id"] for j in c.check(http("GET", u("/v1/jobs"), headers=two), "/v1/jobs",
                                     200)] == [other]
    for template, method, url in [
            ("/v1/jobs/{id}", "GET", "/v1/jobs/" + job),
            ("/v1/jobs/{id}", "DELETE", "/v1/jobs/" + job),
            ("/v1/jobs/{id}/results", "GET", "/v1/jobs/%s/results" % job),
            ("/v1/jobs/{id}/errors", "GET", "/v1/jobs/%s/errors" % job),
            ("/v1/jobs/{id}/retry", "POST", "/v1/jobs/%s/retry" % job)]:
        c.check(http(method, u(url), headers=two), template, 403, "forbidden")
    c.check_component(http("PUT", u("/v1/jobs/" + job), headers=two), "Forbidden", 403,
                      "forbidden")
    c.check(http("GET", u("/v1/jobs/" + MISSING_JOB), headers=two), "/v1/jobs/{id}", 404,
            "not_found")
    c.check(http("GET", u("/v1/jobs/%s/results" % job), headers=one), "/v1/jobs/{id}/results",
            200)
    c.check(http("POST", u("/v1/jobs/%s/retry" % job), headers=one), "/v1/jobs/{id}/retry", 409,
            "job_not_finished")
    c.check_not_allowed(http("PUT", u("/v1/jobs/" + job), headers=one), "/v1/jobs/{id}")
    # a finished job frees its key's slot
    c.check(http("DELETE", u("/v1/jobs/" + job), headers=one), "/v1/jobs/{id}", 200)
    c.check(post_job(svc, ["Gamma"], headers=one), "/v1/jobs", 202)
    c.check(http("DELETE", u("/v1/jobs/" + other), headers=two), "/v1/jobs/{id}", 200)


def test_the_document_is_served_from_any_working_directory(service, redis_server, tmp_path,
                                                           monkeypatch, contract):
    """Issue 25: it was read from the working directory and 404 elsewhere. It is built into the
    binary: started where there is no openapi.yaml, the service serves the repository's, byte for
    byte, and the environment variable that used to point at a file is gone."""
    monkeypatch.chdir(tmp_path)  # no ./openapi.yaml here
    svc = service("api", ["--redis", redis_server.socket],
                  env={"WIKICRAWL_OPENAPI": str(tmp_path / "missing.yaml")})
    r = http("GET", svc.url("/openapi.yaml"))
    contract.check(r, "/openapi.yaml", 200)
    with open(SPEC_PATH, "rb") as f:
        assert r.content == f.read()
