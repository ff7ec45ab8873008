"""make bench: run every benchmark several times and write BENCHMARKS.md.

Each section measures wikicrawl and its reference in the same run, on the same input, and reports
the median of RUNS runs with the ratio beside it. Sections: page_text extraction (C vs lxml),
answer_record (bench/answer_bench.c, one-pass scan vs the jansson path), service_api
(bench/service_api.py), crawl_throughput (bench/crawl_throughput.py), fair_turns
(bench/fair_turns.py), turns_at_defaults (bench/fair_turns.py: the same at `serve`'s defaults),
load (bench/load.py), million (bench/million.py: one run), result_memory
(bench/result_memory.py: Redis memory of a finished job against its NDJSON), recrawl
(bench/recrawl.py: wiki requests per title of a first crawl and a re-crawl, re-crawl time),
export (bench/export.py: Redis peak and crawl speed with exports to dir and s3rver).

    /usr/bin/python3 bench/run.py [SECTION...]   SECTION: page_text, answer_record, service_api,
                                                 crawl_throughput, fair_turns,
                                                 turns_at_defaults, load, million,
                                                 result_memory, recrawl, export (or
                                                 section_NAME);
                                                 none: all

Environment: BENCH_RUNS (5); the long sections may run fewer: BENCH_CRAWL_RUNS, BENCH_LOAD_RUNS,
BENCH_TURNS_RUNS, BENCH_RECRAWL_RUNS, BENCH_EXPORT_RUNS (1); BENCH_EXPORT_TITLES (200000); BENCH_RECRAWL_TITLES (10000), BENCH_RECRAWL_REF_MEASURE=1
(measure the recrawl reference at --rate 50, ~200 s, instead of estimating it);
WIKICRAWL_BENCH_TITLES (10000) titles per crawl run; BENCH_LOAD_SECONDS (60); BENCH_SUBMIT_TITLES
(1000000); BENCH_RESULTS_RECORDS (20000); BENCH_MILLION_TITLES (1000000) titles of the million
section's job."""
import datetime
import glob
import os
import platform
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYTHON = "/usr/bin/python3"
RUNS = int(os.environ.get("BENCH_RUNS", "5"))


def parse_kv(line):
    return {k: float(v) for k, v in (field.split("=") for field in line.split())}


def run_kv(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT).stdout
    return parse_kv(out.strip().splitlines()[-1])


def corpus_answers():
    files = sorted(glob.glob(os.path.join(ROOT, "tests", "corpus", "answers", "notebook", "*.json")))
    if not files:
        sys.exit("bench: no corpus in tests/corpus/answers/notebook")
    return files


def section_page_text():
    files = corpus_answers()
    rounds = "20"
    c_runs, py_runs = [], []
    for _ in range(RUNS):  # interleaved, so both see the same machine state
        c_runs.append(run_kv([os.path.join(ROOT, "build", "bench", "html_text_bench"), rounds] + files))
        py_runs.append(run_kv([PYTHON, os.path.join(ROOT, "bench", "html_text_lxml.py"), rounds] + files))
    assert c_runs[0]["text_bytes"] == py_runs[0]["text_bytes"], "C and lxml disagree on the text"
    c = statistics.median(r["mb_per_s"] for r in c_runs)
    py = statistics.median(r["mb_per_s"] for r in py_runs)
    mb = c_runs[0]["bytes"] / int(rounds) / 1e6
    return "\n".join([
        "## page_text extraction (issue: core library)",
        "",
        "The `<p>` text of every `ok` answer of the parity corpus (%d pages, %.2f MB of HTML), %s "
        "passes per run, %d runs, interleaved. wikicrawl: `lib/html_text` (the `lib/html_fast` "
        "scan, with libxml2's HTML parser as the fallback for what it cannot be sure of). "
        "Reference: the notebook's lxml expression, single pass over "
        "`//p` (`bench/html_text_lxml.py`). Both produce the same number of text bytes (checked)."
        % (int(c_runs[0]["pages"]), mb, rounds, RUNS),
        "",
        "| implementation | median MB/s of HTML | runs (MB/s) |",
        "|---|---|---|",
        "| wikicrawl `html_text` | **%.1f** | %s |" % (c, ", ".join("%.1f" % r["mb_per_s"] for r in c_runs)),
        "| lxml reference | %.1f | %s |" % (py, ", ".join("%.1f" % r["mb_per_s"] for r in py_runs)),
        "| ratio wikicrawl / lxml | **%.2fx** | target: at least 2x |" % (c / py),
        "",
    ])


def section_answer_record():
    files = corpus_answers()
    rounds = "20"
    bench = os.path.join(ROOT, "build", "bench", "answer_bench")
    fast, ref = [], []

    def run(*flags):
        out = subprocess.run([bench] + list(flags) + [rounds] + files, check=True,
                             capture_output=True, text=True, cwd=ROOT).stdout
        kv = dict(field.split("=", 1) for field in out.strip().splitlines()[-1].split())
        return {"us": float(kv["us_per_page"]), "pages": int(kv["pages"]),
                "fallbacks": int(kv["fallbacks"]), "checksum": kv["checksum"]}

    for _ in range(RUNS):  # interleaved, so both see the same machine state
        fast.append(run())
        ref.append(run("--reference"))
    assert fast[0]["checksum"] == ref[0]["checksum"], "the two paths wrote different records"
    med = statistics.median
    f, r = med(x["us"] for x in fast), med(x["us"] for x in ref)
    html_bytes = sum(os.path.getsize(path) for path in files) / len(files)
    return "\n".join([
        "## answer -> record (issue: crawling, CPU per page)",
        "",
        "What a worker does with each answer, in thread CPU time (`bench/answer_bench.c`): parse "
        "the `action=parse` JSON, extract `page_text`, build the record and write its NDJSON line. "
        "Input: the parity corpus (%d answers, %.1f KB each on average), %s passes per run, "
        "%d runs, interleaved. wikicrawl: `mwparse_answer` (the one-pass `lib/answer_scan` and "
        "`lib/html_fast`; %d answers fell back to jansson). Reference: "
        "`mwparse_answer_reference`, the same library's jansson path (the fallback and the "
        "fuzzers' reference: jansson builds the whole document; `page_text` goes through the same "
        "`lib/html_text`). Both write the same records (checksum of the lines compared)."
        % (fast[0]["pages"], html_bytes / 1024, rounds, RUNS, fast[0]["fallbacks"]),
        "",
        "| path | median us per answer | runs (us) |",
        "|---|---|---|",
        "| wikicrawl `mwparse_answer` | **%.1f** | %s |"
        % (f, ", ".join("%.1f" % x["us"] for x in fast)),
        "| reference: `mwparse_answer_reference` (jansson) | %.1f | %s |"
        % (r, ", ".join("%.1f" % x["us"] for x in ref)),
        "| ratio reference / wikicrawl | **%.1fx** | |" % (r / f),
        "",
    ])


def section_service_api():
    import service_api
    return service_api.section(RUNS)


def section_crawl_throughput():
    import crawl_throughput
    return crawl_throughput.section(RUNS)


def section_fair_turns():
    import fair_turns
    return fair_turns.section(RUNS)


def section_turns_at_defaults():
    import fair_turns
    return fair_turns.section_defaults(RUNS)


def section_load():
    import load
    return load.section(RUNS)


def section_million():
    import million
    return million.section(RUNS)


def section_result_memory():
    import result_memory
    return result_memory.section(RUNS)


def section_recrawl():
    import recrawl
    return recrawl.section(RUNS)


def section_export():
    import export
    return export.section(RUNS)


SECTIONS = [section_page_text, section_answer_record, section_service_api, section_crawl_throughput,
            section_fair_turns, section_turns_at_defaults, section_load, section_million,
            section_result_memory, section_recrawl, section_export]


def section_name(section):
    return section.__name__[len("section_"):]


MARKER = "<!-- bench section: %s -->"


def previous_sections():
    """name -> text of each section in the current BENCHMARKS.md (between section markers)."""
    try:
        with open(os.path.join(ROOT, "BENCHMARKS.md"), encoding="utf-8") as f:
            text = f.read()
    except OSError:
        return {}
    out = {}
    for part in text.split("<!-- bench section: ")[1:]:
        name, _, body = part.partition(" -->\n")
        out[name] = body.rstrip("\n") + "\n"
    return out


def main():
    only = sys.argv[1:]
    known = [s.__name__ for s in SECTIONS] + [section_name(s) for s in SECTIONS]
    unknown = [name for name in only if name not in known]
    if unknown:
        sys.exit("bench: unknown section(s) %s; sections: %s"
                 % (", ".join(unknown), ", ".join(section_name(s) for s in SECTIONS)))
    # A run of some sections keeps the others' last figures (each says when it was measured).
    kept = previous_sections() if only else {}
    now = datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M")
    parts = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`bench/run.py`); machine: %s, %d CPUs, %s. Each section says "
        "when it was measured and how many runs its medians are of; each figure and its "
        "reference are measured in the same run."
        % (platform.machine(), os.cpu_count(), platform.platform()),
        "",
    ]
    for section in SECTIONS:
        name = section_name(section)
        if only and section.__name__ not in only and name not in only:
            if name in kept:
                parts.append(MARKER % name)
                parts.append(kept[name])
            continue
        print("bench: %s ..." % section.__name__, flush=True)
        text = section()
        print(text, flush=True)
        parts.append(MARKER % name)
        parts.append("_Measured %s UTC._\n" % now)
        parts.append(text)
    with open(os.path.join(ROOT, "BENCHMARKS.md"), "w") as f:
        f.write("\n".join(parts))
    print("bench: wrote BENCHMARKS.md")


if __name__ == "__main__":
    main()
