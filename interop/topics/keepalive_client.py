"""The keepalive topic's Python counterpart: a long say_hello_stream through
the fault proxy's black hole (the connection goes silent: no FIN, no RST),
on a grpcio channel with keepalive and on one without, timing how long each
takes to learn the connection is dead.

    python keepalive_client.py HOST:PORT MODE DEADLINE_S

MODE is one of:
  keepalive  a PING after 500 ms without a frame, 500 ms for its answer:
             what it takes in grpcio, the last three options included;
  a8-only    only A8's three options (keepalive_time_ms,
             keepalive_timeout_ms, keepalive_permit_without_calls);
  plain      no keepalive.
Each run uses a new channel, so a new connection, which the proxy
black-holes too. Prints one line:

    keepalive: 5 replies; UNAVAILABLE at 1.82 s, 1.00 s after the last reply (deadline 10 s): ...
"""
import sys
import time

import grpc

import hello_pb2
import hello_pb2_grpc

A8 = [
    # After this long without a frame from the server, PING it (A8's
    # KEEPALIVE_TIME). gRPC core takes a value this small from a client
    # as it is; grpc-go raises anything below 10 s to 10 s.
    ("grpc.keepalive_time_ms", 500),
    # No answer to the PING within this long: the connection is dead
    # (A8's KEEPALIVE_TIMEOUT).
    ("grpc.keepalive_timeout_ms", 500),
    # PING even with no call open (tonic's keep_alive_while_idle).
    ("grpc.keepalive_permit_without_calls", 1),
]

KEEPALIVE = A8 + [
    # gRPC core sends at most 2 PINGs while the client itself sends no
    # data (its own doc calls this default "unfortunate" and at odds with
    # A8): a client that only reads a stream stops pinging. 0: no limit.
    ("grpc.http2.max_pings_without_data", 0),
    # In grpcio 1.85 the keepalive PING waited this long for its answer
    # (default 60 s), not keepalive_timeout_ms: the trace said "Set ping
    # timeout timer of 60000ms". So we set it too.
    ("grpc.http2.ping_timeout_ms", 500),
    # No bandwidth-probing PINGs: they time out in a black hole too, and
    # would hide which PING found the dead connection.
    ("grpc.http2.bdp_probe", 0),
]


def main():
    addr, mode, deadline = sys.argv[1], sys.argv[2], float(sys.argv[3])
    options = {"keepalive": KEEPALIVE, "a8-only": A8, "plain": []}[mode]
    channel = grpc.insecure_channel(addr, options=options)
    stub = hello_pb2_grpc.DoStuffStub(channel)
    request = hello_pb2.HelloStreamRequest(pid=4400, count=1000, interval_ms=200)

    started = time.monotonic()
    last = started
    received = 0
    try:
        for _reply in stub.say_hello_stream(request, timeout=deadline):
            received += 1
            last = time.monotonic()
        sys.exit(f"{mode}: the stream ended normally: was there no black hole?")
    except grpc.RpcError as error:
        ended = time.monotonic()
        print(
            f"{mode}: {received} replies; {error.code().name} at {ended - started:.2f} s, "
            f"{ended - last:.2f} s after the last reply (deadline {deadline:g} s): {error.details()}"
        )
    channel.close()


if __name__ == "__main__":
    main()
