"""The wait-for-ready topic's Python counterpart: with no server up yet, a
fail-fast call fails at once with UNAVAILABLE, and a call made with
grpcio's own wait_for_ready=True waits for our late-starting server.

    python wait_for_ready_client.py HOST:PORT DEADLINE_S
"""
import sys
import time

import grpc

import hello_pb2
import hello_pb2_grpc


def main():
    addr, deadline = sys.argv[1], float(sys.argv[2])
    stub = hello_pb2_grpc.DoStuffStub(grpc.insecure_channel(addr))
    request = hello_pb2.HelloRequest(pid=42)

    started = time.monotonic()
    try:
        stub.say_hello(request, timeout=deadline)
        sys.exit("fail-fast: a server answered: it should not be up yet")
    except grpc.RpcError as error:
        took = time.monotonic() - started
        print(f"fail-fast: {error.code().name} after {took:.2f} s")
        if error.code() != grpc.StatusCode.UNAVAILABLE or took > 1:
            sys.exit("fail-fast: expected UNAVAILABLE at once")

    started = time.monotonic()
    response = stub.say_hello(request, timeout=deadline, wait_for_ready=True)
    print(f"wait-for-ready: {response.retval} after {time.monotonic() - started:.2f} s")


if __name__ == "__main__":
    main()
