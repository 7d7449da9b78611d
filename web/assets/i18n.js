// The page's words, in English and Brazilian Portuguese, in one table: the
// browser's language chooses (navigator.language starting with "pt", as
// "pt-BR" does, speaks Portuguese; any other, English). The class view uses
// it; the rest of the page can move its text here, key by key.
export const STRINGS = {
  en: {
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
