/**
 * `amigate attest`: answer the statements only the publisher can make, per image version — in
 * the catalogue (an AMI ID) or in a local answers file beside the image's scan report.
 */
import { existsSync } from "node:fs";
import os from "node:os";
import type { Command } from "commander";
import { answersFileOf, checkAnswer, parseAnswersFile } from "../policy/listing/attestations.js";
import { judgeStatements } from "../policy/listing/judge.js";
import type { AttestationAnswer, AttestationItem } from "../policy/result.js";
import { ClientError } from "../server/client.js";
import { imagePath, signedJson } from "../server/json-client.js";
import {
  catalogueFor,
  collect,
  formatFor,
  formatOption,
  isImageId,
  optionalEndpoint,
  readDocument,
  renderDocument,
  replaceFile,
} from "./listing-io.js";

interface AttestFlags {
  answer?: string[];
  comment?: string[];
  from?: string;
  by?: string;
  format?: string;
  endpoint?: string;
}

/** "ID=VALUE" pairs by id; an id given twice is refused. */
function pairs(list: readonly string[] | undefined, what: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const item of list ?? []) {
    const i = item.indexOf("=");
    if (i <= 0)
      throw new ClientError(`--${what} ${item}: expected ID=${what === "answer" ? "yes|no|n/a" : "TEXT"}`);
    const id = item.slice(0, i).trim();
    if (out.has(id)) throw new ClientError(`--${what}: ${id} given twice`);
    out.set(id, item.slice(i + 1));
  }
  return out;
}

/** The answers given on the command line and in --from, checked (who and when added by the caller). */
async function givenAnswers(flags: AttestFlags) {
  const answers = pairs(flags.answer, "answer");
  const comments = pairs(flags.comment, "comment");
  for (const id of comments.keys())
    if (!answers.has(id)) throw new ClientError(`--comment ${id}: give its --answer too`);
  const given = [...answers].map(([id, answer]) => checkAnswer(id, answer, comments.get(id)));
  if (flags.from) {
    const fromFile = parseAnswersFile(await readDocument(flags.from));
    for (const [id, a] of fromFile) if (!answers.has(id)) given.push(checkAnswer(id, a.answer, a.comment));
  }
  return given;
}

export function registerAttest(program: Command): void {
  program
    .command("attest")
    .description(
      "Answer the statements only the publisher can make (yes, no, or n/a where it may not apply), or list them with their answers",
    )
    .argument("<target>", "an AMI ID in the catalogue (--endpoint), or an answers file (created if missing)")
    .option("--answer <id=value>", "answer an item: yes, no or n/a (repeat for more)", collect)
    .option("--comment <id=text>", "a comment for an answered item (required for no and n/a)", collect)
    .option(
      "--from <file>",
      "answers from a YAML/JSON file ({answers: [{id, answer, comment}]} or {id: answer})",
    )
    .option("--by <name>", "who answers, in a local file (default: the user name)")
    .addOption(formatOption())
    .addOption(optionalEndpoint())
    .action(async (target: string, flags: AttestFlags) => {
      const given = await givenAnswers(flags);
      let items: AttestationItem[];
      if (isImageId(target)) {
        const { endpoint, creds } = await catalogueFor(target, flags.endpoint);
        const path = imagePath(target, "attestations");
        items = (
          given.length > 0
            ? await signedJson<{ attestations: AttestationItem[] }>(endpoint, creds, "PUT", path, {
                answers: given,
              })
            : await signedJson<{ attestations: AttestationItem[] }>(endpoint, creds, "GET", path)
        ).attestations;
      } else {
        const answers: Map<string, AttestationAnswer> = existsSync(target)
          ? parseAnswersFile(await readDocument(target))
          : new Map();
        const at = new Date().toISOString();
        const by = flags.by ?? process.env.USER ?? os.userInfo().username;
        for (const g of given)
          answers.set(g.id, { answer: g.answer, ...(g.comment ? { comment: g.comment } : {}), by, at });
        if (given.length > 0)
          await replaceFile(
            target,
            await renderDocument(answersFileOf(answers), formatFor(undefined, target)),
          );
        items = judgeStatements({ answers }, { findings: [] }).attestations;
      }
      process.stdout.write(await renderDocument({ attestations: items }, formatFor(flags.format)));
    });
}
