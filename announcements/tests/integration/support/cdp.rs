//! Headless Chromium driven over the Chrome DevTools Protocol: a real browser loads the page,
//! and the test reads what a person would see (the DOM, the text, the layout width, the
//! colours), whether anything ran that should not (a `window` flag), every console error,
//! failed load and CSP violation, and takes full-page screenshots.
//!
//! The protocol runs over a WebSocket (RFC 6455) on the port Chromium writes to
//! `DevToolsActivePort` in its profile directory; the few lines of WebSocket client here
//! (masked text frames out, unmasked frames in) are all it needs.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{json, Value};

/// How long one protocol call or a page load may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// The `chromium` binary, or a panic that says how to install it: a browser test never
/// skips.
pub fn chromium() -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join("chromium"))
            .find(|p| p.is_file())
    });
    found.unwrap_or_else(|| {
        panic!(
            "`chromium` is not installed; the status page's browser tests need it. Install it \
             with: apt-get update && apt-get install -y --no-install-recommends chromium \
             (or run ./scripts/test.sh, which does)"
        )
    })
}

/// A running headless Chromium, killed (and its profile removed) when dropped.
pub struct Browser {
    child: Child,
    port: u16,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts Chromium on a fresh profile with DevTools on a free loopback port.
    pub fn start() -> Self {
        let bin = chromium();
        let profile = tempfile::tempdir().expect("profile directory");
        let child = Command::new(bin)
            .args([
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-extensions",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                "--mute-audio",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromium");
        let port = wait_for_port(profile.path());
        Self {
            child,
            port,
            _profile: profile,
        }
    }

    /// A protocol session on the browser's first page.
    pub fn page(&self) -> Page {
        let list = http_get(self.port, "/json/list");
        let targets: Value = serde_json::from_str(&list).expect("DevTools /json/list is JSON");
        let ws = targets
            .as_array()
            .into_iter()
            .flatten()
            .find(|t| t["type"] == "page")
            .and_then(|t| t["webSocketDebuggerUrl"].as_str())
            .expect("a page target")
            .to_owned();
        let path = ws
            .split_once("/devtools/")
            .map(|(_, p)| format!("/devtools/{p}"))
            .expect("a DevTools WebSocket URL");
        let mut page = Page {
            ws: WebSocket::connect(self.port, &path),
            next_id: 0,
            events: Vec::new(),
        };
        for domain in ["Page.enable", "Runtime.enable", "Log.enable"] {
            page.call(domain, json!({}));
        }
        page
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The DevTools port Chromium writes to its profile once it listens.
fn wait_for_port(profile: &Path) -> u16 {
    let file = profile.join("DevToolsActivePort");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(port) = std::fs::read_to_string(&file)
            .ok()
            .and_then(|t| t.lines().next().and_then(|l| l.trim().parse().ok()))
        {
            return port;
        }
        assert!(
            Instant::now() < deadline,
            "chromium wrote no DevToolsActivePort within 30 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A plain HTTP/1.1 GET on loopback; the body (DevTools keeps the connection open, so the
/// body is read to its `Content-Length`).
fn http_get(port: u16, path: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect to DevTools");
    s.set_read_timeout(Some(CALL_TIMEOUT)).expect("timeout");
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut reader = BufReader::new(s);
    let mut length = 0;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).expect("DevTools header");
        if line == "\r\n" || line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                length = v.trim().parse().expect("Content-Length");
            }
        }
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).expect("DevTools body");
    String::from_utf8(body).expect("UTF-8 body")
}

/// The client end of a WebSocket: text messages out (masked, as RFC 6455 requires of
/// clients) and in.
struct WebSocket {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl WebSocket {
    fn connect(port: u16, path: &str) -> Self {
        let s = TcpStream::connect(("127.0.0.1", port)).expect("connect to DevTools");
        s.set_read_timeout(Some(CALL_TIMEOUT)).expect("timeout");
        let mut writer = s.try_clone().expect("clone stream");
        write!(
            writer,
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n\
             Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
             Sec-WebSocket-Version: 13\r\n\r\n"
        )
        .expect("send handshake");
        let mut reader = BufReader::new(s);
        let mut status = String::new();
        reader.read_line(&mut status).expect("handshake answer");
        assert!(status.contains(" 101 "), "WebSocket refused: {status}");
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).expect("handshake header");
            if line == "\r\n" || line.is_empty() {
                break;
            }
        }
        Self { reader, writer }
    }

    fn send(&mut self, text: &str) {
        let payload = text.as_bytes();
        let mask = [0x37u8, 0xfa, 0x21, 0x3d];
        let mut frame = vec![0x81u8];
        match payload.len() {
            n if n < 126 => frame.push(0x80 | n as u8),
            n if n <= 0xffff => {
                frame.push(0x80 | 126);
                frame.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                frame.push(0x80 | 127);
                frame.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        frame.extend_from_slice(&mask);
        frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        self.writer.write_all(&frame).expect("send frame");
    }

    /// The next whole text message (continuation frames joined; pings and pongs skipped).
    fn recv(&mut self) -> String {
        let mut message = Vec::new();
        loop {
            let mut head = [0u8; 2];
            self.reader.read_exact(&mut head).expect("frame header");
            let (fin, opcode) = (head[0] & 0x80 != 0, head[0] & 0x0f);
            let len = match head[1] & 0x7f {
                126 => {
                    let mut b = [0u8; 2];
                    self.reader.read_exact(&mut b).expect("length");
                    u64::from(u16::from_be_bytes(b))
                }
                127 => {
                    let mut b = [0u8; 8];
                    self.reader.read_exact(&mut b).expect("length");
                    u64::from_be_bytes(b)
                }
                n => u64::from(n),
            };
            let mut payload = vec![0u8; usize::try_from(len).expect("frame size")];
            self.reader.read_exact(&mut payload).expect("frame payload");
            match opcode {
                0x8 => panic!("DevTools closed the connection"),
                0x9 | 0xa => continue,
                _ => message.extend_from_slice(&payload),
            }
            if fin {
                return String::from_utf8(message).expect("UTF-8 message");
            }
        }
    }
}

/// One page of the browser, over the protocol; events are kept for the checks.
pub struct Page {
    ws: WebSocket,
    next_id: u64,
    events: Vec<Value>,
}

/// What the browser saw going wrong on a page: console errors, uncaught exceptions, log
/// entries at error level (failed loads, CSP violations).
pub type Problems = Vec<String>;

impl Page {
    /// Calls `method`; its result (a protocol error fails the test).
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.ws
            .send(&json!({"id": id, "method": method, "params": params}).to_string());
        loop {
            let msg: Value = serde_json::from_str(&self.ws.recv()).expect("protocol JSON");
            if msg["id"] == id {
                assert!(msg["error"].is_null(), "{method}: {}", msg["error"]);
                return msg["result"].clone();
            }
            self.events.push(msg);
        }
    }

    /// Emulates a screen `width`×`height` (a phone: touch viewport, `mobile`), light or dark.
    pub fn screen(&mut self, width: u32, height: u32, mobile: bool, dark: bool) {
        self.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile}),
        );
        let scheme = if dark { "dark" } else { "light" };
        self.call(
            "Emulation.setEmulatedMedia",
            json!({"features": [{"name": "prefers-color-scheme", "value": scheme}]}),
        );
    }

    /// Loads `url` and waits for its load event; what went wrong while it loaded.
    pub fn open(&mut self, url: &str) -> Problems {
        self.events.clear();
        let nav = self.call("Page.navigate", json!({"url": url}));
        assert!(nav["errorText"].is_null(), "{url}: {}", nav["errorText"]);
        let deadline = Instant::now() + CALL_TIMEOUT;
        while !self
            .events
            .iter()
            .any(|e| e["method"] == "Page.loadEventFired")
        {
            assert!(Instant::now() < deadline, "{url} did not load in time");
            let msg: Value = serde_json::from_str(&self.ws.recv()).expect("protocol JSON");
            self.events.push(msg);
        }
        // Anything the page does after load (error handlers of images) has run by the
        // time this round trip comes back.
        self.eval("new Promise(r => setTimeout(() => r(1), 300))");
        self.problems()
    }

    /// The value of a JavaScript expression in the page (promises awaited).
    pub fn eval(&mut self, expression: &str) -> Value {
        let r = self.call(
            "Runtime.evaluate",
            json!({"expression": expression, "returnByValue": true, "awaitPromise": true}),
        );
        assert!(
            r["exceptionDetails"].is_null(),
            "{expression}: {}",
            r["exceptionDetails"]
        );
        r["result"]["value"].clone()
    }

    fn problems(&self) -> Problems {
        let mut out = Vec::new();
        for e in &self.events {
            let p = &e["params"];
            match e["method"].as_str() {
                Some("Runtime.consoleAPICalled")
                    if matches!(p["type"].as_str(), Some("error" | "assert")) =>
                {
                    out.push(format!("console.{}: {}", p["type"], p["args"]));
                }
                Some("Runtime.exceptionThrown") => {
                    out.push(format!("exception: {}", p["exceptionDetails"]));
                }
                Some("Log.entryAdded") if p["entry"]["level"] == "error" => {
                    out.push(format!(
                        "{}: {} ({})",
                        p["entry"]["source"], p["entry"]["text"], p["entry"]["url"]
                    ));
                }
                _ => {}
            }
        }
        out
    }

    /// A PNG of the whole page (not only the screen) at `path`.
    pub fn screenshot(&mut self, path: &Path) {
        self.screenshot_top(path, f64::INFINITY);
    }

    /// A PNG of the page's top, at most `height` CSS pixels of it, at `path`.
    pub fn screenshot_top(&mut self, path: &Path, height: f64) {
        let m = self.call("Page.getLayoutMetrics", json!({}));
        let size = &m["cssContentSize"];
        let full = size["height"].as_f64().unwrap_or(height);
        let shot = self.call(
            "Page.captureScreenshot",
            json!({
                "format": "png",
                "captureBeyondViewport": true,
                "clip": {"x": 0, "y": 0, "width": size["width"], "height": full.min(height), "scale": 1},
            }),
        );
        let png = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().expect("screenshot data"))
            .expect("base64 PNG");
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("artefact directory");
        }
        std::fs::write(path, png).expect("write screenshot");
    }
}
