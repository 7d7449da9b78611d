"""The retries topic's Python counterpart: grpcio retries by itself once its
channel has a service config with a retryPolicy (gRFC A6). One say_hello,
on a channel with the policy or without it:

    python retries_client.py HOST:PORT PID retry|plain

With `retry`, grpcio makes up to 4 attempts, sending grpc-previous-rpc-attempts
on each after the first; our server's log numbers them.
"""
import json
import sys

import grpc

import hello_pb2
import hello_pb2_grpc

# The service config's retryPolicy for every method of hello.DoStuff; our
# Rust client's defaults are the same numbers as flags (src/client.rs).
SERVICE_CONFIG = {
    "methodConfig": [
        {
            "name": [{"service": "hello.DoStuff"}],
            "retryPolicy": {
                "maxAttempts": 4,
                "initialBackoff": "0.1s",
                "maxBackoff": "1s",
                "backoffMultiplier": 2,
                "retryableStatusCodes": ["UNAVAILABLE"],
            },
        }
    ]
}


def main():
    addr, pid, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    options = []
    if mode == "retry":
        options = [
            ("grpc.service_config", json.dumps(SERVICE_CONFIG)),
            ("grpc.enable_retries", 1),
        ]
    with grpc.insecure_channel(addr, options=options) as channel:
        stub = hello_pb2_grpc.DoStuffStub(channel)
        try:
            response = stub.say_hello(hello_pb2.HelloRequest(pid=pid), timeout=5)
            print("GRPC client received: " + response.retval)
        except grpc.RpcError as error:
            print(f"GRPC client failed: {error.code().name}: {error.details()}")
            sys.exit(1)


if __name__ == "__main__":
    main()
