"""read_export.py - load the records of a wikicrawl export (docs/export.md) into Spark.

    spark-submit --py-files wikicrawl_schema.py read_export.py \
        s3a://lake/enwiki/2026-12/JOB_ID/ --out /data/pages.parquet
    spark-submit --py-files wikicrawl_schema.py read_export.py /srv/exports/enwiki/2026-12/JOB_ID/

An export is a folder of part-NNNNNN.ndjson.gz files (gzip NDJSON, one record a line, in the
job's result order), errors-NNNNNN.ndjson.gz, _manifest.json and, written last, _SUCCESS. Spark
reads the parts as they are: nothing passes through the driver, and no wikicrawl service needs to
be reachable. The job refuses a folder without _SUCCESS (an export still running, or failed)
unless --allow-incomplete.

For a local (or mounted) folder, verify() checks it against its manifest first, without pyspark:
every part present with its size and SHA-256, and the totals.

    from read_export import verify
    manifest = verify("/srv/exports/enwiki/2026-12/JOB_ID")
"""
import argparse
import hashlib
import json
import os
import sys


class IncompleteExport(Exception):
    """The folder has no _SUCCESS, or does not match its manifest."""


def verify(folder):
    """The manifest of a local export folder, once every object it lists is there with its size
    and digest; IncompleteExport otherwise."""
    if not os.path.exists(os.path.join(folder, "_SUCCESS")):
        raise IncompleteExport("%s has no _SUCCESS: the export is not finished" % folder)
    with open(os.path.join(folder, "_manifest.json")) as f:
        manifest = json.load(f)
    for key in ("parts", "errors"):
        for entry in manifest[key]:
            path = os.path.join(folder, entry["name"])
            digest = hashlib.sha256()
            size = 0
            try:
                with open(path, "rb") as f:
                    for block in iter(lambda: f.read(1 << 20), b""):
                        digest.update(block)
                        size += len(block)
            except FileNotFoundError:
                raise IncompleteExport("%s is missing" % path) from None
            if size != entry["bytes"] or digest.hexdigest() != entry["sha256"]:
                raise IncompleteExport("%s does not match the manifest" % path)
    if sum(p["records"] for p in manifest["parts"]) != manifest["records"]:
        raise IncompleteExport("the manifest's parts do not add up to its records")
    return manifest


def run_spark(location, out, allow_incomplete, fields=()):
    from pyspark.sql import SparkSession  # imported here: verify() works without pyspark
    from wikicrawl_schema import spark_schema

    spark = SparkSession.builder.appName("wikicrawl-read-export").getOrCreate()
    location = location.rstrip("/") + "/"
    if os.path.isdir(location):
        verify(location)
    elif not allow_incomplete:
        # another file system: ask Spark whether _SUCCESS is there
        jvm = spark.sparkContext._jvm
        path = jvm.org.apache.hadoop.fs.Path(location + "_SUCCESS")
        fs = path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
        if not fs.exists(path):
            raise IncompleteExport("%s has no _SUCCESS: the export is not finished" % location)
    pages = spark.read.schema(spark_schema(fields)).json(location + "part-*.ndjson.gz")
    if out:
        pages.write.mode("overwrite").parquet(out)
    else:
        pages.show(5)
    return pages


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("location", help="the export's folder: a path, s3a://..., hdfs://...")
    p.add_argument("--out", help="write the records there as Parquet (default: show a few)")
    p.add_argument("--allow-incomplete", action="store_true",
                   help="read the parts even without _SUCCESS")
    p.add_argument("--fields", default="",
                   help="the provenance fields of the job (its _manifest.json's \"fields\"), "
                        "comma-separated, e.g. wiki,revision_id")
    args = p.parse_args(argv)
    try:
        run_spark(args.location, args.out, args.allow_incomplete,
                  [f for f in args.fields.split(",") if f])
    except IncompleteExport as e:
        print("read_export: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
