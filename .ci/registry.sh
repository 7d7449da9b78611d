#!/usr/bin/env bash
# The README's section "Registry", as a student runs it: an etcd on a free
# loopback port, three unary servers registered in it and one client that
# follows them; then the failures (etcd down, a killed server). Needs `etcd`
# on the PATH; .ci/run installs it. Stops etcd and the servers at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "registry: FAILED: $*" >&2; exit 1; }
# shellcheck source=.ci/lib.sh
source .ci/lib.sh

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

cargo build --quiet -p unary --bins
cargo build --quiet -p etcd-registry --bin registry-list
server=target/debug/server
client=target/debug/client
registry_list=target/debug/registry-list

client_port=$(free_port)
peer_port=$(free_port)
registry="http://127.0.0.1:$client_port"

echo "registry: etcd down at a server's start is one line and exit 1"
if err=$("$server" --addr 127.0.0.1:0 --registry "$registry" 2>&1); then fail "expected exit 1"; fi
echo "$err"
[ "$(grep -c . <<<"$err")" -eq 2 ] || fail "expected the worker line and one error line"
grep -q "ERROR cannot reach etcd at $registry .*must be registered" <<<"$err" || fail "no clear error"

echo "registry: etcd $(etcd --version | head -n 1) on $registry"
etcd --name ci --data-dir "$work/etcd" \
  --listen-client-urls "$registry" --advertise-client-urls "$registry" \
  --listen-peer-urls "http://127.0.0.1:$peer_port" \
  --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
  --initial-cluster "ci=http://127.0.0.1:$peer_port" >"$work/etcd.log" 2>&1 &
pids+=($!)
wait_for_port "$client_port"

echo "registry: no server registered yet"
if err=$("$client" --registry "$registry" 2>&1 >/dev/null); then fail "expected exit 1"; fi
echo "$err"
grep -q "no unary server is registered.*cargo run -p unary --bin server -- --addr 127.0.0.1:0 --registry $registry" <<<"$err" \
  || fail "no advice on starting a server"

# start_server PORT: a unary server registered in etcd, as a student starts one.
server_pids=()
start_server() {
  HELLO_REGISTRY=$registry "$server" --addr "127.0.0.1:$1" --registry-ttl-s 2 2>"$work/server-$1.log" &
  server_pids+=($!); pids+=($!)
  # Ready once registered: it logs "listening on" after registering.
  wait_for_line "$work/server-$1.log" "listening on"
}
listed() { "$registry_list" --registry "$registry"; }

echo "registry: three servers register (as three terminals would run them)"
ports=("$(free_port)" "$(free_port)" "$(free_port)" "$(free_port)")
for port in "${ports[@]:0:3}"; do start_server "$port"; done
list=$(listed); echo "$list"
for port in "${ports[@]:0:3}"; do
  grep -qx "unary  *http://127.0.0.1:$port" <<<"$list" || fail "127.0.0.1:$port not listed"
  grep -q "registered in etcd at $registry as /hello/DoStuff/unary/127.0.0.1:$port" "$work/server-$port.log" \
    || fail "no 'registered' line in the log of the server on $port"
done

echo "registry: the client follows them while a fourth joins and the first leaves gracefully"
"$client" --registry "$registry" --pid 77 --repeat 16 --every-ms 250 >"$work/client.out" 2>&1 &
client_pid=$!; pids+=($client_pid)
wait_for_joined() { # FILE: waits until the client in FILE has seen three servers join
  for _ in $(seq 100); do [ "$(grep -c '^server joined' "$1")" -ge 3 ] && return 0; sleep 0.1; done
  cat "$1"; fail "the client did not see three servers join within 10 s"
}
wait_for_joined "$work/client.out"
sleep 1
start_server "${ports[3]}"
sleep 1
kill -TERM "${server_pids[0]}"
wait "${server_pids[0]}" || fail "a server did not exit with 0 on SIGTERM"
grep -q "deregistered: /hello/DoStuff/unary/127.0.0.1:${ports[0]} removed" "$work/server-${ports[0]}.log" \
  || fail "the server did not deregister"
wait "$client_pid" || { cat "$work/client.out"; fail "the client saw failed calls"; }
cat "$work/client.out"
for port in "${ports[@]}"; do
  grep -qx "server joined: 127.0.0.1:$port" "$work/client.out" || fail "no 'server joined' line for $port"
done
grep -qx "server left: 127.0.0.1:${ports[0]}" "$work/client.out" || fail "no 'server left' line"
[ "$(grep -c 'GRPC client received: Hello, 77!' "$work/client.out")" -eq 16 ] || fail "expected 16 replies"
answered=$(for port in "${ports[@]}"; do grep -l "in say_hello, pid = 77" "$work/server-$port.log" || true; done | wc -l)
[ "$answered" -ge 2 ] || fail "the calls were not spread: only $answered server answered"

echo "registry: a killed server leaves the client at once; its entry stays until its 2 s lease expires"
"$client" --registry "$registry" --pid 78 --repeat 12 --every-ms 250 >"$work/client2.out" 2>&1 &
client_pid=$!; pids+=($client_pid)
wait_for_joined "$work/client2.out"
sleep 0.5
kill -KILL "${server_pids[1]}"
grep -q "127.0.0.1:${ports[1]}" <<<"$(listed)" || fail "the entry went at once: was the lease revoked?"
for _ in $(seq 20); do grep -q "^server left: 127.0.0.1:${ports[1]} (it stopped answering" "$work/client2.out" && break; sleep 0.1; done
grep -q "^server left: 127.0.0.1:${ports[1]} (it stopped answering" "$work/client2.out" \
  || { cat "$work/client2.out"; fail "the client did not drop the killed server within 2 s"; }
for _ in $(seq 40); do grep -q "127.0.0.1:${ports[1]}" <<<"$(listed)" || break; sleep 0.1; done
list=$(listed); echo "$list"
grep -q "127.0.0.1:${ports[1]}" <<<"$list" && fail "the killed server's entry outlived its lease"
# A call in flight at the very moment of the kill may fail; the rest may not.
wait "$client_pid" || true
cat "$work/client2.out"
failed=$(grep -c "failed:" "$work/client2.out" || true)
[ "$failed" -le 1 ] || fail "$failed calls failed around the kill"

echo "registry: OK"
