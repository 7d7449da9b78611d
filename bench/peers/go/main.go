// A grpc-go server for hello.DoStuff (proto/hello.proto), for bench/compare.sh
// to measure beside ours: the server a student would write in Go; and
// topics.Transfer/Download (transfer.go) for bench/transfer.sh.
//
// No protoc and no generated code: the service is registered with a
// grpc.ServiceDesc written by hand, and the proto's three tiny messages are
// encoded and decoded by hand (codec.go) by a codec that takes the place of
// grpc-go's "proto" codec. That is acceptable for a benchmark: the bytes on
// the wire are the same as protoc-gen-go's, and the hand-written codec does
// less work than the generic reflection-based one, so if anything it
// flatters grpc-go.
//
// Built by bench/compare.sh from Debian's golang-go and
// golang-google-grpc-dev, with no module download:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o $OUT .
//
// Usage: hello-go --addr 127.0.0.1:50051
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/status"
)

type doStuff struct{}

func (doStuff) sayHello(_ context.Context, in *HelloRequest) (*HelloReply, error) {
	return &HelloReply{Retval: fmt.Sprintf("Hello, %d!", in.Pid)}, nil
}

func (doStuff) sayHelloAgain(_ context.Context, in *HelloRequest) (*HelloReply, error) {
	return &HelloReply{Retval: fmt.Sprintf("Hello again, %d!", in.Pid)}, nil
}

func (doStuff) sayHelloStream(in *HelloStreamRequest, stream grpc.ServerStream) error {
	if in.Count > 1_000_000 {
		return status.Error(codes.InvalidArgument, "count must be at most 1000000")
	}
	if in.IntervalMs > 60_000 {
		return status.Error(codes.InvalidArgument, "interval_ms must be at most 60000")
	}
	for i := uint32(1); i <= in.Count; i++ {
		if i > 1 && in.IntervalMs > 0 {
			time.Sleep(time.Duration(in.IntervalMs) * time.Millisecond)
		}
		reply := &HelloReply{Retval: fmt.Sprintf("Hello #%d, %d!", i, in.Pid)}
		if err := stream.SendMsg(reply); err != nil {
			return err
		}
	}
	return nil
}

func (doStuff) sayHelloMany(stream grpc.ServerStream) error {
	var n, sum int64
	for {
		var in HelloRequest
		err := stream.RecvMsg(&in)
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		n++
		sum += int64(in.Pid)
	}
	return stream.SendMsg(&HelloReply{Retval: fmt.Sprintf("Hello, %d pids (sum %d)!", n, sum)})
}

func (doStuff) sayHelloChat(stream grpc.ServerStream) error {
	for {
		var in HelloRequest
		err := stream.RecvMsg(&in)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := stream.SendMsg(&HelloReply{Retval: fmt.Sprintf("Hello, %d!", in.Pid)}); err != nil {
			return err
		}
	}
}

// unary adapts a typed unary method to grpc-go's handler signature, as
// protoc-gen-go-grpc's generated _DoStuff_SayHello_Handler would.
func unary(name string, method func(doStuff, context.Context, *HelloRequest) (*HelloReply, error)) grpc.MethodDesc {
	return grpc.MethodDesc{
		MethodName: name,
		Handler: func(srv interface{}, ctx context.Context, dec func(interface{}) error, interceptor grpc.UnaryServerInterceptor) (interface{}, error) {
			in := new(HelloRequest)
			if err := dec(in); err != nil {
				return nil, err
			}
			if interceptor == nil {
				return method(srv.(doStuff), ctx, in)
			}
			info := &grpc.UnaryServerInfo{Server: srv, FullMethod: "/hello.DoStuff/" + name}
			return interceptor(ctx, in, info, func(ctx context.Context, req interface{}) (interface{}, error) {
				return method(srv.(doStuff), ctx, req.(*HelloRequest))
			})
		},
	}
}

// The service as protoc-gen-go-grpc would describe it.
var serviceDesc = grpc.ServiceDesc{
	ServiceName: "hello.DoStuff",
	HandlerType: (*interface{})(nil),
	Methods: []grpc.MethodDesc{
		unary("say_hello", doStuff.sayHello),
		unary("say_hello_again", doStuff.sayHelloAgain),
	},
	Streams: []grpc.StreamDesc{
		{
			StreamName: "say_hello_stream",
			Handler: func(srv interface{}, stream grpc.ServerStream) error {
				in := new(HelloStreamRequest)
				if err := stream.RecvMsg(in); err != nil {
					return err
				}
				return srv.(doStuff).sayHelloStream(in, stream)
			},
			ServerStreams: true,
		},
		{
			StreamName:    "say_hello_many",
			Handler:       func(srv interface{}, stream grpc.ServerStream) error { return srv.(doStuff).sayHelloMany(stream) },
			ClientStreams: true,
		},
		{
			StreamName:    "say_hello_chat",
			Handler:       func(srv interface{}, stream grpc.ServerStream) error { return srv.(doStuff).sayHelloChat(stream) },
			ServerStreams: true,
			ClientStreams: true,
		},
	},
	Metadata: "hello.proto",
}

func main() {
	addr := flag.String("addr", "127.0.0.1:50051", "address to listen on")
	flag.Parse()
	encoding.RegisterCodec(codec{})
	listener, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("cannot listen on %s: %v", *addr, err)
	}
	server := grpc.NewServer()
	server.RegisterService(&serviceDesc, doStuff{})
	server.RegisterService(&transferDesc, nil)
	log.Printf("grpc-go server on %s", *addr)
	if err := server.Serve(listener); err != nil {
		log.Fatal(err)
	}
}
