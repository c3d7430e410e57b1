/**
 * `amigate submission`: the submission record of an image version — scan verdict, listing checks
 * and attestations — as JSON or HTML, saying plainly whether it is ready to submit. Exit 0 when
 * ready, 1 when not (the exit code contract's "findings"), 2 when it could not be made.
 */
import { existsSync } from "node:fs";
import { type Command, Option } from "commander";
import { parseAnswersFile } from "../policy/listing/attestations.js";
import { parseListing } from "../policy/listing/listing.js";
import { buildSubmission, type SubmissionRecord } from "../policy/listing/submission.js";
import { renderSubmissionHtml, renderSubmissionJson } from "../report/submission.js";
import { ClientError } from "../server/client.js";
import { imagePath, signedJson, signedRequest } from "../server/json-client.js";
import {
  catalogueFor,
  isImageId,
  optionalEndpoint,
  readDocument,
  readReport,
  writeDocument,
} from "./listing-io.js";

interface SubmissionFlags {
  report?: string;
  listing?: string;
  attestations?: string;
  format: "json" | "html";
  output?: string;
  force?: boolean;
  endpoint?: string;
}

export function registerSubmission(program: Command): void {
  program
    .command("submission")
    .description(
      "The submission record: scan verdict, listing checks, attestations, and whether it is ready to submit",
    )
    .argument("[image-id]", "an AMI ID in the catalogue (--endpoint); without it, from local files")
    .option("--report <file>", "the image's scan report (amigate scan --format json -o FILE)")
    .option("--listing <file>", "the listing (amigate listing init)")
    .option("--attestations <file>", "the answers file (amigate attest)")
    .addOption(new Option("-f, --format <format>", "json or html").choices(["json", "html"]).default("json"))
    .option("-o, --output <file>", "write the record here (default: stdout)")
    .option("--force", "replace --output if it exists")
    .addOption(optionalEndpoint())
    .action(async (target: string | undefined, flags: SubmissionFlags) => {
      let record: SubmissionRecord;
      let text: string;
      if (target !== undefined) {
        if (!isImageId(target))
          throw new ClientError(`${target}: not an AMI ID (local records come from --report)`);
        const { endpoint, creds } = await catalogueFor(target, flags.endpoint);
        record = await signedJson<SubmissionRecord>(
          endpoint,
          creds,
          "GET",
          imagePath(target, "submission.json"),
        );
        text =
          flags.format === "html"
            ? await signedRequest(endpoint, creds, "GET", imagePath(target, "submission.html"))
            : renderSubmissionJson(record);
      } else {
        if (!flags.report)
          throw new ClientError("submission: give an AMI ID (with --endpoint) or --report FILE");
        const report = await readReport(flags.report);
        const listing = flags.listing ? parseListing(await readDocument(flags.listing)) : undefined;
        const answers =
          flags.attestations && existsSync(flags.attestations)
            ? parseAnswersFile(await readDocument(flags.attestations))
            : undefined;
        record = buildSubmission({
          imageId: listing?.imageId || report.target.input,
          scan: { status: "done", report },
          statements: { ...(listing ? { listing } : {}), ...(answers ? { answers } : {}) },
        });
        text = flags.format === "html" ? renderSubmissionHtml(record) : renderSubmissionJson(record);
      }
      await writeDocument(text, flags.output, { force: flags.force === true });
      process.stderr.write(`amigate: ${record.imageId}: ${record.verdict}\n`);
      process.exitCode = record.ready ? 0 : 1;
    });
}
