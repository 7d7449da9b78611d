"""The compression topic's Python counterpart: grpcio's own compression
(compression=grpc.Compression.Gzip) calling our get_report.

    python compression_client.py HOST:PORT LINES

With gzip the request goes compressed (grpc-encoding: gzip), and grpcio,
which reads gzip by default (grpc-accept-encoding), gets a compressed reply.
A server that takes no gzip answers UNIMPLEMENTED. It names what it takes
in grpc-accept-encoding too, but grpcio keeps grpc-* headers to itself: that
one is not in error.trailing_metadata() (our Rust client reads it).
"""
import sys

import grpc

import topics_pb2, topics_pb2_grpc  # generated from proto/topics.proto


def main():
    addr, lines = sys.argv[1], int(sys.argv[2])
    # Compression can be set for the whole channel, as here, or per call
    # (stub.get_report(request, compression=...)).
    with grpc.insecure_channel(addr, compression=grpc.Compression.Gzip) as channel:
        stub = topics_pb2_grpc.CompressionStub(channel)
        try:
            report = stub.get_report(topics_pb2.ReportRequest(pid=42, lines=lines), timeout=10)
        except grpc.RpcError as error:
            print(f"GRPC client failed: {error.code().name}: {error.details()}")
            sys.exit(1)
    print(f"GRPC client received: {len(report.lines)} lines")
    if report.lines:
        print(f"last line: {report.lines[-1]}")


if __name__ == "__main__":
    main()
