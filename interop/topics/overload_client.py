"""The overload topic's Python counterpart: grpcio's own retry throttling
(gRFC A6's retryThrottling, in the service config) against our overload
server failing 90% of its attempts. N calls on each of three channels:

    python overload_client.py HOST:PORT N

1. no service config: no retries;
2. a retryPolicy (5 attempts, UNAVAILABLE): grpcio retries;
3. the same retryPolicy and retryThrottling {maxTokens 10, tokenRatio 0.1}.

The attempts are counted by the server (say_hello_again's
say-hello-attempts header, read on a fourth, plain channel), before and
after each round; the amplification is attempts per call wanted. Exits 1
unless throttling made fewer attempts than retrying did, within A6's bound.
"""
import json
import sys

import grpc

import hello_pb2
import hello_pb2_grpc

# Our Rust client waits 1 to 4 ms between attempts; grpcio gets 10 to 40:
# with initialBackoff "0.001s", grpcio 1.85.3 left a call hanging after the
# first one used up its attempts (its retry never left; the call ended
# with DEADLINE_EXCEEDED). The waits change the time, not the count.
RETRY_POLICY = {
    "maxAttempts": 5,
    "initialBackoff": "0.01s",
    "maxBackoff": "0.04s",
    "backoffMultiplier": 2,
    "retryableStatusCodes": ["UNAVAILABLE"],
}
THROTTLING = {"maxTokens": 10, "tokenRatio": 0.1}


def service_config(throttled):
    config = {
        "methodConfig": [
            {"name": [{"service": "hello.DoStuff"}], "retryPolicy": RETRY_POLICY}
        ]
    }
    if throttled:
        config["retryThrottling"] = THROTTLING
    return config


def attempts_seen(addr):
    """The server's count of say_hello attempts, on a channel of its own."""
    with grpc.insecure_channel(addr) as channel:
        stub = hello_pb2_grpc.DoStuffStub(channel)
        _, call = stub.say_hello_again.with_call(hello_pb2.HelloRequest(pid=1), timeout=5)
        return int(dict(call.initial_metadata())["say-hello-attempts"])


def measure(addr, calls, config):
    """N calls on a channel with `config`; returns (attempts, successes)."""
    options = []
    if config is not None:
        options = [("grpc.service_config", json.dumps(config)), ("grpc.enable_retries", 1)]
    before = attempts_seen(addr)
    succeeded = 0
    with grpc.insecure_channel(addr, options=options) as channel:
        stub = hello_pb2_grpc.DoStuffStub(channel)
        for _ in range(calls):
            try:
                stub.say_hello(hello_pb2.HelloRequest(pid=1), timeout=5)
                succeeded += 1
            except grpc.RpcError as error:
                if error.code() != grpc.StatusCode.UNAVAILABLE:
                    sys.exit(f"unexpected failure: {error.code().name}: {error.details()}")
    return attempts_seen(addr) - before, succeeded


def main():
    addr, calls = sys.argv[1], int(sys.argv[2])
    results = {}
    for name, config in [
        ("no retries:          ", None),
        ("retries:             ", service_config(throttled=False)),
        ("retries + throttling:", service_config(throttled=True)),
    ]:
        attempts, succeeded = measure(addr, calls, config)
        results[name.strip(" :")] = (attempts, succeeded)
        print(
            f"{name} {attempts} attempts reached the server for {calls} calls:"
            f" {attempts / calls:.3f} per call; {succeeded} succeeded"
        )
    plain, _ = results["no retries"]
    retried, _ = results["retries"]
    throttled, throttled_ok = results["retries + throttling"]
    bound = calls + THROTTLING["maxTokens"] / 2 + THROTTLING["tokenRatio"] * throttled_ok
    print(f"  A6's bound: at most calls + maxTokens / 2 + tokenRatio x successes = {bound:.1f} attempts")
    if plain != calls:
        sys.exit(f"without retries, {plain} attempts for {calls} calls")
    if not retried > 2 * calls:
        sys.exit(f"grpcio's retries made only {retried} attempts for {calls} calls")
    if not (throttled < retried and throttled <= bound):
        sys.exit(f"throttling made {throttled} attempts (retries: {retried}, bound {bound:.1f})")
    print("grpcio's retryThrottling kept the attempts within A6's bound")


if __name__ == "__main__":
    main()
