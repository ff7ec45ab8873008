#!/bin/sh
# run_unit.sh - run every cmocka unit test binary given, then one summary line for all of them.
# ASan/UBSan abort the binary on any report, so a sanitizer finding is a failed suite.
passed=0
failed=0
for t in "$@"; do
    echo "== $t"
    if "$t"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "FAILED: $t"
    fi
done
echo "unit suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
