"""The flow-control topic's Python counterpart: grpcio downloading our
server's generated file through a proxy that drops the first connection,
resuming from the offset it had, and checking the FNV-1a checksum.

    python flow_control_client.py HOST:PORT SIZE_BYTES

grpcio's own flow control is on by default: BDP probing
("grpc.http2.bdp_probe") grows its receive window to the link, as tonic's
http2_adaptive_window does; it is named here so that it is seen.
"""
import sys

import grpc

import topics_pb2, topics_pb2_grpc  # generated from proto/topics.proto

FNV_OFFSET_BASIS = 0xCBF29CE484222325
FNV_PRIME = 0x100000001B3
MASK = (1 << 64) - 1


def fnv1a(value, data):
    """FNV-1a 64, continued from value over data."""
    for byte in data:
        value = ((value ^ byte) * FNV_PRIME) & MASK
    return value


def splitmix64(n):
    """The generator the server's content uses (topics/flow-control/src/content.rs)."""
    z = ((n + 1) * 0x9E3779B97F4A7C15) & MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


# The errors of a broken connection, worth resuming after.
BROKEN = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.UNKNOWN, grpc.StatusCode.INTERNAL}


def main():
    addr, size = sys.argv[1], int(sys.argv[2])
    offset, checksum, first_bytes = 0, FNV_OFFSET_BASIS, b""
    options = [("grpc.http2.bdp_probe", 1)]
    with grpc.insecure_channel(addr, options=options) as channel:
        stub = topics_pb2_grpc.TransferStub(channel)
        for attempt in range(4):
            try:
                request = topics_pb2.DownloadRequest(size=size, offset=offset)
                for chunk in stub.Download(request, timeout=60):
                    if chunk.offset != offset:
                        sys.exit(f"expected the chunk at byte {offset}, got {chunk.offset}")
                    if chunk.WhichOneof("piece") == "data":
                        checksum = fnv1a(checksum, chunk.data)
                        first_bytes = (first_bytes + chunk.data)[:16]
                        offset += len(chunk.data)
                    elif chunk.fnv1a64 != checksum or offset != size:
                        sys.exit(f"checksum mismatch: ours {checksum:016x}, the server's {chunk.fnv1a64:016x}")
                    else:
                        print(f"received {offset} bytes; fnv1a64 {checksum:016x}, the same as the server's")
                break
            except grpc.RpcError as error:
                if error.code() not in BROKEN:
                    print(f"GRPC client failed: {error.code().name}: {error.details()}")
                    sys.exit(1)
                print(f"the connection broke at byte {offset} ({error.code().name}); resuming from byte {offset}")
        else:
            sys.exit("gave up after 4 attempts")
    # The content is a function of its offset: the first 16 bytes, made here.
    expected = b"".join(splitmix64(n).to_bytes(8, "little") for n in range(2))
    print("the first 16 bytes are the generated ones" if first_bytes == expected else "the first bytes differ")


if __name__ == "__main__":
    main()
