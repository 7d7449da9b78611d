"""The interceptors topic's Python counterpart: a grpcio client interceptor
(grpc.UnaryUnaryClientInterceptor) that stamps x-request-id, and the bearer
token if given, on every call; then the note's say_hello through it.

    python interceptors_client.py HOST:PORT REQUEST_ID [TOKEN]

Our server's call log shows the method, the request id and the status code.
"""
import collections
import sys

import grpc

import hello_pb2
import hello_pb2_grpc


class _Details(
    collections.namedtuple(
        "_Details",
        ("method", "timeout", "metadata", "credentials", "wait_for_ready", "compression"),
    ),
    grpc.ClientCallDetails,
):
    """A call's details with our metadata added (grpcio's own are read-only)."""


class StampMetadata(grpc.UnaryUnaryClientInterceptor):
    """Adds x-request-id (and authorization) before each unary call."""

    def __init__(self, request_id, token=None):
        self.request_id = request_id
        self.token = token

    def intercept_unary_unary(self, continuation, details, request):
        metadata = list(details.metadata or [])
        metadata.append(("x-request-id", self.request_id))
        if self.token:
            metadata.append(("authorization", f"Bearer {self.token}"))
        print(f"interceptor: {details.method} with x-request-id {self.request_id}")
        details = _Details(
            details.method, details.timeout, metadata,
            details.credentials, details.wait_for_ready, details.compression,
        )
        return continuation(details, request)


def main():
    addr, request_id = sys.argv[1], sys.argv[2]
    token = sys.argv[3] if len(sys.argv) > 3 else None
    channel = grpc.intercept_channel(grpc.insecure_channel(addr), StampMetadata(request_id, token))
    stub = hello_pb2_grpc.DoStuffStub(channel)
    try:
        response = stub.say_hello(hello_pb2.HelloRequest(pid=42), timeout=5)
        print("GRPC client received: " + response.retval)
    except grpc.RpcError as error:
        print(f"GRPC client failed: {error.code().name}: {error.details()}")
        sys.exit(1)


if __name__ == "__main__":
    main()
