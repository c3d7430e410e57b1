/**
 * `amigate listing init|show|edit|publish|publisher`: a listing as a YAML (or JSON) file checked
 * against a local scan report, or a listing in the catalogue (an AMI ID target, signed calls to
 * /amigate/images/{id}/listing…). The work is in policy/listing/ and the catalogue.
 */
import { spawnSync } from "node:child_process";
import { promises as fsp, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Command } from "commander";
import { draftListing } from "../policy/listing/draft.js";
import { applyFieldEdits, type FieldEdit, parseFieldEdit } from "../policy/listing/edit.js";
import { evidenceOf, judgeStatements } from "../policy/listing/judge.js";
import { type Listing, parseListing } from "../policy/listing/listing.js";
import { withScanPackageCounts } from "../policy/listing/package-counts.js";
import type { MetadataCheck, ScanResult } from "../policy/result.js";
import { renderListingHtml } from "../report/listing-template.js";
import { ClientError } from "../server/client.js";
import { imagePath, signedJson } from "../server/json-client.js";
import type { Credentials } from "../server/sign.js";
import { rewrittenListing } from "./listing-file.js";
import {
  catalogueFor,
  collect,
  formatFor,
  formatOption,
  isImageId,
  optionalEndpoint,
  parseDocumentText,
  readDocument,
  readDocumentText,
  readReport,
  renderDocument,
  replaceFile,
  writeDocument,
} from "./listing-io.js";

interface Common {
  endpoint?: string;
  format?: string;
  report?: string;
}

/** What the catalogue answers for a listing (listing-routes.ts listingView). */
interface ListingView {
  imageId: string;
  listing: Listing;
  published: boolean;
  publishedAt?: string;
  checks: MetadataCheck[];
}

const reportOf = (file: string | undefined) => (file ? readReport(file) : Promise.resolve(undefined));

/** The listing checks as `show` prints them: id, status, and what failed. */
function checksOf(listing: Listing, report: ScanResult | undefined): MetadataCheck[] {
  return judgeStatements({ listing }, evidenceOf(report)).metadataChecks.filter(
    (m) => m.judgedBy === "listing",
  );
}

function failures(checks: readonly MetadataCheck[]): string[] {
  return checks.flatMap((m) =>
    (m.findings ?? [])
      .filter((f) => f.severity !== "info")
      .map((f) => `${m.id} (${m.clauses.join(", ")}): ${f.message}`),
  );
}

async function print(value: unknown, flags: Common, file?: string): Promise<void> {
  process.stdout.write(await renderDocument(value, formatFor(flags.format, file)));
}

/** The edits of --set/--add, and the document of --from or the editor. */
function editsOf(flags: { set?: string[]; add?: string[] }): FieldEdit[] {
  return [
    ...(flags.set ?? []).map((s) => parseFieldEdit(s)),
    ...(flags.add ?? []).map((s) => parseFieldEdit(s, true)),
  ];
}

/**
 * Opens $VISUAL/$EDITOR on a listing's text (a file's own, comments and all, or the catalogue's
 * listing as YAML); the text as saved and the listing it says, checked.
 */
async function editInEditor(text: string, name: string): Promise<{ text: string; listing: Listing }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "amigate-listing-"));
  const file = path.join(dir, name);
  try {
    await fsp.writeFile(file, text);
    const editor = process.env.VISUAL || process.env.EDITOR || "vi";
    const r = spawnSync("sh", ["-c", `${editor} "$1"`, "sh", file], { stdio: "inherit" });
    if (r.status !== 0)
      throw new ClientError(`the editor (${editor}) exited with ${r.status ?? r.signal}; nothing changed`);
    const saved = await fsp.readFile(file, "utf8");
    return { text: saved, listing: parseListing(await parseDocumentText(saved, name)) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Whether an edit names what to change (--set, --add, --from) or opens the editor. */
const opensEditor = (flags: { set?: string[]; add?: string[]; from?: string }) =>
  !flags.from && editsOf(flags).length === 0;

async function edited(
  listing: Listing,
  flags: { set?: string[]; add?: string[]; from?: string },
  imageId?: string,
): Promise<Listing> {
  if (opensEditor(flags))
    return parseListing(
      (await editInEditor(await renderDocument(listing, "yaml"), "listing.yaml")).listing,
      imageId,
    );
  const edits = editsOf(flags);
  let next = flags.from ? parseListing(await readDocument(flags.from), imageId) : listing;
  if (edits.length > 0) next = applyFieldEdits(next, edits);
  return imageId ? parseListing(next, imageId) : next;
}

/** The catalogue's listing of an image, or its draft when it has none yet. */
async function remoteListing(endpoint: string, creds: Credentials, imageId: string): Promise<Listing> {
  try {
    return (await signedJson<ListingView>(endpoint, creds, "GET", imagePath(imageId, "listing"))).listing;
  } catch (e) {
    if (!(e instanceof ClientError) || e.code !== "InvalidListing.NotFound") throw e;
    return (
      await signedJson<{ listing: Listing }>(endpoint, creds, "GET", imagePath(imageId, "listing/draft"))
    ).listing;
  }
}

export function registerListing(program: Command): void {
  const listing = program
    .command("listing")
    .description(
      "Write, check and publish an image's listing (a YAML file with a scan report, or in the catalogue)",
    );

  listing
    .command("init")
    .description(
      "Start a listing filled from the scan: OS, architecture, services, ports, package counts, release notes",
    )
    .argument(
      "[image-id]",
      "an AMI ID in the catalogue (--endpoint); without it, a local listing from --report",
    )
    .option("--report <file>", "the image's scan report (amigate scan --format json -o FILE)")
    .option("--name <name>", "the AMI name (default: the scanned target's name)")
    .option("--image-id <id>", "the AMI ID, once registered")
    .option("--publisher <name>", "the publisher's name")
    .option("--publisher-url <url>", "the publisher's web address")
    .option("--previous-listing <file>", "the previous version's listing (release notes, product, texts)")
    .option(
      "--previous-report <file>",
      "the previous version's scan report (release notes from the package difference)",
    )
    .option("-o, --output <file>", "write the listing here (not over an existing file unless --force)")
    .option("--force", "replace --output if it exists")
    .addOption(formatOption())
    .addOption(optionalEndpoint())
    .action(
      async (
        target: string | undefined,
        flags: Common & {
          name?: string;
          imageId?: string;
          publisher?: string;
          publisherUrl?: string;
          previousListing?: string;
          previousReport?: string;
          output?: string;
          force?: boolean;
        },
      ) => {
        let draft: Listing;
        if (target !== undefined) {
          if (!isImageId(target))
            throw new ClientError(`${target}: not an AMI ID (a local listing starts from --report)`);
          const { endpoint, creds } = await catalogueFor(target, flags.endpoint);
          draft = (
            await signedJson<{ listing: Listing }>(endpoint, creds, "GET", imagePath(target, "listing/draft"))
          ).listing;
        } else {
          if (!flags.report)
            throw new ClientError("listing init: give an AMI ID (with --endpoint) or --report FILE");
          const report = await readReport(flags.report);
          const previousReport = await reportOf(flags.previousReport);
          draft = draftListing({
            imageId: flags.imageId ?? "",
            name:
              flags.name ??
              path.basename(report.target.input).replace(/\.(tar(\.\w+)?|raw|img|vmdk|vhdx?|qcow2)$/, ""),
            publisher: { name: flags.publisher ?? "", url: flags.publisherUrl ?? "" },
            report,
            ...(flags.previousListing
              ? {
                  previous: {
                    listing: parseListing(await readDocument(flags.previousListing)),
                    ...(previousReport ? { report: previousReport } : {}),
                  },
                }
              : {}),
          });
        }
        const text = await renderDocument(draft, formatFor(flags.format, flags.output));
        await writeDocument(text, flags.output, { force: flags.force === true });
      },
    );

  listing
    .command("show")
    .description("Print a listing and its checks (each with its clause and what failed)")
    .argument("<target>", "a listing file, or an AMI ID in the catalogue (--endpoint)")
    .option("--report <file>", "the image's scan report, for checks that compare the listing with the scan")
    .addOption(formatOption())
    .addOption(optionalEndpoint())
    .action(async (target: string, flags: Common) => {
      if (isImageId(target)) {
        const { endpoint, creds } = await catalogueFor(target, flags.endpoint);
        await print(
          await signedJson<ListingView>(endpoint, creds, "GET", imagePath(target, "listing")),
          flags,
        );
        return;
      }
      const report = await reportOf(flags.report);
      const l = withScanPackageCounts(parseListing(await readDocument(target)), report?.listingFacts);
      await print({ listing: l, checks: checksOf(l, report) }, flags, target);
    });

  listing
    .command("edit")
    .description("Change a listing: --set/--add fields, --from a file, or in $EDITOR; the result is checked")
    .argument("<target>", "a listing file (rewritten), or an AMI ID in the catalogue (--endpoint)")
    .option("--set <field=value>", "set a field (dotted: publisher.url); repeat for list items", collect)
    .option("--add <field=value>", "append to a list field (keyFeatures, services, listeningPorts…)", collect)
    .option("--from <file>", "take the whole listing from this YAML/JSON file")
    .option("--report <file>", "the image's scan report, for the checks printed after a local edit")
    .addOption(formatOption())
    .addOption(optionalEndpoint())
    .action(async (target: string, flags: Common & { set?: string[]; add?: string[]; from?: string }) => {
      if (isImageId(target)) {
        const { endpoint, creds } = await catalogueFor(target, flags.endpoint);
        const next = await edited(await remoteListing(endpoint, creds, target), flags, target);
        await print(
          await signedJson<ListingView>(endpoint, creds, "PUT", imagePath(target, "listing"), next),
          flags,
        );
        return;
      }
      // A file keeps what its author wrote: comments, order, and every value not edited.
      const { text, value } = await readDocumentText(target);
      let next: Listing;
      if (opensEditor(flags)) {
        const saved = await editInEditor(text, `listing${path.extname(target) || ".yaml"}`);
        next = saved.listing;
        await replaceFile(target, saved.text);
      } else {
        const before = parseListing(value);
        next = await edited(before, flags);
        await replaceFile(target, await rewrittenListing(text, formatFor(undefined, target), before, next));
      }
      for (const line of failures(checksOf(next, await reportOf(flags.report))))
        process.stderr.write(`amigate: ${line}\n`);
    });

  listing
    .command("publish")
    .description(
      "Publish: in the catalogue, make the listing public (its image must be public); for a file, write the sharing template's HTML once every check passes",
    )
    .argument("<target>", "an AMI ID in the catalogue (--endpoint), or a listing file")
    .option("--unpublish", "take the catalogue listing out of the public catalogue")
    .option("--report <file>", "the image's scan report (a local listing's checks compare with it)")
    .option("-o, --output <file>", "where to write a local listing's HTML (default: stdout)")
    .option("--force", "replace --output if it exists")
    .addOption(formatOption())
    .addOption(optionalEndpoint())
    .action(
      async (target: string, flags: Common & { unpublish?: boolean; output?: string; force?: boolean }) => {
        if (isImageId(target)) {
          const { endpoint, creds } = await catalogueFor(target, flags.endpoint);
          const view = await signedJson<ListingView>(
            endpoint,
            creds,
            flags.unpublish ? "DELETE" : "POST",
            imagePath(target, "listing/publish"),
          );
          await print(
            { imageId: view.imageId, published: view.published, publishedAt: view.publishedAt },
            flags,
          );
          return;
        }
        if (flags.unpublish)
          throw new ClientError("--unpublish is for a listing in the catalogue (an AMI ID)");
        const report = await reportOf(flags.report);
        const l = withScanPackageCounts(parseListing(await readDocument(target)), report?.listingFacts);
        const failing = failures(checksOf(l, report));
        if (failing.length > 0) {
          for (const line of failing) process.stderr.write(`amigate: ${line}\n`);
          process.stderr.write(`amigate: ${target}: not published: ${failing.length} failing check(s)\n`);
          // The exit code contract: 1 is "findings at or above the threshold".
          process.exitCode = 1;
          return;
        }
        await writeDocument(renderListingHtml(l), flags.output, { force: flags.force === true });
      },
    );

  listing
    .command("publisher")
    .description("Show or set the publisher URL your listings name (the name is the account's alias)")
    .option("--url <url>", "your web address (http or https)")
    .addOption(formatOption())
    .addOption(optionalEndpoint())
    .action(async (flags: Common & { url?: string }) => {
      const { endpoint, creds } = await catalogueFor("publisher", flags.endpoint);
      const out = flags.url
        ? await signedJson(endpoint, creds, "PUT", "/amigate/publisher", { url: flags.url })
        : await signedJson(endpoint, creds, "GET", "/amigate/publisher");
      await print(out, flags);
    });
}
