# Sourced by the browser test scripts: servers started in the background, always stopped on exit,
# and their URLs read from their logs. Sets `logs` (a temporary folder) and `pids`.
logs=$(mktemp -d)
pids=()
stop() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$logs"
}
trap stop EXIT

# Waits for a line matching $2 in log $1 (of process $3) and prints its first loopback URL.
url_from_log() {
  local log=$1 pattern=$2 pid=$3 url
  for _ in $(seq 300); do
    # Colour codes may sit inside the words (CI=true turns them on): strip them first.
    url=$(sed 's/\x1b\[[0-9;]*m//g' "$log" 2>/dev/null | grep -E "$pattern" | grep -oE 'http://127\.0\.0\.1:[0-9]+' | head -1 || true)
    [ -n "$url" ] && { echo "$url"; return 0; }
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "server did not start:" >&2
  cat "$log" >&2
  return 1
}

# Starts the mock integrations API and exports MOCK_URL.
start_mock_api() {
  node tests/support/mock-server.mjs --host 127.0.0.1 --port 0 >"$logs/mock.log" 2>&1 &
  pids+=($!)
  MOCK_URL=$(url_from_log "$logs/mock.log" '^MOCK_URL=' "${pids[-1]}")
  export MOCK_URL
}
