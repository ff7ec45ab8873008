"""wikicrawl_schema.py - the schema of a wikicrawl record, for Spark and as JSON.

A record is one NDJSON line of GET /v1/jobs/{id}/results; its keys always come in the order of
FIELDS. The Spark StructType is the notebook's, field for field. A job submitted with "fields"
(provenance, issue 23) has those of PROVENANCE after the 8, in PROVENANCE's order: pass the same
names as fields= to get its schema (spark_schema(["wiki", "revision_id"])). pyspark is imported only by
spark_schema(), so the rest of this module (and the tests) work without Spark.

    python3 wikicrawl_schema.py            print the schema as Spark JSON (StructType.jsonValue())
    python3 wikicrawl_schema.py --ddl      print it as a DDL string for spark.read.schema()
    python3 wikicrawl_schema.py --ddl wiki,revision_id   the same with provenance fields
    python3 wikicrawl_schema.py --write    rewrite wikicrawl_schema.json next to this file
"""
import json
import os
import sys

# (name, Spark SQL type, nullable), in the order of a record's keys.
FIELDS = [
    ("page_id", "string", False),
    ("page_title", "string", False),
    ("page_text", "string", False),
    ("category", "array<string>", False),
    ("links", "array<string>", False),
    ("external_links", "array<string>", False),
    ("sections", "array<string>", False),
    ("redirects_page", "string", True),  # null unless the title was a redirect
]

FIELD_NAMES = [name for name, _, _ in FIELDS]

# The opt-in provenance, in the fixed order it follows the 8 (all nullable but wiki).
PROVENANCE = [
    ("wiki", "string", False),          # the name of the job's wiki (GET /v1/wikis)
    ("revision_id", "long", True),      # the revision parsed
    ("wikidata_id", "string", True),    # the page's Wikidata item, null without one
    ("touched", "string", True),        # the page's touched time (ISO 8601), null if unresolved
]


def fields_of(fields=()):
    """FIELDS followed by the provenance fields named in fields, in their fixed order."""
    unknown = set(fields) - {name for name, _, _ in PROVENANCE}
    if unknown:
        raise ValueError("no provenance field %s" % ", ".join(sorted(unknown)))
    return FIELDS + [f for f in PROVENANCE if f[0] in fields]

SCHEMA_JSON_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "wikicrawl_schema.json")


def spark_schema(fields=()):
    """The StructType (imports pyspark); with fields, the provenance fields a job asked for
    follow. Spark's JSON reader treats every field as nullable whatever the schema says; the
    flags matter for createDataFrame() and for documentation."""
    from pyspark.sql.types import ArrayType, StringType, StructField, StructType

    def provenance(name):
        if name == "revision_id":
            from pyspark.sql.types import LongType
            return StructField(name, LongType(), True)
        return StructField(name, StringType(), name != "wiki")

    return StructType([
        StructField("page_id", StringType(), False),
        StructField("page_title", StringType(), False),
        StructField("page_text", StringType(), False),
        StructField("category", ArrayType(StringType(), False), False),
        StructField("links", ArrayType(StringType(), False), False),
        StructField("external_links", ArrayType(StringType(), False), False),
        StructField("sections", ArrayType(StringType(), False), False),
        StructField("redirects_page", StringType(), True),
    ] + [provenance(name) for name, _, _ in fields_of(fields)[len(FIELDS):]])


def _spark_type(kind):
    if kind.startswith("array<") and kind.endswith(">"):
        return {"type": "array", "elementType": kind[len("array<"):-1], "containsNull": False}
    return kind


def schema_json(fields=()):
    """The schema in Spark's JSON form, as StructType.jsonValue() writes it and
    StructType.fromJson() reads it (no pyspark needed)."""
    return {"type": "struct",
            "fields": [{"name": name, "type": _spark_type(kind), "nullable": nullable,
                        "metadata": {}} for name, kind, nullable in fields_of(fields)]}


def schema_ddl(fields=()):
    """The schema as a DDL string, also accepted by spark.read.schema() (without the
    nullability, which the JSON reader ignores anyway)."""
    return ", ".join("%s %s" % (name, kind.upper()) for name, kind, _ in fields_of(fields))


def load_schema_json(path=SCHEMA_JSON_PATH):
    """wikicrawl_schema.json, for jobs that cannot import this module."""
    with open(path) as f:
        return json.load(f)


def main(argv):
    if argv[1:] == ["--ddl"]:
        print(schema_ddl())
    elif len(argv) == 3 and argv[1] == "--ddl":
        print(schema_ddl(argv[2].split(",")))
    elif argv[1:] == ["--write"]:
        with open(SCHEMA_JSON_PATH, "w") as f:
            json.dump(schema_json(), f, indent=2)
            f.write("\n")
    elif argv[1:] == []:
        print(json.dumps(schema_json(), indent=2))
    else:
        sys.stderr.write(__doc__)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
