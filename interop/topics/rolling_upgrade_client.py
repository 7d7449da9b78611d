"""A grpcio client built from the rolling-upgrade topic's v1.proto, calling
a server that runs v2: what an old client, in another language, reads of a
new server's reply during a rolling upgrade.

Usage: rolling_upgrade_client.py HOST:PORT PID

It prints the fields v1 knows (the mood v2 added arrives as its number, the
field v2 removed is empty), then the field v1 does not know: unlike prost,
Python's protobuf keeps unknown fields, and writes them out again when the
message is re-serialised, byte for byte.
"""

import sys

import grpc
from google.protobuf import unknown_fields

import v1_pb2
import v1_pb2_grpc

WIRE_TYPES = {0: "varint", 1: "64-bit", 2: "length-delimited", 5: "32-bit"}

addr, pid = sys.argv[1], int(sys.argv[2])
with grpc.insecure_channel(addr) as channel:
    stub = v1_pb2_grpc.GreeterStub(channel)
    reply = stub.Greet(v1_pb2.GreetRequest(pid=pid), timeout=5)
    # The same call, its reply kept as the bytes that came (no deserializer).
    greet_raw = channel.unary_unary(
        "/upgrade.Greeter/Greet",
        request_serializer=v1_pb2.GreetRequest.SerializeToString,
        response_deserializer=None,
    )
    raw = greet_raw(v1_pb2.GreetRequest(pid=pid), timeout=5)

print(f"GRPC client received: {reply.text} (from {reply.version})")
# An enum field reads as an int; v1's Mood has names for 0, 1 and 2 only.
if reply.mood in v1_pb2.Mood.values():
    print(f"mood: {v1_pb2.Mood.Name(reply.mood)}")
else:
    print(f"mood: {reply.mood} (v1.proto has no name for it)")
print(f'signature: "{reply.signature}"')
for field in unknown_fields.UnknownFieldSet(reply):
    kind = WIRE_TYPES.get(field.wire_type, str(field.wire_type))
    print(f"unknown to v1, kept: field {field.field_number}, {kind}: {field.data!r}")
again = reply.SerializeToString()
print(f"re-serialised by v1: {len(again)} bytes, the {len(raw)} received unchanged: {again == raw}")
