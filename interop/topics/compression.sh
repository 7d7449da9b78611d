# The compression topic's counterpart (sourced by interop/run.sh): a grpcio
# client with compression=grpc.Compression.Gzip calls our get_report; our
# server's log shows the request came gzip-compressed and that grpcio reads
# gzip (so the reply went compressed). Against --no-compression, the same
# client gets UNIMPLEMENTED.

# The topics' own proto, compiled as the note's is.
"$venv/bin/python" -m grpc_tools.protoc -Iproto --python_out="$gen" --grpc_python_out="$gen" proto/topics.proto

start_topic compression 18904
log="$logs/compression.log"
out=$(py compression_client.py 127.0.0.1:18904 1000) || fail "the Python gzip call failed: $out"
echo "$out"
expect_line "GRPC client received: 1000 lines" "$out"
expect_line "last line:   1000 pid 42: all quiet on the server, nothing to report" "$out"
grep -E 'get_report: 1000 lines for pid 42; grpc-encoding: gzip, grpc-accept-encoding: .*gzip' "$log" \
  || fail "the server's log does not show a gzip request from a client that reads gzip: $(cat "$log")"

start_topic compression 18904 --no-compression
if out=$(py compression_client.py 127.0.0.1:18904 10); then
  fail "a server with --no-compression accepted a gzip request"
fi
echo "$out"
expect_line "GRPC client failed: UNIMPLEMENTED: Content is compressed with \`gzip\` which isn't supported" "$out"
