//! Safe text out of user input: announcements are plain text or limited Markdown, and no
//! HTML or script written into them ever comes back unescaped: HTML output is escaped and
//! then gets only the Markdown we render, JSON escapes `<`, `>` and `&`, metric labels and
//! Grafana annotations carry plain text with tags removed.

/// Text with HTML tags removed and any stray `<` / `>` dropped; control characters become
/// spaces. For metric labels, Grafana annotations and terminal output.
pub fn plain(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            '>' => {}
            _ if in_tag => {}
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// `s` escaped for HTML text and attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// JSON text with `<`, `>` and `&` written as `\u003c`, `\u003e`, `\u0026` (they can only
/// occur inside strings), so a consumer that pastes a value into HTML gets no markup.
pub fn json_safe(json: String) -> String {
    if !json.contains(['<', '>', '&']) {
        return json;
    }
    json.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// Limited Markdown to HTML: paragraphs, `- ` lists, `**bold**`, `*emphasis*`, `` `code` ``
/// and `[text](https://…)` links. Everything is escaped first; links other than http(s)
/// stay text.
pub fn markdown_html(src: &str) -> String {
    let mut out = String::new();
    for block in src.replace("\r\n", "\n").split("\n\n") {
        let lines: Vec<&str> = block.lines().filter(|l| !l.trim().is_empty()).collect();
        if lines.is_empty() {
            continue;
        }
        let is_list = lines
            .iter()
            .all(|l| l.trim_start().starts_with("- ") || l.trim_start().starts_with("* "));
        if is_list {
            out.push_str("<ul>");
            for l in lines {
                out.push_str("<li>");
                out.push_str(&inline(&l.trim_start()[2..]));
                out.push_str("</li>");
            }
            out.push_str("</ul>");
        } else {
            let text: Vec<String> = lines.iter().map(|l| inline(l.trim())).collect();
            out.push_str("<p>");
            out.push_str(&text.join("<br>"));
            out.push_str("</p>");
        }
    }
    out
}

/// Inline Markdown of one escaped line.
fn inline(line: &str) -> String {
    let escaped = escape_html(line);
    let linked = links(&escaped);
    let coded = pairs(&linked, "`", "<code>", "</code>");
    let bold = pairs(&coded, "**", "<strong>", "</strong>");
    pairs(&bold, "*", "<em>", "</em>")
}

/// Wraps text between matched `mark`s in `open` / `close`; an unmatched mark stays.
fn pairs(s: &str, mark: &str, open: &str, close: &str) -> String {
    let parts: Vec<&str> = s.split(mark).collect();
    if parts.len() < 3 {
        return s.to_owned();
    }
    let mut out = String::new();
    let pairs_end = if parts.len() % 2 == 1 {
        parts.len()
    } else {
        parts.len() - 1
    };
    for (i, p) in parts[..pairs_end].iter().enumerate() {
        if i > 0 {
            out.push_str(if i % 2 == 1 { open } else { close });
        }
        out.push_str(p);
    }
    if pairs_end < parts.len() {
        out.push_str(mark);
        out.push_str(parts[pairs_end]);
    }
    out
}

/// `[text](url)` on escaped text to links, for http(s) URLs only.
fn links(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(open) = rest.find('[') {
        let after = &rest[open + 1..];
        let parsed = after.find("](").and_then(|mid| {
            let url_part = &after[mid + 2..];
            url_part
                .find(')')
                .map(|end| (&after[..mid], &url_part[..end], mid + 2 + end + 1))
        });
        match parsed {
            Some((text, url, used))
                if (url.starts_with("https://") || url.starts_with("http://"))
                    && !url.contains(' ') =>
            {
                out.push_str(&rest[..open]);
                out.push_str(&format!(
                    "<a href=\"{url}\" rel=\"nofollow noopener\">{text}</a>"
                ));
                rest = &after[used..];
            }
            _ => {
                out.push_str(&rest[..=open]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVIL: &str = "<script>alert(1)</script><img src=x onerror=alert(2)>Hi & bye";

    #[test]
    fn plain_text_has_no_tags() {
        assert_eq!(plain(EVIL), "alert(1)Hi & bye");
        assert_eq!(plain("a > b\nc"), "a  b c");
    }

    #[test]
    fn markdown_is_escaped_before_it_is_rendered() {
        let html = markdown_html(&format!(
            "{EVIL}\n\n- **one** `x<y>`\n- [ok](https://a.b/?q=1&r=2)"
        ));
        assert!(
            !html.contains("<script") && !html.contains("<img"),
            "{html}"
        );
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(
            html.contains("<li><strong>one</strong> <code>x&lt;y&gt;</code></li>"),
            "{html}"
        );
        assert!(
            html.contains("<a href=\"https://a.b/?q=1&amp;r=2\" rel=\"nofollow noopener\">ok</a>"),
            "{html}"
        );
    }

    #[test]
    fn only_http_links_become_links() {
        let html = markdown_html("[x](javascript:alert(1)) [y](\"onmouseover=1)");
        assert!(!html.contains("<a "), "{html}");
    }

    #[test]
    fn json_never_carries_raw_markup() {
        let j = json_safe(serde_json::json!({"t": EVIL}).to_string());
        assert!(
            !j.contains('<') && !j.contains('>') && !j.contains('&'),
            "{j}"
        );
        let back: serde_json::Value = serde_json::from_str(&j).expect("still JSON");
        assert_eq!(back["t"], EVIL);
    }
}
