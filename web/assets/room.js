// The class on the projector: one row per student, a cell per exercise
// (done, the next one, not yet), from /room, a Server-Sent Events feed that
// sends the whole room first, then each student's row as it changes. Shown
// at /#room; the header's link says how many students reported.
import { t, htmlLang } from "./i18n.js";

const $ = (selector) => document.querySelector(selector);

// A row not reported for this long fades: that student may have left, or
// is stuck without running `progress` again.
const QUIET_MS = 10 * 60 * 1000;

// Every student's last row, by name; `seenAt` is this page's clock.
const students = new Map();
let drawPending = false;

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  for (const child of children) node.append(child);
  return node;
}

// Keeps one row; the server says how long ago it reported (`ago_ms`), so
// that the two machines' clocks need not agree.
function keep(row) {
  students.set(row.name, { ...row, seenAt: Date.now() - row.ago_ms });
}

// The address students report to: the server's address on the network,
// which it sends with the room (this page's own may be 127.0.0.1, the
// projector's laptop, which would send each student to their own).
let share = `http://${location.host}`;

function onEvent(event) {
  if (event.type === "room") {
    students.clear();
    event.students.forEach(keep);
    if (event.share) {
      share = event.share;
      label();
    }
  } else if (event.type === "student") {
    keep(event);
  }
  // At most one draw per frame, however many students report at once.
  if (!drawPending) {
    drawPending = true;
    requestAnimationFrame(draw);
  }
}

// One cell: the exercise's number, its state in colour and in words.
function cell(n, student) {
  const state = student.done.includes(n) ? "done" : student.next === n ? "next" : "todo";
  return el("span", { class: "cell", "data-state": state, title: t(`state_${state}`, { n }), "aria-label": t(`state_${state}`, { n }) }, String(n));
}

function studentRow(student, now) {
  const quietMs = now - student.seenAt;
  const quiet = quietMs > QUIET_MS;
  const cells = el("span", { class: "cells" });
  for (let n = 1; n <= student.total; n += 1) cells.append(cell(n, student));
  const notes = [];
  if (!student.compiles) notes.push(el("span", { class: "broken" }, t("broken")));
  else if (student.next === null) notes.push(el("span", { class: "all-done" }, t("all_done")));
  if (quiet) notes.push(el("span", { class: "quiet" }, t("quiet", { min: Math.floor(quietMs / 60000) })));
  const classes = ["student", student.compiles ? "" : "does-not-compile", quiet ? "stale" : ""].filter(Boolean);
  return el("li", { class: classes.join(" "), "data-name": student.name, "data-compiles": String(student.compiles) },
    el("span", { class: "name", title: student.name }, student.name), cells, el("span", { class: "note" }, ...notes));
}

function draw() {
  drawPending = false;
  const now = Date.now();
  const rows = [...students.values()]
    .sort((a, b) => a.name.localeCompare(b.name, htmlLang))
    .map((student) => studentRow(student, now));
  $("#room-grid").replaceChildren(...rows);
  const n = students.size;
  $("#room-count").textContent = n === 1 ? t("room_count_one") : t("room_count", { n });
  $("#room-link").textContent = t("tab_room", { n });
  $("#room-empty").hidden = n > 0;
  $("#room-share").hidden = n === 0;
}

// The view's fixed words, in this browser's language.
function label() {
  $("#room").lang = htmlLang;
  $("#room-title").replaceChildren(t("room_title"), " ", el("span", { class: "dim" }, t("room_subtitle")));
  $("#room-legend").replaceChildren(
    ...["done", "next", "todo"].map((state) =>
      el("span", { class: "legend" }, el("span", { class: "cell", "data-state": state }, "n"), ` ${t(`legend_${state}`)}`)),
  );
  $("#room-empty").replaceChildren(t("room_empty"), " ",
    el("code", {}, t("room_command", { url: share })));
  // The command stays in view once students report, for latecomers.
  $("#room-share").replaceChildren(el("code", {}, t("room_command", { url: share })));
  $("#calls-link").textContent = t("tab_calls");
}

// /#room shows the class, /#frames the frames (frames.js); anything
// else, the calls.
function route() {
  const room = location.hash === "#room";
  const calls = !room && location.hash !== "#frames";
  $("#room").hidden = !room;
  $("main").hidden = !calls;
  $("#room-link").toggleAttribute("aria-current", room);
  $("#calls-link").toggleAttribute("aria-current", calls);
}

label();
draw();
route();
window.addEventListener("hashchange", route);
// Quiet rows fade with time even when no report comes.
setInterval(draw, 15_000);

const feed = new EventSource("/room");
feed.addEventListener("message", (message) => {
  $("#room-state").textContent = "";
  onEvent(JSON.parse(message.data));
});
feed.addEventListener("error", () => {
  const closed = feed.readyState === EventSource.CLOSED;
  $("#room-state").textContent = t(closed ? "room_refused" : "room_lost");
});
