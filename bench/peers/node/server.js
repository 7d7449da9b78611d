// A @grpc/grpc-js server for hello.DoStuff (proto/hello.proto), for
// bench/compare.sh to measure beside ours: the server a student would write
// in Node, loading the proto at run time with @grpc/proto-loader.
//
// Usage: node server.js --addr 127.0.0.1:50051
"use strict";
const path = require("path");
const grpc = require("@grpc/grpc-js");
const protoLoader = require("@grpc/proto-loader");

const flag = process.argv.indexOf("--addr");
const addr = flag >= 0 ? process.argv[flag + 1] : "127.0.0.1:50051";

const definition = protoLoader.loadSync(path.join(__dirname, "../../../proto/hello.proto"), {
  keepCase: true, // the methods and fields keep the proto's names: say_hello, retval
});
const hello = grpc.loadPackageDefinition(definition).hello;

const invalid = (details) => ({ code: grpc.status.INVALID_ARGUMENT, details });

const service = {
  say_hello(call, callback) {
    callback(null, { retval: `Hello, ${call.request.pid}!` });
  },
  say_hello_again(call, callback) {
    callback(null, { retval: `Hello again, ${call.request.pid}!` });
  },
  // Server streaming: write each reply, waiting for the stream to drain
  // when its buffer is full, then end the call.
  async say_hello_stream(call) {
    const { pid, count, interval_ms } = call.request;
    if (count > 1000000) return call.destroy(invalid("count must be at most 1000000"));
    if (interval_ms > 60000) return call.destroy(invalid("interval_ms must be at most 60000"));
    for (let i = 1; i <= count; i++) {
      if (call.cancelled) return;
      if (i > 1 && interval_ms > 0) await new Promise((r) => setTimeout(r, interval_ms));
      if (!call.write({ retval: `Hello #${i}, ${pid}!` })) {
        await new Promise((r) => call.once("drain", r));
      }
    }
    call.end();
  },
  say_hello_many(call, callback) {
    let n = 0;
    let sum = 0;
    call.on("data", (request) => {
      n += 1;
      sum += request.pid;
    });
    call.on("end", () => callback(null, { retval: `Hello, ${n} pids (sum ${sum})!` }));
  },
  say_hello_chat(call) {
    call.on("data", (request) => call.write({ retval: `Hello, ${request.pid}!` }));
    call.on("end", () => call.end());
  },
};

const server = new grpc.Server();
server.addService(hello.DoStuff.service, service);
server.bindAsync(addr, grpc.ServerCredentials.createInsecure(), (error) => {
  if (error) {
    console.error(`cannot listen on ${addr}: ${error.message}`);
    process.exit(1);
  }
  console.error(`grpc-js server on ${addr}`);
});
