// The projector view in a real browser: the system's chromium, driven by
// playwright-core (never a downloaded browser). run.sh starts the server
// and passes its address; each check prints one line.
//
//   node test.mjs http://127.0.0.1:PORT /usr/bin/chromium ../screenshot.png
import { spawn } from "node:child_process";
import { chromium } from "playwright-core";

const [url, executablePath, screenshot] = process.argv.slice(2);
const addr = new URL(url).host;
const TIMEOUT = 15_000;

function check(ok, line) {
  if (!ok) throw new Error(`FAILED: ${line}`);
  console.log(`ok: ${line}`);
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
} finally {
  await browser.close();
}
