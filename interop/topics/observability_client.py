"""The observability topic's Python counterpart, client side: a grpcio
client that starts a trace of its own and sends it in the W3C
`traceparent` metadata, written by hand (no OpenTelemetry needed to take
part in a trace: it is one header), then calls say_hello.

    python observability_client.py HOST:PORT

It prints the traceparent it sent; our server's span for the call must
show the same trace id, and this client's span id as its remote parent.
"""
import secrets
import sys

import grpc

import hello_pb2
import hello_pb2_grpc


def main():
    target = sys.argv[1]
    trace_id = secrets.token_hex(16)  # 16 random bytes, 32 hex digits
    span_id = secrets.token_hex(8)  # this client's span: 8 bytes
    traceparent = f"00-{trace_id}-{span_id}-01"  # version 00, flags 01 = sampled
    print(f"python client: traceparent {traceparent}", flush=True)
    with grpc.insecure_channel(target) as channel:
        stub = hello_pb2_grpc.DoStuffStub(channel)
        reply = stub.say_hello(
            hello_pb2.HelloRequest(pid=42),
            metadata=[("traceparent", traceparent)],
            timeout=10,
        )
    print("GRPC client received: " + reply.retval)


if __name__ == "__main__":
    main()
