// The Frames view (/#frames): the HTTP/2 frames of every call made through
// the server's proxy (`cargo run -p web -- --proxy 127.0.0.1:9000`), live,
// from /frames, a Server-Sent Events feed with one event per frame. Drawn
// as a block per connection and in it a lane per stream: stream 0 is the
// connection's own frames (SETTINGS, WINDOW_UPDATE, PING, GOAWAY), each
// other stream is one call (HEADERS, DATA, trailers). A frame's colour and
// arrow say its direction: → to the server, ← to the client.
import { t, htmlLang } from "./i18n.js";

const $ = (selector) => document.querySelector(selector);

// The most frames drawn at once: the oldest go first, and a lane, then a
// connection, left with none goes with it. A long session stays light.
const MAX_FRAMES_SHOWN = 400;

// The frames drawn, oldest first, to remove them in that order.
const shown = [];
let total = 0;
let missed = 0;
// The proxy's address, as the server says (first on /frames); until then
// the one the hint suggests.
let proxy = null;

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  for (const child of children) node.append(child);
  return node;
}

// A connection's block, made when its first event comes.
function connection(conn) {
  let block = document.querySelector(`#frame-conns > [data-conn="${conn}"]`);
  if (!block) {
    block = el("li", { class: "conn", "data-conn": String(conn) },
      el("h3", {}, t("conn_title", { n: conn }), " ", el("span", { class: "agent mono" }), " ",
        el("span", { class: "conn-state dim" })),
      el("ol", { class: "streams" }));
    $("#frame-conns").prepend(block);
  }
  return block;
}

// A stream's lane in its connection's block.
function lane(conn, stream) {
  const streams = connection(conn).querySelector(".streams");
  let row = streams.querySelector(`:scope > [data-stream="${stream}"]`);
  if (!row) {
    const label = stream === 0 ? t("stream_conn") : t("stream_call", { n: stream });
    row = el("li", { class: "stream", "data-stream": String(stream) },
      el("span", { class: "lane-name" }, label, el("span", { class: "method mono" })),
      el("ol", { class: "frames" }));
    streams.append(row);
  }
  return row;
}

// The few words a frame chip shows; all its fields are in its tooltip.
function summary(frame) {
  const fields = new Map(frame.fields);
  const words = [];
  if (frame.kind === "HEADERS") {
    for (const name of [":path", ":status", "grpc-status", "grpc-message"]) {
      if (fields.has(name)) words.push(`${name} ${fields.get(name)}`);
    }
  } else if (frame.kind === "DATA") {
    words.push(t("frame_bytes", { n: frame.length }));
    for (const message of frame.messages) words.push(t("frame_message", { n: message.length }));
  } else {
    for (const [name, value] of frame.fields) words.push(`${name} ${value}`);
  }
  return words.join(" · ");
}

function drawFrame(frame) {
  const row = lane(frame.conn, frame.stream);
  const path = frame.fields.find(([name]) => name === ":path");
  if (path) row.querySelector(".method").textContent = ` ${path[1]}`;
  // Who is calling: each client names itself (tonic/0.14.9, grpc-python/1.x).
  const agent = frame.fields.find(([name]) => name === "user-agent");
  if (agent) connection(frame.conn).querySelector(".agent").textContent = agent[1];
  const arrow = frame.dir === "up" ? "→" : "←";
  const tip = [`${t(frame.dir === "up" ? "dir_up" : "dir_down")}, ${frame.length} B`,
    ...frame.flags, ...frame.fields.map(([name, value]) => `${name}: ${value}`)].join("\n");
  const chip = el("li", { class: `frame ${frame.dir}`, "data-kind": frame.kind, title: tip },
    el("span", { class: "arrow" }, arrow), " ", el("strong", {}, frame.kind),
    frame.flags.length ? el("span", { class: "flags" }, ` ${frame.flags.join(" ")}`) : "",
    el("span", { class: "what" }, ` ${summary(frame)}`));
  row.querySelector(".frames").append(chip);
  shown.push(chip);
  while (shown.length > MAX_FRAMES_SHOWN) forget(shown.shift());
}

// Removes a chip, and its lane and connection if they are left empty.
function forget(chip) {
  const row = chip.closest(".stream");
  chip.remove();
  if (row && !row.querySelector(".frame")) {
    const block = row.closest(".conn");
    row.remove();
    if (block && !block.querySelector(".stream")) block.remove();
  }
}

function onEvent(event) {
  if (event.type === "frame") {
    total += 1;
    drawFrame(event);
  } else if (event.type === "open") {
    connection(event.conn);
  } else if (event.type === "closed") {
    const state = connection(event.conn).querySelector(".conn-state");
    state.textContent = t("conn_closed");
  } else if (event.type === "proxy") {
    proxy = event.addr;
    label();
  } else if (event.type === "missed") {
    missed += event.count;
  }
  $("#frames-empty").hidden = total > 0;
  $("#frames-link").textContent = t("tab_frames", { n: total });
  $("#frames-state").textContent = missed ? t("frames_missed", { n: missed }) : "";
}

// The view's fixed words, in this browser's language.
function label() {
  $("#frames").lang = htmlLang;
  $("#frames-title").replaceChildren(t("frames_title"), " ", el("span", { class: "dim" }, t("frames_subtitle")));
  const client = el("code", {}, `cargo run -p bidi-streaming --bin client -- --addr ${proxy ?? "127.0.0.1:9000"}`);
  if (proxy) {
    $("#frames-empty").replaceChildren(t("frames_point"), " ", client);
  } else {
    $("#frames-empty").replaceChildren(t("frames_empty"), " ",
      el("code", {}, "cargo run -p web -- --proxy 127.0.0.1:9000"), " ", t("frames_then"), " ", client);
  }
  $("#frames-link").textContent = t("tab_frames", { n: total });
}

function route() {
  $("#frames").hidden = location.hash !== "#frames";
  $("#frames-link").toggleAttribute("aria-current", location.hash === "#frames");
}

label();
route();
window.addEventListener("hashchange", route);

const feed = new EventSource("/frames");
feed.addEventListener("message", (message) => onEvent(JSON.parse(message.data)));
feed.addEventListener("error", () => {
  $("#frames-state").textContent = t("frames_lost");
});
