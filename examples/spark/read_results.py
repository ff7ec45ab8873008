"""read_results.py - load a wikicrawl job's records into a Spark DataFrame, never holding the
result set in the driver.

    spark-submit --py-files wikicrawl_schema.py read_results.py \
        --server http://wikicrawl:8080 JOB_ID --out /data/pages.parquet

How it works. The results of a job are a stream of NDJSON lines read page by page:
GET /v1/jobs/{id}/results?cursor=C&limit=L returns entries C+1 .. C+L, and a cursor is simply the
number of entries already read (docs/redis.md, "Results and cursors"). So once the job is done
and its status says how many records it has (`pages`), the range [0, pages) can be cut into
slices up front, one per Spark partition, and each executor fetches its own slice straight from
the service (mode `partitions`, the default). The driver only plans the slices; records flow
from the service to the executors and into spark.read.json() without passing through it.

When the executors cannot reach the service, mode `staging` has the driver stream the pages into
files of --records-per-file lines in --staging-dir (a directory every executor can read: HDFS
mount, NFS, S3 via a FUSE mount...), then reads them with spark.read.schema(...).json(dir). The
driver holds one line at a time.

Everything but run_spark() works without pyspark (it is imported there, lazily), so the paging
client can be used, and tested, on its own:

    from read_results import Client
    for line in Client("http://127.0.0.1:8080").iter_lines(job_id, limit=500):
        ...
"""
import argparse
import json
import os
import sys
import time

import requests

DEFAULT_SERVER = "http://127.0.0.1:8080"
DEFAULT_LIMIT = 1000  # entries per request; the API allows up to 10000
RETRIES = 6  # attempts after a broken transfer, a refused connection or a 5xx (0.5 s .. 16 s)


class JobCancelled(Exception):
    """The job was cancelled: its records are partial."""


class Client:
    """A paging client of the wikicrawl API. Pages are streamed (requests, stream=True) and split
    into lines as they arrive; a transfer that breaks is resumed after its last complete line,
    since one line is one entry of the cursor."""

    def __init__(self, server=None, api_key=None, timeout=60, session=None):
        self.server = (server or os.environ.get("WIKICRAWL_SERVER") or DEFAULT_SERVER).rstrip("/")
        self.api_key = api_key if api_key is not None else os.environ.get("WIKICRAWL_API_KEY")
        self.timeout = timeout
        self.session = session or requests.Session()

    # ---- requests ----

    def _headers(self):
        # Result pages come gzip-compressed as the service stores them (about a third of the
        # bytes of NDJSON); requests inflates them in iter_content.
        headers = {"Accept-Encoding": "gzip"}
        if self.api_key:
            headers["Authorization"] = "Bearer " + self.api_key
        return headers

    def _get(self, path, params, stream=False, timeout=None):
        """GET with retries on what may pass; raises requests.HTTPError on a 4xx."""
        delay = 0.5
        for attempt in range(RETRIES + 1):
            try:
                r = self.session.get(self.server + path, params=params, headers=self._headers(),
                                     stream=stream, timeout=timeout or self.timeout)
                if r.status_code < 500:
                    r.raise_for_status()
                    return r
                r.close()
                if attempt == RETRIES:
                    r.raise_for_status()
            except (requests.ConnectionError, requests.Timeout):
                if attempt == RETRIES:
                    raise
            time.sleep(delay)
            delay = min(delay * 2, 16)
        raise AssertionError("unreachable")

    def status(self, job_id, wait=0):
        """The job's status (a dict); wait > 0 long-polls up to that many seconds (<= 60)."""
        params = {"wait": wait} if wait else None
        return self._get("/v1/jobs/" + job_id, params, timeout=self.timeout + wait).json()

    def wait_done(self, job_id, poll=30):
        """Long-poll until the job is done or cancelled; returns its final status."""
        while True:
            st = self.status(job_id, wait=poll)
            if st["status"] in ("done", "cancelled"):
                return st

    # ---- pages ----

    def _page(self, job_id, what, cursor, limit):
        """One page, streamed: yields each complete line (str) and finally the Next-Cursor header
        as an int (None when nothing more will come). A page cut short raises ConnectionError
        after the lines that arrived whole."""
        r = self._get("/v1/jobs/%s/%s" % (job_id, what), {"cursor": cursor, "limit": limit},
                      stream=True)
        with r:
            partial = b""
            try:
                for chunk in r.iter_content(chunk_size=65536):
                    lines = (partial + chunk).split(b"\n")
                    partial = lines.pop()
                    for line in lines:
                        yield line.decode("utf-8")
            except (requests.exceptions.ChunkedEncodingError,
                    requests.exceptions.ConnectionError) as e:
                raise requests.ConnectionError("page broke off: %s" % e)
            if partial:
                raise requests.ConnectionError("page ended inside a line")
            nxt = r.headers.get("Next-Cursor")
        yield None if nxt is None else _Cursor(int(nxt))

    def iter_lines(self, job_id, what="results", cursor=0, count=None, limit=DEFAULT_LIMIT,
                   follow=False, poll=5):
        """Yield the NDJSON lines (str, without '\\n') of entries cursor+1 .. cursor+count (count
        None: to the end), limit per request. follow=True keeps waiting while the job runs, until
        it ends; otherwise what is there now is read. Nothing is held beyond one page's line."""
        remaining = count
        attempt, delay = 0, 0.5
        while remaining is None or remaining > 0:
            want = limit if remaining is None else min(limit, remaining)
            got, nxt = 0, None
            try:
                for item in self._page(job_id, what, cursor, want):
                    if isinstance(item, _Cursor):
                        nxt = int(item)
                    elif item is None:
                        nxt = None
                    else:
                        got += 1
                        cursor += 1
                        if remaining is not None:
                            remaining -= 1
                        yield item
            except (requests.ConnectionError, requests.Timeout):
                # Resume after the last whole line: cursors count entries.
                if attempt >= RETRIES:
                    raise
                attempt += 1
                time.sleep(delay)
                delay = min(delay * 2, 16)
                continue
            attempt, delay = 0, 0.5
            if nxt is None:
                return  # the job has ended and everything was read
            if nxt > cursor:
                skipped = nxt - cursor  # entries that expired are skipped by the server
                cursor = nxt
                if remaining is not None:
                    remaining = max(0, remaining - skipped)
            if got < want:
                if not follow:
                    return
                self.status(job_id, wait=poll)  # caught up with a running job: wait for more

    def iter_records(self, job_id, **kw):
        """iter_lines() parsed: one dict per record."""
        for line in self.iter_lines(job_id, **kw):
            yield json.loads(line)


class _Cursor(int):
    """The Next-Cursor of a page, told apart from a line in _page()'s output."""


# ---- planning and staging (no Spark needed) ----


def plan_slices(total, per_partition):
    """Cut entries [0, total) into (cursor, count) slices; the last one has count None so that it
    reads to the end whatever total said."""
    per_partition = max(1, per_partition)
    starts = list(range(0, max(total, 1), per_partition))
    return [(start, per_partition) for start in starts[:-1]] + [(starts[-1], None)]


def slice_lines(server, job_id, what, cursor, count, limit, api_key=None):
    """Run on an executor: the lines of one slice, streamed."""
    return Client(server, api_key).iter_lines(job_id, what=what, cursor=cursor, count=count,
                                              limit=limit)


def stage(client, job_id, directory, what="results", records_per_file=100000,
          limit=DEFAULT_LIMIT):
    """Stream every line of a finished job into part-NNNNN.ndjson files in directory (created);
    returns the number of lines written. Files are written under a temporary name and renamed
    when complete, so a reader never sees half a file."""
    os.makedirs(directory, exist_ok=True)
    written, part, out, tmp = 0, 0, None, None
    try:
        for line in client.iter_lines(job_id, what=what, limit=limit):
            if out is None:
                tmp = os.path.join(directory, ".part-%05d.ndjson.tmp" % part)
                out = open(tmp, "w", encoding="utf-8")
            out.write(line)
            out.write("\n")
            written += 1
            if written % records_per_file == 0:
                out.close()
                os.rename(tmp, os.path.join(directory, "part-%05d.ndjson" % part))
                out, part = None, part + 1
        if out is not None:
            out.close()
            os.rename(tmp, os.path.join(directory, "part-%05d.ndjson" % part))
            out = None
    finally:
        if out is not None:
            out.close()
    return written


# ---- Spark ----


def run_spark(args):
    from pyspark.sql import SparkSession

    from wikicrawl_schema import spark_schema

    client = Client(args.server)
    st = client.wait_done(args.job_id)
    if st["status"] == "cancelled" and not args.allow_cancelled:
        raise JobCancelled("job %s was cancelled; --allow-cancelled reads what it wrote"
                           % args.job_id)
    spark = SparkSession.builder.appName("wikicrawl-" + args.job_id).getOrCreate()
    fields = [f for f in args.fields.split(",") if f]
    schema = spark_schema(fields) if args.what == "results" else None
    reader = spark.read.schema(schema) if schema is not None else spark.read
    if args.mode == "partitions":
        total = st["pages"] if args.what == "results" else (
            st["disambiguation"] + st["missing"] + st["invalid"] + st["failed"])
        slices = plan_slices(total, args.records_per_partition)
        server, job_id, what, limit = client.server, args.job_id, args.what, args.limit
        api_key = client.api_key
        lines = spark.sparkContext.parallelize(slices, len(slices)).flatMap(
            lambda s: slice_lines(server, job_id, what, s[0], s[1], limit, api_key))
        df = reader.json(lines)
    else:
        n = stage(client, args.job_id, args.staging_dir, args.what, args.records_per_file,
                  args.limit)
        print("staged %d lines in %s" % (n, args.staging_dir), file=sys.stderr)
        df = reader.json(args.staging_dir)
    if args.out:
        df.write.mode("overwrite").parquet(args.out)
    else:
        df.printSchema()
        print("%d rows" % df.count())
    return 0


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("job_id")
    p.add_argument("--server", default=None,
                   help="the wikicrawl API (default $WIKICRAWL_SERVER, else %s)" % DEFAULT_SERVER)
    p.add_argument("--mode", choices=("partitions", "staging"), default="partitions")
    p.add_argument("--what", choices=("results", "errors"), default="results")
    p.add_argument("--limit", type=int, default=DEFAULT_LIMIT, help="entries per request")
    p.add_argument("--records-per-partition", type=int, default=50000)
    p.add_argument("--staging-dir", default="wikicrawl-staging")
    p.add_argument("--records-per-file", type=int, default=100000)
    p.add_argument("--allow-cancelled", action="store_true")
    p.add_argument("--out", help="write the DataFrame here as Parquet")
    p.add_argument("--fields", default="",
                   help="the provenance fields the job was submitted with (its status's "
                        "\"fields\"), comma-separated, e.g. wiki,revision_id")
    return run_spark(p.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
