// The page: the Try it panel (gRPC-Web calls drawn as sequence diagrams)
// and the Live panel (every call the server receives, from /events).
import { call, HelloRequest, HelloStreamRequest } from "./grpc-web.js";
import { t, translatePage } from "./i18n.js";

// The page's static text in the browser's language, before anything is drawn.
translatePage();

const $ = (selector) => document.querySelector(selector);

// Makes an element: el("li", { class: "x" }, "text", child, ...).
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  for (const child of children) node.append(child);
  return node;
}

const ms = (value) => `${value.toFixed(1)} ms`;

// ---- Try it ----

// Draws one call as it happens: each step of `call` becomes a row.
function drawCall(method, request) {
  const rows = el("ol", { class: "seq", id: "steps" });
  const summary = el("p", { id: "summary" }, t("calling"));
  let messages = 0;
  $("#diagram").replaceChildren(
    el("h3", {}, `${method}(${request})`),
    summary,
    el("div", { class: "lanes" }, el("span", {}, t("lane_page")), el("span", {}, t("lane_server"))),
    rows,
  );
  const row = (side, at, arrow, what, small = "") => {
    const item = el("li", { class: `${side} step`, "data-at": at.toFixed(1) },
      el("span", { class: "at" }, ms(at)),
      el("span", { class: "arrow" }, arrow),
      el("span", { class: "what" }, what, small ? el("span", { class: "small" }, small) : ""));
    rows.append(item);
    return item;
  };
  return (step) => {
    switch (step.kind) {
      case "request":
        row("right", step.at, "──▶", `POST ${step.path}`, t("request_row", { bytes: step.bytes }));
        break;
      case "headers": {
        const shown = ["content-type", "grpc-status", "grpc-message"]
          .filter((name) => name in step.headers)
          .map((name) => `${name}: ${step.headers[name]}`).join("; ");
        row("left", step.at, "◀──", t("headers_row", { status: step.status }), shown);
        break;
      }
      case "message":
        messages += 1;
        summary.textContent = messages === 1 ? t("so_far_one") : t("so_far", { n: messages });
        row("left", step.at, "◀──", t("message_row", { n: step.n, text: step.reply.retval }), t("bytes", { n: step.bytes }))
          .classList.add("message");
        break;
      case "status": {
        const where = t(`where_${step.where}`);
        const fields = Object.entries(step.fields)
          .filter(([name]) => name.startsWith("grpc-"))
          .map(([name, value]) => `${name}: ${value.length > 40 ? value.slice(0, 40) + "…" : value}`).join("; ");
        row("left", step.at, "◀──", where, fields);
        const ok = step.code === 0;
        const status = el("span", { class: `status ${ok ? "ok" : "bad"}`, id: "try-status", "data-code": step.code },
          ok ? "OK" : `${step.name} (${step.code})`);
        const details = [step.message, ...step.details].filter(Boolean).join(" · ");
        row("left", step.at, "", status, details);
        summary.className = ok ? "ok" : "bad";
        const done = { status: ok ? "OK" : step.name, n: messages, ms: ms(step.at) };
        summary.textContent = messages === 1 ? t("summary_one", done) : t("summary", done);
        break;
      }
    }
  };
}

$("#unary").addEventListener("submit", (event) => {
  event.preventDefault();
  const method = event.submitter?.value ?? "say_hello";
  const pid = Number($("#pid").value) | 0;
  call(method, HelloRequest(pid), drawCall(method, `pid ${pid}`));
});

$("#stream").addEventListener("submit", (event) => {
  event.preventDefault();
  const pid = Number($("#pid").value) | 0;
  const count = Number($("#count").value) >>> 0;
  const interval = Number($("#interval").value) >>> 0;
  call("say_hello_stream", HelloStreamRequest(pid, count, interval),
    drawCall("say_hello_stream", `pid ${pid}, count ${count}, interval_ms ${interval}`));
});

// ---- Live ----

// The calls shown, newest last; the server keeps more for a late page.
const SHOWN_CALLS = 12;
// Messages shown per call: the last ones, and how many came before.
const SHOWN_MESSAGES = 8;

const calls = new Map();
let missed = 0;
let received = 0;
let drawPending = false;

function onEvent(event) {
  received += 1;
  if (event.type === "missed") {
    missed += event.count;
  } else if (event.type === "start") {
    calls.set(event.call, { start: event, messages: [], total: 0, end: null });
    // Forget the oldest: the page's memory stays bounded too.
    while (calls.size > SHOWN_CALLS) calls.delete(calls.keys().next().value);
  } else {
    const kept = calls.get(event.call);
    if (!kept) return;
    if (event.type === "message") {
      kept.total += 1;
      kept.messages.push(event);
      if (kept.messages.length > SHOWN_MESSAGES) kept.messages.shift();
    } else if (event.type === "end") {
      kept.end = event;
    }
  }
  // Draw at most once per frame, however fast the events come: at a
  // thousand calls a second the page stays responsive.
  if (!drawPending) {
    drawPending = true;
    requestAnimationFrame(drawLive);
  }
}

function drawLive() {
  drawPending = false;
  const cards = [...calls.entries()].reverse().map(([id, c]) => {
    const s = c.start;
    const state = !c.end ? "open" : c.end.code === 0 ? "ok" : "bad";
    const card = el("li", { class: `call ${state}`, "data-method": s.method, "data-call": id },
      el("div", { class: "head" }, `#${id} `, el("span", { class: "kind" }, s.kind), ` ${s.method} `,
        el("span", { class: "dim" }, t("from_peer", { protocol: s.protocol, peer: s.peer }))));
    const list = el("ul", { class: "msgs" });
    const earlier = c.total - c.messages.length;
    if (earlier > 0) list.append(el("li", { class: "dim" }, t("earlier", { n: earlier })));
    for (const m of c.messages) {
      const arrow = m.dir === "in" ? "→ in " : "← out";
      list.append(el("li", { class: `msg ${m.dir}` }, `${arrow} ${m.n}: ${m.text} `,
        el("span", { class: "dim" }, t("at_ms", { ms: ms(m.ms) }))));
    }
    card.append(list);
    if (c.end) {
      const message = c.end.message ? `: ${c.end.message}` : "";
      card.append(el("div", { class: "end", "data-status": c.end.status },
        t("ended", { status: c.end.status, message, ms: ms(c.end.ms) })));
    }
    return card;
  });
  $("#calls").replaceChildren(...cards);
  const lost = missed ? el("span", { class: "missed" }, t("feed_missed", { n: missed })) : "";
  $("#feed-state").replaceChildren(t("feed_events", { n: received }), lost);
}

const feed = new EventSource("/events");
// On every (re)connection the server sends the calls it kept: start afresh.
feed.addEventListener("open", () => { calls.clear(); missed = 0; received = 0; drawLive(); });
feed.addEventListener("message", (message) => onEvent(JSON.parse(message.data)));
feed.addEventListener("error", () => {
  // CLOSED: the server answered something other than the feed (503 when
  // it already feeds as many pages as it will), and the browser gives up.
  const text = feed.readyState === EventSource.CLOSED ? t("feed_refused") : t("feed_lost");
  $("#feed-state").replaceChildren(el("span", { class: "missed" }, text));
});
