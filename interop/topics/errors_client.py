"""The richer error model from Python: grpcio-status reads the details our
Rust errors server sends (interop/topics/errors.sh runs this).

    python errors_client.py HOST:PORT

The server must run with --max-calls-per-second 3. Each check prints what
it read; any surprise ends the program with an AssertionError.
"""
import sys
import time

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status

import hello_pb2
import hello_pb2_grpc


def details_of(error):
    """The google.rpc.Status in the call's grpc-status-details-bin trailer,
    its details unpacked, by type name."""
    status = rpc_status.from_call(error)
    assert status is not None, "no grpc-status-details-bin trailer"
    unpacked = {}
    for detail in status.details:
        for kind in (error_details_pb2.BadRequest, error_details_pb2.LocalizedMessage,
                     error_details_pb2.RetryInfo, error_details_pb2.QuotaFailure):
            if detail.Is(kind.DESCRIPTOR):
                message = kind()
                detail.Unpack(message)
                unpacked[kind.DESCRIPTOR.name] = message
    return status, unpacked


def refused(stub, pid, metadata=()):
    """The grpc.RpcError of a say_hello that must fail."""
    try:
        reply = stub.say_hello(hello_pb2.HelloRequest(pid=pid), metadata=metadata)
    except grpc.RpcError as error:
        return error
    raise AssertionError(f"pid {pid} was accepted: {reply.retval}")


with grpc.insecure_channel(sys.argv[1]) as channel:
    stub = hello_pb2_grpc.DoStuffStub(channel)

    # 1. pid 0: INVALID_ARGUMENT, a BadRequest on field pid, English.
    error = refused(stub, 0)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, error.code()
    status, details = details_of(error)
    (violation,) = details["BadRequest"].field_violations
    assert violation.field == "pid", violation
    print(f"Python read BadRequest: field {violation.field}: {violation.description}")
    localized = details["LocalizedMessage"]
    assert localized.locale == "en-US", localized
    print(f"Python read LocalizedMessage ({localized.locale}): {localized.message}")

    # 2. The same, asking for Portuguese in the metadata.
    error = refused(stub, 0, metadata=[("accept-language", "pt-BR")])
    localized = details_of(error)[1]["LocalizedMessage"]
    assert localized.locale == "pt-BR", localized
    print(f"Python read LocalizedMessage ({localized.locale}): {localized.message}")

    # 3. The third call of the second is admitted, the fourth is not.
    reply = stub.say_hello(hello_pb2.HelloRequest(pid=1))
    print(f"Python received: {reply.retval}")
    error = refused(stub, 1)
    assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED, error.code()
    details = details_of(error)[1]
    delay = details["RetryInfo"].retry_delay.ToTimedelta().total_seconds()
    assert 0 < delay <= 1, delay
    (quota,) = details["QuotaFailure"].violations
    print(f"Python read RetryInfo: retry in {delay * 1000:.0f} ms")
    print(f"Python read QuotaFailure: {quota.subject}: {quota.description}")

    # 4. Waiting as long as RetryInfo says is enough.
    time.sleep(delay)
    reply = stub.say_hello(hello_pb2.HelloRequest(pid=1))
    print(f"Python received after waiting: {reply.retval}")
