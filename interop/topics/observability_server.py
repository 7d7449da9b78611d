"""The observability topic's Python counterpart, server side: a grpcio
server whose say_hello prints the `traceparent` metadata it received, from
our Rust client, and the trace id in it.

    python observability_server.py PORT
"""
import sys
from concurrent import futures

import grpc

import hello_pb2
import hello_pb2_grpc


class Greeter(hello_pb2_grpc.DoStuffServicer):
    def say_hello(self, request, context):
        metadata = dict(context.invocation_metadata())
        traceparent = metadata.get("traceparent")
        if traceparent is None:
            print("python server: no traceparent", flush=True)
        else:
            version, trace_id, parent_id, flags = traceparent.split("-")
            print(f"python server: traceparent {traceparent}", flush=True)
            print(f"python server: trace id {trace_id}, parent span {parent_id}", flush=True)
        return hello_pb2.HelloReply(retval=f"Hello, {request.pid}!")


def main():
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    hello_pb2_grpc.add_DoStuffServicer_to_server(Greeter(), server)
    server.add_insecure_port(f"127.0.0.1:{sys.argv[1]}")
    server.start()
    print(f"python server: listening on 127.0.0.1:{sys.argv[1]}", flush=True)
    server.wait_for_termination()


if __name__ == "__main__":
    main()
