"""The load-balancing topic's Python counterpart: grpcio balances by itself
once its channel has a service config naming a policy (`round_robin`) and
its target resolves to several addresses. N say_hello calls on one channel,
then how many each server served, from the `x-served-by` each reply
carries in its headers:

    python load_balancing_client.py ADDR,ADDR,... N round_robin|pick_first
"""
import collections
import json
import sys

import grpc

import hello_pb2
import hello_pb2_grpc


def main():
    addrs, calls, policy = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    # "ipv4:" is grpcio's resolver for a list of literal addresses: one
    # target, several servers, one subchannel (connection) for each.
    target = "ipv4:" + addrs
    service_config = {"loadBalancingConfig": [{policy: {}}]}
    options = [
        ("grpc.service_config", json.dumps(service_config)),
        # Otherwise grpcio sends the whole target as :authority, commas
        # included, which h2 (under our server) refuses as malformed.
        ("grpc.default_authority", "localhost"),
    ]
    served_by = collections.Counter()
    with grpc.insecure_channel(target, options=options) as channel:
        grpc.channel_ready_future(channel).result(timeout=10)
        stub = hello_pb2_grpc.DoStuffStub(channel)
        for _ in range(calls):
            # with_call gives the call beside the reply: its metadata.
            _, call = stub.say_hello.with_call(hello_pb2.HelloRequest(pid=7), timeout=5)
            name = dict(call.initial_metadata()).get("x-served-by", "?")
            served_by[name] += 1
    for name, count in sorted(served_by.items()):
        print(f"served by {name}: {count} calls")


if __name__ == "__main__":
    main()
