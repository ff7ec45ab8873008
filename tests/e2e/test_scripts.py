"""The Redis scripts of service/common/scripts/ run on a real redis-server, one at a time, in
states that are hard to reach on time through the service (a cancel that lands between a chunk's
last write and its finish; heartbeats from hosts whose clocks disagree)."""
import glob
import os
import re

import pytest

from conftest import ROOT

SCRIPTS = os.path.join(ROOT, "service", "common", "scripts")
# the headers whose JOB_* / JOBS_* macros scripts/lua2c.sh makes Lua locals (through common/jobs.h)
JOBS_H = [os.path.join(ROOT, "service", "common", "jobs.h"), os.path.join(ROOT, "lib", "job_options.h")]


def script(name):
    """The script as the binary sends it: scripts/lua2c.sh's prelude of JOB_* constants, then the
    code without its comment lines."""
    macros = {}
    for header in JOBS_H:
        with open(header) as f:
            macros.update(re.findall(r'#define (JOBS?_[A-Z_]+) "([^"]*)"', f.read()))
    with open(os.path.join(SCRIPTS, name + ".lua")) as f:
        lines = f.readlines()
    code = [line for line in lines if not line.lstrip().startswith("--")]
    flags = [m.group(1) for m in (re.match(r"-- FLAGS: *([a-z,-]*)", l) for l in lines) if m]
    shebang = "#!lua flags=%s\n" % flags[0] if flags else ""
    body = "".join(code)
    names = sorted(set(re.findall(r"\bJOBS?_[A-Z_]+\b", body)))
    return shebang + "".join("local %s = '%s'\n" % (n, macros[n]) for n in names) + body


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
# every key of a job, in enum keys_job_part order (lib/keys.h)
PARTS = ["job", "chunks", "seen", "outcome", "results", "errors", "done", "seen_invalid", "export"]


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
    redis_server.cli("HSET", keys[3], "Some title", "ok")
    assert evalsha(redis_server, "jobs_finish_chunk", keys, ["2", "1000", "600"]) == "finished"
    assert redis_server.cli("EXISTS", keys[3]) == "0", "the outcome hash outlived its job's end"
    assert redis_server.cli("HGET", keys[0], "chunks_done") == "2"
    assert redis_server.cli("HGET", keys[0], "status") == "done"
    assert 0 < int(redis_server.cli("TTL", keys[6])) <= 600


@pytest.mark.parametrize("stored", ["900", None])
def test_finish_and_cancel_keep_a_job_for_its_own_result_ttl(redis_server, stored):
    """Issue 25: the submitting front end's --result-ttl is stored with the job (result_ttl), and
    the finish (worker) and cancel scripts give every key that TTL, not the caller's; a job
    written without one (an older version) gets the caller's."""
    keys = [JOB + p for p in PARTS]
    want = int(stored or "600")
    fields = ["status", "running", "chunks", "1", "chunks_done", "0"]
    redis_server.cli("HSET", keys[0], *(fields + (["result_ttl", stored] if stored else [])))
    redis_server.cli("HSET", keys[3], "T", "ok")
    assert evalsha(redis_server, "jobs_finish_chunk", keys, ["1", "1000", "600"]) == "finished"
    for k in (keys[0], keys[6]):
        assert want - 100 < int(redis_server.cli("TTL", k)) <= want, k
    redis_server.cli("DEL", *keys)
    redis_server.cli("HSET", keys[0], *(fields + (["result_ttl", stored] if stored else [])))
    redis_server.cli("HSET", keys[1], "1", "x")
    assert evalsha(redis_server, "jobs_cancel", keys, ["1000", "600"]) == "cancelled"
    assert want - 100 < int(redis_server.cli("TTL", keys[0])) <= want

def redis_now_ms(redis):
    secs, micros = redis.cli("TIME").split()
    return int(secs) * 1000 + int(micros) // 1000


Q = "wikicrawl:{queue}:"
JOBQ, TURNS = Q + "jobq:", Q + "turns:"
REAP_KEYS = [Q + "workers", Q + "pending", Q + "jobmeta", Q + "bell"]
PROCESSING = Q + "processing:"


def reap(redis, *args):
    return evalsha(redis, "jobs_reap", REAP_KEYS, ["15000", PROCESSING, JOBQ, TURNS] + list(args))


def test_heartbeat_and_reaper_both_use_redis_clock(redis_server):
    workers, pending = Q + "workers", Q + "pending"
    evalsha(redis_server, "jobs_heartbeat", [workers], ["live"])
    stamp = int(float(redis_server.cli("ZSCORE", workers, "live")))
    assert abs(stamp - redis_now_ms(redis_server)) < 5000
    # a worker silent for 20 s on Redis's clock, and one that beat just now
    redis_server.cli("ZADD", workers, str(redis_now_ms(redis_server) - 20000), "silent")
    redis_server.cli("RPUSH", PROCESSING + "silent", "x/1", "x/2")
    redis_server.cli("RPUSH", PROCESSING + "live", "y/1")
    assert reap(redis_server) == "2"
    # no job of that name is known: the references wait in the legacy list, in claim order
    assert redis_server.cli("LRANGE", pending, "0", "-1").split() == ["x/1", "x/2"]
    assert redis_server.cli("LLEN", PROCESSING + "live") == "1"
    assert redis_server.cli("ZRANGE", workers, "0", "-1").split() == ["live"]
    # one worker's chunks at once, whatever its heartbeat
    assert reap(redis_server, "live") == "1"


QUANTUM = 50  # CHUNK_TURN_TITLES (lib/chunk.h)
AGE_EVERY = 10  # QUEUE_AGE_EVERY (service/common/queue.h)


def push(redis, job, prio, owner, n, titles=QUANTUM):
    refs = ["%s/%d" % (job, i) for i in range(n)]
    return evalsha(redis, "queue_push", [JOBQ + job, Q + "jobmeta", Q + "bell"],
                   [job, prio, owner, TURNS, str(titles)] + refs)


def claim(redis, worker="w", top_level=None, held=()):
    """The reference claimed ("" for none); with top_level, a chunk of a job not held."""
    extra = [str(top_level)] + list(held) if top_level else []
    answer = evalsha(redis, "queue_claim",
                     [PROCESSING + worker, Q + "pending", Q + "jobmeta", Q + "turn_titles"],
                     [JOBQ, TURNS, str(QUANTUM), str(AGE_EVERY)] + extra)
    return answer.split("\n")[0]


def drop(redis, job):
    return evalsha(redis, "queue_drop",
                   [JOBQ + job, Q + "jobmeta", Q + "turn_titles", Q + "parked:" + job],
                   [job, TURNS])


def depth(redis):
    return evalsha(redis, "queue_depth", [Q + "pending"], [JOBQ, TURNS]).split()


def test_claims_take_turns_over_owners_then_jobs_with_strict_priority(redis_server):
    r = redis_server
    push(r, "a1", "normal", "A", 3)
    push(r, "a2", "normal", "A", 2)
    push(r, "b1", "normal", "B", 3)
    push(r, "l1", "low", "A", 2)
    assert depth(r) == ["0", "8", "2"]
    order = [claim(r) for _ in range(4)]
    # owners A, B, A, B...; within A its jobs in turn
    assert order == ["a1/0", "b1/0", "a2/0", "b1/1"]
    # a high job goes ahead of everything queued, whenever it arrives
    push(r, "h1", "high", "B", 2)
    assert [claim(r), claim(r)] == ["h1/0", "h1/1"]
    # low waits while normal work is queued, but every AGE_EVERY-th claim serves it first
    order = [claim(r) for _ in range(4)]
    assert order == ["a1/1", "b1/2", "a2/1", "l1/0"]
    assert [claim(r), claim(r), claim(r)] == ["a1/2", "l1/1", ""]
    assert r.cli("LRANGE", PROCESSING + "w", "0", "-1").split()[:2] == ["a1/0", "b1/0"]
    for key in ("normal", "normal:A", "normal:B", "low", "high"):
        assert r.cli("EXISTS", TURNS + key) == "0", key
    assert depth(r) == ["0", "0", "0"]
    # the bell holds a token per chunk queued, at most 64
    assert int(r.cli("LLEN", Q + "bell")) == 12


def test_turns_are_counted_in_titles_whatever_the_chunk_sizes(redis_server):
    r = redis_server
    push(r, "a1", "normal", "A", 20, titles=50)
    push(r, "b1", "normal", "B", 40, titles=10)
    order = [claim(r).split("/")[0] for _ in range(9)]
    # a turn is QUANTUM titles: one chunk of A's, five of B's
    assert order == ["a1", "b1", "b1", "b1", "b1", "b1", "a1", "b1", "b1"]
    # within an owner, its jobs take turns by titles too
    push(r, "c1", "low", "C", 10, titles=50)
    push(r, "c2", "low", "C", 10, titles=25)
    drop(r, "a1")
    drop(r, "b1")
    assert r.cli("HKEYS", Q + "turn_titles").split() == ["#"]
    order = [claim(r).split("/")[0] for _ in range(6)]
    assert order == ["c1", "c2", "c2", "c1", "c2", "c2"]
    # the titles taken are forgotten with the rotation entries they belong to
    drop(r, "c1")
    drop(r, "c2")
    assert r.cli("HKEYS", Q + "turn_titles").split() == ["#"]


def test_a_busy_worker_gets_a_job_it_does_not_hold_without_moving_the_turns(redis_server):
    r = redis_server
    push(r, "a1", "normal", "A", 5)
    push(r, "a2", "normal", "A", 5)
    push(r, "b1", "normal", "B", 5)
    push(r, "l1", "low", "B", 5)
    turns = r.cli("LRANGE", TURNS + "normal", "0", "-1")
    assert claim(r, top_level=2, held=["a1"]) == "a2/0"
    assert claim(r, top_level=2, held=["a1", "a2"]) == "b1/0"
    assert claim(r, top_level=2, held=["a1", "a2", "b1"]) == ""  # low is below what it holds
    assert claim(r, top_level=3, held=["a1", "a2", "b1"]) == "l1/0"
    assert r.cli("LRANGE", TURNS + "normal", "0", "-1") == turns
    # the titles were counted: A and B have both had their turns, and in A, a2 has had its own
    assert claim(r) == "a1/0"
    # a job is left out of the rotation once its last chunk is taken, by either kind of claim
    push(r, "c1", "high", "C", 1)
    assert claim(r, top_level=1, held=[]) == "c1/0"
    assert r.cli("EXISTS", TURNS + "high") == "0"
    assert r.cli("HEXISTS", Q + "turn_titles", "c1") == "0"


def test_low_work_is_served_every_nth_claim_however_much_else_is_queued(redis_server):
    r = redis_server
    push(r, "h1", "high", "", 40)
    push(r, "l1", "low", "", 40)
    order = [claim(r).split("/")[0] for _ in range(3 * AGE_EVERY)]
    assert [i + 1 for i, job in enumerate(order) if job == "l1"] == [10, 20, 30]
    # a level alone is served at every claim
    drop(r, "h1")
    assert {claim(r).split("/")[0] for _ in range(AGE_EVERY)} == {"l1"}


def test_aged_claims_take_turns_over_the_levels_below_the_best(redis_server):
    """With high saturating and low work queued, normal work must not starve: the aged claims go
    to normal and low in turn."""
    r = redis_server
    push(r, "h1", "high", "", 80)
    push(r, "n1", "normal", "", 40)
    push(r, "l1", "low", "", 40)
    order = [claim(r).split("/")[0] for _ in range(6 * AGE_EVERY)]
    aged = [(i + 1, job) for i, job in enumerate(order) if job != "h1"]
    assert aged == [(10, "n1"), (20, "l1"), (30, "n1"), (40, "l1"), (50, "n1"), (60, "l1")]
    # once normal has nothing queued, low takes every aged claim again
    drop(r, "n1")
    order = [claim(r).split("/")[0] for _ in range(2 * AGE_EVERY)]
    assert [i + 1 for i, job in enumerate(order) if job == "l1"] == [10, 20]


def test_hand_back_returns_a_chunk_to_the_head_of_its_job_and_its_turn(redis_server):
    r = redis_server
    push(r, "a1", "normal", "", 2)
    push(r, "b1", "normal", "", 1)
    assert claim(r, "w") == "a1/0"
    assert claim(r, "w") == "b1/0"  # b1 has nothing left: out of the rotation
    assert reap(r, "w", "b1/0") == "1"  # back at the head of b1, b1 back in its turn
    assert reap(r, "w", "b1/0") == "0"  # not twice
    assert r.cli("LRANGE", TURNS + "normal:", "0", "-1").split() == ["a1", "b1"]
    assert [claim(r, "v"), claim(r, "v")] == ["a1/1", "b1/0"]
    # a dead worker's list goes back in claim order, to the head of its job
    push(r, "c1", "low", "K", 3)
    assert [claim(r, "dead"), claim(r, "dead")] == ["c1/0", "c1/1"]
    assert reap(r, "dead") == "2"
    assert r.cli("LRANGE", JOBQ + "c1", "0", "-1").split() == ["c1/0", "c1/1", "c1/2"]
    assert depth(r) == ["0", "0", "3"]


def test_a_dropped_job_leaves_its_rotation_at_once(redis_server):
    r = redis_server
    push(r, "a1", "normal", "A", 3)
    push(r, "a2", "normal", "A", 3)
    push(r, "b1", "normal", "B", 3)
    assert drop(r, "a1") == "3"
    assert r.cli("LRANGE", TURNS + "normal:A", "0", "-1").split() == ["a2"]
    assert drop(r, "a2") == "3"
    assert r.cli("LRANGE", TURNS + "normal", "0", "-1").split() == ["B"]
    assert r.cli("HKEYS", Q + "jobmeta").split() == ["b1"]
    assert [claim(r) for _ in range(4)] == ["b1/0", "b1/1", "b1/2", ""]
    # a reference of a dropped job handed back later is parked, and settles as a no-op
    assert drop(r, "b1") == "0"
    assert reap(r, "w", "b1/1") == "1"
    assert r.cli("LRANGE", Q + "pending", "0", "-1").split() == ["b1/1"]
    assert claim(r, "v") == "b1/1"


def test_a_dropped_job_takes_its_parked_chunks_with_it(redis_server):
    """A job whose chunks its export set aside (export_park.lua) and that is cancelled, or
    purged or expired (the sweep drops what the queue holds of it), leaves no parked list: the
    exporter, which drops one only when it sees the job cancelled, may never see it."""
    r = redis_server
    push(r, "p1", "normal", "A", 2)
    r.cli("RPUSH", Q + "parked:p1", "p1/2", "p1/3", "p1/4")
    assert drop(r, "p1") == "5"
    assert r.cli("EXISTS", JOBQ + "p1", Q + "parked:p1") == "0"
    assert r.cli("HEXISTS", Q + "jobmeta", "p1") == "0"


def test_the_export_hash_lives_and_goes_with_its_job(redis_server):
    """The exporter's progress is a key of the job: persisted by the commit, given the job's TTL
    by the finish and the cancel; recorded with no TTL of its own while the job has none (a
    part slower than any TTL must not find the progress before it gone)."""
    r = redis_server
    keys = [JOB + p for p in PARTS]
    export = keys[PARTS.index("export")]
    assert evalsha(r, "jobs_create", keys[:1],
                   ["3600", "1000", "50", "", "[]", "normal", "900"]) == "1"
    assert evalsha(r, "jobs_counted", keys[:1], ["2", "0", "1", "3000", "0"]) == "committing"
    r.cli("HSET", export, "part_records", "5")
    r.cli("EXPIRE", export, "3600")
    assert evalsha(r, "jobs_committed", keys, ["3600"]) == "queued"
    assert r.cli("TTL", export) == "-1"
    assert evalsha(r, "export_progress", [keys[0], export], ["0", "parts", "1"]) == "1"
    assert r.cli("TTL", export) == "-1", "the export hash got a TTL its running job has not"
    r.cli("EXPIRE", export, "30")  # left by an earlier version: the job's none wins
    assert evalsha(r, "export_progress", [keys[0], export], ["0", "parts", "1"]) == "1"
    assert r.cli("TTL", export) == "-1"
    r.cli("HSET", keys[0], "status", "running")
    assert evalsha(r, "jobs_finish_chunk", keys, ["0", "2000", "600"]) == "finished"
    assert 800 < int(r.cli("TTL", export)) <= 900
    r.cli("DEL", *keys)
    r.cli("HSET", keys[0], "status", "running", "result_ttl", "900")
    r.cli("HSET", export, "parts", "1")
    assert evalsha(r, "jobs_cancel", keys, ["1000", "600"]) == "cancelled"
    assert 800 < int(r.cli("TTL", export)) <= 900


def test_a_job_hash_is_born_with_its_ttl_and_never_reborn(redis_server):
    job = JOB + "job"
    assert evalsha(redis_server, "jobs_create", [job],
                   ["3600", "1000", "50", "owner1", '["x"]', "low", "900"]) == "1"
    assert 3500 < int(redis_server.cli("TTL", job)) <= 3600
    assert redis_server.cli("HGET", job, "status") == "receiving"
    assert redis_server.cli("HMGET", job, "labels", "priority", "result_ttl").split() == [
        '["x"]', "low", "900"]
    # the same id again writes nothing
    assert evalsha(redis_server, "jobs_create", [job],
                   ["3600", "2000", "10", "other", "[]", "high", "60"]) == "0"
    assert redis_server.cli("HGET", job, "owner") == "owner1"
    # the commit's counters go to an existing job only
    assert evalsha(redis_server, "jobs_counted", [job], ["5", "1", "2", "3000", "1"]) == "committing"
    redis_server.cli("DEL", job)
    assert evalsha(redis_server, "jobs_counted", [job], ["5", "1", "2", "3000", "1"]) == ""
    assert redis_server.cli("EXISTS", job) == "0", "an expired job was recreated without owner"


def test_purge_deletes_every_key_of_a_finished_job_only(redis_server):
    keys = [JOB + part for part in PARTS]
    redis_server.cli("HSET", keys[0], "status", "running", "owner", "o1")
    redis_server.cli("HSET", keys[3], "T", "ok")
    redis_server.cli("XADD", keys[4], "0-1", "r", "{}")
    redis_server.cli("HSET", JOB + "export", "parts", "1")  # the exporter's progress goes too
    assert evalsha(redis_server, "jobs_purge", keys, []) == "-1"
    assert redis_server.cli("EXISTS", *keys) == "4"
    redis_server.cli("HSET", keys[0], "status", "done")
    assert evalsha(redis_server, "jobs_purge", keys, []) == "o1"
    assert redis_server.cli("EXISTS", *keys) == "0"
    assert evalsha(redis_server, "jobs_purge", keys, []) == "0"


def test_the_commit_marks_a_job_committed_and_refuses_one_not_receiving(redis_server):
    job = JOB + "job"
    keys = [JOB + p for p in PARTS]
    assert evalsha(redis_server, "jobs_create", [job],
                   ["3600", "1000", "50", "owner1", "[]", "normal", "900"]) == "1"
    # cancelled while its body still streamed: the commit's counters are refused
    redis_server.cli("HSET", job, "status", "cancelled")
    assert evalsha(redis_server, "jobs_counted", [job], ["5", "1", "2", "3000", "1"]) == ""
    assert redis_server.cli("HGET", job, "status") == "cancelled"
    redis_server.cli("HSET", job, "status", "receiving")
    assert evalsha(redis_server, "jobs_counted", [job], ["5", "1", "2", "3000", "1"]) == "committing"
    assert redis_server.cli("HGET", job, "committed") == "0"
    # a worker may start it from its first references before the commit ends
    redis_server.cli("HSET", job, "status", "running")
    assert evalsha(redis_server, "jobs_committed", keys, ["3600"]) == "running"
    assert redis_server.cli("HGET", job, "committed") == "1"


def test_what_ends_work_or_frees_memory_runs_on_a_full_redis(redis_server):
    """With used memory over maxmemory (noeviction), Redis refuses any script that would write,
    but those flagged allow-oom: a chunk finishes, a job is cancelled and purged, a worker beats
    its heart. The record script, which only grows memory, stays refused (the worker keeps its
    outcomes and tries again)."""
    done, running = [JOB + p for p in PARTS], ["wikicrawl:{%s}:%s" % ("b" * 32, p) for p in PARTS]
    redis_server.cli("HSET", done[0], "status", "running", "chunks", "1", "chunks_done", "0")
    redis_server.cli("HSET", running[0], "status", "running", "chunks", "2", "chunks_done", "0")
    redis_server.cli("CONFIG", "SET", "maxmemory", "1")
    try:
        assert redis_server.cli("SET", "x", "y").startswith("OOM")
        record_keys = [running[0], running[3], running[4], running[5]]  # job outcome results errors
        record = redis_server.cli("EVAL", script("jobs_record"), "4", *record_keys, "Some title",
                                  "ok", "line")
        assert record.startswith("OOM"), record
        assert evalsha(redis_server, "jobs_finish_chunk", done, ["1", "1000", "600"]) == "finished"
        assert evalsha(redis_server, "jobs_cancel", running, ["1000", "600"]) == "cancelled"
        assert evalsha(redis_server, "jobs_heartbeat", [Q + "workers"], ["host:1"]) == "0"
        assert evalsha(redis_server, "jobs_purge", done, []) == ""
        assert redis_server.cli("EXISTS", done[0]) == "0"
    finally:
        redis_server.cli("CONFIG", "SET", "maxmemory", "0")
