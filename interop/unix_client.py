"""The note's say_hello over a unix domain socket, as grpcio dials one:
grpc.insecure_channel("unix:PATH").

    python unix_client.py unix:/path/to/socket            as it should be
    python unix_client.py unix:/path/to/socket --as-is    grpcio's default

grpcio (gRPC C-core) sends the socket's path as the HTTP/2 `:authority`,
which is not a valid authority (RFC 9113); the HTTP/2 library under tonic
(h2) refuses such a request with PROTOCOL_ERROR (hyperium/h2#487, open).
grpc-go and tonic's own client send `localhost` there, and so does this
client, with grpcio's option `grpc.default_authority`.
"""
import os
import sys

import grpc

import hello_pb2
import hello_pb2_grpc


def main():
    options = [] if "--as-is" in sys.argv else [("grpc.default_authority", "localhost")]
    with grpc.insecure_channel(sys.argv[1], options=options) as channel:
        stub = hello_pb2_grpc.DoStuffStub(channel)
        try:
            response = stub.say_hello(hello_pb2.HelloRequest(pid=os.getpid()), timeout=10)
            print("GRPC client received: " + response.retval)
        except grpc.RpcError as error:
            print(f"GRPC client failed: {error.code().name}: {error.details()}")
            sys.exit(1)


if __name__ == "__main__":
    main()
