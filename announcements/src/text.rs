//! Safe text out of user input: announcements are plain text or limited Markdown, and no
//! HTML or script written into them ever comes back unescaped: HTML output is escaped and
//! then gets only the Markdown we render, JSON escapes `<`, `>` and `&`, metric labels and
//! Grafana annotations carry plain text with tags removed.

use pulldown_cmark::{Event, Parser, Tag, TagEnd};

/// The announcement's text with Markdown read (the same parse as [`markdown_html`]) and
/// reduced to its words: HTML tags removed and any stray `<` / `>` dropped, control
/// characters as spaces, list items kept as `- `, blocks separated by a space. For metric
/// labels, Grafana annotations and terminal output.
pub fn plain(s: &str) -> String {
    let mut words = String::with_capacity(s.len());
    let mut gap = false;
    for event in Parser::new(s) {
        match event {
            Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => {
                if std::mem::take(&mut gap) && !words.is_empty() {
                    words.push(' ');
                }
                words.push_str(&t);
            }
            Event::SoftBreak | Event::HardBreak => words.push(' '),
            Event::Start(Tag::Item) => {
                if std::mem::take(&mut gap) && !words.is_empty() {
                    words.push(' ');
                }
                words.push_str("- ");
            }
            Event::End(tag) if is_block(tag) => gap = true,
            _ => {}
        }
    }
    strip_tags(&words)
}

/// Whether `tag` ends a block (which [`plain`] separates from the next by a space).
fn is_block(tag: TagEnd) -> bool {
    !matches!(
        tag,
        TagEnd::Emphasis
            | TagEnd::Strong
            | TagEnd::Strikethrough
            | TagEnd::Link
            | TagEnd::Image
            | TagEnd::Superscript
            | TagEnd::Subscript
    )
}

/// Text with HTML tags removed and any stray `<` / `>` dropped; control characters become
/// spaces.
fn strip_tags(s: &str) -> String {
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

/// Markdown (CommonMark, read by `pulldown-cmark`) to a limited HTML: paragraphs, lists,
/// `**bold**`, `*emphasis*`, `` `code` `` and links. Only the tags listed here are written:
/// raw HTML in the source comes out as escaped text, headings become bold paragraphs, code
/// blocks code paragraphs, images their alt text, and a link stays a link only for an
/// http(s) or mailto URL (its text otherwise). Line breaks inside a paragraph are `<br>`.
pub fn markdown_html(src: &str) -> String {
    let mut out = String::with_capacity(src.len() * 5 / 4);
    let mut links: Vec<bool> = Vec::new();
    for event in Parser::new(src) {
        match event {
            Event::Start(tag) => open(&mut out, &tag, &mut links),
            Event::End(tag) => close(&mut out, tag, &mut links),
            Event::Text(t) | Event::Html(t) | Event::InlineHtml(t) => {
                push_text(&mut out, &t);
            }
            Event::Code(t) => {
                out.push_str("<code>");
                out.push_str(&escape_html(&t));
                out.push_str("</code>");
            }
            Event::SoftBreak | Event::HardBreak => out.push_str("<br>"),
            _ => {}
        }
    }
    out
}

/// Escaped text; newlines (in code and HTML blocks) as `<br>`.
fn push_text(out: &mut String, t: &str) {
    let mut lines = t.strip_suffix('\n').unwrap_or(t).split('\n');
    if let Some(first) = lines.next() {
        out.push_str(&escape_html(first));
    }
    for l in lines {
        out.push_str("<br>");
        out.push_str(&escape_html(l));
    }
}

/// Whether a link to `url` may be written as one.
fn linkable(url: &str) -> bool {
    ["https://", "http://", "mailto:"].iter().any(|p| {
        url.get(..p.len())
            .is_some_and(|s| s.eq_ignore_ascii_case(p))
    })
}

fn open(out: &mut String, tag: &Tag<'_>, links: &mut Vec<bool>) {
    match tag {
        Tag::Paragraph | Tag::HtmlBlock => out.push_str("<p>"),
        Tag::Heading { .. } => out.push_str("<p><strong>"),
        Tag::CodeBlock(_) => out.push_str("<p><code>"),
        Tag::List(_) => out.push_str("<ul>"),
        Tag::Item => out.push_str("<li>"),
        Tag::Emphasis => out.push_str("<em>"),
        Tag::Strong => out.push_str("<strong>"),
        Tag::Link { dest_url, .. } => {
            let keep = linkable(dest_url);
            if keep {
                out.push_str("<a href=\"");
                out.push_str(&escape_html(dest_url));
                out.push_str("\" rel=\"nofollow noopener\">");
            }
            links.push(keep);
        }
        _ => {}
    }
}

fn close(out: &mut String, tag: TagEnd, links: &mut Vec<bool>) {
    match tag {
        TagEnd::Paragraph | TagEnd::HtmlBlock => out.push_str("</p>"),
        TagEnd::Heading(_) => out.push_str("</strong></p>"),
        TagEnd::CodeBlock => out.push_str("</code></p>"),
        TagEnd::List(_) => out.push_str("</ul>"),
        TagEnd::Item => out.push_str("</li>"),
        TagEnd::Emphasis => out.push_str("</em>"),
        TagEnd::Strong => out.push_str("</strong>"),
        // Pops for every link end; closes only the links that were opened as links.
        TagEnd::Link if links.pop().unwrap_or(false) => out.push_str("</a>"),
        _ => {}
    }
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

    #[test]
    fn emphasis_inside_a_link_url_stays_part_of_the_url() {
        let html = markdown_html("[x](https://a.b/*foo*)");
        assert_eq!(
            html,
            "<p><a href=\"https://a.b/*foo*\" rel=\"nofollow noopener\">x</a></p>"
        );
    }

    #[test]
    fn a_code_span_does_not_cross_a_link() {
        let html = markdown_html("`[a](https://a.b/` c)`");
        assert_eq!(html, "<p><code>[a](https://a.b/</code> c)`</p>");
        let html = markdown_html("[`x`](https://a.b/) and `[y](https://c.d/)`");
        assert_eq!(
            html,
            "<p><a href=\"https://a.b/\" rel=\"nofollow noopener\"><code>x</code></a> and \
             <code>[y](https://c.d/)</code></p>"
        );
    }

    #[test]
    fn a_script_in_the_body_comes_out_as_text() {
        let html = markdown_html("Hello\n\n<script>alert(1)</script>\n\nand <b>inline</b>");
        assert_eq!(
            html,
            "<p>Hello</p><p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\
             <p>and &lt;b&gt;inline&lt;/b&gt;</p>"
        );
        assert_eq!(
            plain("Hello\n\n<script>alert(1)</script>"),
            "Hello alert(1)"
        );
    }

    #[test]
    fn mailto_links_stay_links_and_others_become_their_text() {
        let html =
            markdown_html("[m](mailto:ops@example.org) [f](ftp://x.y/) ![i](https://x/i.png)");
        assert_eq!(
            html,
            "<p><a href=\"mailto:ops@example.org\" rel=\"nofollow noopener\">m</a> f i</p>"
        );
    }

    #[test]
    fn plain_text_comes_from_the_same_parse() {
        assert_eq!(plain("**Bold** and *em* `code`"), "Bold and em code");
        assert_eq!(plain("one\n\n- a\n- b"), "one - a - b");
        assert_eq!(plain("[link](https://a.b/)"), "link");
    }
}
