"""A Python server that fails say_hello with details, as grpcio-status
packs them, for our Rust errors client (interop/topics/errors.sh runs it).

    python errors_server.py HOST:PORT

pid <= 0: INVALID_ARGUMENT with a BadRequest on field pid and an en-US
LocalizedMessage, in the grpc-status-details-bin trailer.
"""
import sys
from concurrent import futures

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

import hello_pb2
import hello_pb2_grpc


def packed(message):
    """`message` inside a google.protobuf.Any, as details travel."""
    any_message = any_pb2.Any()
    any_message.Pack(message)
    return any_message


class DoStuff(hello_pb2_grpc.DoStuffServicer):
    def say_hello(self, request, context):
        if request.pid <= 0:
            bad_request = error_details_pb2.BadRequest(field_violations=[
                error_details_pb2.BadRequest.FieldViolation(
                    field="pid", description=f"Python wants a positive pid, not {request.pid}"),
            ])
            localized = error_details_pb2.LocalizedMessage(
                locale="en-US", message="Send a positive pid, please.")
            status = status_pb2.Status(
                code=code_pb2.INVALID_ARGUMENT,
                message=f"pid must be positive, got {request.pid}",
                details=[packed(bad_request), packed(localized)],
            )
            context.abort_with_status(rpc_status.to_status(status))
        return hello_pb2.HelloReply(retval=f"Hello, {request.pid}!")


server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
hello_pb2_grpc.add_DoStuffServicer_to_server(DoStuff(), server)
server.add_insecure_port(sys.argv[1])
server.start()
server.wait_for_termination()
