package main

// The proto's messages, encoded and decoded by hand in place of protoc's
// generated code (see main.go). Proto3 wire format: a key (field number << 3
// | wire type) then, for wire type 0, a varint and, for wire type 2, a
// length and the bytes. Unknown fields are skipped, as protobuf requires.

import (
	"errors"
	"fmt"
)

type HelloRequest struct{ Pid int32 }
type HelloReply struct{ Retval string }
type HelloStreamRequest struct {
	Pid        int32
	Count      uint32
	IntervalMs uint32
}

// codec replaces grpc-go's "proto" codec (the one application/grpc uses)
// for these messages (and topics.proto's DownloadRequest and Chunk).
type codec struct{}

func (codec) Name() string { return "proto" }

func (codec) Marshal(v interface{}) ([]byte, error) {
	switch m := v.(type) {
	case *HelloReply:
		if m.Retval == "" {
			return []byte{}, nil
		}
		b := make([]byte, 0, 2+10+len(m.Retval))
		b = append(b, 1<<3|2)
		b = appendVarint(b, uint64(len(m.Retval)))
		return append(b, m.Retval...), nil
	case *Chunk:
		b := make([]byte, 0, 1+10+1+10+len(m.Data))
		if m.Offset != 0 {
			b = appendVarint(append(b, 1<<3|0), m.Offset)
		}
		if m.Checksum {
			b = append(b, 3<<3|1)
			for i := 0; i < 8; i++ {
				b = append(b, byte(m.Fnv1a64>>(8*i)))
			}
			return b, nil
		}
		b = appendVarint(append(b, 2<<3|2), uint64(len(m.Data)))
		return append(b, m.Data...), nil
	case *HelloRequest:
		b := []byte{}
		if m.Pid != 0 {
			b = appendVarint(append(b, 1<<3|0), uint64(int64(m.Pid)))
		}
		return b, nil
	}
	return nil, fmt.Errorf("codec: cannot marshal %T", v)
}

func (codec) Unmarshal(data []byte, v interface{}) error {
	switch m := v.(type) {
	case *HelloRequest:
		*m = HelloRequest{}
		return fields(data, func(num, value uint64, _ []byte) {
			if num == 1 {
				m.Pid = int32(value)
			}
		})
	case *HelloStreamRequest:
		*m = HelloStreamRequest{}
		return fields(data, func(num, value uint64, _ []byte) {
			switch num {
			case 1:
				m.Pid = int32(value)
			case 2:
				m.Count = uint32(value)
			case 3:
				m.IntervalMs = uint32(value)
			}
		})
	case *DownloadRequest:
		*m = DownloadRequest{}
		return fields(data, func(num, value uint64, _ []byte) {
			switch num {
			case 1:
				m.Size = value
			case 2:
				m.Offset = value
			}
		})
	case *HelloReply:
		*m = HelloReply{}
		return fields(data, func(num, _ uint64, bytes []byte) {
			if num == 1 {
				m.Retval = string(bytes)
			}
		})
	}
	return fmt.Errorf("codec: cannot unmarshal into %T", v)
}

var errTruncated = errors.New("codec: truncated message")

// fields calls f with each field's number and its varint value or bytes.
func fields(data []byte, f func(num, value uint64, bytes []byte)) error {
	for len(data) > 0 {
		key, n := varint(data)
		if n == 0 {
			return errTruncated
		}
		data = data[n:]
		num, wire := key>>3, key&7
		switch wire {
		case 0:
			value, n := varint(data)
			if n == 0 {
				return errTruncated
			}
			data = data[n:]
			f(num, value, nil)
		case 1, 5:
			size := 8
			if wire == 5 {
				size = 4
			}
			if len(data) < size {
				return errTruncated
			}
			data = data[size:]
		case 2:
			length, n := varint(data)
			if n == 0 || uint64(len(data)-n) < length {
				return errTruncated
			}
			f(num, 0, data[n:n+int(length)])
			data = data[n+int(length):]
		default:
			return fmt.Errorf("codec: wire type %d not supported", wire)
		}
	}
	return nil
}

func varint(b []byte) (uint64, int) {
	var v uint64
	for i := 0; i < len(b) && i < 10; i++ {
		v |= uint64(b[i]&0x7f) << (7 * i)
		if b[i] < 0x80 {
			return v, i + 1
		}
	}
	return 0, 0
}

func appendVarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}
