"""The propagation topic's Python counterpart: a grpcio backend behind our
Rust relay. Its say_hello prints the deadline it received, as grpcio sees
it (context.time_remaining(): seconds left; with no deadline, grpcio says
None or a number of seconds as far off as its clock goes), then
works WORK seconds, unless the call ends first (the relay reset it, or the
deadline passed): grpcio then runs the callbacks added with
context.add_callback, and we print that the work stopped.

    python propagation_backend.py PORT [WORK_SECONDS]
"""
import sys
import threading
import time
from concurrent import futures

import grpc

import hello_pb2
import hello_pb2_grpc


# More seconds left than this (about 31 years) is grpcio's "never".
NO_DEADLINE = 1e9


class Backend(hello_pb2_grpc.DoStuffServicer):
    def __init__(self, work):
        self.work = work

    def say_hello(self, request, context):
        started = time.monotonic()
        remaining = context.time_remaining()
        if remaining is None or remaining > NO_DEADLINE:
            print(f"python backend: time_remaining() = {remaining}: no deadline", flush=True)
        else:
            print(f"python backend: time_remaining() = {remaining:.3f} s", flush=True)
        ended = threading.Event()
        context.add_callback(ended.set)
        if ended.wait(self.work):
            elapsed = round((time.monotonic() - started) * 1000)
            print(f"python backend: the call ended after {elapsed} ms, before the work was done", flush=True)
        else:
            print("python backend: finished", flush=True)
        return hello_pb2.HelloReply(retval=f"Hello, {request.pid}!")


def main():
    port = sys.argv[1]
    work = float(sys.argv[2]) if len(sys.argv) > 2 else 0.0
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=10))
    hello_pb2_grpc.add_DoStuffServicer_to_server(Backend(work), server)
    server.add_insecure_port(f"127.0.0.1:{port}")
    server.start()
    server.wait_for_termination()


if __name__ == "__main__":
    main()
