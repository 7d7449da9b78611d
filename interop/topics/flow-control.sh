# The flow-control topic's counterpart (sourced by interop/run.sh): our
# server behind the fault proxy, which drops (FIN) the client's first connection
# after 1,000,000 bytes towards the client. grpcio downloads 2 MiB, resumes
# from the byte it had, and gets the whole file's FNV-1a checksum; then our
# client does the same through a fresh proxy.

bin="${CARGO_TARGET_DIR:-$PWD/target}/debug"
cargo build --quiet -p fault-proxy -p flow-control --bins
"$venv/bin/python" -m grpc_tools.protoc -Iproto --python_out="$gen" --grpc_python_out="$gen" proto/topics.proto
start_topic flow-control 18921
log="$logs/flow-control.log"

# A proxy that drops its second connection (the first is wait_for_port's
# probe: the client's first); stopped by us with SIGINT.
start_proxy() {
  "$bin/fault-proxy" --listen 127.0.0.1:19921 --to 127.0.0.1:18921 --direction down \
    --drop-after-bytes 1000000 --only-connection 2 --seed 9 >"$logs/flow-control-proxy.log" 2>&1 &
  proxy=$!
  pids+=("$proxy")
  wait_for_port 19921
}
stop_proxy() {
  kill -INT "$proxy"
  wait "$proxy" || fail "the proxy did not stop cleanly on SIGINT"
  local kept=()
  for pid in "${pids[@]}"; do [ "$pid" = "$proxy" ] || kept+=("$pid"); done
  pids=("${kept[@]}")
}

start_proxy
out=$(py flow_control_client.py 127.0.0.1:19921 2097152) || fail "the Python download failed: $out"
echo "$out"
grep -qE '^the connection broke at byte [0-9]+ \((UNAVAILABLE|UNKNOWN|INTERNAL)\); resuming from byte [0-9]+$' <<<"$out" \
  || fail "grpcio did not resume after the drop: $out"
grep -qE '^received 2097152 bytes; fnv1a64 [0-9a-f]{16}, the same as the server.s$' <<<"$out" \
  || fail "grpcio's download did not check out: $out"
expect_line "the first 16 bytes are the generated ones" "$out"
grep -qE "download: 2097152 bytes from offset [1-9][0-9]*$" "$log" || fail "the server's log shows no resumed download: $(cat "$log")"
stop_proxy

start_proxy
out=$("$bin/client" --addr 127.0.0.1:19921 --size-mib 2 2>&1) || fail "our client failed: $out"
echo "$out"
grep -qE '^the connection broke at byte [0-9]+ \(.*\); resuming from byte [0-9]+$' <<<"$out" || fail "our client did not resume: $out"
grep -qE '^received 2097152 bytes in .* the same as the server.s; resumed 1 times$' <<<"$out" || fail "our client's download: $out"
stop_proxy
cat "$logs/flow-control-proxy.log"
