package main

// topics.Transfer/Download (proto/topics.proto) for bench/transfer.sh: the
// same generated file as topics/flow-control's server (src/content.rs),
// in 64 KiB chunks, the last message the FNV-1a 64 of the whole file, so
// that the same client measures both servers through the same link.

import (
	"fmt"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

const chunkBytes = 64 * 1024

type DownloadRequest struct{ Size, Offset uint64 }

// Chunk: offset, then data or (last message) the checksum.
type Chunk struct {
	Offset   uint64
	Data     []byte
	Fnv1a64  uint64
	Checksum bool // whether this is the last message, carrying Fnv1a64
}

func splitmix64(n uint64) uint64 {
	z := (n + 1) * 0x9E3779B97F4A7C15
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// fill writes the file's bytes from offset on into buf.
func fill(offset uint64, buf []byte) {
	word := splitmix64(offset / 8)
	for i := range buf {
		at := offset + uint64(i)
		if at%8 == 0 {
			word = splitmix64(at / 8)
		}
		buf[i] = byte(word >> (8 * (at % 8)))
	}
}

// atMost is min (Debian's Go 1.19 has no min builtin).
func atMost(a, b uint64) uint64 {
	if a < b {
		return a
	}
	return b
}

func fnv1a(h uint64, data []byte) uint64 {
	for _, b := range data {
		h = (h ^ uint64(b)) * 0x100000001B3
	}
	return h
}

func download(in *DownloadRequest, stream grpc.ServerStream) error {
	if in.Offset > in.Size {
		return status.Error(codes.InvalidArgument, fmt.Sprintf("offset %d is past the end of a file of %d bytes", in.Offset, in.Size))
	}
	h := uint64(0xCBF29CE484222325)
	buf := make([]byte, chunkBytes)
	for at := uint64(0); at < in.Offset; at += chunkBytes {
		n := atMost(chunkBytes, in.Offset-at)
		fill(at, buf[:n])
		h = fnv1a(h, buf[:n])
	}
	for at := in.Offset; at < in.Size; {
		n := atMost(chunkBytes, in.Size-at)
		fill(at, buf[:n])
		h = fnv1a(h, buf[:n])
		// SendMsg encodes the message before it returns: buf can be reused.
		if err := stream.SendMsg(&Chunk{Offset: at, Data: buf[:n]}); err != nil {
			return err
		}
		at += n
	}
	return stream.SendMsg(&Chunk{Offset: in.Size, Fnv1a64: h, Checksum: true})
}

var transferDesc = grpc.ServiceDesc{
	ServiceName: "topics.Transfer",
	HandlerType: (*interface{})(nil),
	Streams: []grpc.StreamDesc{{
		StreamName: "Download",
		Handler: func(_ interface{}, stream grpc.ServerStream) error {
			in := new(DownloadRequest)
			if err := stream.RecvMsg(in); err != nil {
				return err
			}
			return download(in, stream)
		},
		ServerStreams: true,
	}},
	Metadata: "topics.proto",
}
