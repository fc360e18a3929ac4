#!/usr/bin/env python3
"""A terminal capture with colours (`tmux capture-pane -e -p`) as one HTML page.

Reads ANSI text on stdin and writes HTML on stdout. It understands the SGR sequences
tmux writes: reset (0), bold (1), dim (2), italic (3), underline (4), reverse (7) and
their ends (22, 23, 24, 27), the 8 + 8 basic colours (30-37, 90-97 and their
backgrounds), 256 colours (38;5;N / 48;5;N), truecolor (38;2;R;G;B / 48;2;R;G;B) and
the defaults (39, 49). Any other escape sequence is dropped. Every character is
HTML-escaped; each line is padded to --cols so the background fills the screen.

    tmux capture-pane -e -p -t top | scripts/ansi2html.py --cols 120 --rows 40 > top.html
"""

import argparse
import html
import re
import sys

# The 16 basic colours: xterm's defaults.
BASIC = [
    "#000000", "#cd0000", "#00cd00", "#cdcd00", "#0000ee", "#cd00cd", "#00cdcd", "#e5e5e5",
    "#7f7f7f", "#ff0000", "#00ff00", "#ffff00", "#5c5cff", "#ff00ff", "#00ffff", "#ffffff",
]
FOREGROUND = "#d0d0d0"
BACKGROUND = "#101010"

CSI = re.compile(r"\x1b\[([0-9;:?]*)([@-~])")
OTHER_ESCAPE = re.compile(r"\x1b[()][0-9A-Za-z]|\x1b[=>]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)")


def colour256(n):
    """xterm's 256-colour palette: 16 basic, a 6x6x6 cube, 24 greys."""
    if n < 16:
        return BASIC[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        r, g, b = steps[n // 36], steps[(n // 6) % 6], steps[n % 6]
        return f"#{r:02x}{g:02x}{b:02x}"
    grey = 8 + (n - 232) * 10
    return f"#{grey:02x}{grey:02x}{grey:02x}"


class Style:
    def __init__(self):
        self.reset()

    def reset(self):
        self.fg = None
        self.bg = None
        self.bold = self.dim = self.italic = self.underline = self.reverse = False

    def key(self):
        return (self.fg, self.bg, self.bold, self.dim, self.italic, self.underline, self.reverse)

    def css(self):
        fg, bg = self.fg or FOREGROUND, self.bg or BACKGROUND
        if self.reverse:
            fg, bg = bg, fg
        parts = []
        if fg != FOREGROUND:
            parts.append(f"color:{fg}")
        if bg != BACKGROUND:
            parts.append(f"background:{bg}")
        if self.bold:
            parts.append("font-weight:bold")
        if self.dim:
            parts.append("opacity:0.7")
        if self.italic:
            parts.append("font-style:italic")
        if self.underline:
            parts.append("text-decoration:underline")
        return ";".join(parts)

    def extended(self, codes, i):
        """A 38/48 colour starting at codes[i]; the colour and the index after it."""
        if i + 1 < len(codes) and codes[i + 1] == 5 and i + 2 < len(codes):
            return colour256(codes[i + 2] % 256), i + 3
        if i + 1 < len(codes) and codes[i + 1] == 2 and i + 4 < len(codes):
            r, g, b = (max(0, min(255, c)) for c in codes[i + 2:i + 5])
            return f"#{r:02x}{g:02x}{b:02x}", i + 5
        return None, len(codes)

    def apply(self, params):
        codes = [int(p) if p.isdigit() else 0 for p in re.split("[;:]", params)] if params else [0]
        i = 0
        while i < len(codes):
            c = codes[i]
            if c == 0:
                self.reset()
            elif c == 1:
                self.bold = True
            elif c == 2:
                self.dim = True
            elif c == 3:
                self.italic = True
            elif c == 4:
                self.underline = True
            elif c == 7:
                self.reverse = True
            elif c == 22:
                self.bold = self.dim = False
            elif c == 23:
                self.italic = False
            elif c == 24:
                self.underline = False
            elif c == 27:
                self.reverse = False
            elif 30 <= c <= 37:
                self.fg = BASIC[c - 30]
            elif 90 <= c <= 97:
                self.fg = BASIC[c - 90 + 8]
            elif 40 <= c <= 47:
                self.bg = BASIC[c - 40]
            elif 100 <= c <= 107:
                self.bg = BASIC[c - 100 + 8]
            elif c == 39:
                self.fg = None
            elif c == 49:
                self.bg = None
            elif c in (38, 48):
                colour, i = self.extended(codes, i)
                if c == 38:
                    self.fg = colour
                else:
                    self.bg = colour
                continue
            i += 1


def line_html(line, style, cols):
    """One line as spans; `style` carries over to the next line, as in the terminal."""
    out, run, run_style, width = [], [], style.css(), 0

    def flush():
        if run:
            text = html.escape("".join(run), quote=False)
            out.append(f'<span style="{run_style}">{text}</span>' if run_style else text)
            run.clear()

    pos = 0
    for m in CSI.finditer(line):
        for ch in OTHER_ESCAPE.sub("", line[pos:m.start()]):
            run.append(ch)
            width += 1
        pos = m.end()
        if m.group(2) == "m":
            style.apply(m.group(1))
            if style.css() != run_style:
                flush()
                run_style = style.css()
    for ch in OTHER_ESCAPE.sub("", line[pos:]):
        run.append(ch)
        width += 1
    flush()
    if width < cols:
        out.append(" " * (cols - width))
    return "".join(out)


def page(lines, cols, rows, title):
    style = Style()
    body = "\n".join(line_html(l, style, cols) for l in lines[:rows])
    body += "\n" * max(0, rows - len(lines))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
html, body {{ margin: 0; background: {BACKGROUND}; }}
pre {{ margin: 0; padding: 10px; color: {FOREGROUND}; background: {BACKGROUND};
      font: 15px/17px "DejaVu Sans Mono", monospace; white-space: pre; }}
</style></head>
<body><pre>{body}</pre></body></html>
"""


def self_test():
    """The conversions the screenshots depend on; raises AssertionError when one is wrong."""
    def conv(s, cols=0):
        return line_html(s, Style(), cols)
    assert conv("\x1b[1;31mA\x1b[0m<b>") == '<span style="color:#cd0000;font-weight:bold">A</span>&lt;b&gt;'
    assert conv("\x1b[38;5;196mx") == '<span style="color:#ff0000">x</span>'
    assert conv("\x1b[38;5;244mx") == '<span style="color:#808080">x</span>'
    assert conv("\x1b[48;2;1;2;3mx\x1b[49my") == '<span style="background:#010203">x</span>y'
    assert conv("\x1b[7mx") == f'<span style="color:{BACKGROUND};background:{FOREGROUND}">x</span>'
    assert conv("\x1b[92mx\x1b[39my") == '<span style="color:#00ff00">x</span>y'
    assert conv("ab", cols=4) == "ab  "
    assert conv("\x1b(Bok") == "ok"
    s = Style()
    line_html("\x1b[32mgreen", s, 0)
    assert line_html("still", s, 0) == '<span style="color:#00cd00">still</span>', "style spans lines"
    print("ansi2html: self-test passed", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cols", type=int, default=120)
    ap.add_argument("--rows", type=int, default=40)
    ap.add_argument("--title", default="terminal")
    ap.add_argument("--self-test", action="store_true", help="check the conversions and exit")
    a = ap.parse_args()
    if a.self_test:
        self_test()
        return
    text = sys.stdin.read().replace("\r", "")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    sys.stdout.write(page(lines, a.cols, a.rows, a.title))


if __name__ == "__main__":
    main()
