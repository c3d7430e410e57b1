/**
 * The console in a real browser (Debian's chromium, playwright-core) against a running server:
 * issue 16's story across three visitors. A signs in, shares an image with B, tries to make the
 * failing image public and reads why the gate refused, makes the passing one public, writes its
 * listing (preview, save), answers the attestations, publishes and reads the submission record;
 * B signs in and finds the image under Shared with me; an anonymous visitor finds the published
 * listing in the catalogue and not A's private image. Every page is checked with axe-core (no
 * serious or critical violation), under the console's CSP (no violation reported by the browser),
 * and loads nothing from another origin. Everything is done from the keyboard or by label.
 */
import assert from "node:assert/strict";
import type { Server } from "node:http";
import { after, before, test } from "node:test";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import {
  type AxeViolation,
  axeViolations,
  blocking,
  haveChromium,
  launchChromium,
} from "../../../test/support/browser.js";
import { type ConsoleStory, consoleStory } from "../../../test/support/console.js";
import { serve } from "../http.js";
import type { NewAccount } from "../store/types.js";

let s: ConsoleStory;
let server: Server;
let base: string;
let browser: Browser;
/** Per page visited: its path and what axe found (all impacts). */
const checked: Array<{ path: string; violations: AxeViolation[] }> = [];

before(async () => {
  if (!haveChromium) return;
  s = await consoleStory();
  const started = await serve(s.c.app, "127.0.0.1", 0);
  server = started.server;
  base = started.url;
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  server?.close();
  await s?.c.dispose();
});

interface Visitor {
  context: BrowserContext;
  page: Page;
  /** CSP violations and failed loads the browser reported. */
  problems: string[];
}

async function visitor(): Promise<Visitor> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  const problems: string[] = [];
  // CSP violations are console errors; a page's own 4xx (a refusal) is not a problem, a
  // stylesheet's or icon's is (reported by the response listener).
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) problems.push(m.text());
  });
  page.on("response", (r) => {
    if (r.request().resourceType() !== "document" && r.status() >= 400)
      problems.push(`${r.status()} ${r.url()}`);
  });
  page.on("request", (r) => {
    if (new URL(r.url()).origin !== base) problems.push(`request to another origin: ${r.url()}`);
  });
  return { context, page, problems };
}

/** axe over the page as it is; no serious or critical violation allowed. */
async function accessible(v: Visitor): Promise<void> {
  const violations = await axeViolations(v.page);
  const path = new URL(v.page.url()).pathname;
  checked.push({ path, violations });
  assert.deepEqual(blocking(violations), [], `axe on ${path}`);
  assert.deepEqual(v.problems, [], `browser errors on ${path}`);
}

async function signIn(v: Visitor, who: NewAccount): Promise<void> {
  await v.page.goto(`${base}/sign-in`);
  await accessible(v);
  await v.page.getByLabel("Access key id").fill(who.accessKeyId);
  await v.page.getByLabel("Secret access key").fill(who.secretAccessKey);
  // The keyboard submits the form.
  await Promise.all([
    v.page.waitForURL(`${base}/images`),
    v.page.getByLabel("Secret access key").press("Enter"),
  ]);
}

/** The text as the visitor reads it (rendered: line breaks between blocks). */
// biome-ignore lint/performance/useDomNodeTextContent: the rendered text is what is asserted
const shown = (l: Locator) => l.innerText();

const rowOf = (page: Page, name: string) => page.locator("table.list tbody tr", { hasText: name });

test("the story across three visitors, accessible on every page", {
  skip: !haveChromium && "no /usr/bin/chromium",
}, async (t) => {
  // --- A signs in and sees their images with scan verdicts.
  const a = await visitor();
  await signIn(a, s.a);
  await accessible(a);
  assert.equal(await shown(a.page.locator("h1")), "My images");
  assert.match(await shown(rowOf(a.page, "web-seeded")), /FAIL\s+\d+ at or above high/);
  assert.match(await shown(rowOf(a.page, "debian-12-base")), /PASS/);
  assert.match(await shown(rowOf(a.page, "internal-build")), /private/);
  const cookies = await a.context.cookies();
  const session = cookies.find((c) => c.name === "amigate_session");
  assert.ok(session?.httpOnly && session.sameSite === "Strict");

  // --- A shares the passing image with B.
  await a.page.getByRole("link", { name: "debian-12-base" }).click();
  await accessible(a);
  await a.page.getByLabel("Share with account").fill(s.b.account.accountId);
  await a.page.getByRole("button", { name: "Share", exact: true }).click();
  await a.page.waitForURL(/done=shared/);
  assert.equal(await shown(a.page.getByRole("status")), "The image is shared with the account.");
  assert.ok(await a.page.getByRole("button", { name: `Remove ${s.b.account.accountId}` }).isVisible());
  await accessible(a);

  // --- A tries to make the failing image public: the gate refuses and the page says why.
  await a.page.goto(`${base}/images`);
  await a.page.getByRole("link", { name: "web-seeded" }).click();
  await a.page.getByRole("button", { name: "Make public" }).click();
  const alert = a.page.getByRole("alert");
  assert.match(await shown(alert.locator("h2")), /The gate refused to make this image public/);
  const alertText = await shown(alert);
  assert.match(alertText, /ssh-password-auth/);
  assert.match(alertText, /amigate fix IMAGE-FILE --only \S*sshd-password-auth/);
  await accessible(a);
  // The full report follows, as the HTML report shows it.
  assert.ok(await a.page.locator("table.findings a[href='#rule-ssh-password-auth']").isVisible());

  // --- A makes the passing image public, writes the listing, answers the attestations, publishes.
  await a.page.goto(`${base}/images`);
  await a.page.getByRole("link", { name: "debian-12-base" }).click();
  await a.page.getByRole("button", { name: "Make public" }).click();
  await a.page.waitForURL(/done=public/);
  await a.page.getByRole("link", { name: "Write the listing" }).click();
  await accessible(a);
  // Drafted from the scan: the OS and what starts at boot.
  assert.equal(await a.page.getByLabel("Operating system", { exact: true }).inputValue(), "Debian GNU/Linux");
  assert.match(await a.page.getByLabel("Daemons and services running").inputValue(), /ssh\.service/);
  await a.page.getByLabel("Name", { exact: true }).fill("Debian 12 base");
  await a.page.getByLabel("Publisher URL").fill("https://alice.example");
  await a.page.getByLabel("Key features").fill("Minimal Debian 12\nSSH with keys only");
  await a.page.getByLabel("Description").fill("A small Debian 12 image to build on.");
  await a.page
    .getByLabel("Usage instructions")
    .fill("Launch it with your key pair, then connect with ssh admin@<public DNS>.");
  await a.page.getByRole("button", { name: "Preview" }).click();
  const preview = a.page.locator("section.preview");
  assert.match(await shown(preview), /About Debian 12 base[\s\S]*SSH with keys only/);
  await accessible(a);
  await a.page.getByRole("button", { name: "Save listing" }).click();
  await a.page.waitForURL(/listing\?done=saved/);
  assert.match(await shown(a.page.locator("table.list")), /usage-instructions/);
  await a.page.getByRole("button", { name: "Publish" }).click();
  await a.page.waitForURL(/done=published/);
  assert.match(await shown(a.page.getByRole("status")), /^Published/);
  await accessible(a);

  await a.page.getByRole("link", { name: "Attestations" }).click();
  await accessible(a);
  const radios = a.page.locator('input[type=radio][value="yes"]');
  const statements = await radios.count();
  assert.ok(statements >= 5, `${statements} statements`);
  for (let i = 0; i < statements; i++) {
    // Keyboard: focus the radio and select it with the space bar.
    await radios.nth(i).focus();
    await a.page.keyboard.press("Space");
  }
  await a.page.getByRole("button", { name: "Save answers" }).click();
  await a.page.waitForURL(/attestations\?done=saved/);
  assert.match(await shown(a.page.locator("main")), /Every statement is answered/);
  await a.page.getByRole("link", { name: "Submission record" }).click();
  await accessible(a);
  const record = await shown(a.page.locator("main"));
  // A passing scan with its vulnerability checks, a listing that passes its checks, every
  // statement answered yes: ready to submit.
  assert.match(record, /Submission record/);
  assert.match(record, /^READY ready to submit$/m);

  // --- B signs in and finds the image under Shared with me; its page leads with what was found.
  const b = await visitor();
  await signIn(b, s.b);
  await b.page.getByRole("link", { name: "Shared with me" }).click();
  await accessible(b);
  assert.match(await shown(rowOf(b.page, "debian-12-base")), /PASS/);
  assert.equal(await rowOf(b.page, "web-seeded").count(), 0);
  await b.page.getByRole("link", { name: "debian-12-base" }).click();
  const headings = await b.page.locator("main h2").allInnerTexts();
  assert.deepEqual(headings.slice(0, 2), ["What we found in it", "Who published it"]);
  assert.match(await shown(b.page.locator("section[aria-labelledby=publisher]")), /alice/);
  assert.equal(await b.page.getByRole("button", { name: "Make public" }).count(), 0);
  await accessible(b);

  // --- Anonymous: the published listing is in the catalogue; A's private image is nowhere.
  const anon = await visitor();
  await anon.page.goto(`${base}/`);
  assert.equal(new URL(anon.page.url()).pathname, "/catalogue");
  await accessible(anon);
  await anon.page.getByLabel("Publisher").fill("alice");
  await anon.page.getByLabel("Operating system").fill("debian");
  await anon.page.getByLabel("Operating system").press("Enter");
  await anon.page.waitForURL(/publisher=alice/);
  const results = await shown(anon.page.locator("table.list tbody"));
  assert.match(results, /debian-12-base/);
  assert.doesNotMatch(results, /internal-build|web-seeded/);
  assert.doesNotMatch(await anon.page.content(), new RegExp(s.privateImage));
  await anon.page.getByRole("link", { name: "debian-12-base" }).click();
  assert.match(
    await shown(anon.page.locator("main")),
    /What we found in it[\s\S]*About Debian 12 base[\s\S]*Usage instructions/,
  );
  await accessible(anon);
  const res = await anon.page.goto(`${base}/images/${s.privateImage}`);
  assert.equal(res?.status(), 404);

  const serious = checked.reduce((n, c) => n + blocking(c.violations).length, 0);
  const minor = checked.reduce((n, c) => n + c.violations.length, 0) - serious;
  t.diagnostic(`axe: ${checked.length} pages checked, ${serious} serious/critical, ${minor} moderate/minor`);
  for (const c of checked)
    for (const v of c.violations) t.diagnostic(`  ${c.path}: ${v.impact} ${v.id} ${v.targets.join(", ")}`);
});
