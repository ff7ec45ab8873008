#!/bin/sh
# run.sh - run each libFuzzer target for a bounded time; fails on any crash, leak or timeout.
#
#   tests/fuzz/run.sh SECONDS BIN...
#
# Each BIN keeps its corpus in build/fuzz/corpus/NAME (NAME: the binary's name), seeded on every run
# (fuzz_mwparse: the captured answers of tests/corpus/answers; fuzz_titles: a few small inputs in
# every format; fuzz_mwquery: a few action=query answers), so what a run finds is kept for the next
# one. Crashing inputs are written to build/fuzz/artifacts/, and the log of each run to
# build/fuzz/NAME.log.
set -eu

usage() {
    echo "usage: $0 SECONDS BIN..." >&2
    exit 2
}
[ $# -ge 2 ] || usage
seconds=$1
shift
case "$seconds" in
'' | *[!0-9]*) usage ;;
esac

root=$(cd "$(dirname "$0")/../.." && pwd)
out=$root/build/fuzz
mkdir -p "$out/artifacts"
# Process-lifetime allocations of the TLS libraries linked in are not leaks of ours.
: "${LSAN_OPTIONS:=suppressions=$root/tests/lsan.supp:print_suppressions=0}"
: "${UBSAN_OPTIONS:=print_stacktrace=1}"
export LSAN_OPTIONS UBSAN_OPTIONS

# fuzz_titles input: byte 0 format (0 text, 1 idtitle, 2 json), byte 1 max_title_bytes choice
# (7: 255), byte 2 stop choice (below 0xF0: never), bytes 3-4 the cut seed, then the input.
seed_titles() {
    dir=$1
    printf '\000\007\000\001\002\357\273\277Foo\r\nBar baz \n\n  \302\240Qux#\n\tA|B\nLast' \
        >"$dir/seed-text"
    printf '\001\007\000\003\004' >"$dir/seed-idtitle"
    printf '1; Foo\n2;Bar\n3; \n4; a; b\r\n5 x\n' >>"$dir/seed-idtitle"
    printf '\002\007\000\005\006' >"$dir/seed-json-array"
    printf '["A", " B ", "\\u00e9\\ud83d\\ude00", "\\ud800", 1, {"a":[null,true]}, ""]' \
        >>"$dir/seed-json-array"
    printf '\002\004\000\007\010' >"$dir/seed-json-object"
    printf '{"chunk_size": 50, "x": "y", "deep": [[]], "titles": ["Foo", "toolong", -1.5e3]}' \
        >>"$dir/seed-json-object"
    printf '\002\007\363\011\012["a", "b", "c", "d"]' >"$dir/seed-json-stop"
}

seed_mwparse() {
    dir=$1
    # POSIX sh has no local variables: these names must not clash with the caller's.
    for seed_variant in "$root"/tests/corpus/answers/*/; do
        [ -d "$seed_variant" ] || continue
        seed_prefix=$(basename "$seed_variant")
        for seed_file in "$seed_variant"*.json; do
            [ -f "$seed_file" ] || continue
            target="$dir/$seed_prefix-$(basename "$seed_file")"
            [ -f "$target" ] || cp "$seed_file" "$target"
        done
    done
}

# fuzz_http input: raw bytes of an HTTP/1.1 connection.
seed_http() {
    dir=$1
    printf 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n' >"$dir/seed-healthz"
    printf 'POST /v1/jobs?chunk_size=2 HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 12\r\n\r\nFoo\nBar\nBaz\n' \
        >"$dir/seed-text"
    printf 'POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nIdempotency-Key: k\r\n\r\n9\r\n{"titles"\r\n8\r\n: ["A"]}\r\n0\r\n\r\n' \
        >"$dir/seed-chunked"
    printf 'GET /v1/jobs/0123456789abcdef0123456789abcdef/results?limit=2&cursor=1 HTTP/1.1\r\nHost: x\r\n\r\nDELETE /v1/jobs/0123456789abcdef0123456789abcdef HTTP/1.1\r\nHost: x\r\n\r\n' \
        >"$dir/seed-pipelined"
}

# fuzz_mwquery input: byte 0 the HTTP status choice (0: 200, 14: 503), the submitted titles
# separated by '|' up to a newline, then the action=query answer (MediaWiki 1.39's shapes, as in
# tests/unit/test_mwquery.c and tests/fakewiki/fakewiki.py).
seed_mwquery() {
    dir=$1
    {
        printf '\000'
        printf '%s|' Star_Wars:_Episode_IV 'Star Wars: Episode IV' ' Star Wars: Episode IV ' \
            'Telecom double redirect' ATT 'This article does not exist' 'Foo[bar' Mercury \
            'Zürich' cairo special:version 'Omitted title' 'Wikipedia interwiki redirect' \
            'Broken redirect' 'Redirect loop A' 'Orbit of Mercury' 'Star Wars: Episode IV' \
            Zurich
        printf '#Anchor\n'
        cat <<'ANSWER'
{"batchcomplete":true,"query":{"normalized":[
{"fromencoded":false,"from":"Star_Wars:_Episode_IV","to":"Star Wars: Episode IV"},
{"fromencoded":false,"from":" Star Wars: Episode IV ","to":"Star Wars: Episode IV"},
{"fromencoded":false,"from":"#Anchor","to":""},
{"fromencoded":false,"from":"cairo","to":"Cairo"},
{"fromencoded":false,"from":"special:version","to":"Special:Version"}],
"converted":[{"from":"Zurich","to":"Z\u00fcrich"}],
"redirects":[{"from":"Telecom double redirect","to":"ATT"},{"from":"ATT","to":"AT&T"},
{"from":"Cairo","to":"\u0627\u0644\u0642\u0627\u0647\u0631\u0629"},
{"from":"Orbit of Mercury","to":"Mercury (planet)","tofragment":"Orbit"},
{"from":"Wikipedia interwiki redirect","to":"wikipedia:Example","tointerwiki":"wikipedia","tofragment":"Top"},
{"from":"Broken redirect","to":"Nowhere"},
{"from":"Redirect loop A","to":"Redirect loop B"},{"from":"Redirect loop B","to":"Redirect loop A"}],
"interwiki":[{"title":"wikipedia:Example","iw":"wikipedia"}],
"pages":[{"ns":0,"title":"This article does not exist","missing":true},
{"ns":0,"title":"Nowhere","missing":true},
{"title":"Foo[bar","invalidreason":"The requested page title contains invalid characters: \"[\".","invalid":true},
{"ns":-1,"title":"Special:Version","special":true},
{"pageid":42,"ns":0,"title":"Star Wars: Episode IV","touched":"2024-05-01T12:00:00Z","lastrevid":4242},
{"pageid":43,"ns":0,"title":"AT&T","touched":"2024-05-02T12:00:00Z","lastrevid":4343},
{"pageid":48,"ns":0,"title":"Mercury (planet)","touched":"2024-05-03T00:00:00Z","lastrevid":4848},
{"pageid":54,"ns":0,"title":"\u0627\u0644\u0642\u0627\u0647\u0631\u0629","touched":"2024-05-04T00:00:00Z","lastrevid":5454},
{"pageid":56,"ns":0,"title":"Z\u00fcrich","touched":"2024-05-05T00:00:00Z","lastrevid":5656},
{"pageid":122,"ns":0,"title":"Mercury","touched":"2024-05-06T00:00:00Z","lastrevid":12222,"pageprops":{"disambiguation":""}},
{"pageid":138,"ns":0,"title":"Redirect loop A","redirect":true,"touched":"2024-05-07T00:00:00Z","lastrevid":13838}]}}
ANSWER
    } >"$dir/seed-fv2"
    printf '\000Foo|bar|Media:X.png|Gone\n' >"$dir/seed-fv1"
    printf '%s' '{"batchcomplete":"","query":{"normalized":[{"from":"bar","to":"Bar"}],' \
        '"pages":{"-1":{"ns":0,"title":"Gone","missing":""},' \
        '"-2":{"ns":-2,"title":"Media:X.png","special":""},' \
        '"7":{"pageid":7,"ns":0,"title":"Foo","touched":"2024-01-01T00:00:00Z","lastrevid":70,' \
        '"pageprops":{"disambiguation":""}},' \
        '"8":{"pageid":8,"ns":0,"title":"Bar","touched":"2024-01-02T00:00:00Z","lastrevid":80}}}}' \
        >>"$dir/seed-fv1"
    printf '\000Gone|Here\n' >"$dir/seed-continue"
    printf '%s' '{"continue":{"ppcontinue":"42","continue":"||info"},"query":{"pages":[' \
        '{"ns":0,"title":"Gone","missing":true,"known":true},{"pageid":42,"ns":0,' \
        '"title":"Here","touched":"2024-01-01T00:00:00Z","lastrevid":1}]}}' >>"$dir/seed-continue"
    printf '\000A|B\n{"error":{"code":"maxlag","info":"Waiting for 10.64.16.7: 7 seconds lagged"}}' \
        >"$dir/seed-maxlag"
    printf '\000A\n{"errors":[{"code":"ratelimited","text":"slow down"}]}' >"$dir/seed-errors"
    printf '\000A\n{"batchcomplete":true,"query":{"pages":[{"pageid":1,"ns":0,"title":"A","tou' \
        >"$dir/seed-truncated"
    printf '\016A\n<html>Service Unavailable</html>' >"$dir/seed-503"
}

# fuzz_gzip_member input: byte 0 the number of pieces, then bytes to compress.
seed_gzip_member() {
    dir=$1
    printf '\003{"page_id":"42","page_title":"Z\303\274rich","page_text":" A city. It lies on a lake."}' \
        >"$dir/seed-record"
    printf '\000' >"$dir/seed-empty"
}

failed=0
for bin in "$@"; do
    name=$(basename "$bin")
    corpus=$out/corpus/$name
    log=$out/$name.log
    mkdir -p "$corpus"
    case "$name" in
    fuzz_titles) seed_titles "$corpus" ;;
    fuzz_mwparse | fuzz_html_text | fuzz_answer_scan) seed_mwparse "$corpus" ;;
    fuzz_http) seed_http "$corpus" ;;
    fuzz_mwquery) seed_mwquery "$corpus" ;;
    fuzz_gzip_member) seed_gzip_member "$corpus" ;;
    esac
    echo "fuzz: $name for ${seconds}s (corpus $corpus, $(find "$corpus" -type f | wc -l) inputs)"
    if "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$out/artifacts/$name-" "$corpus" >"$log" 2>&1; then
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
        speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
        rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log")
        echo "fuzz: $name ok: ${runs:-?} runs, ${speed:-?} exec/s, peak RSS ${rss:-?} MB"
    else
        failed=$((failed + 1))
        echo "FAILED: $name (log $log; crashing input under $out/artifacts/)" >&2
        tail -n 60 "$log" >&2
    fi
done
[ "$failed" -eq 0 ]
