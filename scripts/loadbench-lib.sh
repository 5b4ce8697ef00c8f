# shellcheck shell=bash
# Functions shared by scripts/loadbench (SQLite), scripts/loadbench-golinks (GoLinks' accounts
# before and after the typed rewrite) and scripts/loadbench-pg (PostgreSQL); sourced, not run.
#
# LOADBENCH_PIN=1 runs each server on CPU 0 and wrk on CPU 1 (taskset), so that the load
# generator never takes the server's core and the server's threads hand work over on one core.
# Every request goes to 127.0.0.1; every wrk run is bounded in time.

DURATION=${LOADBENCH_DURATION:-5s}
PATCHES=${LOADBENCH_PATCHES:-1000}
ROUNDS=${LOADBENCH_ROUNDS:-3}
DIR=target/loadbench
# Release binaries are where cargo puts them (CARGO_TARGET_DIR when set).
RELEASE_DIR=${CARGO_TARGET_DIR:-target}/release

# Every script builds the same two packages in one command: cargo unifies the runtime's features
# per command, so building one alone would rebuild the runtime for the other's feature set.
build_release() {
    cargo build --quiet --release -p scim-testserver -p golinks-scim
}
SERVER_PIN=()
WRK_PIN=()
if [[ ${LOADBENCH_PIN:-0} == 1 ]]; then
    SERVER_PIN=(taskset -c 0)
    WRK_PIN=(taskset -c 1)
fi
TOKEN="loadbench-token"
TICKS=$(getconf CLK_TCK)
mkdir -p "$DIR"

if ! command -v wrk >/dev/null; then
    apt-get install -y wrk >/dev/null || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
fi

if [[ -d /dev/shm && -w /dev/shm ]]; then
    RUN_DIR=$(mktemp -d /dev/shm/scim-loadbench.XXXXXX)
else
    RUN_DIR=$(mktemp -d "$DIR/run.XXXXXX")
fi

SERVER_PID=
SERVER_PIDS=()
stop_servers() {
    local pid
    for pid in "${SERVER_PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    SERVER_PIDS=()
}
# Scripts that need more at exit (scripts/pg's cluster) call this from their own trap.
loadbench_cleanup() {
    stop_servers
    rm -rf "$RUN_DIR"
}
trap loadbench_cleanup EXIT

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_process NAME COMMAND...: start COMMAND --listen 127.0.0.1:PORT --token TOKEN on a free
# port (pinned as LOADBENCH_PIN says) and wait until it logs "listening on"; sets PORT and
# SERVER_PID. Its output goes to $DIR/NAME.log.
start_process() {
    PORT=$(free_port)
    local log="$DIR/$1.log"
    shift
    # Removed first: the new server's redirection truncates it only once it has forked.
    rm -f "$log"
    # Both streams: generated servers print their banner ("listening on ...") on stdout.
    "${SERVER_PIN[@]}" "$@" --listen "127.0.0.1:$PORT" --token "$TOKEN" >"$log" 2>&1 &
    SERVER_PID=$!
    SERVER_PIDS+=("$SERVER_PID")
    for _ in $(seq 1 600); do
        grep -qs "listening on" "$log" && return 0
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.1
    done
    cat "$log" >&2
    echo "loadbench: $* did not start" >&2
    exit 1
}

cpu_ticks() {
    awk '{print $14 + $15}' "/proc/$1/stat"
}

# rss_mib PID [FIELD]: the process's resident memory now (VmRSS, or FIELD of /proc/PID/status),
# in MiB.
rss_mib() {
    awk -v field="${2:-VmRSS}:" '$1 == field { printf "%.1f", $2 / 1024 }' "/proc/$1/status"
}

# record_rss KEY PID: the process's resident memory into RSS[KEY], and its private part into
# ANON[KEY] (RssAnon: heap and stacks; the rest of VmRSS is mapped file pages, for SQLite the
# memory map of the database file, which the kernel shares with its page cache and may drop).
record_rss() {
    RSS[$1]=$(rss_mib "$2")
    ANON[$1]=$(rss_mib "$2" RssAnon)
}

# print_rss LARGE SMALL SERVER: both memory figures at the two sizes, and their ratios.
print_rss() {
    printf 'RSS %s/%s users  %-8s %s MiB / %s MiB = %s\n' "$1" "$2" "$3" "${RSS[$1/$3]}" "${RSS[$2/$3]}" \
        "$(ratio "${RSS[$1/$3]}" "${RSS[$2/$3]}")"
    printf 'RssAnon %s/%s users  %-8s %s MiB / %s MiB = %s\n' "$1" "$2" "$3" "${ANON[$1/$3]}" "${ANON[$2/$3]}" \
        "$(ratio "${ANON[$1/$3]}" "${ANON[$2/$3]}")"
}

# The lookup load: GET a random one of LB_USERS users, by id or by userName filter (LB_MODE);
# ids are the harness's (scim-testserver seed), or LB_ID_BASE + i for integer keys (GoLinks).
cat >"$DIR/lookup.lua" <<'LUA'
local users = tonumber(os.getenv("LB_USERS"))
local mode = os.getenv("LB_MODE")
local base = os.getenv("LB_BASE_PATH") or "/scim/v2"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("LB_TOKEN")
local threads = 0
function setup(thread)
    threads = threads + 1
    thread:set("thread_number", threads)
end
function init(args)
    math.randomseed(os.time() * 100 + thread_number)
end
function request()
    local i = math.random(0, users - 1)
    local path
    if mode == "id" then
        path = string.format(base .. "/Users/%08x-0000-4000-8000-%012x", i, i)
    elseif mode == "intid" then
        path = string.format(base .. "/Users/%d", i + 1)
    else
        path = string.format(base .. "/Users?filter=userName%%20eq%%20%%22user%06d%%40example.com%%22", i)
    end
    return wrk.format("GET", path)
end
LUA

# wrk_stat OUTPUT FIELD: requests, rps, p50 or p99 (milliseconds) from wrk --latency output.
wrk_stat() {
    awk -v field="$2" '
        function ms(text) {
            if (text ~ /us$/) return substr(text, 1, length(text) - 2) / 1000
            if (text ~ /ms$/) return substr(text, 1, length(text) - 2) + 0
            if (text ~ /s$/) return substr(text, 1, length(text) - 1) * 1000
            return text
        }
        field == "requests" && / requests in / { print $1 }
        field == "rps" && /^Requests\/sec:/ { print $2 }
        field == "p50" && $1 == "50%" { print ms($2) }
        field == "p99" && $1 == "99%" { print ms($2) }
        field == "errors" && /Non-2xx or 3xx responses:/ { print $NF }
    ' <<<"$1"
}

# steal_ticks: the time the hypervisor gave the machine's CPUs to others so far (clock ticks,
# all CPUs; /proc/stat's eighth field). On a shared virtual machine it comes in bursts, and a
# run under one measures the neighbours: CPU per request (mostly system time) rises by half and
# more, and throughput falls by two thirds.
steal_ticks() {
    awk '/^cpu / { print $9 }' /proc/stat
}
NCPU=$(nproc)
# A lookup run whose steal exceeds this share of the machine's CPU time is run again.
MAX_STEAL_PERCENT=${LOADBENCH_MAX_STEAL_PERCENT:-2}
STEAL_RETRIES=${LOADBENCH_STEAL_RETRIES:-5}

# run_wrk SERVER_PIDS ARGS...: run wrk, check every response was 2xx; sets OUT, CPU_US (server
# CPU microseconds per request, summed over the space-separated SERVER_PIDS) and STEAL_PERCENT
# (the hypervisor's steal during the run, in percent of the machine's CPU time).
run_wrk() {
    local pids=$1
    shift
    local before=0 after=0 requests errors pid steal_before started
    for pid in $pids; do before=$((before + $(cpu_ticks "$pid"))); done
    steal_before=$(steal_ticks)
    started=$EPOCHREALTIME
    OUT=$("${WRK_PIN[@]}" wrk --latency "$@")
    STEAL_PERCENT=$(awk -v s=$(($(steal_ticks) - steal_before)) -v hz="$TICKS" -v n="$NCPU" \
        -v t0="$started" -v t1="$EPOCHREALTIME" 'BEGIN { printf "%.1f", 100 * s / hz / n / (t1 - t0) }')
    for pid in $pids; do after=$((after + $(cpu_ticks "$pid"))); done
    errors=$(wrk_stat "$OUT" errors)
    if [[ -n "$errors" ]]; then
        echo "$OUT" >&2
        echo "loadbench: $errors responses were not 2xx" >&2
        exit 1
    fi
    requests=$(wrk_stat "$OUT" requests)
    CPU_US=$(awk -v t=$((after - before)) -v hz="$TICKS" -v n="$requests" 'BEGIN { printf "%.1f", t / hz * 1e6 / n }')
}

# median VALUES...: the median (the lower middle one of an even count).
median() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# ratio A B: A / B to two decimals.
ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'
}

# Lookup runs, collected per key ("size/request/server") over the rounds; medians at the end.
declare -A RPS P50 P99 CPU
STEAL_RERUNS=0
# lookup_run KEY PIDS PORT USERS MODE: one wrk -t2 -c16 run of the lookup load; adds its
# figures to KEY's lists.
# A run with more steal than MAX_STEAL_PERCENT is repeated (STEAL_RETRIES times at most, then
# kept with a warning), so that the figures are the servers' and not the neighbours'.
lookup_run() {
    local key=$1 pids=$2 port=$3 users=$4 mode=$5 try
    for try in $(seq 0 "$STEAL_RETRIES"); do
        LB_USERS=$users LB_MODE=$mode LB_TOKEN=$TOKEN run_wrk "$pids" -t2 -c16 -d"$DURATION" -s "$DIR/lookup.lua" \
            "http://127.0.0.1:$port"
        awk -v s="$STEAL_PERCENT" -v max="$MAX_STEAL_PERCENT" 'BEGIN { exit !(s <= max) }' && break
        if ((try == STEAL_RETRIES)); then
            echo "loadbench: $key kept with ${STEAL_PERCENT}% steal after $STEAL_RETRIES retries" >&2
        else
            STEAL_RERUNS=$((STEAL_RERUNS + 1))
            sleep 2
        fi
    done
    RPS[$key]+="$(wrk_stat "$OUT" rps) "
    P50[$key]+="$(wrk_stat "$OUT" p50) "
    P99[$key]+="$(wrk_stat "$OUT" p99) "
    CPU[$key]+="$CPU_US "
}

# warm PORT USERS MODE: two seconds of the lookup load (page cache, connection pool).
warm() {
    LB_USERS=$2 LB_MODE=$3 LB_TOKEN=$TOKEN "${WRK_PIN[@]}" wrk -t2 -c16 -d2s -s "$DIR/lookup.lua" \
        "http://127.0.0.1:$1" >/dev/null
}

# The servers of the lookup load: the SCIM server, the bare axum + sqlx baseline, and the same
# baseline answering with each user's `groups` as the SCIM server must (`baseline-groups`: the
# same subquery over the SCIM store's tables), which tells the cost of that work apart.
LOOKUP_SERVERS=(scim baseline bgroups)
# LOADBENCH_HELD=1 adds bheld: the plain baseline reading SQLite through connections kept out
# of sqlx's pool, as the SCIM store's single-statement reads do (scim-testserver baseline-held).
[[ ${LOADBENCH_HELD:-0} == 1 ]] && LOOKUP_SERVERS+=(bheld)

# server_command SERVER: the scim-testserver command serving SERVER of LOOKUP_SERVERS.
server_command() {
    case $1 in
    scim) echo serve ;;
    baseline) echo baseline ;;
    bgroups) echo baseline-groups ;;
    bheld) echo baseline-held ;;
    esac
}

# print_cpu_ratios SIZE...: the SCIM server's CPU per request against each baseline's.
print_cpu_ratios() {
    local users request
    echo "lookup runs repeated for the hypervisor's steal (over ${MAX_STEAL_PERCENT}% of CPU time): $STEAL_RERUNS"
    for users in "$@"; do
        for request in id filter; do
            printf 'cpu/request scim/baseline  %-6s users=%-7s %s   (scim/bgroups %s%s)\n' "$request" "$users" \
                "$(ratio "${CPU[$users/$request/scim]}" "${CPU[$users/$request/baseline]}")" \
                "$(ratio "${CPU[$users/$request/scim]}" "${CPU[$users/$request/bgroups]}")" \
                "$([[ -n ${CPU[$users/$request/bheld]:-} ]] && echo ", scim/bheld $(ratio "${CPU[$users/$request/scim]}" "${CPU[$users/$request/bheld]}")")"
        done
    done
}

lookup_header() {
    printf '%-8s %-8s %-9s %10s %9s %9s %12s   (medians of %s rounds of %s%s)\n' users request server req/s \
        p50_ms p99_ms cpu_us/req "$ROUNDS" "$DURATION" \
        "$([[ ${#SERVER_PIN[@]} -gt 0 ]] && echo ', server on CPU 0, wrk on CPU 1')"
}

# lookup_summary USERS REQUEST SERVER: replace KEY's lists by their medians and print them.
lookup_summary() {
    local key=$1/$2/$3
    # shellcheck disable=SC2086 # the lists are space-separated numbers
    RPS[$key]=$(median ${RPS[$key]}) P50[$key]=$(median ${P50[$key]}) P99[$key]=$(median ${P99[$key]}) \
        CPU[$key]=$(median ${CPU[$key]})
    printf '%-8s %-8s %-9s %10s %9s %9s %12s\n' "$1" "$2" "$3" "${RPS[$key]}" "${P50[$key]}" "${P99[$key]}" \
        "${CPU[$key]}"
}

cat >"$DIR/patch.lua" <<'LUA'
-- PATCH add one new member (users LB_FIRST, LB_FIRST+1, ...) to group LB_GROUP, as Entra ID
-- sends it; stops after LB_LIMIT responses. Run with one thread and one connection.
local group = os.getenv("LB_GROUP")
local first = tonumber(os.getenv("LB_FIRST"))
local limit = tonumber(os.getenv("LB_LIMIT"))
wrk.headers["Authorization"] = "Bearer " .. os.getenv("LB_TOKEN")
wrk.headers["Content-Type"] = "application/scim+json"
local sent, received = 0, 0
function request()
    local i = first + sent
    sent = sent + 1
    local body = string.format('{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],'
        .. '"Operations":[{"op":"Add","path":"members","value":[{"value":"%08x-0000-4000-8000-%012x"}]}]}', i, i)
    return wrk.format("PATCH", "/scim/v2/Groups/" .. group, nil, body)
end
function response(status, headers, body)
    received = received + 1
    if received >= limit then
        wrk.thread:stop()
    end
end
LUA

# patch_runs PID PORT FIRST_MEMBER STATUS: the add-member runs on group-small, then group-large
# (GROUP_MEMBERS members, set by the caller), adding users FIRST_MEMBER, FIRST_MEMBER + 1, ...;
# sets MEDIAN[STATUS/group].
declare -A MEDIAN
patch_runs() {
    local pid=$1 port=$2 first=$3 status=$4 group
    # wrk 4.1's main thread sleeps for the whole -d even once every thread has stopped at
    # LB_LIMIT responses, so -d is only an upper bound kept short. A large group answering 200
    # (~6 MB per response at 100 000 members) gets a tenth of the requests and may end by time.
    local limit bound
    limit=$([[ $status == 204 ]] && echo "$PATCHES" || echo $((PATCHES / 10)))
    bound=$([[ $status == 204 ]] && echo 15s || echo 10s)
    for group in group-small group-large; do
        LB_GROUP=$group LB_FIRST=$first LB_LIMIT=$limit LB_TOKEN=$TOKEN \
            run_wrk "$pid" -t1 -c1 -d"$bound" --timeout 30s -s "$DIR/patch.lua" "http://127.0.0.1:$port"
        MEDIAN[$status/$group]=$(wrk_stat "$OUT" p50)
        printf '%s %-12s requests %6s  median %8s ms  p99 %8s ms  cpu/request %9s us\n' "$status" "$group" \
            "$(wrk_stat "$OUT" requests)" "${MEDIAN[$status/$group]}" "$(wrk_stat "$OUT" p99)" "$CPU_US"
        first=$((first + limit + 1))
    done
    printf '%s median add-member %s members / 10 members: %s (target at most 1.5)\n' "$status" "$GROUP_MEMBERS" \
        "$(ratio "${MEDIAN[$status/group-large]}" "${MEDIAN[$status/group-small]}")"
}

