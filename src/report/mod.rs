//! Pictures and reports made from the engine's own model: the resource graph (Mermaid, DOT, SVG),
//! the plan as a report for a pull request (Markdown, HTML), and the estimate as a chart (HTML).

pub mod cost_html;
pub mod dot;
pub mod graph;
pub mod mermaid;
pub mod plan;
pub mod svg;

/// XML's and HTML's escapes, for text and attribute values.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A page that needs nothing from the network: its style inline, its pictures inline SVG.
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        esc(title)
    )
}

const STYLE: &str = "body { font: 14px/1.45 Helvetica, Arial, sans-serif; color: #0f172a; margin: 24px auto; max-width: 1200px; padding: 0 16px; }
h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 28px; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { border: 1px solid #cbd5e1; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f1f5f9; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.total td { font-weight: bold; background: #f8fafc; }
.warning { border-left: 4px solid #b91c1c; background: #fef2f2; padding: 8px 12px; margin: 8px 0; }
.caution { border-left: 4px solid #a16207; background: #fefce8; padding: 8px 12px; margin: 8px 0; }
.note { color: #475569; }
pre { background: #f8fafc; border: 1px solid #e2e8f0; padding: 8px; overflow-x: auto; }
code { font-family: ui-monospace, Menlo, Consolas, monospace; }
.figure { overflow-x: auto; }
.figure svg { max-width: 100%; height: auto; }
";
