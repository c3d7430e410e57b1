import { isArchiveMember } from "../../inspect/archive-formats.js";
import type { FixOperation } from "../operation.js";
import { cleanFile } from "./files.js";

/**
 * Removes exactly the stores the scan reports as removable (rule credential-store), from the same
 * fact: which files are a tool's saved login is decided once, in inspect/credential-store-table.ts.
 */
const operation: FixOperation = {
  id: "cloud-credentials",
  heading: "Remove the credential stores the scan reports (saved logins of cloud CLIs and tools)",
  description:
    "Removes each file rule credential-store reports: saved logins holding a live secret of the AWS CLI (credentials, SSO and CLI caches), s3cmd, boto, gcloud, Azure CLI, OCI CLI, docker and podman, kubectl (kubeconfigs in homes), git's credential store, .pypirc, Composer, Cargo, Terraform, gh, Vault, MySQL login paths, .pgpass, redis-cli and .netrc, in every home (left-behind ones too) and where podman leaves them in /run. Files with only placeholders, or whose secrets live in a credential helper, stay. Configuration with a secret among settings (.npmrc, .my.cnf, Maven, Gradle, pip, helm, cluster kubeconfigs, htpasswd…) is reported by credential-in-config and left alone: each is named in the plan as a notice.",
  defaultOn: true,
  appliesTo: "linux",
  order: 230,
  async plan(ctx) {
    const { stores } = await ctx.fact("credentialStores");
    for (const store of stores) {
      // A store inside an archive is a member, not a file: the seller rebuilds or removes the archive.
      if (isArchiveMember(store.path)) continue;
      const owner = store.users.length > 0 ? ` of ${store.users.join(", ")}` : "";
      if (store.removable)
        await cleanFile(ctx, store.path, "remove", `${store.kind} (${store.tool})${owner}`);
      else
        ctx.notice(
          store.path,
          `holds ${store.kind} among other settings; left as is: edit the secret out by hand (credential-in-config)`,
        );
    }
  },
};
export default operation;
