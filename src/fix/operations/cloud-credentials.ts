import type { FixOperation } from "../operation.js";
import { cleanFile } from "./files.js";
import { homes, under } from "./homes.js";

/** Credential files of cloud CLIs and common tools, relative to a home. */
export const CREDENTIAL_FILES = [
  ".aws/credentials",
  ".aws/cli/cache",
  ".aws/sso/cache",
  ".config/gcloud/credentials.db",
  ".config/gcloud/access_tokens.db",
  ".config/gcloud/application_default_credentials.json",
  ".config/gcloud/legacy_credentials",
  ".azure/accessTokens.json",
  ".azure/msal_token_cache.json",
  ".azure/msal_token_cache.bin",
  ".docker/config.json",
  ".kube/config",
  ".git-credentials",
  ".netrc",
  ".pgpass",
  ".s3cfg",
  ".boto",
  ".oci/config",
] as const;

const operation: FixOperation = {
  id: "cloud-credentials",
  heading: "Remove cloud CLI credentials and known credential files",
  description:
    "Removes AWS, Google Cloud, Azure, OCI, Docker, Kubernetes, git, netrc, pgpass and s3cmd/boto credential files from every home and /root. Review the list in the dry-run: every file is named.",
  defaultOn: true,
  appliesTo: "linux",
  order: 230,
  async plan(ctx) {
    for (const home of await homes(ctx)) {
      for (const name of CREDENTIAL_FILES) {
        const path = await ctx.canonical(under(home.path, name));
        if (!path) continue;
        const st = await ctx.lstat(path);
        if (st?.type === "directory") {
          for (const e of await ctx.image.tree.readdir(path))
            await cleanFile(
              ctx,
              `${path}/${e.name}`,
              "remove",
              `cached cloud credentials of ${home.users.join(", ")}`,
            );
        } else await cleanFile(ctx, path, "remove", `credential file of ${home.users.join(", ")}`);
      }
    }
  },
};
export default operation;
