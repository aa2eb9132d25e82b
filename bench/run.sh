#!/usr/bin/env bash
# Measures feedpub at scale; the numbers go to docs/performance.md. Not part of CI (it takes
# minutes and wants a quiet machine).
#
#   bench/run.sh build 10000 100000   cold build, no-change rebuild, peak memory, and the `cat` floor
#   bench/run.sh hugo 10000 100000    feedpub's cold build vs Hugo's site builds, interleaved (REPS=5, HUGO_SITES)
#                                     (BENCH_DIR=DIR reuses generated articles, BENCH_NOBUILD=1 its feedpub)
#   bench/run.sh crash 10000          SIGKILL mid-import, restart: nothing lost, no id changed
#   bench/run.sh profile 10000        CPU and allocation profiles of a cold build (go tool pprof)
#   bench/run.sh http                 requests/s for a cached feed and a 304, feedpub vs nginx (wrk)
#   bench/run.sh memory 100000        daemon memory with N articles in the catalog
#   bench/run.sh go                   the Go benchmarks (parsing, rendering, serving, publish latency)
#   bench/run.sh lines 100000         log lines of a first import at the default level (must fit a screen)
#   bench/run.sh newsroom 100000      N Markdown articles in 100 sections, 500 authors, 1,000 tags: cold
#                                     build and peak memory, no-change rebuild, one-article rebuild,
#                                     output size, daemon RSS while serving every feed
#
# Needs: GNU time (/usr/bin/time), for http: wrk and nginx (apt-get install time wrk nginx-light),
# for hugo: Debian's hugo (apt-get install hugo).
set -euo pipefail
cd "$(dirname "$0")/.."
work=${BENCH_DIR:-$(mktemp -d /tmp/feedpub-bench.XXXXXX)}
bin=$work/feedpub
[ -n "${BENCH_NOBUILD:-}" ] || go build -o "$bin" ./cmd/feedpub
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

# timed LABEL CMD... runs CMD under GNU time and prints and records "LABEL secs KB cpu-secs":
# wall time, peak RSS, and user+system CPU time (steadier than wall time on a shared machine).
timed() {
  local label=$1; shift
  /usr/bin/time -f '%e %M %U %S' "$@" 2>"$work/time.txt" >/dev/null || { cat "$work/time.txt" >&2; return 1; }
  read -r secs kb user sys < <(tail -1 "$work/time.txt")
  printf '%-28s %8.2f s  %8.1f MiB peak RSS  %6.2f s CPU\n' "$label" "$secs" "$(echo "$kb/1024" | bc -l)" \
    "$(echo "$user+$sys" | bc -l)"
  echo "$label $secs $kb $(echo "$user+$sys" | bc -l)" >>"$work/samples.txt"
}

# median LABEL prints the medians of LABEL's samples: seconds, peak KB, CPU seconds.
median() {
  local f
  for f in 2 3 4; do
    awk -v l="$1" -v f=$f '$1==l {print $f}' "$work/samples.txt" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'
  done | tr '\n' ' '
  echo
}

# hugo_bench: the same articles as Hugo sites (bench/hugosite), Hugo's builds and feedpub's cold
# build alternating REPS times, each into a new output directory under $work (one disk),
# with the articles in the page cache for all. The first round warms the caches and is dropped
# (WARMUP=0: no warm-up round). HUGO_SITES picks the Hugo sites: "full" (the documents feedpub
# writes: sections and authors, each with a list paginated by 100 and RSS, Atom and JSON
# feeds) and "minimal" (a page per article, a home page and one RSS feed).
hugo_bench() {
  command -v hugo >/dev/null || { echo "hugo is not installed (apt-get install hugo)"; exit 1; }
  local reps=${REPS:-5} sites=${HUGO_SITES:-full minimal} site
  echo "# $(hugo version | cut -d' ' -f1-2); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  for n in "$@"; do
    d=$(gen "$n")
    for site in $sites; do
      [ -d "$work/hugo-$site-$n" ] || go run ./bench/hugosite "-full=$([ "$site" = full ] && echo true || echo false)" "$d" "$work/hugo-$site-$n" >&2
    done
    rm -f "$work/samples.txt"
    local first=$((1 - ${WARMUP:-1}))
    echo "## $n articles, $reps rounds after ${WARMUP:-1} warm-up round(s)"
    for rep in $(seq "$first" "$reps"); do
      for tool in $sites feedpub; do
        # The previous output is moved aside, not deleted: ext4 without a journal skips
        # recently deleted inodes when it allocates one (recently_deleted in the kernel
        # profile), which made file creation right after a large delete several times slower,
        # for either tool.
        mkdir -p "$work/trash"
        for o in "$work/hout-$n" "$work/out-$n"; do [ -e "$o" ] && mv "$o" "$work/trash/$RANDOM$RANDOM"; done
        rm -f "$work/state-$n.db"*
        sync
        if [ $tool = feedpub ]; then
          timed "feedpub-$rep" "$bin" build --dir "$d" --out "$work/out-$n" --state "$work/state-$n.db" \
            --base-url https://bench.example.org/ --log-level warn
        else
          timed "hugo_$tool-$rep" hugo --quiet -s "$work/hugo-$tool-$n" -d "$work/hout-$n" --cacheDir "$work/hugo-cache"
        fi
      done
    done
    for o in "$work/hout-$n" "$work/out-$n"; do [ -e "$o" ] && mv "$o" "$work/trash/$RANDOM$RANDOM"; done
    sed -i -E '/^[a-z_]+-0 /d; s/^([a-z_]+)-[0-9]+ /\1 /' "$work/samples.txt"
    read -r fs fk fc < <(median feedpub)
    for site in $sites; do
      read -r hs hk hc < <(median "hugo_$site")
      printf '| %s | %s | %.2f s | %.2f s | **%.2fx** | %.1f s | %.1f s | %.1fx | %.0f MiB | %.0f MiB |\n' "$n" "$site" "$hs" "$fs" \
        "$(echo "$hs/$fs" | bc -l)" "$hc" "$fc" "$(echo "$hc/$fc" | bc -l)" "$(echo "$hk/1024" | bc -l)" "$(echo "$fk/1024" | bc -l)"
    done
    echo "(articles | Hugo site | wall: Hugo, feedpub, ratio | CPU: Hugo, feedpub, ratio | peak RSS: Hugo, feedpub; medians; load after: $(cut -d' ' -f1-3 /proc/loadavg))"
  done
  # Deleted only now, for the same reason: a delete before the next size's runs would slow them.
  rm -rf "$work/trash"
}

# crash_bench: the catalog's crash test (SIGKILL mid-import, restart, every file once, no id
# changed) on n files instead of the test suite's 3,000.
crash_bench() {
  FEEDPUB_CRASH_FILES=$1 go test -count=1 -run '^TestCrashMidReconcile$' -v ./internal/catalog/ | grep -E '^(---|ok|FAIL)|killed'
}

# profile_bench: CPU and allocation profiles of a cold build of n articles.
profile_bench() {
  local n=$1 d
  d=$(gen "$n")
  rm -rf "$work/out-$n" "$work/state-$n.db"*
  FEEDPUB_CPUPROFILE=$work/cpu-$n.prof FEEDPUB_MEMPROFILE=$work/mem-$n.prof \
    timed "cold build, profiled" "$bin" build --dir "$d" --out "$work/out-$n" --state "$work/state-$n.db" \
    --base-url https://bench.example.org/ --log-level warn
  go tool pprof -top -cum -nodecount 40 "$bin" "$work/cpu-$n.prof" 2>/dev/null | tail -41
  go tool pprof -sample_index alloc_space -top -nodecount 20 "$bin" "$work/mem-$n.prof" 2>/dev/null | tail -21
  echo "(profiles: $work/cpu-$n.prof $work/mem-$n.prof)"
}

# memory_bench: the daemon's resident memory after its first import of n articles, after a
# minute of polling (feeds, pages, /healthz), and after a restart on the same catalog.
memory_bench() {
  local n=$1 d port=18091 pid page start
  d=$(gen "$n")
  rm -f "$work/mem.db"*
  echo "## daemon with $n articles"
  for run in "first import" "restarted"; do
    start=$SECONDS
    "$bin" serve --dir "$d" --state "$work/mem.db" --addr 127.0.0.1:$port --log-level warn &
    pid=$!
    # /healthz answers at once; the feeds answer 200 once the first reconcile has rendered them.
    until curl -fs "http://127.0.0.1:$port/atom.xml" >/dev/null 2>&1; do sleep 0.5; done
    echo "feeds served after $((SECONDS - start)) s"
    sleep 2 # the memory is released right after the first render
    printf '%-34s %s\n' "$run:" "$(grep -E 'VmRSS|VmHWM' /proc/$pid/status | tr -s ' \t\n' ' ')"
    page=$(curl -fs "http://127.0.0.1:$port/" | grep -o 'articles/[^"]*\.html' | sed -n 1p)
    local end=$((SECONDS + ${POLL_SECONDS:-60}))
    while [ $SECONDS -lt $end ]; do
      for path in atom.xml rss.xml feed.json "$page" healthz; do curl -fs "http://127.0.0.1:$port/$path" >/dev/null; done
      sleep 0.1
    done
    printf '%-34s %s\n' "$run, after ${POLL_SECONDS:-60} s of polling:" "$(grep -E 'VmRSS|VmHWM' /proc/$pid/status | tr -s ' \t\n' ' ')"
    kill -TERM $pid; wait $pid || true
  done
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

newsroom_bench() {
  local n=$1 d port=18094
  d=$work/newsroom-$n
  [ -d "$d" ] || go run ./bench/gen -n "$n" -size 4000 -sections 100 -authors 500 -tags 1000 "$d" >&2
  echo "## newsroom: $n articles in 100 sections, 500 authors, 1,000 tags ($(du -sm "$d" | cut -f1) MiB)"
  rm -rf "$work/out-newsroom-$n" "$work/state-newsroom-$n.db"*
  build_once "cold build, page cache warm" "$d" "newsroom-$n"
  echo "output: $(du -sm "$work/out-newsroom-$n" | cut -f1) MiB in $(find "$work/out-newsroom-$n" -type f | wc -l) files"
  build_once "no-change rebuild" "$d" "newsroom-$n"
  local f
  f=$(find "$d" -name '*.md' -print -quit)
  printf '\nA correction.\n' >>"$f"
  build_once "rebuild after editing one article" "$d" "newsroom-$n"
  "$bin" serve --dir "$d" --state "$work/state-newsroom-$n.db" --addr 127.0.0.1:$port --base-url https://bench.example.org/ --log-level warn &
  local pid=$!
  until curl -fs "http://127.0.0.1:$port/atom.xml" >/dev/null 2>&1; do sleep 0.5; done
  echo "## daemon on the newsroom's catalog"
  grep -E 'VmHWM|VmRSS' /proc/$pid/status
  # Poll every feed's Atom document once, as readers subscribed to all of them would.
  curl -fs "http://127.0.0.1:$port/feeds.opml" | grep -o 'xmlUrl="[^"]*"' | sed "s/xmlUrl=\"//; s/rss.xml\"\$/atom.xml/; s|https://bench.example.org/|http://127.0.0.1:$port/|" >"$work/feeds.txt"
  local t0 t1
  t0=$(date +%s.%N)
  xargs -P 2 -n 1 curl -fs -o /dev/null <"$work/feeds.txt"
  t1=$(date +%s.%N)
  echo "polled $(wc -l <"$work/feeds.txt") feeds once in $(echo "$t1 - $t0" | bc) s (each rendered on demand)"
  grep -E 'VmHWM|VmRSS' /proc/$pid/status
  kill -TERM $pid; wait $pid || true
}

case ${1:-} in
  build) shift; build_bench "${@:-10000}" ;;
  hugo) shift; hugo_bench "${@:-10000}" ;;
  crash) crash_bench "${2:-10000}" ;;
  profile) shift; for n in "${@:-10000}"; do profile_bench "$n"; done ;;
  memory) memory_bench "${2:-100000}" ;;
  http) http_bench ;;
  lines) lines_bench "${2:-100000}" ;;
  newsroom) newsroom_bench "${2:-100000}" ;;
  go) go test -run '^$' -bench . -benchmem ./... ;;
  *) sed -n '2,20p' "$0"; exit 2 ;;
esac
