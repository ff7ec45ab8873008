"""The Redis scripts of service/common/scripts/ run on a real redis-server, one at a time, in
states that are hard to reach on time through the service (a cancel that lands between a chunk's
last write and its finish; heartbeats from hosts whose clocks disagree)."""
import glob
import os
import re

import pytest

from conftest import ROOT

SCRIPTS = os.path.join(ROOT, "service", "common", "scripts")
JOBS_H = os.path.join(ROOT, "service", "common", "jobs.h")


def script(name):
    """The script as the binary sends it: scripts/lua2c.sh's prelude of JOB_* constants, then the
    code without its comment lines."""
    with open(JOBS_H) as f:
        macros = dict(re.findall(r'#define (JOBS?_[A-Z_]+) "([^"]*)"', f.read()))
    with open(os.path.join(SCRIPTS, name + ".lua")) as f:
        code = [line for line in f if not line.lstrip().startswith("--")]
    body = "".join(code)
    names = sorted(set(re.findall(r"\bJOBS?_[A-Z_]+\b", body)))
    return "".join("local %s = '%s'\n" % (n, macros[n]) for n in names) + body


def evalsha(redis, name, keys, args):
    return redis.cli("EVAL", script(name), str(len(keys)), *(list(keys) + list(args)))


def test_every_script_has_its_declaration_and_contract():
    with open(os.path.join(ROOT, "service", "common", "scripts.h")) as f:
        header = f.read()
    files = sorted(glob.glob(os.path.join(SCRIPTS, "*.lua")))
    assert len(files) >= 7
    for path in files:
        base = os.path.basename(path)[:-4]
        module, name = base.split("_", 1)
        assert "%s_SCRIPT_%s[]" % (module.upper(), name.upper()) in header, base
        with open(path) as f:
            text = f.read()
        assert text.startswith("-- %s.lua - " % base)
        assert "\n-- KEYS:" in text and "\n-- ARGV:" in text, base
        script(base)  # every JOB_* name it uses is a macro of jobs.h


JOB = "wikicrawl:{%s}:" % ("a" * 32)
PARTS = ["job", "chunks", "seen", "outcome", "results", "errors", "done"]


def test_finish_after_a_cancel_leaves_no_key_without_ttl(redis_server):
    keys = [JOB + p for p in PARTS]
    redis_server.cli("HSET", keys[0], "status", "cancelled", "chunks", "2", "chunks_done", "0")
    redis_server.cli("EXPIRE", keys[0], "600")
    assert evalsha(redis_server, "jobs_finish_chunk", keys, ["1", "1000", "600"]) == "cancelled"
    assert redis_server.cli("EXISTS", keys[6]) == "0", "the done set was created without a TTL"
    for k in keys:
        assert redis_server.cli("TTL", k) in ("-2", "600") or int(redis_server.cli("TTL", k)) > 0


def test_finish_counts_a_chunk_once_and_finishes_the_job(redis_server):
    keys = [JOB + p for p in PARTS]
    redis_server.cli("HSET", keys[0], "status", "running", "chunks", "2", "chunks_done", "0")
    assert evalsha(redis_server, "jobs_finish_chunk", keys, ["1", "1000", "600"]) == "running"
    assert evalsha(redis_server, "jobs_finish_chunk", keys, ["1", "1000", "600"]) == "running"
    assert evalsha(redis_server, "jobs_finish_chunk", keys, ["2", "1000", "600"]) == "finished"
    assert redis_server.cli("HGET", keys[0], "chunks_done") == "2"
    assert redis_server.cli("HGET", keys[0], "status") == "done"
    assert 0 < int(redis_server.cli("TTL", keys[6])) <= 600


def redis_now_ms(redis):
    secs, micros = redis.cli("TIME").split()
    return int(secs) * 1000 + int(micros) // 1000


def test_heartbeat_and_reaper_both_use_redis_clock(redis_server):
    workers, pending = "wikicrawl:{queue}:workers", "wikicrawl:{queue}:pending"
    prefix = "wikicrawl:{queue}:processing:"
    evalsha(redis_server, "jobs_heartbeat", [workers], ["live"])
    stamp = int(float(redis_server.cli("ZSCORE", workers, "live")))
    assert abs(stamp - redis_now_ms(redis_server)) < 5000
    # a worker silent for 20 s on Redis's clock, and one that beat just now
    redis_server.cli("ZADD", workers, str(redis_now_ms(redis_server) - 20000), "silent")
    redis_server.cli("RPUSH", prefix + "silent", "x/1", "x/2")
    redis_server.cli("RPUSH", prefix + "live", "y/1")
    assert evalsha(redis_server, "jobs_reap", [workers, pending], ["15000", prefix]) == "2"
    assert redis_server.cli("LRANGE", pending, "0", "-1").split() == ["x/1", "x/2"]
    assert redis_server.cli("LLEN", prefix + "live") == "1"
    assert redis_server.cli("ZRANGE", workers, "0", "-1").split() == ["live"]
    # one worker's chunks at once, whatever its heartbeat
    assert evalsha(redis_server, "jobs_reap", [workers, pending], ["15000", prefix, "live"]) == "1"


def test_a_job_hash_is_born_with_its_ttl_and_never_reborn(redis_server):
    job = JOB + "job"
    assert evalsha(redis_server, "jobs_create", [job],
                   ["3600", "1000", "50", "owner1", '["x"]', "low"]) == "1"
    assert 3500 < int(redis_server.cli("TTL", job)) <= 3600
    assert redis_server.cli("HGET", job, "status") == "receiving"
    assert redis_server.cli("HMGET", job, "labels", "priority").split() == ['["x"]', "low"]
    # the same id again writes nothing
    assert evalsha(redis_server, "jobs_create", [job],
                   ["3600", "2000", "10", "other", "[]", "high"]) == "0"
    assert redis_server.cli("HGET", job, "owner") == "owner1"
    # the commit's counters go to an existing job only
    assert evalsha(redis_server, "jobs_counted", [job], ["5", "1", "2", "3000", "1"]) == "committing"
    redis_server.cli("DEL", job)
    assert evalsha(redis_server, "jobs_counted", [job], ["5", "1", "2", "3000", "1"]) == ""
    assert redis_server.cli("EXISTS", job) == "0", "an expired job was recreated without owner"


def test_purge_deletes_every_key_of_a_finished_job_only(redis_server):
    parts = ["job", "chunks", "seen", "outcome", "results", "errors", "done", "seen_invalid"]
    keys = [JOB + part for part in parts]
    redis_server.cli("HSET", keys[0], "status", "running", "owner", "o1")
    redis_server.cli("HSET", keys[3], "T", "ok")
    redis_server.cli("XADD", keys[4], "0-1", "r", "{}")
    assert evalsha(redis_server, "jobs_purge", keys, []) == "-1"
    assert redis_server.cli("EXISTS", *keys) == "3"
    redis_server.cli("HSET", keys[0], "status", "done")
    assert evalsha(redis_server, "jobs_purge", keys, []) == "o1"
    assert redis_server.cli("EXISTS", *keys) == "0"
    assert evalsha(redis_server, "jobs_purge", keys, []) == "0"
