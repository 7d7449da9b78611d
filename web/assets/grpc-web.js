// A gRPC-Web client small enough to read in one sitting: fetch() and a
// ReadableStream reader, and the three messages of hello.proto encoded and
// decoded by hand. No library, so that every byte on the wire is visible
// here (README.md of the web crate says why).
//
// On the wire (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-WEB.md):
// - the request is an HTTP POST to /hello.DoStuff/<method>, content-type
//   application/grpc-web+proto, whose body is one message: a 5-byte prefix
//   (flag 0x00, then the length as 4 bytes, big endian) and the message;
// - the response body is frames of the same shape: flag 0x00 is a message,
//   flag 0x80 is the trailers (grpc-status, grpc-message...) written as HTTP
//   header lines, "in the body" because a browser cannot read real HTTP
//   trailers. A reply that fails at once ("trailers-only") puts grpc-status
//   in the response headers instead, with an empty body.
// A browser can make unary and server-streaming calls this way, but not
// client or bidi streaming: fetch() cannot stream a request body.

// ---- protobuf, by hand: varints and length-delimited fields ----

function varint(n) {
  const out = [];
  // int32 negatives are sent as 10-byte varints of the 64-bit value.
  let v = BigInt.asUintN(64, BigInt(n));
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return out;
}

// A message of varint fields: [[field number, value], ...]; zeros are
// left out, as proto3 does.
export function encodeVarints(fields) {
  const bytes = [];
  for (const [number, value] of fields) {
    if (value === 0) continue;
    bytes.push((number << 3) | 0, ...varint(value));
  }
  return new Uint8Array(bytes);
}

// HelloRequest { int32 pid = 1; }
export const HelloRequest = (pid) => encodeVarints([[1, pid]]);
// HelloStreamRequest { int32 pid = 1; uint32 count = 2; uint32 interval_ms = 3; }
export const HelloStreamRequest = (pid, count, intervalMs) =>
  encodeVarints([[1, pid], [2, count], [3, intervalMs]]);

// Reads a message into { fieldNumber: [values...] }: varints as numbers,
// length-delimited fields as bytes (Uint8Array). Enough for our replies
// and for google.rpc.Status and its details.
export function decodeFields(bytes) {
  const fields = {};
  let i = 0;
  const readVarint = () => {
    let result = 0n, shift = 0n, byte;
    do {
      if (i >= bytes.length) throw new Error("truncated varint");
      byte = bytes[i++];
      result |= BigInt(byte & 0x7f) << shift;
      shift += 7n;
    } while (byte & 0x80);
    return result;
  };
  while (i < bytes.length) {
    const key = Number(readVarint());
    const [number, wire] = [key >> 3, key & 7];
    let value;
    if (wire === 0) value = Number(BigInt.asIntN(32, readVarint()));
    else if (wire === 2) {
      const len = Number(readVarint());
      value = bytes.subarray(i, i + len);
      i += len;
    } else if (wire === 1) { value = bytes.subarray(i, i + 8); i += 8; }
    else if (wire === 5) { value = bytes.subarray(i, i + 4); i += 4; }
    else throw new Error(`unknown wire type ${wire}`);
    (fields[number] ??= []).push(value);
  }
  return fields;
}

const text = (bytes) => new TextDecoder().decode(bytes);

// HelloReply { string retval = 1; }
export function HelloReply(bytes) {
  const fields = decodeFields(bytes);
  return { retval: fields[1] ? text(fields[1][0]) : "" };
}

// The error details of grpc-status-details-bin (the errors topic): a
// google.rpc.Status { code = 1; message = 2; repeated Any details = 3 },
// each Any { type_url = 1; value = 2 }. A BadRequest's field violations
// are spelled out; other details are named by their type.
export function decodeDetails(base64) {
  const bytes = Uint8Array.from(atob(base64.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
  const status = decodeFields(bytes);
  return (status[3] ?? []).map((any) => {
    const fields = decodeFields(any);
    const type = text(fields[1][0]).split("/").pop();
    const value = fields[2] ? fields[2][0] : new Uint8Array();
    if (type === "google.rpc.BadRequest") {
      const violations = (decodeFields(value)[1] ?? []).map((v) => {
        const f = decodeFields(v);
        return `${f[1] ? text(f[1][0]) : ""}: ${f[2] ? text(f[2][0]) : ""}`;
      });
      return `${type}: ${violations.join("; ")}`;
    }
    return type;
  });
}

export const CODE_NAMES = [
  "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED",
  "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED",
  "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED",
  "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
];

// ---- the call ----

// Calls `method` of hello.DoStuff with the encoded `message`; reports each
// step to `on` as it happens ({ kind, at, ... }, `at` in ms since the
// request left), and resolves with the final status
// { code, name, message, details }.
export async function call(method, message, on) {
  const started = performance.now();
  const at = () => performance.now() - started;

  // The request: one frame, flag 0x00 and the length, then the message.
  const body = new Uint8Array(5 + message.length);
  new DataView(body.buffer).setUint32(1, message.length);
  body.set(message, 5);
  const path = `/hello.DoStuff/${method}`;
  on({ kind: "request", at: 0, path, bytes: message.length });

  let response;
  try {
    response = await fetch(path, {
      method: "POST",
      headers: { "content-type": "application/grpc-web+proto", "x-grpc-web": "1" },
      body,
    });
  } catch (error) {
    return finish({ "grpc-status": "14", "grpc-message": `no connection: ${error.message}` }, "headers");
  }
  const headers = Object.fromEntries(response.headers);
  on({ kind: "headers", at: at(), status: response.status, headers });
  if (response.status !== 200) {
    return finish({ "grpc-status": "2", "grpc-message": `HTTP ${response.status}` }, "headers");
  }
  // Trailers-only: the status is already here, and there is no body to read.
  if ("grpc-status" in headers) return finish(headers, "headers");

  // The frames, as the bytes arrive: a chunk may hold part of a frame, or
  // several, so we keep what is left over.
  const reader = response.body.getReader();
  let buffer = new Uint8Array();
  let n = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer = concat(buffer, value);
    while (buffer.length >= 5) {
      const flag = buffer[0];
      const length = new DataView(buffer.buffer, buffer.byteOffset).getUint32(1);
      if (buffer.length < 5 + length) break;
      const payload = buffer.slice(5, 5 + length);
      buffer = buffer.slice(5 + length);
      if (flag & 0x80) {
        return finish(parseTrailers(text(payload)), "trailers");
      }
      n += 1;
      on({ kind: "message", at: at(), n, reply: HelloReply(payload), bytes: length });
    }
  }
  return finish({ "grpc-status": "13", "grpc-message": "the reply ended without trailers" }, "none");

  function finish(fields, where) {
    const code = Number(fields["grpc-status"] ?? 2);
    const status = {
      code,
      name: CODE_NAMES[code] ?? `code ${code}`,
      message: decodeURIComponent(fields["grpc-message"] ?? ""),
      details: fields["grpc-status-details-bin"] ? decodeDetails(fields["grpc-status-details-bin"]) : [],
      where,
      fields,
    };
    on({ kind: "status", at: at(), ...status });
    return status;
  }
}

function concat(a, b) {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

// "grpc-status:0\r\ngrpc-message:\r\n" → { "grpc-status": "0", ... }
function parseTrailers(block) {
  const fields = {};
  for (const line of block.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) fields[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return fields;
}
