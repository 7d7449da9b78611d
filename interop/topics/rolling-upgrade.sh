# The rolling-upgrade topic's counterpart (sourced by interop/run.sh): a
# grpcio client built from the topic's v1.proto calls our server running
# v2. It reads the new enum value as its number and the removed field as
# empty, and keeps the field it does not know (Python's protobuf keeps
# unknown fields; prost drops them): re-serialised, its reply is the bytes
# it received.

# Stubs from v1.proto only, as an old client has them (v1_pb2.py beside
# hello_pb2.py: another file, another package).
"$venv/bin/python" -m grpc_tools.protoc -Itopics/rolling-upgrade/proto \
  --python_out="$gen" --grpc_python_out="$gen" topics/rolling-upgrade/proto/v1.proto

start_topic rolling-upgrade 18915 --version v2
out=$(py rolling_upgrade_client.py 127.0.0.1:18915 42) || fail "the v1 Python client failed against the v2 server: $out"
echo "$out"
expect_line "GRPC client received: Hello, 42! (from v2)" "$out"
expect_line "mood: 3 (v1.proto has no name for it)" "$out"
expect_line 'signature: ""' "$out"
expect_line "unknown to v1, kept: field 5, length-delimited: b'en'" "$out"
grep -qE '^re-serialised by v1: ([0-9]+) bytes, the \1 received unchanged: True$' <<<"$out" \
  || fail "grpcio did not keep the unknown field when re-serialising: $out"

# And the same v1 client against a v1 server: the mood has its name there.
start_topic rolling-upgrade 18915 --version v1
out=$(py rolling_upgrade_client.py 127.0.0.1:18915 43) || fail "the v1 Python client failed against the v1 server: $out"
echo "$out"
expect_line "GRPC client received: Hello, 43! (from v1)" "$out"
expect_line "mood: MOOD_HAPPY" "$out"
expect_line 'signature: "the v1 server"' "$out"
grep -q "^unknown to v1" <<<"$out" && fail "a v1 reply had fields unknown to v1: $out"
echo "interop: the v1 Python client read both servers' replies"
