/**
 * The page around every console view: landmarks (header/nav/main), a skip link, the navigation for
 * signed-in visitors and for anonymous ones, and the helpers views build their HTML with.
 * Everything a view puts in comes through h() or is built here from escaped parts.
 */
import { htmlEscape } from "../../report/html.js";

export const h = htmlEscape;

/** What a view hands back: its title and the content of <main>. */
export interface View {
  status?: number;
  title: string;
  main: string;
  /** Which navigation entry is this page (marked aria-current). */
  section?: "images" | "shared" | "catalogue" | "sign-in";
}

/** The signed-in visitor as a view sees it. */
export interface Visitor {
  accountId: string;
  csrfToken: string;
}

/** A hidden field every console form carries. */
export const csrfField = (v: Visitor): string =>
  `<input type="hidden" name="csrf" value="${h(v.csrfToken)}">`;

/** A POST form with one button (share, unshare, make public, …). */
export function buttonForm(
  v: Visitor,
  action: string,
  label: string,
  fields: Record<string, string> = {},
  cls = "",
): string {
  const hidden = Object.entries(fields)
    .map(([k, val]) => `<input type="hidden" name="${h(k)}" value="${h(val)}">`)
    .join("");
  return (
    `<form class="inline" method="post" action="${h(action)}">${csrfField(v)}${hidden}` +
    `<button type="submit"${cls ? ` class="${h(cls)}"` : ""}>${h(label)}</button></form>`
  );
}

export function page(view: View, visitor: Visitor | undefined): string {
  const nav: Array<[string, string, View["section"]]> = visitor
    ? [
        ["/images", "My images", "images"],
        ["/shared", "Shared with me", "shared"],
        ["/catalogue", "Public catalogue", "catalogue"],
      ]
    : [
        ["/catalogue", "Public catalogue", "catalogue"],
        ["/sign-in", "Sign in", "sign-in"],
      ];
  const links = nav
    .map(
      ([href, label, section]) =>
        `<li><a href="${href}"${section === view.section ? ' aria-current="page"' : ""}>${label}</a></li>`,
    )
    .join("");
  const who = visitor
    ? `<div class="who"><span>Account <code>${h(visitor.accountId)}</code></span>` +
      buttonForm(visitor, "/sign-out", "Sign out") +
      "</div>"
    : "";
  return [
    "<!doctype html>",
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${h(view.title)} · amigate</title>`,
    '<link rel="stylesheet" href="/static/console.css">',
    '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">',
    "</head><body>",
    '<a class="skip" href="#main">Skip to content</a>',
    '<header class="top"><a class="brand" href="/">amigate</a>',
    `<nav aria-label="Console"><ul>${links}</ul></nav>${who}</header>`,
    `<main id="main" tabindex="-1">${view.main}</main>`,
    "</body></html>",
    "",
  ].join("\n");
}

/** "2026-11-23 12:00 UTC" from an ISO time. */
export function when(iso: string | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return h(iso);
  return `<time datetime="${h(d.toISOString())}">${d.toISOString().slice(0, 16).replace("T", " ")} UTC</time>`;
}
