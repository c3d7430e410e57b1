/**
 * The options every command that calls a catalogue shares (push, pull, report), as the AWS CLI
 * spells them: --endpoint, --profile, --ca-bundle.
 */
import { type Command, Option } from "commander";
import { resolveCredentials } from "../server/client.js";
import type { Credentials } from "../server/sign.js";
import { configureTransport } from "../server/transport.js";

export interface ClientFlags {
  endpoint: string;
  profile?: string;
  caBundle?: string;
}

export const endpointOption = () =>
  new Option("--endpoint <url>", "the catalogue's URL (amigate serve)")
    .env("AMIGATE_ENDPOINT")
    .makeOptionMandatory();

/** Adds --endpoint, --profile and --ca-bundle; the transport is set up before the action runs. */
export function clientOptions(command: Command): Command {
  return command
    .addOption(endpointOption())
    .option(
      "--profile <name>",
      "the profile in ~/.aws/config and ~/.aws/credentials to sign with (default: AWS_PROFILE, else the standard chain)",
    )
    .option(
      "--ca-bundle <file>",
      "PEM certificate authorities to trust for an https:// endpoint (default: AWS_CA_BUNDLE, else node's)",
    )
    .hook("preAction", (_command, action) => {
      const { caBundle } = action.opts<ClientFlags>();
      configureTransport(caBundle !== undefined ? { caBundle } : {});
    });
}

/** The caller's credentials from the standard chain, the profile named by --profile first. */
export function credentialsFor(flags: Pick<ClientFlags, "profile">): Promise<Credentials> {
  return resolveCredentials(flags.profile !== undefined ? { profile: flags.profile } : {});
}
