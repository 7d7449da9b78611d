// The projector view in a real browser: the system's chromium, driven by
// playwright-core (never a downloaded browser). run.sh starts the server
// and passes its address; each check prints one line.
//
//   node test.mjs http://127.0.0.1:PORT /usr/bin/chromium ../screenshot.png 127.0.0.1:PROXY_PORT
//
// FRAMES_PYTHON and FRAMES_PYGEN: a python with grpcio, and the directory
// of hello_pb2*.py, for a grpcio call through the proxy (run.sh sets them).
import { spawn } from "node:child_process";
import http2 from "node:http2";
import { chromium } from "playwright-core";

const [url, executablePath, screenshot, proxyAddr] = process.argv.slice(2);
const addr = new URL(url).host;
const TIMEOUT = 15_000;

function check(ok, line) {
  if (!ok) throw new Error(`FAILED: ${line}`);
  console.log(`ok: ${line}`);
}

// A student's report, as their workshop sends it (`progress --share`): a
// real gRPC call, class.Class/Report over HTTP/2, made with node's own
// http2 and proto/class.proto's Progress encoded by hand (a varint is
// seven bits a byte; a field's key is its number << 3 | its wire type).
function varint(n) {
  const bytes = [];
  for (; n > 127; n >>>= 7) bytes.push((n & 127) | 128);
  bytes.push(n);
  return bytes;
}

// As many exercises as the workshop has: a row of the grid is this wide.
const TOTAL = 16;

function progress({ name, compiles = true, done = [], next = null }) {
  const text = [...Buffer.from(name, "utf8")];
  const bytes = [0x0a, ...varint(text.length), ...text, 0x10, TOTAL];
  if (compiles) bytes.push(0x18, 1);
  if (done.length) {
    const packed = done.flatMap(varint);
    bytes.push(0x22, ...varint(packed.length), ...packed);
  }
  if (next !== null) bytes.push(0x28, ...varint(next));
  return Buffer.from(bytes);
}

// Sends one report; resolves to its grpc-status ("0": kept).
async function report(student) {
  const message = progress(student);
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt32BE(message.length, 1);
  message.copy(frame, 5);
  const session = http2.connect(url);
  try {
    return await new Promise((resolve, reject) => {
      const call = session.request({ ":method": "POST", ":path": "/class.Class/Report",
        "content-type": "application/grpc", te: "trailers" });
      call.on("response", (headers) => { if ("grpc-status" in headers) resolve(headers["grpc-status"]); });
      call.on("trailers", (trailers) => resolve(trailers["grpc-status"]));
      call.on("error", reject);
      call.resume();
      call.end(frame);
    });
  } finally {
    session.close();
  }
}

// --no-sandbox: CI runs as root, where chromium's sandbox cannot start.
const browser = await chromium.launch({ executablePath, args: ["--no-sandbox"] });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  page.setDefaultTimeout(TIMEOUT);
  // Offline: the page asks nothing of any other origin.
  const elsewhere = [];
  page.on("request", (request) => { if (!request.url().startsWith(url)) elsewhere.push(request.url()); });
  const errors = [];
  page.on("pageerror", (error) => errors.push(error.message));

  await page.goto(url);
  await page.waitForFunction(() => document.querySelector("#feed-state").textContent.startsWith("live feed:"));
  // Every render of the Live panel's bidi cards, to see the chat as it happens.
  await page.evaluate(() => {
    window.chatRenders = [];
    new MutationObserver(() => {
      for (const card of document.querySelectorAll('li.call[data-method="say_hello_chat"]')) {
        window.chatRenders.push({ open: card.classList.contains("open"), messages: card.querySelectorAll(".msg").length });
      }
    }).observe(document.querySelector("#calls"), { childList: true });
  });

  // 1. A unary call, by keyboard: type the pid, Enter.
  await page.fill("#pid", "7");
  await page.focus("#pid");
  await page.keyboard.press("Enter");
  await page.waitForSelector("#try-status");
  const unary = await page.textContent("#steps");
  check((await page.textContent("#try-status")) === "OK" && unary.includes('message 1: "Hello, 7!"'),
    'say_hello: the reply "Hello, 7!" appeared, status OK');

  // 2. An error: count over the limit; its code, message and details shown.
  await page.fill("#count", "2000000");
  await page.click("#stream button");
  await page.waitForFunction(() => document.querySelector("#try-status")?.dataset.code === "3");
  const error = await page.textContent("#steps");
  check(error.includes("INVALID_ARGUMENT (3)") && error.includes("count must be at most 1000000")
    && error.includes("google.rpc.BadRequest: count"),
    "say_hello_stream with count 2000000: INVALID_ARGUMENT (3), its message and its BadRequest detail shown");

  // 3. Five streamed replies, 400 ms apart: each drawn when it arrived.
  await page.fill("#count", "5");
  await page.fill("#interval", "400");
  await page.click("#stream button");
  await page.waitForFunction(() => document.querySelector("#try-status")?.dataset.code === "0");
  const times = await page.$$eval("#steps .message", (rows) => rows.map((row) => Number(row.dataset.at)));
  const gaps = times.slice(1).map((t, i) => t - times[i]);
  check(times.length === 5 && gaps.every((gap) => gap >= 300),
    `say_hello_stream: 5 replies at ${times.map((t) => t.toFixed(0)).join(", ")} ms, spaced by the interval`);

  // 4. A bidi chat from the CLI appears on the Live panel, message by message.
  const client = spawn("cargo", ["run", "-q", "-p", "bidi-streaming", "--bin", "client", "--",
    "--addr", addr, "--count", "3", "--interval-ms", "300"], { stdio: ["ignore", "pipe", "inherit"] });
  let printed = "";
  client.stdout.on("data", (data) => { printed += data; });
  const exit = await new Promise((resolve) => client.on("exit", resolve));
  check(exit === 0, `bidi-streaming client: ${printed.trim().split("\n").pop()}`);
  const chat = 'li.call[data-method="say_hello_chat"]';
  await page.waitForSelector(`${chat} .end[data-status="OK"]`);
  const ins = await page.$$eval(`${chat} .msg.in`, (rows) => rows.length);
  const outs = await page.$$eval(`${chat} .msg.out`, (rows) => rows.length);
  const renders = await page.evaluate(() => window.chatRenders);
  const whileOpen = [...new Set(renders.filter((r) => r.open).map((r) => r.messages))];
  check(ins === 3 && outs === 3 && whileOpen.length >= 2,
    `Live: the chat's 3 messages in and 3 out, status OK; drawn while open with ${whileOpen.join(", ")} messages`);

  check(elsewhere.length === 0 && errors.length === 0,
    `nothing fetched from another origin, no script errors ${JSON.stringify({ elsewhere, errors })}`);

  await page.screenshot({ path: screenshot });
  console.log(`ok: screenshot saved to ${screenshot}`);

  // 5. Under load (1,000 calls a second from the CLI for 3 s) the page
  //    still answers: how long the page's own script and a call take.
  const load = spawn("cargo", ["run", "-q", "-p", "web", "--bin", "client", "--",
    "--addr", addr, "--count", "1", "--per-second", "1000", "--seconds", "3"], { stdio: ["ignore", "pipe", "inherit"] });
  let loadPrinted = "";
  load.stdout.on("data", (data) => { loadPrinted += data; });
  const loadExit = new Promise((resolve) => load.on("exit", resolve));
  await page.waitForFunction(() => document.querySelectorAll('li.call[data-method="say_hello"]').length >= 10);
  const latencies = [];
  for (let i = 0; i < 10; i += 1) {
    const started = Date.now();
    await page.evaluate(() => new Promise(requestAnimationFrame));
    latencies.push(Date.now() - started);
  }
  const started = Date.now();
  await page.click('button[value="say_hello_again"]');
  await page.waitForFunction(() => document.querySelector("#try-status")?.dataset.code === "0"
    && document.querySelector("#steps").textContent.includes("Hello again"));
  const callTook = Date.now() - started;
  check((await loadExit) === 0, `under load: ${loadPrinted.trim().split("\n").pop()}`);
  const shown = await page.textContent("#feed-state");
  console.log(`ok: under load the page drew a frame within ${Math.max(...latencies)} ms (slowest of 10), `
    + `its own say_hello_again took ${callTook} ms; header: "${shown}"`);

  // 6. The class on the projector (/#room): students' reports appear in the
  //    grid as they come, in English, then in a browser set to pt-BR.
  const room = await browser.newPage({ viewport: { width: 1280, height: 720 }, locale: "en-US" });
  room.setDefaultTimeout(TIMEOUT);
  room.on("pageerror", (error) => errors.push(error.message));
  await room.goto(`${url}/#room`);
  await room.waitForFunction(() => !document.querySelector("#room").hidden
    && document.querySelector("main").hidden && !document.querySelector("#room-empty").hidden);
  check((await room.textContent("#room-empty")).includes("progress --share http://"),
    `Class view, empty: "${(await room.textContent("#room-empty")).trim()}"`);
  const students = [
    { name: "Ana", done: [1, 2, 3], next: 4 },
    { name: "Bruno", compiles: false },
    { name: "Carla", done: Array.from({ length: TOTAL }, (_, i) => i + 1) },
  ];
  // A long name, shown whole (wrapped), not cut: two "Ana Co…" stay apart.
  students.push({ name: "Ana Conceição dos Santos", done: [1], next: 2 });
  const statuses = await Promise.all(students.map(report));
  check(statuses.every((status) => status === "0"), `${statuses.length} students reported over gRPC: grpc-status ${statuses.join(", ")}`);
  await room.waitForFunction(() => document.querySelectorAll("#room-grid li.student").length === 4);
  const longName = await room.$eval('li.student[data-name="Ana Conceição dos Santos"] .name',
    (name) => ({ text: name.textContent, whole: name.scrollWidth <= name.clientWidth }));
  check(longName.text === "Ana Conceição dos Santos" && longName.whole,
    `a long name shown whole: "${longName.text}"`);
  const row = (name) => room.$eval(`li.student[data-name="${name}"]`, (li) => ({
    cells: [...li.querySelectorAll(".cell")].map((cell) => cell.dataset.state[0]).join(""),
    note: li.querySelector(".note").textContent,
  }));
  const [ana, bruno, carla] = [await row("Ana"), await row("Bruno"), await row("Carla")];
  check(ana.cells === "dddn" + "t".repeat(TOTAL - 4) && bruno.note === "does not compile"
    && carla.cells === "d".repeat(TOTAL) && carla.note === "all done"
    && (await room.textContent("#room-count")) === "4 students"
    && (await room.textContent("#room-title")).startsWith("The class"),
    `the grid: Ana ${ana.cells}, Bruno "${bruno.note}", Carla ${carla.cells} "${carla.note}" (d done, n next, t not yet)`);
  // Each row's cells stay inside the row at a projector's 1280 px: none is
  // drawn over the next column, nor cut off at the screen's edge.
  const spill = await room.$$eval("li.student", (rows) => rows.flatMap((li) => {
    const box = li.getBoundingClientRect();
    return [...li.querySelectorAll(".cell")]
      .filter((cell) => cell.getBoundingClientRect().right > box.right + 0.5)
      .map((cell) => `${li.dataset.name} ${cell.textContent}`);
  }));
  check(spill.length === 0, `at 1280 px, every cell inside its row ${JSON.stringify(spill)}`);
  await room.screenshot({ path: screenshot.replace(/\.png$/, "-room.png") });

  const pt = await browser.newPage({ viewport: { width: 1280, height: 720 }, locale: "pt-BR" });
  pt.setDefaultTimeout(TIMEOUT);
  pt.on("pageerror", (error) => errors.push(error.message));
  await pt.goto(`${url}/#room`);
  await pt.waitForFunction(() => document.querySelectorAll("#room-grid li.student").length === 4);
  // A fourth report, while both pages show the room: each draws it.
  check(await report({ name: "Ana", done: [1, 2, 3, 4], next: 5 }) === "0", "Ana reported again");
  const anaDone4 = (page) => page.waitForFunction(
    () => document.querySelector('li.student[data-name="Ana"] .cell:nth-child(4)')?.dataset.state === "done");
  await Promise.all([anaDone4(room), anaDone4(pt)]);
  const title = await pt.textContent("#room-title");
  const brokenPt = await pt.textContent('li.student[data-name="Bruno"] .note');
  check(title.startsWith("A turma") && brokenPt === "não compila"
    && (await pt.textContent("#room-count")) === "4 alunos" && (await pt.getAttribute("#room", "lang")) === "pt-BR"
    && (await pt.textContent("#room-link")) === "Turma (4)",
    `pt-BR: "${title}", Bruno "${brokenPt}", "${await pt.textContent("#room-count")}"; Ana's exercise 4 done on both pages`);
  // The rest of the page follows the same language setting.
  const tryTitle = await pt.textContent("#try-title");
  const liveTitle = await pt.textContent("#live-title");
  check(tryTitle.startsWith("Experimente") && liveTitle.startsWith("Ao vivo")
    && (await pt.getAttribute("html", "lang")) === "pt-BR"
    && (await room.textContent("#try-title")).startsWith("Try it"),
    `pt-BR, the whole page: "${tryTitle}", "${liveTitle}"; en-US: "${await room.textContent("#try-title")}"`);
  check(errors.length === 0, `no script errors on the class pages ${JSON.stringify(errors)}`);

  // 7. The Frames view (/#frames): a bidi chat from our CLI client and a
  //    unary call from grpcio, both through the server's --proxy, drawn as
  //    lanes per stream, live in English, replayed to a page in pt-BR.
  const frames = await browser.newPage({ viewport: { width: 1280, height: 720 }, locale: "en-US" });
  frames.setDefaultTimeout(TIMEOUT);
  frames.on("pageerror", (error) => errors.push(error.message));
  await frames.goto(`${url}/#frames`);
  await frames.waitForFunction((proxy) => !document.querySelector("#frames").hidden
    && document.querySelector("main").hidden && document.querySelector("#frames-empty").textContent.includes(proxy), proxyAddr);
  check(true, `Frames view, empty: "${(await frames.textContent("#frames-empty")).trim()}"`);
  const chatThrough = spawn("cargo", ["run", "-q", "-p", "bidi-streaming", "--bin", "client", "--",
    "--addr", proxyAddr, "--count", "3", "--interval-ms", "300"], { stdio: ["ignore", "pipe", "inherit"] });
  // Drawn while the chat is still going: its lane shows up before the end.
  const chatLane = 'li.stream:has(.method:text-matches("say_hello_chat"))';
  await frames.waitForSelector(`${chatLane} li.frame.down[data-kind="DATA"]`);
  const midChat = await frames.$$eval(`${chatLane} li.frame`, (chips) => chips.length);
  const chatExit = await new Promise((resolve) => chatThrough.on("exit", resolve));
  check(chatExit === 0, `bidi client through the proxy at ${proxyAddr}: exit 0 (its lane had ${midChat} frames mid-chat)`);
  const python = spawn(process.env.FRAMES_PYTHON ?? "python3", ["-c", [
    "import sys; sys.path.insert(0, sys.argv[2])",
    "import grpc, hello_pb2, hello_pb2_grpc",
    "stub = hello_pb2_grpc.DoStuffStub(grpc.insecure_channel(sys.argv[1]))",
    "print(stub.say_hello(hello_pb2.HelloRequest(pid=5), timeout=10).retval)",
  ].join("\n"), proxyAddr, process.env.FRAMES_PYGEN ?? "."], { stdio: ["ignore", "pipe", "inherit"] });
  let pyPrinted = "";
  python.stdout.on("data", (data) => { pyPrinted += data; });
  const pyExit = await new Promise((resolve) => python.on("exit", resolve));
  check(pyExit === 0 && pyPrinted.trim() === "Hello, 5!", `grpcio through the proxy: "${pyPrinted.trim()}"`);
  const pyLane = 'li.conn:has(.agent:text-matches("grpc-python")) li.stream:has(.method:text-matches("/say_hello$"))';
  await frames.waitForSelector(`${pyLane} li.frame.down[data-kind="HEADERS"][title*="grpc-status: 0"]`);
  const lanes = async (page) => page.$$eval("li.conn", (conns) => conns.map((conn) => ({
    title: conn.querySelector("h3").textContent,
    lanes: [...conn.querySelectorAll("li.stream")].map((lane) => ({
      name: lane.querySelector(".lane-name").textContent,
      kinds: [...lane.querySelectorAll("li.frame")].map((chip) => `${chip.classList.contains("up") ? "→" : "←"}${chip.dataset.kind}`),
    })),
  })));
  const en = await lanes(frames);
  const describe = (conns) => conns.map((conn) => `${conn.title}: ${conn.lanes.map((lane) => `${lane.name} (${lane.kinds.length})`).join(", ")}`).join("; ");
  const chatKinds = en.flatMap((conn) => conn.lanes).find((lane) => lane.name.includes("say_hello_chat"))?.kinds ?? [];
  check(en.length === 2 && en.every((conn) => conn.lanes.some((lane) => lane.name.startsWith("stream 0")))
    && chatKinds[0] === "→HEADERS" && chatKinds.filter((kind) => kind === "→DATA").length >= 3
    && chatKinds.at(-1) === "←HEADERS",
    `en-US lanes: ${describe(en)}`);
  await frames.screenshot({ path: screenshot.replace(/\.png$/, "-frames.png") });

  const framesPt = await browser.newPage({ viewport: { width: 1280, height: 720 }, locale: "pt-BR" });
  framesPt.setDefaultTimeout(TIMEOUT);
  framesPt.on("pageerror", (error) => errors.push(error.message));
  await framesPt.goto(`${url}/#frames`);
  await framesPt.waitForFunction(() => document.querySelectorAll("li.conn").length === 2);
  const pt2 = await lanes(framesPt);
  check(describe(pt2).includes("conexão 1") && describe(pt2).includes("stream 0: a conexão")
    && (await framesPt.textContent("#frames-title")).startsWith("Quadros HTTP/2")
    && (await framesPt.textContent("#frames-link")).startsWith("Quadros ("),
    `pt-BR, replayed to a page opened late: "${await framesPt.textContent("#frames-title")}"; ${describe(pt2)}`);
  check(errors.length === 0, `no script errors on the frames pages ${JSON.stringify(errors)}`);
} finally {
  await browser.close();
}
