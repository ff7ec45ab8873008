"""load: 200 concurrent clients for BENCH_LOAD_SECONDS (60) against `wikicrawl serve`, mixing
submissions, status long-polls and result downloads.

Each client is an asyncio task with its own keep-alive HTTP/1.1 connection (a small hand-written
client: one request at a time per connection, Content-Length and chunked bodies). In a closed loop
it picks, at random:

  10%  POST /v1/jobs, text/plain, 20 new titles (its first request is always one)
  40%  GET /v1/jobs/{its last job}?wait=2 (long-poll: returns when the job is done or after 2 s)
  50%  GET /v1/jobs/{a finished 2,000-record job}/results?limit=100&cursor=C, C random

Counted: answers by status (anything but 200/202 is an error, except 413 and 429, the configured
limits), connection failures; requests/s; latency percentiles per kind; the front end's (wc-api)
VmRSS every second (mean of the first 10 s against the last 10 s); whether the supervisor and its
children are the same processes at the end (workers run with --recycle-after 0 so that a changed
pid means a crash). Reference: the same client with the same 200 connections asking only
GET /healthz for BENCH_LOAD_CEILING_SECONDS (10): the load generator's own ceiling on this machine.
"""
import asyncio
import os
import random
import resource
import statistics
import subprocess
import time

import svc

CLIENTS = int(os.environ.get("BENCH_LOAD_CLIENTS", "200"))
SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "60"))
CEILING_SECONDS = float(os.environ.get("BENCH_LOAD_CEILING_SECONDS", "10"))
SUBMIT_TITLES = 20
RESULTS_JOB_TITLES = 2000
RESULTS_LIMIT = 100
LONGPOLL_WAIT = 2
MIX = (("submit", 0.10), ("longpoll", 0.40), ("results", 0.50))
LIMIT_STATUSES = (413, 429)
SERVE_FLAGS = ("--workers", 2, "--concurrency", 32, "--max-inflight", 64, "--rate", 0,
               "--cache-ttl", 0, "--recycle-after", 0)
WIKI_FLAGS = ("--synthetic", "--page-kb", 4, "--latency-ms", 100)


class HttpError(Exception):
    pass


class Client:
    """One keep-alive connection; reconnects after a failure or Connection: close."""

    def __init__(self, port):
        self.port = port
        self.reader = self.writer = None

    async def close(self):
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except (OSError, ConnectionError):
                pass
        self.reader = self.writer = None

    async def request(self, method, path, body=b"", ctype=None, keep_body=False):
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port,
                                                                     limit=1 << 20)
        head = "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n" % (method, path)
        if body or method == "POST":
            head += "Content-Type: %s\r\nContent-Length: %d\r\n" % (ctype, len(body))
        self.writer.write(head.encode() + b"\r\n" + body)
        await self.writer.drain()
        line = await self.reader.readuntil(b"\r\n")
        parts = line.split(b" ", 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/1."):
            raise HttpError("bad status line %r" % line[:80])
        status = int(parts[1])
        length, chunked, close = None, False, False
        while True:
            line = await self.reader.readuntil(b"\r\n")
            if line == b"\r\n":
                break
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            value = value.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value:
                chunked = True
            elif name == b"connection" and value == b"close":
                close = True
        data = []
        size = 0
        if chunked:
            while True:
                n = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if n == 0:
                    while (await self.reader.readuntil(b"\r\n")) != b"\r\n":
                        pass
                    break
                chunk = await self.reader.readexactly(n + 2)
                size += n
                if keep_body:
                    data.append(chunk[:-2])
        elif length is not None:
            chunk = await self.reader.readexactly(length)
            size = length
            if keep_body:
                data.append(chunk)
        else:
            chunk = await self.reader.read()
            size = len(chunk)
            close = True
            if keep_body:
                data.append(chunk)
        if close:
            await self.close()
        return status, size, b"".join(data)


class Stats:
    def __init__(self):
        self.lat = {}
        self.status = {}
        self.conn_errors = 0
        self.conn_error_kinds = {}
        self.bytes = 0
        self.count = 0

    def add(self, kind, status, secs, size):
        self.lat.setdefault(kind, []).append(secs)
        key = (kind, status)
        self.status[key] = self.status.get(key, 0) + 1
        self.bytes += size
        self.count += 1

    def error(self, kind, exc):
        self.conn_errors += 1
        name = "%s: %s" % (kind, type(exc).__name__)
        self.conn_error_kinds[name] = self.conn_error_kinds.get(name, 0) + 1


def pct(values, p):
    if not values:
        return float("nan")
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]


async def client_loop(i, port, deadline, stats, results_job, tag, rng):
    c = Client(port)
    last_job = None
    n = 0
    while time.perf_counter() < deadline:
        r = rng.random()
        kind = "results"
        acc = 0.0
        for k, w in MIX:
            acc += w
            if r < acc:
                kind = k
                break
        if last_job is None:
            kind = "submit"
        t0 = time.perf_counter()
        try:
            if kind == "submit":
                body = "".join("Load %s %d %d %d\n" % (tag, i, n, j)
                               for j in range(SUBMIT_TITLES)).encode()
                n += 1
                status, size, data = await c.request("POST", "/v1/jobs", body, "text/plain",
                                                     keep_body=True)
                if status == 202:
                    last_job = data.split(b'"id":"', 1)[1].split(b'"', 1)[0].decode()
            elif kind == "longpoll":
                status, size, _ = await c.request("GET", "/v1/jobs/%s?wait=%d"
                                                  % (last_job, LONGPOLL_WAIT))
            else:
                cursor = rng.randrange(0, RESULTS_JOB_TITLES - RESULTS_LIMIT)
                status, size, _ = await c.request(
                    "GET", "/v1/jobs/%s/results?limit=%d&cursor=%d"
                    % (results_job, RESULTS_LIMIT, cursor))
        except (OSError, ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                HttpError, ValueError, IndexError) as e:
            stats.error(kind, e)
            await c.close()
            await asyncio.sleep(0.05)
            continue
        stats.add(kind, status, time.perf_counter() - t0, size)
    await c.close()


async def healthz_loop(port, deadline, stats):
    c = Client(port)
    while time.perf_counter() < deadline:
        t0 = time.perf_counter()
        try:
            status, size, _ = await c.request("GET", "/healthz")
        except (OSError, ConnectionError, asyncio.IncompleteReadError, HttpError) as e:
            stats.error("healthz", e)
            await c.close()
            await asyncio.sleep(0.05)
            continue
        stats.add("healthz", status, time.perf_counter() - t0, size)
    await c.close()


async def sample_rss(pid, deadline, samples):
    while time.perf_counter() < deadline:
        samples.append((time.perf_counter(), svc.proc_status_kb(pid, "VmRSS") or 0))
        await asyncio.sleep(1.0)


async def drive(port, seconds, results_job, api_pid, healthz_only=False):
    stats = Stats()
    rss = []
    tag = svc.token()
    start = time.perf_counter()
    deadline = start + seconds
    ru0 = resource.getrusage(resource.RUSAGE_SELF)
    if healthz_only:
        tasks = [healthz_loop(port, deadline, stats) for _ in range(CLIENTS)]
    else:
        tasks = [client_loop(i, port, deadline, stats, results_job, tag, random.Random(i))
                 for i in range(CLIENTS)]
        tasks.append(sample_rss(api_pid, deadline, rss))
    await asyncio.gather(*tasks)
    wall = time.perf_counter() - start
    ru1 = resource.getrusage(resource.RUSAGE_SELF)
    client_cpu = (ru1.ru_utime - ru0.ru_utime + ru1.ru_stime - ru0.ru_stime) / wall
    return stats, rss, wall, client_cpu


def one_run(wiki):
    serve = svc.Serve(wiki.url, *SERVE_FLAGS).start()
    try:
        job, _ = svc.post_titles(serve.port, ("\n".join(svc.titles(
            "Loadresults " + svc.token(), RESULTS_JOB_TITLES)) + "\n").encode())
        st = svc.wait_done(serve.port, job["id"])
        if st["pages"] != RESULTS_JOB_TITLES:
            raise RuntimeError("bench: load results job: %s" % st)
        tree0 = serve.tree()
        api = serve.children("wc-api")
        cpu0 = serve.cpu()
        usage = svc.Usage(serve.pid, wiki.proc.pid).start()
        stats, rss, wall, client_cpu = asyncio.run(drive(serve.port, SECONDS, job["id"], api[0]))
        usage.stop()
        backlog = subprocess.run(["redis-cli", "-s", serve.redis_socket, "LLEN",
                                  "wikicrawl:{queue}:pending"], capture_output=True,
                                 text=True).stdout.strip()
        serve_cpus = (serve.cpu() - cpu0) / wall
        alive = serve.alive()
        tree1 = serve.tree() if alive else {}
        ceiling, _, cwall, ccpu = asyncio.run(drive(serve.port, CEILING_SECONDS, None, api[0],
                                                    healthz_only=True))
        alive_after = serve.alive() and serve.tree() == tree0
        died = serve.log().count("event=child_died")
    finally:
        serve.stop()
    t_first = rss[0][0] if rss else 0
    t_last = rss[-1][0] if rss else 0
    first = [kb for t, kb in rss if t - t_first < 10]
    last = [kb for t, kb in rss if t_last - t < 10]
    errors = {k: v for k, v in stats.status.items()
              if k[1] not in (200, 202) and k[1] not in LIMIT_STATUSES}
    limits = {k: v for k, v in stats.status.items() if k[1] in LIMIT_STATUSES}
    fast = stats.lat.get("submit", []) + stats.lat.get("results", [])
    return {
        "rps": stats.count / wall, "wall": wall, "count": stats.count,
        "by_kind": {k: (len(v) / wall, pct(v, 50) * 1e3, pct(v, 99) * 1e3)
                    for k, v in stats.lat.items()},
        "p99_fast_ms": pct(fast, 99) * 1e3,
        "p99_all_ms": pct([x for v in stats.lat.values() for x in v], 99) * 1e3,
        "mbps": stats.bytes / wall / 1e6,
        "errors": errors, "limits": limits, "conn_errors": stats.conn_errors,
        "conn_error_kinds": stats.conn_error_kinds,
        "rss_first_mb": statistics.mean(first) / 1024 if first else 0.0,
        "rss_last_mb": statistics.mean(last) / 1024 if last else 0.0,
        "rss_max_mb": max(kb for _, kb in rss) / 1024 if rss else 0.0,
        "same_tree": alive and tree0 == tree1, "alive_after": alive_after, "died": died,
        "backlog": int(backlog) if backlog.isdigit() else -1,
        "client_cpu": client_cpu, "busy": usage.busy, "others": usage.others,
        "serve_cpus": serve_cpus,
        "ceiling_rps": ceiling.count / cwall, "ceiling_cpu": ccpu,
        "ceiling_p99_ms": pct(ceiling.lat.get("healthz", []), 99) * 1e3,
        "ceiling_errors": ceiling.conn_errors + sum(
            v for k, v in ceiling.status.items() if k[1] != 200),
    }


def section(runs):
    runs = int(os.environ.get("BENCH_LOAD_RUNS", runs))
    res = []
    with svc.FakeWiki(*WIKI_FLAGS) as wiki:
        for run in range(runs):
            r = one_run(wiki)
            res.append(r)
            print("bench: load run %d: %.0f req/s, p99 %.1f ms (submit+results), %d errors, "
                  "%d connection errors, wc-api RSS %.1f -> %.1f MB, tree unchanged: %s; "
                  "healthz ceiling %.0f req/s"
                  % (run + 1, r["rps"], r["p99_fast_ms"], sum(r["errors"].values()),
                     r["conn_errors"], r["rss_first_mb"], r["rss_last_mb"], r["same_tree"],
                     r["ceiling_rps"]), flush=True)
    med = statistics.median
    kinds = [k for k, _ in MIX]
    flat_limit = 1.10
    growth = [r["rss_last_mb"] / r["rss_first_mb"] if r["rss_first_mb"] else 0 for r in res]
    flat = all(g <= flat_limit for g in growth)
    n_err = sum(sum(r["errors"].values()) for r in res)
    n_conn = sum(r["conn_errors"] for r in res)
    crashed = [i + 1 for i, r in enumerate(res) if not (r["same_tree"] and r["alive_after"])
               or r["died"]]
    lines = [
        "## Load: %d concurrent clients, %.0f s" % (CLIENTS, SECONDS),
        "",
        "`serve %s`; fake wiki `%s`. Each client: its own keep-alive connection, closed loop, "
        "10%% submissions of %d new titles, 40%% `?wait=%d` long-polls of its last job, 50%% "
        "result pages (`limit=%d`, random cursor) of a finished %s-record job. The client is one "
        "Python asyncio process on the same %d CPUs. %d runs; medians (each run in brackets)."
        % (" ".join(str(f) for f in SERVE_FLAGS), " ".join(str(f) for f in WIKI_FLAGS),
           SUBMIT_TITLES, LONGPOLL_WAIT, RESULTS_LIMIT, "{:,}".format(RESULTS_JOB_TITLES),
           svc.CPUS, runs),
        "",
        "| measure | wikicrawl | reference: same client, `GET /healthz` only, %.0f s |"
        % CEILING_SECONDS,
        "|---|---|---|",
        "| requests/s, all kinds | **%.0f** (%s) | %.0f (%s) |"
        % (med(r["rps"] for r in res), svc.fmt_runs([r["rps"] for r in res]),
           med(r["ceiling_rps"] for r in res), svc.fmt_runs([r["ceiling_rps"] for r in res])),
        "| p99 latency, submissions and result pages | **%.1f ms** (%s) | p99 %.1f ms |"
        % (med(r["p99_fast_ms"] for r in res), svc.fmt_runs([r["p99_fast_ms"] for r in res],
                                                             "%.1f"),
           med(r["ceiling_p99_ms"] for r in res)),
        "| p99 latency, all requests (long-polls wait up to %d s by design) | %.1f ms | |"
        % (LONGPOLL_WAIT, med(r["p99_all_ms"] for r in res)),
        "| load generator CPU (of one CPU) | %.0f%% | %.0f%% |"
        % (100 * med(r["client_cpu"] for r in res), 100 * med(r["ceiling_cpu"] for r in res)),
        "| CPUs used: serve tree / machine busy / other processes than the benchmark's | "
        "%.2f / %.2f of %d / %.2f | |"
        % (med(r["serve_cpus"] for r in res), med(r["busy"] for r in res), svc.CPUS,
           med(r["others"] for r in res)),
        "",
        "| kind | requests/s | p50 ms | p99 ms |",
        "|---|---|---|---|",
    ]
    for k in kinds:
        vals = [r["by_kind"].get(k) for r in res if r["by_kind"].get(k)]
        if vals:
            lines.append("| %s | %.0f | %.1f | %.1f |" % (k, med(v[0] for v in vals),
                                                        med(v[1] for v in vals),
                                                        med(v[2] for v in vals)))
    all_errors = {}
    for r in res:
        for (k, s), v in r["errors"].items():
            all_errors["%s %d" % (k, s)] = all_errors.get("%s %d" % (k, s), 0) + v
        for name, v in r["conn_error_kinds"].items():
            all_errors[name] = all_errors.get(name, 0) + v
    limits = sum(sum(r["limits"].values()) for r in res)
    lines += [
        "",
        "| check | result |",
        "|---|---|",
        "| error answers (not 200/202, not a configured limit 413/429), all runs | %s |"
        % ("0" if n_err == 0 else "**%d**" % n_err),
        "| connection failures, all runs | %s%s |"
        % ("0" if n_conn == 0 else "**%d**" % n_conn,
           "" if not all_errors else " (%s)" % ", ".join(
               "%s: %d" % kv for kv in sorted(all_errors.items()))),
        "| configured-limit answers (413/429) | %d |" % limits,
        "| chunks still queued at the end (submissions outpace the crawl: long-polls then wait "
        "their full %d s) | %s |" % (LONGPOLL_WAIT, ", ".join(str(r["backlog"]) for r in res)),
        "| crash: supervisor alive, same wc-api / wc-worker / redis-server pids, no child_died "
        "in the log | %s |" % ("none" if not crashed else "**runs %s**" % crashed),
        "| wc-api VmRSS, mean of first 10 s -> last 10 s (max) | %s |"
        % "; ".join("%.1f -> %.1f MB (%.1f)" % (r["rss_first_mb"], r["rss_last_mb"],
                                                 r["rss_max_mb"]) for r in res),
        "| wc-api RSS flat (last 10 s at most %d%% above first 10 s in every run) | %s |"
        % (round((flat_limit - 1) * 100), "yes" if flat else "**no**"),
        "",
    ]
    return "\n".join(lines)
