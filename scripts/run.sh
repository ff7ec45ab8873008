#!/bin/sh
# run.sh - `make run`: start wikicrawl serve on the embedded default and say how to use it.
# Settings come from WIKICRAWL_* variables (see README); with no WIKICRAWL_REDIS, serve starts
# its own redis-server in ./var.
set -eu
listen=${WIKICRAWL_LISTEN:-127.0.0.1:8080}
cat <<MSG
wikicrawl is starting on http://$listen  (Ctrl-C stops it; data in ${WIKICRAWL_DATA_DIR:-./var})

Try it from another terminal:
  curl -s -X POST http://$listen/v1/jobs -H 'Content-Type: text/plain' \\
       --data-binary \$'Alan Turing\\nAda Lovelace'
  curl -s 'http://$listen/v1/jobs/JOB_ID?wait=60'
  curl -s http://$listen/v1/jobs/JOB_ID/results

MSG
exec build/wikicrawl serve "$@"
