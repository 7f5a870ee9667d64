#!/usr/bin/env bash
# make demo: the Entra ID emulator with a generated tenant, and Connect wired
# to it, on this machine only. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."

DEMO_DIR=${DEMO_DIR:-demo-data}
EMU_ADDR=${DEMO_EMULATOR_ADDR:-127.0.0.1:8443}
APP_ADDR=${DEMO_ADDR:-127.0.0.1:8080}
DEMO_EMAIL=admin@demo.example
DEMO_PASSWORD=${DEMO_PASSWORD:-demo-password-123}

echo "Building Connect and the Entra ID emulator…"
mkdir -p bin
go build -o bin/connect ./cmd/connect
go build -o bin/entra-emulator ./cmd/entra-emulator

rm -rf "$DEMO_DIR"
mkdir -p "$DEMO_DIR"
pids=()
stop() {
  trap - INT TERM EXIT
  if [ ${#pids[@]} -gt 0 ]; then
    echo; echo "Stopping the demo…"
    kill -TERM "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
  fi
}
trap stop INT TERM EXIT

# wait_for CHECK PID NAME LOG: up to 30 s for CHECK to pass while PID lives;
# otherwise show the log and stop, rather than print a demo that is not there.
wait_for() {
  local check=$1 pid=$2 name=$3 log=$4
  for _ in $(seq 1 300); do
    eval "$check" && return 0
    kill -0 "$pid" 2>/dev/null || { cat "$log"; echo "$name did not start (see above)." >&2; exit 1; }
    sleep 0.1
  done
  cat "$log"; echo "$name did not become ready within 30 s (see above)." >&2; exit 1
}

bin/entra-emulator --addr "$EMU_ADDR" --users 2000 --groups 150 --seed 42 --churn 20 --admin-api \
  --ca-out "$DEMO_DIR/emulator-ca.pem" --write-credentials "$DEMO_DIR/credentials.json" \
  >"$DEMO_DIR/emulator.log" 2>&1 &
pids+=($!)
wait_for '[ -s "$DEMO_DIR/credentials.json" ]' "${pids[0]}" "The Entra ID emulator (on $EMU_ADDR)" "$DEMO_DIR/emulator.log"

export CONNECT_DATA_DIR="$DEMO_DIR/connect"
export CONNECT_ADDR="$APP_ADDR"
export CONNECT_AUTHORITY_HOST="https://$EMU_ADDR"
export CONNECT_GRAPH_URL="https://$EMU_ADDR"
export CONNECT_EXTRA_CA_FILE="$DEMO_DIR/emulator-ca.pem"
echo "$DEMO_PASSWORD" | bin/connect user add --email "$DEMO_EMAIL" --role admin >/dev/null

bin/connect serve 2>"$DEMO_DIR/connect.log" &
pids+=($!)
wait_for 'bin/connect healthcheck >/dev/null 2>&1' "${pids[1]}" "Connect (on $APP_ADDR)" "$DEMO_DIR/connect.log"

value() { sed -n "s/.*\"$1\": *\"\([^\"]*\)\".*/\1/p" "$DEMO_DIR/credentials.json" | head -1; }
cat <<MSG

Connect demo is running.

  Open        http://$APP_ADDR
  Sign in     $DEMO_EMAIL / $DEMO_PASSWORD

Then Synchronize Your Directory › Start, and type:

  Application ID / Client ID   $(value application_id)
  Key                          $(value key)
  Tenant Domain                $(value tenant_domain)

The emulated tenant has 2,000 users and 150 groups and changes by itself
(about 20 changes a minute), so later syncs have something to do.
Logs: $DEMO_DIR/connect.log and $DEMO_DIR/emulator.log. Press Ctrl-C to stop.
Other ports: DEMO_ADDR=127.0.0.1:9080 DEMO_EMULATOR_ADDR=127.0.0.1:9443 make demo
MSG
wait -n "${pids[@]}"
