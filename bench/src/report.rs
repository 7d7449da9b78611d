//! Showing the figures: a table on the terminal, JSON for later, and the
//! side-by-side `BENCHMARKS.md` with its plots.

use std::{fmt::Write as _, path::Path};

use crate::{
    figures::{Figures, Results, number, ratio},
    load::Outcome,
    peers,
};

/// Prints one run's figures as a small table.
pub fn print(outcome: &Outcome) {
    let f = Figures::of(outcome);
    println!(
        "{:<14} {:>5} conn x {:<5} {:>10} calls {:>12.0} calls/s {:>12.0} msgs/s   p50 {} µs  p90 {} µs  p99 {} µs  max {} µs",
        f.call,
        f.connections,
        f.in_flight,
        f.calls,
        f.calls_per_s,
        f.messages_per_s,
        f.p50_us,
        f.p90_us,
        f.p99_us,
        f.max_us
    );
    for (code, n) in &f.errors {
        println!("  {n} calls failed with {code}");
    }
}

/// Saves one run's figures as JSON.
pub fn save(outcome: &Outcome, path: &Path) -> Result<(), String> {
    let json = serde_json::to_string_pretty(&Figures::of(outcome)).map_err(|e| e.to_string())?;
    std::fs::write(path, json).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Reads every JSON file in `results` and writes `out` (BENCHMARKS.md) and
/// the SVG plots in `bench/`.
pub fn write_benchmarks(results: &Path, out: &Path) -> Result<(), String> {
    let results_dir = results;
    let results = Results::read(results_dir)?;
    let levels = results.levels();
    let runs = results.count("ours", "unary") / levels.len().max(1);

    let mut md = String::new();
    let _ = writeln!(md, "# Benchmarks\n");
    let _ = writeln!(
        md,
        "Written by `bash bench/compare.sh` (its last step is `bench report`); run that one command on your \
         machine to get your own figures. Every figure from the load generators is the median of {runs} runs, \
         interleaved: all the servers run at once, and each run visits every server before the next run \
         starts (memory and instruction counts: one run each, as their sections say). The load \
         generators and the servers share the machine, as they would on a student's laptop.\n\n\
         The servers: ours (the lessons' release builds), a bare tonic server (`bench bare-server`: the same \
         generated code with none of our plumbing), grpc-go (`bench/peers/go`), Node's @grpc/grpc-js \
         (`bench/peers/node`) and the note's Python server (`interop/all_kinds_server.py`: grpcio, \
         `ThreadPoolExecutor(max_workers=10)`, without its per-call `print`, as ours run with logging at \
         `warn`). Two load generators: ours (`bench`, a tonic client) and h2load, a raw HTTP/2 load tool that \
         shares none of tonic's code.\n"
    );
    let _ = writeln!(md, "## The machine\n\n{}\n", machine());

    let peers = peers::Peers::read(results_dir);
    peers::goals(&mut md, &results, &peers);

    // Unary calls under our load generator, every server.
    let _ = writeln!(md, "## Unary calls under our load generator\n");
    let _ = writeln!(
        md,
        "| calls at once | ours / bare tonic | ours / grpc-go | ours / Node | ours / Python | ours (calls/s) | bare tonic | grpc-go | Node | Python |"
    );
    let _ = writeln!(md, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let servers = [
        ("ours", "ours", "#d9480f"),
        ("bare", "bare tonic", "#868e96"),
        ("go", "grpc-go", "#0ca678"),
        ("node", "Node (grpc-js)", "#7048e8"),
        ("python", "Python (grpcio)", "#1971c2"),
    ];
    let mut unary_series: Vec<_> = servers
        .iter()
        .map(|(_, name, color)| (*name, *color, Vec::new()))
        .collect();
    for &level in &levels {
        let rate = |label| results.median(label, "unary", level, |f| f.calls_per_s);
        let ours = rate("ours");
        let _ = writeln!(
            md,
            "| {level} | {} | {} | {} | **{}** | {} | {} | {} | {} | {} |",
            ratio(ours, rate("bare")),
            ratio(ours, rate("go")),
            ratio(ours, rate("node")),
            ratio(ours, rate("python")),
            number(ours),
            number(rate("bare")),
            number(rate("go")),
            number(rate("node")),
            number(rate("python")),
        );
        for (series, (label, _, _)) in unary_series.iter_mut().zip(&servers) {
            series.2.push(rate(label));
        }
    }
    let _ = writeln!(md, "\nLatency of those calls, p50 (µs):\n");
    let _ = writeln!(
        md,
        "| calls at once | ours | bare tonic | grpc-go | Node | Python |"
    );
    let _ = writeln!(md, "|---:|---:|---:|---:|---:|---:|");
    for &level in &levels {
        let p50 = |label| number(results.median(label, "unary", level, |f| f.p50_us as f64));
        let _ = writeln!(
            md,
            "| {level} | {} | {} | {} | {} | {} |",
            p50("ours"),
            p50("bare"),
            p50("go"),
            p50("node"),
            p50("python")
        );
    }
    let svg = line_chart(
        "say_hello: calls per second",
        "calls at once",
        &levels,
        &unary_series,
    );
    write_svg(out, "unary-vs-python.svg", &svg)?;
    let _ = writeln!(
        md,
        "\n![calls per second against concurrency](bench/unary-vs-python.svg)\n"
    );

    peers::h2load(&mut md, &peers);
    peers::streaming(&mut md, &results, &levels);
    peers::memory(&mut md, &peers);
    peers::cpu(&mut md, &peers);

    // What authentication and encryption cost.
    let extras: Vec<_> = ["ours", "ours-token", "ours-tls"]
        .iter()
        .filter_map(|label| {
            let rate = results.median(label, "unary", 16, |f| f.calls_per_s)?;
            let p50 = results.median(label, "unary", 16, |f| f.p50_us as f64);
            Some((*label, rate, p50))
        })
        .collect();
    if extras.len() > 1 {
        let _ = writeln!(md, "## What a token and TLS cost\n");
        let _ = writeln!(
            md,
            "Our unary server, 16 calls at once, plain, with `--token`, and with `--tls` (the load \
             generator sends the token, or speaks TLS, too). On a small machine shared with the load \
             generator, repeated runs of one setting differ by up to about 20%: read smaller \
             differences as noise.\n"
        );
        let _ = writeln!(md, "| server | calls/s | against plain | p50 (µs) |");
        let _ = writeln!(md, "|---|---:|---:|---:|");
        let plain = extras[0].1;
        for (label, rate, p50) in &extras {
            let _ = writeln!(
                md,
                "| {label} | {} | {:.2}× | {} |",
                number(Some(*rate)),
                rate / plain,
                number(*p50)
            );
        }
        let _ = writeln!(md);
    }

    // Our four kinds.
    let _ = writeln!(md, "## Our four kinds\n");
    let _ = writeln!(
        md,
        "Messages per second: a unary call carries one, a streamed call `--count` (1,000 here), a chat round trip one each way.\n"
    );
    let _ = writeln!(
        md,
        "| calls at once | unary (msgs/s) | server-stream (msgs/s) | client-stream (msgs/s) | chat (round trips/s) | chat p50 (µs) | chat p99 (µs) |"
    );
    let _ = writeln!(md, "|---:|---:|---:|---:|---:|---:|---:|");
    let kinds = [
        ("unary", "#d9480f"),
        ("server-stream", "#2f9e44"),
        ("client-stream", "#7048e8"),
        ("chat", "#1971c2"),
    ];
    let mut kind_series: Vec<_> = kinds
        .iter()
        .map(|(name, color)| (*name, *color, Vec::new()))
        .collect();
    for &level in &levels {
        let rate = |call| results.median("ours", call, level, |f| f.messages_per_s);
        let chat = |figure: fn(&Figures) -> u64| {
            results.median("ours", "chat", level, |f| figure(f) as f64)
        };
        let _ = writeln!(
            md,
            "| {level} | {} | {} | {} | {} | {} | {} |",
            number(rate("unary")),
            number(rate("server-stream")),
            number(rate("client-stream")),
            number(rate("chat")),
            number(chat(|f| f.p50_us)),
            number(chat(|f| f.p99_us))
        );
        for series in &mut kind_series {
            series.2.push(rate(series.0));
        }
    }
    let svg = line_chart(
        "our four kinds: messages per second",
        "calls at once",
        &levels,
        &kind_series,
    );
    write_svg(out, "four-kinds.svg", &svg)?;
    let _ = writeln!(
        md,
        "\n![messages per second of the four kinds](bench/four-kinds.svg)\n"
    );

    // Whatever the script measured besides (memory, build cost), and how.
    for extra in ["notes.md", "commands.md"] {
        if let Ok(text) = std::fs::read_to_string(results_dir.join(extra)) {
            let _ = writeln!(md, "{text}");
        }
    }
    // What the figures against the goals mean, and a profile taken by hand
    // (see the file for how), kept beside the code.
    for hand_written in ["peers-notes.md", "profile.md", "transfer.md"] {
        let path = out
            .parent()
            .unwrap_or(Path::new("."))
            .join("bench")
            .join(hand_written);
        if let Ok(text) = std::fs::read_to_string(path) {
            let _ = writeln!(md, "{text}");
        }
    }
    std::fs::write(out, md).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    println!("wrote {} and its plots in bench/", out.display());
    Ok(())
}

fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split_once(':'))
                .map(|(_, model)| model.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    format!(
        "{cores} cores, {cpu}, {} {}",
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}

fn write_svg(out: &Path, name: &str, svg: &str) -> Result<(), String> {
    let dir = out.parent().unwrap_or(Path::new(".")).join("bench");
    std::fs::write(dir.join(name), svg).map_err(|e| format!("cannot write {name}: {e}"))
}

/// A line chart as SVG, by hand: x at even steps (one per concurrency
/// level), y on a log scale so that figures far apart both show.
fn line_chart(
    title: &str,
    x_label: &str,
    xs: &[usize],
    series: &[(&str, &str, Vec<Option<f64>>)],
) -> String {
    let (width, height, left, right, top, bottom) = (720.0, 420.0, 80.0, 170.0, 40.0, 50.0);
    let values: Vec<f64> = series
        .iter()
        .flat_map(|s| s.2.iter().flatten().copied())
        .filter(|v| *v > 0.0)
        .collect();
    let lo = values
        .iter()
        .copied()
        .fold(f64::INFINITY, f64::min)
        .max(1.0)
        .log10()
        .floor();
    let hi = values
        .iter()
        .copied()
        .fold(1.0, f64::max)
        .log10()
        .ceil()
        .max(lo + 1.0);
    let x_of = |i: usize| left + (width - left - right) * (i as f64 + 0.5) / xs.len().max(1) as f64;
    let y_of = |v: f64| top + (height - top - bottom) * (hi - v.log10()) / (hi - lo);

    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"{left}\" y=\"24\" font-size=\"15\">{title} (log scale)</text>\n"
    );
    for decade in lo as i32..=hi as i32 {
        let y = y_of(10f64.powi(decade));
        let _ = writeln!(
            svg,
            "<line x1=\"{left}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"#dee2e6\"/><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            width - right,
            left - 6.0,
            y + 4.0,
            number(Some(10f64.powi(decade)))
        );
    }
    for (i, x) in xs.iter().enumerate() {
        let _ = writeln!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{x}</text>",
            x_of(i),
            height - bottom + 18.0
        );
    }
    let _ = writeln!(
        svg,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{x_label}</text>",
        (left + width - right) / 2.0,
        height - 10.0
    );
    for (n, (name, color, points)) in series.iter().enumerate() {
        let path: Vec<String> = points
            .iter()
            .enumerate()
            .filter_map(|(i, v)| {
                v.filter(|v| *v > 0.0)
                    .map(|v| format!("{:.1},{:.1}", x_of(i), y_of(v)))
            })
            .collect();
        let _ = writeln!(
            svg,
            "<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2.5\" points=\"{}\"/>",
            path.join(" ")
        );
        for point in &path {
            let (x, y) = point.split_once(',').unwrap_or(("0", "0"));
            let _ = writeln!(
                svg,
                "<circle cx=\"{x}\" cy=\"{y}\" r=\"3.5\" fill=\"{color}\"/>"
            );
        }
        let ly = top + 20.0 * n as f64 + 10.0;
        let lx = width - right + 15.0;
        let _ = writeln!(
            svg,
            "<line x1=\"{lx}\" y1=\"{ly}\" x2=\"{}\" y2=\"{ly}\" stroke=\"{color}\" stroke-width=\"2.5\"/><text x=\"{}\" y=\"{}\">{name}</text>",
            lx + 20.0,
            lx + 26.0,
            ly + 4.0
        );
    }
    svg.push_str("</svg>\n");
    svg
}
