import { storeDraft, storeMessages } from "../credential-stores.js";
import { defineRule } from "../rule.js";

export default defineRule({
  id: "credential-store",
  title: "A tool's saved credentials in the image",
  clauses: ["SEC-4", "SHR-4"],
  severity: "high",
  description:
    "Files in which a tool keeps a login it saved, holding a live secret: cloud CLIs (AWS credentials and SSO/CLI caches, s3cmd, boto, gcloud's credential databases and application default credentials, Azure CLI token caches and service principal secrets, OCI's API key configuration), docker and podman registry auths, kubeconfigs in homes, git's credential store, .pypirc, Composer, Cargo, Terraform, gh, Vault, MySQL login paths, .pgpass, redis-cli, and .netrc. Empty files, placeholders and files whose secrets live elsewhere (a credential helper, exec-based kubeconfig auth, gh's keyring) are not reported.",
  remediation:
    "Remove the file (amigate fix does: these files hold only the saved login), revoke or rotate the credential at its issuer since it must be treated as leaked, and let instances get their own at launch (an IAM role, a secrets manager, user data).",
  fix: "cloud-credentials",
  messages: storeMessages,
  facts: ["credentialStores"],
  check({ credentialStores }) {
    return credentialStores.stores.filter((s) => s.removable).map(storeDraft);
  },
});
