#!/bin/sh
# wiki.sh - throwaway MediaWiki (Debian package) serving the test corpus.
#
#   tests/mediawiki/wiki.sh install          apt-get the packages if missing (needs root)
#   tests/mediawiki/wiki.sh setup DIR        fresh wiki in DIR (must not exist or be empty),
#                                            corpus.xml imported, link tables rebuilt
#   tests/mediawiki/wiki.sh serve DIR PORT   php -S on 127.0.0.1:PORT in the background,
#                                            pid in DIR/php.pid, waits until api.php answers
#   tests/mediawiki/wiki.sh stop DIR         kill that server
#
# Everything lives in DIR: LocalSettings.php, the SQLite databases (DIR/db), the localisation
# cache (DIR/cache), logs. Debian's /etc/mediawiki, /var/lib/mediawiki are never written:
# MediaWiki is pointed at DIR/LocalSettings.php with the MW_CONFIG_FILE environment variable
# (read by includes/BootstrapHelperFunctions.php for maintenance scripts, install.php and the
# web entry points alike), so /usr/share/mediawiki/LocalSettings.php -> /etc/mediawiki/... is
# never consulted, and an existing site config neither blocks install.php nor gets touched.
#
# Environment: MW_DIR (default /usr/share/mediawiki), PHP (default php),
#              WIKI_SERVE_TIMEOUT seconds to wait for api.php (default 120: the first
#              answer of a fresh install on a loaded machine parses cold).
set -eu

MW=${MW_DIR:-/usr/share/mediawiki}
PHP=${PHP:-php}
HERE=$(cd "$(dirname "$0")" && pwd)
CORPUS=${CORPUS_XML:-$HERE/corpus.xml}
PKGS="mediawiki php-cli php-sqlite3"

die() { echo "wiki.sh: $*" >&2; exit 1; }

abspath() { mkdir -p "$1" && (cd "$1" && pwd); }

# Run a maintenance script against DIR's config; output goes to DIR/setup.log, shown on failure.
maint() {
    dir=$1; shift
    script=$1; shift
    t0=$(date +%s%N)
    if ! MW_CONFIG_FILE="$dir/LocalSettings.php" "$PHP" "$MW/maintenance/$script" "$@" \
            >>"$dir/setup.log" 2>&1; then
        tail -n 40 "$dir/setup.log" >&2
        die "maintenance/$script failed (full log: $dir/setup.log)"
    fi
    echo "wiki.sh: $script $(( ($(date +%s%N) - t0) / 1000000 )) ms"
}

cmd_install() {
    missing=""
    for p in $PKGS; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' \
            || missing="$missing $p"
    done
    [ -z "$missing" ] && { echo "wiki.sh: packages present:$PKGS"; return 0; }
    [ "$(id -u)" = 0 ] || die "missing packages:$missing (run as root: apt-get install -y --no-install-recommends$missing)"
    apt-get update -q
    # shellcheck disable=SC2086  # word splitting of the package list is intended
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
}

cmd_setup() {
    [ $# -eq 1 ] || die "usage: wiki.sh setup DIR"
    [ -f "$MW/maintenance/install.php" ] || die "$MW/maintenance/install.php missing (wiki.sh install)"
    [ -f "$CORPUS" ] || die "corpus not found: $CORPUS"
    dir=$(abspath "$1")
    [ -z "$(ls -A "$dir")" ] || die "$dir is not empty (use a fresh directory)"
    mkdir -p "$dir/db" "$dir/cache"
    : >"$dir/setup.log"

    # install.php checks for an existing LocalSettings.php at MW_CONFIG_FILE (else at
    # $IP/LocalSettings.php, i.e. Debian's /etc/mediawiki one) and writes the new one to
    # --confpath. --server is fixed (not the port) so that captured answers do not depend
    # on the port the wiki is later served on.
    maint "$dir" install.php --dbtype=sqlite --dbpath="$dir/db" --dbname=corpuswiki \
        --confpath="$dir" --server=http://localhost --scriptpath= --lang=en \
        --pass=corpus-admin-password-0 --skins=Vector "Corpus Wiki" Admin

    cat >>"$dir/LocalSettings.php" <<EOF

# ---- appended by tests/mediawiki/wiki.sh ----------------------------------------------------
\$wgServer = "http://localhost";
\$wgCanonicalServer = "http://localhost";
\$wgArticlePath = "/wiki/\$1";        # Wikipedia-like hrefs in the parser output
\$wgEnableUploads = false;
\$wgUseInstantCommons = false;
\$wgEnableEmail = false;
\$wgPingback = false;
\$wgShowExceptionDetails = true;
# Caches: the localisation cache as PHP arrays in DIR/cache (opcache, on by default for
# php -S, keeps them in memory); everything else off so that concurrent php -S workers never
# contend for SQLite write locks and every answer is a fresh parse.
\$wgCacheDirectory = "$dir/cache";
\$wgLocalisationCacheConf['store'] = 'array';
\$wgMainCacheType = CACHE_NONE;
\$wgParserCacheType = CACHE_NONE;
\$wgMessageCacheType = CACHE_NONE;
\$wgJobRunRate = 0;                   # no job runs inside web requests
# Throwaway database: no fsync (import + refreshLinks take half the time).
\$wgDBservers = [ [ 'type' => 'sqlite', 'host' => '', 'dbname' => \$wgDBname, 'user' => '',
    'password' => '', 'flags' => DBO_DEFAULT, 'load' => 1,
    'variables' => [ 'synchronous' => 'OFF' ] ] ];
wfLoadExtension( 'Cite' );
wfLoadExtension( 'ParserFunctions' );
EOF

    # Import without link updates, then parse every page once with refreshLinks.php: that fills
    # pagelinks/categorylinks/templatelinks/externallinks/page_props (hidden categories are
    # page_props of their Category: page) whatever the import order, and queues no jobs.
    maint "$dir" importDump.php --quiet --no-updates "$CORPUS"
    maint "$dir" refreshLinks.php --quiet
    maint "$dir" initSiteStats.php --update --quiet
    echo "wiki.sh: wiki ready in $dir"
}

cmd_serve() {
    [ $# -eq 2 ] || die "usage: wiki.sh serve DIR PORT"
    dir=$(cd "$1" 2>/dev/null && pwd) || die "no such directory: $1"
    port=$2
    case $port in ''|*[!0-9]*) die "bad port: $port" ;; esac
    [ -f "$dir/LocalSettings.php" ] || die "$dir has no LocalSettings.php (wiki.sh setup $dir)"
    if [ -f "$dir/php.pid" ] && kill -0 "$(cat "$dir/php.pid")" 2>/dev/null; then
        die "already serving (pid $(cat "$dir/php.pid")); wiki.sh stop $dir"
    fi
    url="http://127.0.0.1:$port/api.php?action=query&meta=siteinfo&format=json"
    # setsid: php -S and its 4 forked workers get a process group of their own (pgid = pid),
    # so that stop can end exactly them (the workers outlive a killed master otherwise).
    MW_CONFIG_FILE="$dir/LocalSettings.php" PHP_CLI_SERVER_WORKERS=4 \
        setsid "$PHP" -d memory_limit=512M \
        -S "127.0.0.1:$port" -t "$MW" >"$dir/php.log" 2>&1 </dev/null &
    echo $! >"$dir/php.pid"
    timeout=${WIKI_SERVE_TIMEOUT:-120}
    deadline=$(( $(date +%s) + timeout ))
    while :; do
        if ! kill -0 "$(cat "$dir/php.pid")" 2>/dev/null; then
            tail -n 20 "$dir/php.log" >&2
            rm -f "$dir/php.pid"
            die "php -S exited (port $port in use?); log: $dir/php.log"
        fi
        # A cold first parse may take long: a probe waits for its answer (30 s) rather than
        # giving up and queueing another cold request behind it.
        # shellcheck disable=SC2016  # PHP code, not shell
        if "$PHP" -d default_socket_timeout=30 -r '
                $j = json_decode((string) @file_get_contents($argv[1]), true);
                exit(isset($j["query"]["general"]["generator"]) ? 0 : 1);' "$url" 2>/dev/null \
           && kill -0 "$(cat "$dir/php.pid")" 2>/dev/null; then    # (not some other server)
            echo "wiki.sh: serving $dir on http://127.0.0.1:$port/ (pid $(cat "$dir/php.pid"))"
            return 0
        fi
        if [ "$(date +%s)" -ge "$deadline" ]; then
            tail -n 20 "$dir/php.log" >&2
            cmd_stop "$dir"
            die "api.php did not answer within ${timeout}s: $url"
        fi
        sleep 0.1
    done
}

cmd_stop() {
    [ $# -eq 1 ] || die "usage: wiki.sh stop DIR"
    pidfile="$1/php.pid"
    [ -f "$pidfile" ] || { echo "wiki.sh: not running ($pidfile absent)"; return 0; }
    pid=$(cat "$pidfile")
    # serve started php in its own process group (setsid): signal the group = master + workers.
    # php -S takes ~1.5 s to act on SIGTERM; it holds no state worth a clean exit, so after a
    # short grace period the group is killed.
    if kill -TERM "-$pid" 2>/dev/null; then
        i=0
        while kill -0 "-$pid" 2>/dev/null && [ $i -lt 5 ]; do sleep 0.1; i=$((i + 1)); done
        kill -KILL "-$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
    echo "wiki.sh: stopped (pid $pid)"
}

[ $# -ge 1 ] || die "usage: wiki.sh install | setup DIR | serve DIR PORT | stop DIR"
sub=$1; shift
case $sub in
    install) cmd_install "$@" ;;
    setup) cmd_setup "$@" ;;
    serve) cmd_serve "$@" ;;
    stop) cmd_stop "$@" ;;
    *) die "unknown subcommand: $sub" ;;
esac
