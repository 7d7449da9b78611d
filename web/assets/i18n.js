// The page's words, in English and Brazilian Portuguese, in one table: the
// browser's language chooses (navigator.language starting with "pt", as
// "pt-BR" does, speaks Portuguese; any other, English). Every word the page
// shows is here: index.html names its static text by key (data-i18n), and
// the scripts call t(). What travels on the wire (a reply's "Hello, 7!", a
// status name, a header) is shown as it came, in neither language.
export const STRINGS = {
  en: {
    title: "gRPC, drawn live",
    feed_connecting: "connecting to the live feed…",
    try_title: "Try it",
    try_subtitle: "gRPC-Web from this page",
    try_hint: "Tab and Enter work. Client and bidi streaming cannot run in a browser (fetch cannot stream a request body): run a CLI client, and watch Live.",
    diagram_empty: "Each call is drawn here: the request, the response headers, each message with its time, the trailers and the status.",
    live_title: "Live",
    live_subtitle: "every call this server receives",
    calling: "calling…",
    lane_page: "this page",
    lane_server: "server",
    request_row: "application/grpc-web+proto, one message ({bytes} bytes)",
    headers_row: "HTTP {status}, response headers",
    so_far_one: "1 message so far…",
    so_far: "{n} messages so far…",
    message_row: "message {n}: \"{text}\"",
    bytes: "{n} bytes",
    where_trailers: "trailers, in the body (frame flag 0x80)",
    where_headers: "trailers-only: the status in the headers",
    where_none: "no trailers came",
    summary_one: "{status}: 1 message in {ms}",
    summary: "{status}: {n} messages in {ms}",
    from_peer: "{protocol} from {peer}",
    earlier: "… {n} earlier messages",
    at_ms: "at {ms}",
    ended: "{status}{message} in {ms}",
    feed_events: "live feed: {n} events",
    feed_missed: " · missed {n} events (this page fell behind)",
    feed_refused: "live feed refused by the server (GET /events says why): reload to try again",
    feed_lost: "live feed lost: reconnecting…",
    tab_calls: "Calls",
    tab_room: "Class ({n})",
    room_title: "The class",
    room_subtitle: "each student's exercises, as their workshop reports them",
    room_count_one: "1 student",
    room_count: "{n} students",
    room_empty: "No student has reported yet. Each student runs:",
    room_command: "cargo run -p workshop -- progress --share {url} --name NAME",
    legend_done: "done",
    legend_next: "next",
    legend_todo: "not yet",
    state_done: "exercise {n}: done",
    state_next: "exercise {n}: next",
    state_todo: "exercise {n}: not yet",
    broken: "does not compile",
    all_done: "all done",
    quiet: "quiet for {min} min",
    room_lost: "room feed lost: reconnecting…",
    room_refused: "room feed refused by the server (GET /room says why): reload to try again",
  },
  pt: {
    title: "gRPC, desenhado ao vivo",
    feed_connecting: "conectando ao feed ao vivo…",
    try_title: "Experimente",
    try_subtitle: "gRPC-Web a partir desta página",
    try_hint: "Tab e Enter funcionam. Streaming do cliente e bidirecional não rodam num navegador (o fetch não manda o corpo de um pedido como stream): rode um cliente de linha de comando, e veja em Ao vivo.",
    diagram_empty: "Cada chamada é desenhada aqui: o pedido, os cabeçalhos da resposta, cada mensagem com o seu tempo, os trailers e o status.",
    live_title: "Ao vivo",
    live_subtitle: "cada chamada que este servidor recebe",
    calling: "chamando…",
    lane_page: "esta página",
    lane_server: "servidor",
    request_row: "application/grpc-web+proto, uma mensagem ({bytes} bytes)",
    headers_row: "HTTP {status}, cabeçalhos da resposta",
    so_far_one: "1 mensagem até agora…",
    so_far: "{n} mensagens até agora…",
    message_row: "mensagem {n}: \"{text}\"",
    bytes: "{n} bytes",
    where_trailers: "trailers, no corpo (flag de quadro 0x80)",
    where_headers: "só trailers: o status nos cabeçalhos",
    where_none: "nenhum trailer chegou",
    summary_one: "{status}: 1 mensagem em {ms}",
    summary: "{status}: {n} mensagens em {ms}",
    from_peer: "{protocol} de {peer}",
    earlier: "… {n} mensagens antes",
    at_ms: "em {ms}",
    ended: "{status}{message} em {ms}",
    feed_events: "feed ao vivo: {n} eventos",
    feed_missed: " · {n} eventos perdidos (esta página ficou para trás)",
    feed_refused: "feed ao vivo recusado pelo servidor (GET /events diz por quê): recarregue para tentar de novo",
    feed_lost: "feed ao vivo perdido: reconectando…",
    tab_calls: "Chamadas",
    tab_room: "Turma ({n})",
    room_title: "A turma",
    room_subtitle: "os exercícios de cada aluno, conforme o workshop de cada um informa",
    room_count_one: "1 aluno",
    room_count: "{n} alunos",
    room_empty: "Nenhum aluno informou ainda. Cada aluno roda:",
    room_command: "cargo run -p workshop -- progress --share {url} --name NOME",
    legend_done: "feito",
    legend_next: "próximo",
    legend_todo: "ainda não",
    state_done: "exercício {n}: feito",
    state_next: "exercício {n}: próximo",
    state_todo: "exercício {n}: ainda não",
    broken: "não compila",
    all_done: "tudo feito",
    quiet: "sem notícias há {min} min",
    room_lost: "feed da turma perdido: reconectando…",
    room_refused: "feed da turma recusado pelo servidor (GET /room diz por quê): recarregue para tentar de novo",
  },
};

// "pt" or "en": this browser's language, if we speak it.
export const lang = (navigator.language || "en").toLowerCase().startsWith("pt") ? "pt" : "en";

// The value of an element's `lang` attribute for text in `lang`.
export const htmlLang = lang === "pt" ? "pt-BR" : "en";

// The text of `key` in this browser's language, each {name} replaced by
// values[name]: t("room_count", { n: 30 }) is "30 students" or "30 alunos".
export function t(key, values = {}) {
  const text = STRINGS[lang][key] ?? STRINGS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

// Puts this language's words into the page's static text: each element
// with data-i18n="key" gets t(key), and the page says which language it is in.
export function translatePage() {
  document.documentElement.lang = htmlLang;
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  document.title = `${t("title")}: hello.DoStuff`;
}
