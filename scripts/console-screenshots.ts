/**
 * `npm run screenshots`: a picture of each web console page, into docs/console/ (small PNGs).
 * Builds issue 16's story catalogue (test/support/console.ts: A's failing, passing and private
 * images, scanned from the Debian rootfs fixtures), puts it in the state the story ends in
 * (shared with B, the passing image public with a published listing and answered attestations)
 * through the console's own forms, then opens each page in Debian's chromium.
 */
import { mkdirSync, statSync } from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { serve } from "../src/server/http.js";
import { haveChromium, launchChromium } from "../test/support/browser.js";
import { ConsoleVisitor, consoleStory } from "../test/support/console.js";

const OUT = path.resolve(import.meta.dirname, "../docs/console");
const MAX_BYTES = 100 * 1024;

if (!haveChromium) {
  process.stderr.write("console-screenshots: /usr/bin/chromium is missing (scripts/install-deps.sh)\n");
  process.exit(2);
}
mkdirSync(OUT, { recursive: true });

const s = await consoleStory();
const { server, url: base } = await serve(s.c.app, "127.0.0.1", 0);
const browser = await launchChromium();
const sizes: Array<[string, number]> = [];

try {
  // The story's state, set through the console's forms (the same path a browser takes).
  const a = new ConsoleVisitor(s.c);
  await a.signIn(s.a);
  const csrf = ConsoleVisitor.csrfOf((await a.get(`/images/${s.passing}`)).text);
  const post = async (p: string, form: Record<string, string>) => {
    const r = await a.send("POST", p, { csrf, ...form });
    if (r.status !== 303) throw new Error(`${p}: ${r.status}`);
  };
  await post(`/images/${s.passing}/launch-permission`, { op: "share", accountId: s.b.account.accountId });
  await post(`/images/${s.passing}/launch-permission`, { op: "make-public" });
  await post(`/images/${s.passing}/listing`, {
    intent: "save",
    name: "Debian 12 base",
    product: "debian-base",
    version: "12.5",
    publisherName: "alice",
    publisherUrl: "https://alice.example",
    osName: "Debian GNU/Linux",
    osVersion: "12",
    architecture: "x86_64",
    keyFeatures: "Minimal Debian 12\nSSH with keys only",
    description: "A small Debian 12 image to build on.",
    services: "ssh.service\ncloud-init.service",
    listeningPorts: "22/tcp ssh.service",
    usageInstructions: "Launch it with your key pair, then connect with ssh admin@<public DNS>.",
    releaseDate: "2026-03-01",
    releaseNotes: "First version.",
  });
  await post(`/images/${s.passing}/listing/publish`, { op: "publish" });
  const items = [
    ...(await a.get(`/images/${s.passing}/attestations`)).text.matchAll(
      /name="(answer-[a-z0-9-]+)" value="yes"/g,
    ),
  ];
  await post(`/images/${s.passing}/attestations`, Object.fromEntries(items.map((m) => [m[1]!, "yes"])));

  // Text-dense pages are cut shorter to stay under 100 KB.
  const shot = async (page: Page, name: string, height = 680) => {
    const file = path.join(OUT, `${name}.png`);
    await page.waitForLoadState("load");
    // chromium now and then answers "Unable to capture screenshot" on a busy machine: try again.
    for (let attempt = 1; ; attempt++) {
      try {
        await page.screenshot({ path: file, clip: { x: 0, y: 0, width: 1024, height } });
        break;
      } catch (e) {
        if (attempt === 3) throw e;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    sizes.push([name, statSync(file).size]);
  };
  const visitor = async () =>
    (await browser.newContext({ viewport: { width: 1024, height: 680 } })).newPage();
  const signIn = async (page: Page, keys: typeof s.a) => {
    await page.goto(`${base}/sign-in`);
    await page.getByLabel("Access key id").fill(keys.accessKeyId);
    await page.getByLabel("Secret access key").fill(keys.secretAccessKey);
    await Promise.all([
      page.waitForURL(`${base}/images`),
      page.getByLabel("Secret access key").press("Enter"),
    ]);
  };

  const anon = await visitor();
  await anon.goto(`${base}/sign-in`);
  await shot(anon, "sign-in");
  await anon.goto(`${base}/catalogue?os=debian`);
  await shot(anon, "catalogue");

  const alice = await visitor();
  await signIn(alice, s.a);
  await shot(alice, "my-images");
  await alice.goto(`${base}/images/${s.failing}`);
  await alice.getByRole("button", { name: "Make public" }).click();
  await alice.getByRole("alert").waitFor();
  await shot(alice, "gate-refusal", 470);
  await alice.goto(`${base}/images/${s.passing}`);
  await shot(alice, "image-owner");
  await alice.goto(`${base}/images/${s.passing}/packages`);
  await shot(alice, "packages");
  await alice.goto(`${base}/images/${s.privateImage}/deregister`);
  await shot(alice, "deregister-confirm");
  await alice.goto(`${base}/images/${s.passing}/listing`);
  await alice.getByRole("button", { name: "Preview" }).click();
  await shot(alice, "listing-editor");
  await alice.goto(`${base}/images/${s.passing}/attestations`);
  await shot(alice, "attestations");
  await alice.goto(`${base}/images/${s.passing}/submission`);
  await shot(alice, "submission-record", 470);

  const bob = await visitor();
  await signIn(bob, s.b);
  await bob.goto(`${base}/shared`);
  await shot(bob, "shared-with-me");
  await bob.goto(`${base}/images/${s.passing}`);
  await shot(bob, "image-consumer");
} finally {
  await browser.close();
  server.close();
  await s.c.dispose();
}

for (const [name, bytes] of sizes)
  process.stdout.write(
    `docs/console/${name}.png ${(bytes / 1024).toFixed(0)} KB${bytes > MAX_BYTES ? " (over 100 KB)" : ""}\n`,
  );
if (sizes.some(([, bytes]) => bytes > MAX_BYTES)) process.exitCode = 1;
