#!/usr/bin/env bash
# Measures feedpub at scale; the numbers go to docs/performance.md. Not part of CI (it takes
# minutes and wants a quiet machine).
#
#   bench/run.sh build 10000 100000   cold build, no-change rebuild, peak memory, and the `cat` floor
#   bench/run.sh http                 requests/s for a cached feed and a 304, feedpub vs nginx (wrk)
#   bench/run.sh memory 100000        daemon memory with N articles in the catalog
#   bench/run.sh go                   the Go benchmarks (parsing, rendering, serving, publish latency)
#   bench/run.sh lines 100000         log lines of a first import at the default level (must fit a screen)
#
# Needs: GNU time (/usr/bin/time), and for http: wrk and nginx (apt-get install time wrk nginx-light).
set -euo pipefail
cd "$(dirname "$0")/.."
work=${BENCH_DIR:-$(mktemp -d /tmp/feedpub-bench.XXXXXX)}
bin=$work/feedpub
go build -o "$bin" ./cmd/feedpub
echo "# $(date -u +%FT%TZ) $(go version) $(nproc) cores; work dir $work"

gen() { # gen N -> directory with N synthetic articles (cached across runs)
  local d=$work/articles-$1
  [ -d "$d" ] || go run ./bench/gen -n "$1" -size 4000 "$d" >&2
  echo "$d"
}

# drop_caches empties the page cache where we may (root on Linux), so that a "cold" run reads
# from the disk as a first build on a fresh machine does; elsewhere runs are page-cache warm.
drop_caches() {
  sync
  if [ -w /proc/sys/vm/drop_caches ]; then echo 3 >/proc/sys/vm/drop_caches; echo cold; else echo warm; fi
}

build_once() { # build_once LABEL DIR N
  /usr/bin/time -f '%e %M' "$bin" build --dir "$2" --out "$work/out-$3" --state "$work/state-$3.db" \
    --base-url https://bench.example.org/ --log-level warn 2>"$work/time.txt" >/dev/null
  read -r secs kb < <(tail -1 "$work/time.txt")
  printf '%-40s %8.2f s  %8.1f MiB peak RSS\n' "$1" "$secs" "$(echo "$kb/1024" | bc -l)"
}

build_bench() {
  for n in "$@"; do
    d=$(gen "$n")
    bytes=$(du -sb "$d" | cut -f1)
    echo "## $n articles, $((bytes / 1048576)) MiB"
    for cache in warm cold; do
      if [ $cache = cold ]; then state=$(drop_caches); else state=warm; find "$d" -type f -print0 | xargs -0 cat >/dev/null; fi
      /usr/bin/time -f '%e %M' sh -c "find '$d' -type f -print0 | xargs -0 cat >/dev/null" 2>"$work/time.txt"
      read -r secs kb <"$work/time.txt"; printf '%-40s %8.2f s\n' "cat, page cache $state (floor)" "$secs"
      rm -rf "$work/out-$n" "$work/state-$n.db"*
      [ $cache = cold ] && drop_caches >/dev/null
      build_once "cold build, page cache $state" "$d" "$n"
    done
    build_once "no-change rebuild" "$d" "$n"
  done
}

memory_bench() {
  local n=$1 d port=18091
  d=$(gen "$n")
  rm -f "$work/mem.db"*
  "$bin" serve --dir "$d" --state "$work/mem.db" --addr 127.0.0.1:$port --log-level warn &
  local pid=$!
  # /healthz answers at once; the feeds answer 200 once the first reconcile has rendered them.
  until curl -fs "http://127.0.0.1:$port/atom.xml" >/dev/null 2>&1; do sleep 0.5; done
  for _ in 1 2 3; do curl -fs "http://127.0.0.1:$port/atom.xml" >/dev/null; done
  echo "## daemon with $n articles"
  grep -E 'VmHWM|VmRSS' /proc/$pid/status
  kill -TERM $pid; wait $pid || true
}

http_bench() {
  local d out port_f=18092 port_n=18093
  d=$(gen 1000)
  out=$work/out-http
  rm -rf "$out" "$work/http.db"*
  "$bin" build --dir "$d" --out "$out" --state "$work/http.db" --base-url "http://127.0.0.1:$port_f/" --log-level warn
  cat >"$work/nginx.conf" <<EOF
worker_processes 1;
daemon off;
error_log $work/nginx-error.log;
pid $work/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  types { application/atom+xml xml; }
  gzip_static on;
  etag on;
  server { listen 127.0.0.1:$port_n; root $out; }
}
EOF
  nginx -c "$work/nginx.conf" -p "$work" &
  local npid=$!
  "$bin" serve --dir "$d" --state "$work/http.db" --addr 127.0.0.1:$port_f --log-level warn &
  local fpid=$!
  until curl -fs "http://127.0.0.1:$port_f/atom.xml" >/dev/null 2>&1; do sleep 0.2; done
  until curl -fs "http://127.0.0.1:$port_n/atom.xml" >/dev/null 2>&1; do sleep 0.2; done
  for target in "feedpub http://127.0.0.1:$port_f" "nginx http://127.0.0.1:$port_n"; do
    set -- $target
    local etag
    etag=$(curl -fsI "$2/atom.xml" | tr -d '\r' | awk -F': ' 'tolower($1)=="etag"{print $2}')
    echo "## $1: 200 for a cached /atom.xml ($(curl -fs "$2/atom.xml" | wc -c) bytes)"
    wrk -t1 -c32 -d10s "$2/atom.xml" | grep -E 'Requests/sec|Latency'
    echo "## $1: 304 (If-None-Match)"
    wrk -t1 -c32 -d10s -H "If-None-Match: $etag" "$2/atom.xml" | grep -E 'Requests/sec|Latency|Non-2xx'
  done
  echo "(wrk, nginx's one worker and feedpub share the machine's cores)"
  kill -TERM $fpid $npid; wait $fpid $npid 2>/dev/null || true
}

lines_bench() { # a first import at the default log level prints at most a screen, then a summary
  local n=$1 d log=$work/lines.log
  d=$(gen "$n")
  rm -rf "$work/out-lines" "$work/lines.db"*
  "$bin" build --dir "$d" --out "$work/out-lines" --state "$work/lines.db" --base-url https://bench.example.org/ 2>"$log"
  local lines
  lines=$(wc -l <"$log")
  echo "## first import of $n articles: $lines log lines at the default level"
  cat "$log"
  [ "$lines" -le 24 ] || { echo "more than a screen (24 lines)"; exit 1; }
  tail -1 "$log" | grep -q 'msg=summary' || { echo "the last line is not the summary"; exit 1; }
}

case ${1:-} in
  build) shift; build_bench "${@:-10000}" ;;
  memory) memory_bench "${2:-100000}" ;;
  http) http_bench ;;
  lines) lines_bench "${2:-100000}" ;;
  go) go test -run '^$' -bench . -benchmem ./... ;;
  *) sed -n '2,13p' "$0"; exit 2 ;;
esac
