/**
 * The web console at the HTTP level, through App.handle: headers (CSP, cookies), CSRF, sign-in,
 * rate limiting, session expiry, and that every change is the EC2 call (same answers, same audit).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { bodyText, items, member } from "../../../test/support/catalogue.js";
import { type ConsoleStory, ConsoleVisitor, consoleStory } from "../../../test/support/console.js";
import { App } from "../app.js";
import { CONSOLE_CSP } from "./index.js";

let s: ConsoleStory;

before(async () => {
  s = await consoleStory();
});
after(() => s.c.dispose());

const signedIn = async (who = s.a) => {
  const v = new ConsoleVisitor(s.c);
  const r = await v.signIn(who);
  assert.equal(r.status, 303, r.text);
  return v;
};

describe("headers", () => {
  test("every page carries the strict CSP and no inline script or style", async () => {
    const v = await signedIn();
    for (const path of [
      "/catalogue",
      "/sign-in",
      "/images",
      "/shared",
      `/images/${s.failing}`,
      `/images/${s.failing}/packages`,
    ]) {
      const r = path === "/sign-in" ? await new ConsoleVisitor(s.c).get(path) : await v.get(path);
      assert.equal(r.status, 200, path);
      assert.equal(r.headers["content-security-policy"], CONSOLE_CSP);
      assert.match(CONSOLE_CSP, /^default-src 'self';/);
      assert.doesNotMatch(CONSOLE_CSP, /unsafe-inline|unsafe-eval/);
      assert.equal(r.headers["x-content-type-options"], "nosniff");
      assert.equal(r.headers["cache-control"], "no-store");
      assert.doesNotMatch(r.text, /<script|\sstyle=|<style|\son[a-z]+=/i, path);
    }
    const css = await v.get("/static/console.css");
    assert.equal(css.headers["content-type"], "text/css;charset=utf-8");
    assert.match(css.text, /\.verdict\{/);
  });

  test("cookies: HttpOnly and SameSite=Strict; Secure only over TLS (or behind a TLS proxy)", async () => {
    const plain = await new ConsoleVisitor(s.c).signIn(s.a);
    assert.match(
      plain.headers["set-cookie"]!,
      /^amigate_session=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=43200; HttpOnly; SameSite=Strict$/,
    );
    const form = await new ConsoleVisitor(s.c).get("/sign-in");
    assert.match(
      form.headers["set-cookie"]!,
      /^amigate_signin=[A-Za-z0-9_-]{43}; Path=\/sign-in; Max-Age=3600; HttpOnly; SameSite=Strict$/,
    );
    const tls = new ConsoleVisitor(s.c);
    const res = await s.c.app.handle({
      method: "GET",
      url: "/sign-in",
      headers: { host: "x" },
      body: Buffer.alloc(0),
      remoteAddress: "127.0.0.1",
      tls: true,
    });
    assert.match(res.headers["set-cookie"]!, /; HttpOnly; SameSite=Strict; Secure$/);
    const proxied = new ConsoleVisitor(s.c, { "x-forwarded-proto": "https" });
    const r = await proxied.signIn(s.a);
    assert.equal(r.status, 403, "the Origin http://… is not the https site the proxy serves");
    const proxiedRight = new ConsoleVisitor(s.c, {
      "x-forwarded-proto": "https",
      origin: "https://127.0.0.1:8754",
    });
    assert.match((await proxiedRight.signIn(s.a)).headers["set-cookie"]!, /; Secure$/);
    assert.equal(tls.cookies.size, 0);
  });

  test("EC2 clients are not the console's: POST / unsigned is still MissingAuthenticationToken", async () => {
    const r = await s.c.app.handle({
      method: "POST",
      url: "/",
      headers: { "content-type": "application/x-www-form-urlencoded", host: "x" },
      body: Buffer.from("Action=DescribeImages&Version=2016-11-15"),
      remoteAddress: "127.0.0.1",
    });
    assert.equal(r.status, 401);
    assert.match(await bodyText(r), /MissingAuthenticationToken/);
    const get = await s.c.app.handle({
      method: "GET",
      url: "/?Action=DescribeImages",
      headers: { host: "x" },
      body: Buffer.alloc(0),
      remoteAddress: "127.0.0.1",
    });
    assert.match(await bodyText(get), /MissingAuthenticationToken/);
  });
});

describe("sign-in", () => {
  test("a wrong secret is 401 with no session, and is audited", async () => {
    const v = new ConsoleVisitor(s.c);
    const form = await v.get("/sign-in");
    const r = await v.send("POST", "/sign-in", {
      csrf: ConsoleVisitor.csrfOf(form.text),
      accessKeyId: s.b.accessKeyId,
      secretAccessKey: `${s.b.secretAccessKey}x`,
    });
    assert.equal(r.status, 401);
    assert.match(r.text, /The access key id or the secret access key is wrong/);
    assert.equal(v.cookies.has("amigate_session"), false);
    assert.equal((await v.get("/images")).status, 303);
    const log = await s.c.store.auditLog(20);
    assert.ok(
      log.some(
        (e) =>
          e.action === "ConsoleSignIn" && e.accessKeyId === s.b.accessKeyId && e.outcome === "AuthFailure",
      ),
    );
    // An unknown key id reads the same.
    const unknown = await v.send("POST", "/sign-in", {
      csrf: ConsoleVisitor.csrfOf(form.text),
      accessKeyId: "AKIANOSUCHKEY0000000",
      secretAccessKey: "x",
    });
    assert.equal(unknown.status, 401);
    assert.match(unknown.text, /The access key id or the secret access key is wrong/);
  });

  test("the sign-in form needs its CSRF token: missing or wrong is 403", async () => {
    const v = new ConsoleVisitor(s.c);
    await v.get("/sign-in");
    const creds = { accessKeyId: s.a.accessKeyId, secretAccessKey: s.a.secretAccessKey };
    assert.equal((await v.send("POST", "/sign-in", creds)).status, 403);
    assert.equal((await v.send("POST", "/sign-in", { ...creds, csrf: "A".repeat(43) })).status, 403);
    assert.equal(v.cookies.has("amigate_session"), false);
  });

  test("five wrong secrets, then the key id is locked: even the right secret waits (429, Retry-After)", async () => {
    const who = await s.c.account("throttled");
    const v = new ConsoleVisitor(s.c);
    const csrf = ConsoleVisitor.csrfOf((await v.get("/sign-in")).text);
    for (let i = 0; i < 5; i++) {
      const r = await v.send("POST", "/sign-in", {
        csrf,
        accessKeyId: who.accessKeyId,
        secretAccessKey: "wrong",
      });
      assert.equal(r.status, 401);
    }
    const locked = await v.send("POST", "/sign-in", {
      csrf,
      accessKeyId: who.accessKeyId,
      secretAccessKey: who.secretAccessKey,
    });
    assert.equal(locked.status, 429);
    assert.equal(locked.headers["retry-after"], "1");
    assert.match(locked.text, /Too many failed sign-ins/);
    // Another key is not locked.
    assert.equal((await new ConsoleVisitor(s.c).signIn(s.b)).status, 303);
  });

  test("sign-out ends the session: the old cookie no longer opens a page", async () => {
    const v = await signedIn();
    const token = v.cookies.get("amigate_session")!;
    const page = await v.get("/images");
    const out = await v.send("POST", "/sign-out", { csrf: ConsoleVisitor.csrfOf(page.text) });
    assert.equal(out.status, 303);
    assert.match(out.headers["set-cookie"]!, /^amigate_session=; Path=\/; Max-Age=0;/);
    const replay = new ConsoleVisitor(s.c);
    replay.cookies.set("amigate_session", token);
    assert.equal((await replay.get("/images")).status, 303);
  });

  test("a next= that leaves the site is ignored", async () => {
    const v = new ConsoleVisitor(s.c);
    const csrf = ConsoleVisitor.csrfOf((await v.get("/sign-in")).text);
    const r = await v.send("POST", "/sign-in?next=//evil.example/", {
      csrf,
      accessKeyId: s.a.accessKeyId,
      secretAccessKey: s.a.secretAccessKey,
    });
    assert.equal(r.headers.location, "/images");
  });
});

describe("sessions expire", () => {
  test("after an hour idle, and twelve hours after sign-in however busy", async () => {
    let now = Date.parse("2026-11-23T08:00:00Z");
    const app = new App({ ...s.c.app.deps, now: () => new Date(now) });
    const clocked = { ...s.c, app } as typeof s.c;
    const v = new ConsoleVisitor(clocked);
    assert.equal((await v.signIn(s.a)).status, 303);
    now += 59 * 60_000;
    assert.equal((await v.get("/images")).status, 200);
    now += 61 * 60_000;
    assert.equal((await v.get("/images")).status, 303, "idle for 61 minutes");

    assert.equal((await v.signIn(s.a)).status, 303);
    for (let i = 0; i < 14; i++) {
      now += 50 * 60_000;
      assert.equal((await v.get("/images")).status, 200, `busy, ${(i + 1) * 50} minutes in`);
    }
    now += 50 * 60_000; // 750 minutes: past the 12 hours
    const r = await v.get("/images");
    assert.equal(r.status, 303);
    assert.equal(r.headers.location, "/sign-in?next=%2Fimages");
  });
});

describe("changes are EC2 calls", () => {
  test("a form without the session's CSRF token changes nothing (403), nor one from another origin", async () => {
    const v = await signedIn();
    const url = `/images/${s.passing}/launch-permission`;
    const share = { op: "share", accountId: s.b.account.accountId };
    assert.equal((await v.send("POST", url, share)).status, 403);
    assert.equal((await v.send("POST", url, { ...share, csrf: "B".repeat(43) })).status, 403);
    const csrf = ConsoleVisitor.csrfOf((await v.get(`/images/${s.passing}`)).text);
    assert.equal(
      (await v.send("POST", url, { ...share, csrf }, { origin: "http://evil.example" })).status,
      403,
    );
    assert.deepEqual(await s.c.store.launchPermissions(s.passing), []);
    // Signed out, the token is no use either.
    const anon = new ConsoleVisitor(s.c);
    assert.equal((await anon.send("POST", url, { ...share, csrf })).status, 403);
  });

  test("share through the console is ModifyImageAttribute: the API sees it and the audit log names the key", async () => {
    const v = await signedIn();
    const csrf = ConsoleVisitor.csrfOf((await v.get(`/images/${s.passing}`)).text);
    const r = await v.send("POST", `/images/${s.passing}/launch-permission`, {
      csrf,
      op: "share",
      accountId: s.b.account.accountId,
    });
    assert.equal(r.status, 303);
    assert.equal(r.headers.location, `/images/${s.passing}?done=shared`);
    const attr = await s.c.call(s.a, "DescribeImageAttribute", {
      ImageId: s.passing,
      Attribute: "launchPermission",
    });
    assert.deepEqual(items(attr, "DescribeImageAttribute", "launchPermission"), [
      { userId: s.b.account.accountId },
    ]);
    const entry = (await s.c.store.auditLog(50)).find(
      (e) => e.action === "ModifyImageAttribute" && e.resource === s.passing,
    );
    assert.equal(entry?.accessKeyId, s.a.accessKeyId);
    assert.equal(entry?.outcome, "ok");
    // A bad account id is EC2's own refusal, shown on the page.
    const bad = await v.send("POST", `/images/${s.passing}/launch-permission`, {
      csrf,
      op: "share",
      accountId: "1234-5678",
    });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /InvalidAMIAttributeItemValue/);
    await s.c.call(s.a, "ModifyImageAttribute", {
      ImageId: s.passing,
      "LaunchPermission.Remove.1.UserId": s.b.account.accountId,
    });
  });

  test("making a failing image public is refused by the gate, with its findings and the fix command", async () => {
    const v = await signedIn();
    const csrf = ConsoleVisitor.csrfOf((await v.get(`/images/${s.failing}`)).text);
    const r = await v.send("POST", `/images/${s.failing}/launch-permission`, { csrf, op: "make-public" });
    assert.equal(r.status, 400);
    assert.match(r.text, /The gate refused to make this image public/);
    assert.match(r.text, /cannot be shared publicly: findings at or above high: /);
    assert.match(r.text, /amigate fix IMAGE-FILE --only [a-z-,]*sshd-password-auth/);
    assert.match(r.text, /<code>ssh-password-auth<\/code>/);
    const described = await s.c.call(s.a, "DescribeImages", { "ImageId.1": s.failing });
    assert.equal(items(described, "DescribeImages", "imagesSet")[0]?.isPublic, "false");
  });

  test("another account cannot change A's image through the console (EC2's AuthFailure)", async () => {
    await s.c.call(s.a, "ModifyImageAttribute", {
      ImageId: s.passing,
      "LaunchPermission.Add.1.UserId": s.b.account.accountId,
    });
    const v = await signedIn(s.b);
    const page = await v.get(`/images/${s.passing}`);
    assert.equal(page.status, 200);
    assert.doesNotMatch(page.text, /Make public|launch-permission/);
    const r = await v.send("POST", `/images/${s.passing}/launch-permission`, {
      csrf: ConsoleVisitor.csrfOf(page.text),
      op: "make-public",
    });
    assert.equal(r.status, 400);
    assert.match(r.text, /AuthFailure/);
    assert.equal((await v.get(`/images/${s.passing}/deregister`)).status, 403);
    await s.c.call(s.a, "ModifyImageAttribute", {
      ImageId: s.passing,
      "LaunchPermission.Remove.1.UserId": s.b.account.accountId,
    });
  });

  test("deregister needs the confirmation page's field", async () => {
    const r = await s.c.call(s.a, "RegisterImage", {
      Name: "to-deregister",
      Architecture: "x86_64",
      RootDeviceName: "/dev/xvda",
    });
    const imageId = member(r, "RegisterImage", "imageId") as string;
    const v = await signedIn();
    const confirm = await v.get(`/images/${imageId}/deregister`);
    assert.match(confirm.text, /This cannot be undone/);
    const csrf = ConsoleVisitor.csrfOf(confirm.text);
    assert.equal((await v.send("POST", `/images/${imageId}/deregister`, { csrf })).status, 400);
    assert.ok(await s.c.store.image(imageId));
    const done = await v.send("POST", `/images/${imageId}/deregister`, { csrf, confirm: "yes" });
    assert.equal(done.headers.location, "/images?done=deregistered");
    assert.equal(await s.c.store.image(imageId), undefined);
  });
});

describe("lifecycle forms are EC2 calls", () => {
  const register = async (name: string) =>
    member(
      await s.c.call(s.a, "RegisterImage", {
        Name: name,
        Architecture: "x86_64",
        RootDeviceName: "/dev/xvda",
      }),
      "RegisterImage",
      "imageId",
    ) as string;
  const described = async (imageId: string) =>
    items(await s.c.call(s.a, "DescribeImages", { "ImageId.1": imageId }), "DescribeImages", "imagesSet")[0]!;

  test("deprecate on a date and cancel it; DescribeImages sees each; a bad date is the API's refusal", async () => {
    const imageId = await register("to-deprecate");
    const v = await signedIn();
    const page = await v.get(`/images/${imageId}`);
    assert.match(page.text, /<h2 id="lifecycle">Lifecycle<\/h2>/);
    assert.match(page.text, /Not deprecated\./);
    const csrf = ConsoleVisitor.csrfOf(page.text);
    const url = `/images/${imageId}/lifecycle`;
    const year = new Date().getUTCFullYear() + 1;
    const set = await v.send("POST", url, { csrf, op: "deprecate", deprecateAt: `${year}-06-30` });
    assert.equal(set.status, 303, set.text);
    assert.equal(set.headers.location, `/images/${imageId}?done=deprecation-set`);
    assert.equal((await described(imageId)).deprecationTime, `${year}-06-30T00:00:00.000Z`);
    const shown = await v.get(set.headers.location!);
    assert.match(shown.text, /The deprecation time is set\./);
    assert.match(shown.text, /Deprecated from/);
    const past = await v.send("POST", url, { csrf, op: "deprecate", deprecateAt: "2001-01-01" });
    assert.equal(past.status, 400);
    assert.match(past.text, /InvalidParameterValue/);
    assert.match(past.text, /in the past/);
    const cancel = await v.send("POST", url, { csrf, op: "undeprecate" });
    assert.equal(cancel.headers.location, `/images/${imageId}?done=deprecation-cancelled`);
    assert.equal((await described(imageId)).deprecationTime, undefined);
  });

  test("disable drops the launch permissions, enable brings the image back private", async () => {
    const imageId = await register("to-disable");
    await s.c.call(s.a, "ModifyImageAttribute", {
      ImageId: imageId,
      "LaunchPermission.Add.1.UserId": s.b.account.accountId,
    });
    const v = await signedIn();
    const csrf = ConsoleVisitor.csrfOf((await v.get(`/images/${imageId}`)).text);
    const url = `/images/${imageId}/lifecycle`;
    const off = await v.send("POST", url, { csrf, op: "disable" });
    assert.equal(off.headers.location, `/images/${imageId}?done=disabled`);
    const page = await v.get(off.headers.location!);
    assert.match(page.text, /The image is disabled: it cannot be launched/);
    assert.deepEqual(await s.c.store.launchPermissions(imageId), []);
    const on = await v.send("POST", url, { csrf, op: "enable" });
    assert.equal(on.headers.location, `/images/${imageId}?done=enabled`);
    const image = await described(imageId);
    assert.equal(image.imageState, "available");
    assert.equal(image.isPublic, "false");
    const entry = (await s.c.store.auditLog(50)).find(
      (e) => e.action === "DisableImage" && e.resource === imageId,
    );
    assert.equal(entry?.accessKeyId, s.a.accessKeyId);
  });

  test("protection with a cooldown refuses DeregisterImage, and still does after it is removed", async () => {
    const imageId = await register("to-protect");
    const v = await signedIn();
    const csrf = ConsoleVisitor.csrfOf((await v.get(`/images/${imageId}`)).text);
    const url = `/images/${imageId}/lifecycle`;
    const on = await v.send("POST", url, { csrf, op: "protect", withCooldown: "true" });
    assert.equal(on.headers.location, `/images/${imageId}?done=protected`);
    assert.equal((await described(imageId)).deregistrationProtection, "enabled-with-cooldown");
    const refused = await v.send("POST", `/images/${imageId}/deregister`, { csrf, confirm: "yes" });
    assert.equal(refused.status, 400);
    assert.ok(await s.c.store.image(imageId));
    await v.send("POST", url, { csrf, op: "unprotect" });
    const page = await v.get(`/images/${imageId}`);
    assert.match(page.text, /Its cooldown keeps it protected until/);
    assert.equal(
      (await v.send("POST", `/images/${imageId}/deregister`, { csrf, confirm: "yes" })).status,
      400,
    );
    assert.ok(await s.c.store.image(imageId));
  });

  test("each form posts its own changes only; another account's post is EC2's AuthFailure", async () => {
    const imageId = await register("form-bound");
    const v = await signedIn();
    const csrf = ConsoleVisitor.csrfOf((await v.get(`/images/${imageId}`)).text);
    // A deregistration never skips its confirmation page, nor a share its own form.
    assert.equal(
      (await v.send("POST", `/images/${imageId}/launch-permission`, { csrf, op: "deregister" })).status,
      400,
    );
    assert.equal(
      (await v.send("POST", `/images/${imageId}/lifecycle`, { csrf, op: "make-public" })).status,
      400,
    );
    assert.ok(await s.c.store.image(imageId));
    const other = await signedIn(s.b);
    assert.equal((await other.get(`/images/${imageId}/lifecycle`)).status, 404);
    await s.c.call(s.a, "ModifyImageAttribute", {
      ImageId: imageId,
      "LaunchPermission.Add.1.UserId": s.b.account.accountId,
    });
    const seen = await other.get(`/images/${imageId}`);
    assert.doesNotMatch(seen.text, /id="lifecycle"/);
    const r = await other.send("POST", `/images/${imageId}/lifecycle`, {
      csrf: ConsoleVisitor.csrfOf(seen.text),
      op: "disable",
    });
    assert.equal(r.status, 400);
    assert.match(r.text, /AuthFailure/);
    assert.equal((await described(imageId)).imageState, "available");
  });
});

describe("who sees what", () => {
  test("anonymous: the catalogue's public images only; private pages send to sign-in", async () => {
    const anon = new ConsoleVisitor(s.c);
    assert.equal((await anon.get("/")).headers.location, "/catalogue");
    assert.equal((await anon.get("/images")).headers.location, "/sign-in?next=%2Fimages");
    assert.equal((await anon.get(`/images/${s.privateImage}`)).status, 404);
    assert.equal((await anon.get(`/images/${s.passing}/packages`)).status, 303);
    const cat = await anon.get("/catalogue");
    assert.doesNotMatch(cat.text, new RegExp(s.privateImage));
    assert.doesNotMatch(cat.text, /internal-build/);
  });

  test("the catalogue's owner filter refuses what is not an owner", async () => {
    const v = await signedIn();
    const r = await v.get("/catalogue?owner=bob");
    assert.equal(r.status, 400);
    assert.match(r.text, /is not &quot;self&quot;, a 12-digit account id/);
  });
});

describe("listing, attestations, submission record", () => {
  test("the editor starts from the scan's draft; save is the API's PUT; publish waits for the image to be public", async () => {
    const v = await signedIn();
    const editor = await v.get(`/images/${s.passing}/listing`);
    assert.equal(editor.status, 200);
    assert.match(editor.text, /No listing saved yet/);
    // Drafted from the scan: the OS and the services the rootfs starts at boot.
    assert.match(editor.text, /id="l-osName" name="osName" value="Debian GNU\/Linux"/);
    assert.match(editor.text, /<textarea id="l-services"[^>]*>[^<]*ssh\.service/);
    // Package counts are the scan's: shown, not a field of the form, and stored with the listing.
    const counted = /Installed packages: (\d+) \(dpkg \1\)/.exec(editor.text);
    assert.ok(counted && Number(counted[1]) > 100, "the editor shows the scan's package count");
    assert.doesNotMatch(editor.text, /name="packages/);
    const csrf = ConsoleVisitor.csrfOf(editor.text);
    const form = {
      csrf,
      name: "Debian 12 base",
      product: "debian-base",
      version: "12.5",
      publisherName: "alice",
      publisherUrl: "https://alice.example",
      osName: "Debian GNU/Linux",
      osVersion: "12",
      architecture: "x86_64",
      keyFeatures: "Minimal\nSSH keys only",
      description: "A small Debian 12 image.",
      services: "ssh.service",
      listeningPorts: "22/tcp ssh.service",
      usageInstructions: "Connect with ssh admin@<instance> using your key pair.",
      releaseDate: "2026-03-01",
      releaseNotes: "First version.",
      addOnTo: "",
      externalDependencies: "",
      dataCollection: "",
    };
    const preview = await v.send("POST", `/images/${s.passing}/listing`, { ...form, intent: "preview" });
    assert.equal(preview.status, 200);
    assert.match(preview.text, /Preview \(not saved\)/);
    assert.match(preview.text, /22\/tcp \(ssh\.service\)/);
    assert.ok(
      preview.text.includes(`<dt>Installed packages</dt><dd>${counted[1]} (dpkg ${counted[1]})</dd>`),
    );
    assert.equal(await s.c.store.listing(s.passing), undefined, "a preview saves nothing");
    const bad = await v.send("POST", `/images/${s.passing}/listing`, {
      ...form,
      listeningPorts: "port 22",
      intent: "save",
    });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /InvalidParameterValue: listing field listeningPorts\[0\]/);
    assert.match(
      bad.text,
      /<textarea id="l-listeningPorts"[^>]*>port 22<\/textarea>/,
      "what was typed stays",
    );
    const saved = await v.send("POST", `/images/${s.passing}/listing`, { ...form, intent: "save" });
    assert.equal(saved.headers.location, `/images/${s.passing}/listing?done=saved`);
    assert.equal((await s.c.store.listing(s.passing))?.listing.version, "12.5");
    assert.equal((await s.c.store.listing(s.passing))?.listing.packages?.total, Number(counted[1]));
    const entry = (await s.c.store.auditLog(50)).find(
      (e) => e.action === "PutListing" && e.resource === s.passing,
    );
    assert.equal(entry?.accessKeyId, s.a.accessKeyId);

    const refused = await v.send("POST", `/images/${s.passing}/listing/publish`, { csrf, op: "publish" });
    assert.equal(refused.status, 400);
    assert.match(refused.text, /cannot be published: the image is not public/);
    const pub = await v.send("POST", `/images/${s.passing}/launch-permission`, { csrf, op: "make-public" });
    assert.equal(pub.status, 303, pub.text);
    const published = await v.send("POST", `/images/${s.passing}/listing/publish`, { csrf, op: "publish" });
    assert.equal(published.headers.location, `/images/${s.passing}/listing?done=published`);
    const anon = await new ConsoleVisitor(s.c).get("/catalogue?os=debian&publisher=ali");
    assert.match(anon.text, /Debian 12 base|debian-12-base/);
    assert.match(anon.text, new RegExp(s.passing));
    const page = await new ConsoleVisitor(s.c).get(`/images/${s.passing}`);
    assert.match(
      page.text,
      /What we found in it[\s\S]*Who published it[\s\S]*alice[\s\S]*Usage instructions/,
    );
    assert.ok(page.text.includes(`<dt>Installed packages</dt><dd>${counted[1]} (dpkg ${counted[1]})</dd>`));
  });

  test("attestations: a no without a comment is refused as the API refuses it; answers are kept with who and when", async () => {
    const v = await signedIn();
    const page = await v.get(`/images/${s.passing}/attestations`);
    const csrf = ConsoleVisitor.csrfOf(page.text);
    const ids = [...page.text.matchAll(/name="answer-([a-z0-9-]+)" value="yes"/g)].map((m) => m[1]!);
    assert.ok(ids.length >= 5, `${ids.length} statements`);
    const refused = await v.send("POST", `/images/${s.passing}/attestations`, {
      csrf,
      [`answer-${ids[0]}`]: "no",
    });
    assert.equal(refused.status, 400);
    assert.match(refused.text, /say why in a comment when the answer is no/);
    const all = Object.fromEntries(ids.map((id) => [`answer-${id}`, "yes"]));
    const ok = await v.send("POST", `/images/${s.passing}/attestations`, { csrf, ...all });
    assert.equal(ok.status, 303);
    const stored = await s.c.store.attestations(s.passing);
    assert.equal(stored.size, ids.length);
    assert.equal(stored.get(ids[0]!)?.by, s.a.account.accountId);
    const record = await v.get(`/images/${s.passing}/submission`);
    assert.match(record.text, /Submission record/);
    assert.match(record.text, /READY/);
    const json = await v.get(`/images/${s.passing}/submission.json`);
    assert.equal(json.headers["content-type"], "application/json");
    assert.equal((JSON.parse(json.text) as { imageId: string }).imageId, s.passing);
  });

  test("another account gets none of the owner's statement pages", async () => {
    const v = await signedIn(s.b);
    for (const sub of ["listing", "attestations", "submission"])
      assert.equal((await v.get(`/images/${s.passing}/${sub}`)).status, 403, sub);
  });
});

test("another account's posts to the owner's statement forms are the API's AuthFailure", async () => {
  const v = await signedIn(s.b);
  const csrf = ConsoleVisitor.csrfOf((await v.get("/shared")).text);
  for (const sub of ["listing", "listing/publish", "attestations"]) {
    const r = await v.send("POST", `/images/${s.passing}/${sub}`, { csrf, op: "publish", intent: "save" });
    assert.equal(r.status, 400, sub);
    assert.match(r.text, /AuthFailure: Not authorized for image/, sub);
  }
});
