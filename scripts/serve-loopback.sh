# Sourced by scripts/conformance and scripts/verify: build a server binary of the workspace,
# start it on a free loopback port with an in-memory database and a random token, and wait
# until it prints its URL. Sets SERVER_URL, SERVER_TOKEN and SERVER_PID; the server is
# stopped when the sourcing script exits.
#
# serve_loopback BIN [SUBCOMMAND...]: BIN must take --database/--listen/--token and print its
# URL (`listening on http://...`) on start.
serve_loopback() {
    local bin=$1
    shift
    cargo build --quiet -p "$bin"
    local server="${CARGO_TARGET_DIR:-target}/debug/$bin"
    # A free loopback port: bind to port 0 and read back what the kernel chose.
    local port
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    SERVER_TOKEN="loopback-$RANDOM$RANDOM"
    SERVER_LOG=$(mktemp)
    "$server" "$@" --database sqlite::memory: --listen "127.0.0.1:$port" --token "$SERVER_TOKEN" >"$SERVER_LOG" 2>&1 &
    SERVER_PID=$!
    trap 'kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; rm -f "$SERVER_LOG"' EXIT

    for _ in $(seq 1 100); do
        if grep -q "listening on" "$SERVER_LOG"; then break; fi
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            cat "$SERVER_LOG" >&2
            echo "$bin: the server did not start" >&2
            exit 1
        fi
        sleep 0.1
    done
    grep -q "listening on" "$SERVER_LOG" || { cat "$SERVER_LOG" >&2; echo "$bin: the server did not start" >&2; exit 1; }

    # The base URL as the server prints it (the examples' base paths differ: RFPIO's is
    # /rfpserver/scim/v2).
    SERVER_URL=$(grep -o "http://127.0.0.1:$port[^ ]*" "$SERVER_LOG" | head -1)
    SERVER_URL=${SERVER_URL:-http://127.0.0.1:$port/scim/v2}
}
