# The note's client, with metadata both ways, against our Rust metadata server:
#   python metadata_client.py 127.0.0.1:18902
# grpcio sends metadata as a tuple of (key, value) pairs: a str value for a
# text key, bytes for a key ending in -bin (grpcio base64-encodes them).
# `with_call` returns the reply and the call, whose initial_metadata() are the
# server's headers and trailing_metadata() its trailers.
import os
import sys

import grpc

import hello_pb2, hello_pb2_grpc


def show(metadata):
    """Only the x- keys: the server's own (content-type, date...) vary."""
    return ", ".join(f"{k}: {v}" for k, v in metadata if k.startswith("x-"))


def run(addr):
    channel = grpc.insecure_channel(addr)
    stub = hello_pb2_grpc.DoStuffStub(channel)
    my_pid = os.getpid()
    metadata = (("x-request-id", "py-1"), ("x-client-bin", b"\x00\x01\x02"))

    # Unary: with_call gives the call too, and with it both kinds of metadata.
    response, call = stub.say_hello.with_call(
        hello_pb2.HelloRequest(pid=my_pid), metadata=metadata
    )
    print("GRPC client received: " + response.retval)
    headers, trailers = dict(call.initial_metadata()), dict(call.trailing_metadata())
    print("say_hello initial_metadata: " + show(call.initial_metadata()))
    print("say_hello trailing_metadata: " + show(call.trailing_metadata()))
    assert headers.get("x-request-id") == "py-1", headers
    assert trailers.get("x-client-bin-len") == "3", trailers
    assert int(trailers["x-elapsed-us"]) >= 0, trailers
    # Python receives them apart: no trailer among the headers.
    assert "x-elapsed-us" not in headers, headers

    # Server streaming: the headers come before the first message, the
    # trailers after the last (reading them earlier would wait for the end).
    replies = stub.say_hello_stream(
        hello_pb2.HelloStreamRequest(pid=my_pid, count=3, interval_ms=10),
        metadata=(("x-request-id", "py-2"), ("x-client-bin", b"\xca\xfe")),
    )
    print("say_hello_stream initial_metadata: " + show(replies.initial_metadata()))
    assert dict(replies.initial_metadata()).get("x-request-id") == "py-2"
    for reply in replies:
        print("GRPC client received: " + reply.retval)
    trailers = dict(replies.trailing_metadata())
    print("say_hello_stream trailing_metadata: " + show(replies.trailing_metadata()))
    assert trailers.get("x-client-bin-len") == "2", trailers

    # What gRPC's rules forbid, grpcio refuses before sending (INTERNAL,
    # "Invalid metadata"): an uppercase key (HTTP/2 has none) and a text
    # value that is not printable ASCII. A made-up grpc- key it does send;
    # our server ignores it.
    for bad in (("X-Trace", "1"), ("x-request-id", "café")):
        try:
            stub.say_hello(hello_pb2.HelloRequest(pid=my_pid), metadata=(bad,))
        except grpc.RpcError as error:
            print(f"{bad[0]}: {bad[1]} refused locally: {error.code().name}: {error.details()}")
        else:
            sys.exit(f"grpcio sent {bad}")
    response = stub.say_hello(
        hello_pb2.HelloRequest(pid=my_pid), metadata=(("grpc-made-up", "1"),)
    )
    print("grpc-made-up: 1 sent and ignored: " + response.retval)

    channel.close()


if __name__ == "__main__":
    run(sys.argv[1])
