import { type Command, Option } from "commander";
import { signedJson } from "../server/json-client.js";
import type { AllowedImagesSettings } from "../server/store/types.js";
import { type ClientFlags, clientOptions, credentialsFor } from "./client-options.js";

interface AllowedImagesFlags extends ClientFlags {
  requirePassingVerdict?: "on" | "off";
  json?: boolean;
}

/** The settings in a few lines: state, amigate's criterion, EC2's criteria one per line. */
function summary(s: AllowedImagesSettings): string {
  const criteria = s.criteria.map((c) => JSON.stringify(c)).join("\n  ");
  return (
    `state: ${s.state}\n` +
    `passing verdict required: ${s.requirePassingVerdict ? "yes" : "no"}\n` +
    `criteria:${s.criteria.length === 0 ? " none" : `\n  ${criteria}`}\n`
  );
}

export function registerAllowedImages(program: Command): void {
  const command = program
    .command("allowed-images")
    .description(
      "Show your account's Allowed AMIs settings, or require other accounts' images to have a passing verdict (amigate's criterion; the EC2 actions set the rest)",
    )
    .addOption(
      new Option(
        "--require-passing-verdict <on|off>",
        "on: another account's image is allowed only while its latest scan passes the catalogue's gate",
      ).choices(["on", "off"]),
    )
    .option("--json", "print the settings as JSON");
  clientOptions(command).action(async (flags: AllowedImagesFlags) => {
    const credentials = await credentialsFor(flags);
    const settings =
      flags.requirePassingVerdict === undefined
        ? await signedJson<AllowedImagesSettings>(
            flags.endpoint,
            credentials,
            "GET",
            "/amigate/allowed-images",
          )
        : await signedJson<AllowedImagesSettings>(
            flags.endpoint,
            credentials,
            "PUT",
            "/amigate/allowed-images",
            {
              requirePassingVerdict: flags.requirePassingVerdict === "on",
            },
          );
    process.stdout.write(flags.json ? `${JSON.stringify(settings)}\n` : summary(settings));
  });
}
