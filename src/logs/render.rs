//! Writing lines to stdout: text (`NAME | line`, the name coloured per container and the
//! line by level when stdout is a terminal and `NO_COLOR` is unset) or, with `--json`, one
//! JSON object per line. A reader that goes away (`| head`) ends the output quietly.

use std::collections::HashMap;
use std::io::{self, BufWriter, IsTerminal, Write};

use super::entry::Entry;
use super::level::Level;
use super::time;

/// Container name colours (ANSI), in the order containers are first shown; red and yellow
/// are left to error and warning lines.
const PALETTE: [&str; 8] = ["36", "32", "35", "34", "96", "92", "95", "94"];

/// How lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Style {
    /// One JSON object per line.
    pub json: bool,
    /// ANSI colours.
    pub colour: bool,
    /// Each line's time before it (text).
    pub timestamps: bool,
    /// The container name before each line (text).
    pub prefix: bool,
}

impl Style {
    /// Whether stdout gets colours: a terminal, and `NO_COLOR` unset or empty.
    pub fn colour_on_stdout() -> bool {
        io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
    }
}

/// Writes entries to `W` (stdout, buffered).
pub struct Printer<W: Write> {
    out: W,
    style: Style,
    width: usize,
    colours: HashMap<String, &'static str>,
    closed: bool,
    /// Why stdout closed, if a write failed.
    error: Option<io::Error>,
}

impl Printer<BufWriter<io::Stdout>> {
    /// A printer on stdout; `names` are the containers known up front (for the prefix width
    /// and colours).
    pub fn stdout(style: Style, names: &[&str]) -> Self {
        Self::new(BufWriter::new(io::stdout()), style, names)
    }
}

impl<W: Write> Printer<W> {
    pub fn new(out: W, style: Style, names: &[&str]) -> Self {
        let mut p = Self {
            out,
            style,
            width: 0,
            colours: HashMap::new(),
            closed: false,
            error: None,
        };
        for n in names {
            p.colour_of(n);
        }
        p
    }

    /// The colour of container `name` (assigned on first sight), widening the prefix.
    fn colour_of(&mut self, name: &str) -> &'static str {
        self.width = self.width.max(name.chars().count());
        let next = PALETTE[self.colours.len() % PALETTE.len()];
        self.colours.entry(name.to_owned()).or_insert(next)
    }

    /// Writes `e`; false once stdout is closed (nothing more will be written).
    pub fn print(&mut self, e: &Entry) -> bool {
        if self.closed {
            return false;
        }
        let text = if self.style.json {
            json_line(e)
        } else {
            self.text_line(e)
        };
        self.write(text.as_bytes())
    }

    /// Flushes what is buffered; false once stdout is closed.
    pub fn flush(&mut self) -> bool {
        if !self.closed {
            let r = self.out.flush();
            self.fail_on(r);
        }
        !self.closed
    }

    /// Why stdout closed: `None` while open, else the write error (a broken pipe when the
    /// reader went away).
    pub fn error(&self) -> Option<&io::Error> {
        self.error.as_ref()
    }

    fn write(&mut self, bytes: &[u8]) -> bool {
        let r = self.out.write_all(bytes);
        self.fail_on(r);
        !self.closed
    }

    fn fail_on(&mut self, r: io::Result<()>) {
        if let Err(e) = r {
            self.closed = true;
            self.error = Some(e);
        }
    }

    fn text_line(&mut self, e: &Entry) -> String {
        let mut s = String::with_capacity(e.line.len() + 48);
        if self.style.prefix {
            let colour = self.colour_of(&e.container);
            let padded = format!("{:<w$} | ", e.container, w = self.width);
            s.push_str(&paint(&padded, self.style.colour.then_some(colour)));
        }
        if self.style.timestamps {
            s.push_str(&time::rfc3339(e.time));
            s.push(' ');
        }
        let colour = self.style.colour.then(|| level_colour(e.level)).flatten();
        s.push_str(&paint(&e.line, colour));
        s.push('\n');
        s
    }
}

/// The ANSI colour of a line at `level`, if it gets one.
fn level_colour(level: Level) -> Option<&'static str> {
    match level {
        Level::Error => Some("31"),
        Level::Warn => Some("33"),
        Level::Debug => Some("90"),
        Level::Info => None,
    }
}

/// `s` in `colour`, or plain.
fn paint(s: &str, colour: Option<&str>) -> String {
    match colour {
        Some(c) => format!("\x1b[{c}m{s}\x1b[0m"),
        None => s.to_owned(),
    }
}

/// `e` as one JSON object: time (RFC 3339, nanoseconds), container, stream, level, line.
pub fn json_line(e: &Entry) -> String {
    let mut s = serde_json::json!({
        "time": time::rfc3339(e.time),
        "container": e.container,
        "stream": e.stream,
        "level": e.level,
        "line": e.line,
    })
    .to_string();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::entry::{entry, Stream};

    fn render(style: Style, names: &[&str], entries: &[Entry]) -> String {
        let mut buf = Vec::new();
        let mut p = Printer::new(&mut buf, style, names);
        for e in entries {
            assert!(p.print(e));
        }
        assert!(p.flush());
        drop(p);
        String::from_utf8(buf).expect("utf-8")
    }

    #[test]
    fn text_has_padded_prefixes_and_no_colour_unless_asked() {
        let style = Style {
            prefix: true,
            ..Style::default()
        };
        let out = render(
            style,
            &["db", "vllm-qwen"],
            &[entry(1, "db", "ready"), entry(2, "vllm-qwen", "ERROR boom")],
        );
        assert_eq!(out, "db        | ready\nvllm-qwen | ERROR boom\n");
        let plain = render(Style::default(), &["db"], &[entry(1, "db", "ready")]);
        assert_eq!(plain, "ready\n");
    }

    #[test]
    fn colours_go_to_names_and_levels_and_times_are_optional() {
        let style = Style {
            colour: true,
            prefix: true,
            timestamps: true,
            json: false,
        };
        let out = render(style, &["a"], &[entry(1_000_000_000, "a", "WARN low disk")]);
        assert_eq!(
            out,
            "\x1b[36ma | \x1b[0m1970-01-01T00:00:01.000000000Z \x1b[33mWARN low disk\x1b[0m\n"
        );
    }

    #[test]
    fn json_lines_have_the_five_fields() {
        let mut e = entry(7, "db", "FATAL: \"x\"");
        e.stream = Stream::Stderr;
        let line = json_line(&e);
        assert!(line.ends_with('\n') && line.matches('\n').count() == 1);
        let v: serde_json::Value = serde_json::from_str(&line).expect("json");
        assert_eq!(v["time"], "1970-01-01T00:00:00.000000007Z");
        assert_eq!(v["container"], "db");
        assert_eq!(v["stream"], "stderr");
        assert_eq!(v["level"], "error");
        assert_eq!(v["line"], "FATAL: \"x\"");
        assert_eq!(v.as_object().map(serde_json::Map::len), Some(5));
    }

    #[test]
    fn a_closed_reader_stops_output() {
        struct Closed;
        impl Write for Closed {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::Error::from(io::ErrorKind::BrokenPipe))
            }
            fn flush(&mut self) -> io::Result<()> {
                Err(io::Error::from(io::ErrorKind::BrokenPipe))
            }
        }
        let mut p = Printer::new(Closed, Style::default(), &[]);
        assert!(!p.print(&entry(1, "a", "x")));
        assert!(!p.print(&entry(2, "a", "y")));
        assert!(!p.flush());
        assert_eq!(
            p.error().map(io::Error::kind),
            Some(io::ErrorKind::BrokenPipe)
        );
    }
}
