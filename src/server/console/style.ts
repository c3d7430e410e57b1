/**
 * The console's one stylesheet, served at /static/console.css (the CSP allows no inline style):
 * the scan report's rules, so its sections look as in the report page, then the console's own.
 * Colours keep a contrast of at least 4.5:1 on their background (axe-core checks it in the tests).
 */
import { REPORT_STYLE } from "../../report/html.js";

const CONSOLE_STYLE = `
body{max-width:76rem}
.skip{position:absolute;left:-999px;top:0;background:#fff;padding:.4rem .8rem;border:2px solid #0969da}
.skip:focus{left:1rem;z-index:2}
header.top{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1.5rem;border-bottom:1px solid #d0d7de;padding:.4rem 0 .6rem;margin-bottom:1rem}
header.top .brand{font-weight:700;font-size:1.1rem;color:#1b1f24}
header.top nav ul{display:flex;flex-wrap:wrap;gap:.3rem 1rem;list-style:none;margin:0;padding:0}
header.top nav li{margin:0}
header.top nav a[aria-current=page]{font-weight:700;color:#1b1f24;text-decoration:underline}
header.top .who{margin-left:auto;display:flex;align-items:center;gap:.6rem;color:#57606a}
a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,textarea:focus-visible,summary:focus-visible{outline:3px solid #0969da;outline-offset:2px}
button,.button{font:inherit;padding:.3rem .8rem;border:1px solid #8c959f;border-radius:6px;background:#f6f8fa;color:#1b1f24;cursor:pointer}
button.primary{background:#1a7f37;border-color:#1a7f37;color:#fff}
button.danger{background:#cf222e;border-color:#cf222e;color:#fff}
.link-button{border:none;background:none;color:#0969da;padding:0;text-decoration:underline}
input[type=text],input[type=password],input[type=search],input[type=url],input[type=date],select,textarea{font:inherit;padding:.3rem .5rem;border:1px solid #8c959f;border-radius:6px;background:#fff;color:#1b1f24}
textarea{width:100%;box-sizing:border-box}
label{font-weight:600}
.field{display:flex;flex-direction:column;gap:.2rem;margin:.6rem 0;max-width:40rem}
.field .hint{font-weight:400;color:#57606a;font-size:.9rem}
form.inline{display:inline}
fieldset{border:1px solid #d0d7de;border-radius:6px;margin:.8rem 0;padding:.5rem 1rem}
legend{font-weight:600;padding:0 .3rem}
.filters{display:flex;flex-wrap:wrap;gap:.4rem 1.2rem;align-items:flex-end}
.filters .field{margin:0}
.check{display:flex;align-items:center;gap:.3rem;font-weight:400}
table.list{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}
table.list caption{text-align:left;padding:.2rem 0}
table.list th,table.list td{text-align:left;padding:.35rem .6rem;border-bottom:1px solid #d0d7de;vertical-align:top}
table.list th{background:#f6f8fa;font-size:.85rem}
.badge{display:inline-block;padding:0 .45rem;border-radius:1rem;font-size:.8rem;font-weight:600;border:1px solid currentColor}
.badge.public{color:#8a4600}.badge.private{color:#57606a}.badge.shared{color:#0550ae}.badge.published{color:#1a7f37}
.notice{border:1px solid #1a7f37;background:#dafbe1;color:#0a3b1a;padding:.5rem .8rem;border-radius:6px;margin:1rem 0}
.alert{border:2px solid #cf222e;background:#fff1f0;color:#1b1f24;padding:.6rem 1rem;border-radius:6px;margin:1rem 0}
.alert h2{margin-top:.2rem;border:none;color:#a40e26}
.found{border:1px solid #d0d7de;border-radius:6px;padding:.6rem 1rem;background:#f6f8fa;margin:1rem 0}
.found h2{margin-top:.2rem}
pre.command{background:#1b1f24;color:#fff;padding:.6rem .8rem;border-radius:6px;overflow-x:auto}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:.5rem 0}
dl.facts dt{color:#57606a}dl.facts dd{margin:0}
.preview{border:1px dashed #8c959f;border-radius:6px;padding:.5rem 1rem;margin:0 0 1rem}
.two-col h2:first-child,.preview h2:first-child{margin-top:.2rem}
.two-col{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:1.5rem;align-items:start}
.two-col .field{max-width:none}
@media (max-width:60rem){.two-col{grid-template-columns:1fr}}
.prewrap{white-space:pre-wrap}
.actions{display:flex;flex-wrap:wrap;gap:.6rem;align-items:center;margin:.6rem 0}
`;

export const CONSOLE_CSS = `${REPORT_STYLE}\n${CONSOLE_STYLE}`;

/** The tab icon (a browser asks for one; without it every page logs a failed /favicon.ico). */
export const FAVICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#1a7f37"/>' +
  '<path d="M4 8.5l2.5 2.5L12 5.5" stroke="#fff" stroke-width="2" fill="none"/></svg>';
