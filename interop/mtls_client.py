"""Mutual TLS from Python: the note's say_hello over a channel that presents
the development client certificate, as grpcio does it:
grpc.ssl_channel_credentials(root, key, chain).

    python mtls_client.py HOST:PORT CERTS_DIR          with the certificate
    python mtls_client.py HOST:PORT CERTS_DIR --no-cert without: refused
"""
import os
import sys

import grpc

import hello_pb2
import hello_pb2_grpc


def read(path):
    with open(path, "rb") as file:
        return file.read()


def main():
    addr, certs = sys.argv[1], sys.argv[2]
    root = read(os.path.join(certs, "ca.pem"))
    if "--no-cert" in sys.argv:
        credentials = grpc.ssl_channel_credentials(root)
    else:
        credentials = grpc.ssl_channel_credentials(
            root,
            private_key=read(os.path.join(certs, "client.key")),
            certificate_chain=read(os.path.join(certs, "client.pem")),
        )
    # The development certificate names localhost and 127.0.0.1.
    with grpc.secure_channel(addr, credentials) as channel:
        stub = hello_pb2_grpc.DoStuffStub(channel)
        try:
            response = stub.say_hello(hello_pb2.HelloRequest(pid=os.getpid()), timeout=10)
            print("GRPC client received: " + response.retval)
        except grpc.RpcError as error:
            print(f"GRPC client failed: {error.code().name}")
            sys.exit(1)


if __name__ == "__main__":
    main()
