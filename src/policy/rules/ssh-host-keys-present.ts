import { defineRule } from "../rule.js";

export default defineRule({
  id: "ssh-host-keys-present",
  title: "SSH host keys are baked into the image",
  clauses: ["SHR-2"],
  severity: "medium",
  description:
    "Host private keys in /etc/ssh are generated at the first boot of each instance; keys in the image are shared by every instance launched from it, so one instance can impersonate the others.",
  remediation:
    "Delete /etc/ssh/ssh_host_*_key and .pub before bundling (sshd regenerates them at first boot through cloud-init or ssh-keygen -A).",
  fix: "ssh-host-keys",
  messages: {
    hostKey: "SSH {{algorithm}} host key is in the image; every instance would share it",
  },
  facts: ["authorizedKeys"],
  check({ authorizedKeys }) {
    return authorizedKeys.hostKeys.map((k) => ({
      path: k.path,
      messageId: "hostKey",
      data: { algorithm: k.algorithm },
      ...(k.publicKey ? { evidence: `${k.publicKey.type} ${k.publicKey.fingerprint}` } : {}),
    }));
  },
});
