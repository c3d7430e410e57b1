import { sshKeygen } from "../../../test/support/keygen.js";
import { testRule } from "../../../test/support/rule-tester.js";
import rule from "./ssh-host-keys-present.js";

const ed = sshKeygen("ed25519", { comment: "root@build" });
const ecdsa = sshKeygen("ecdsa", { comment: "root@build" });

testRule(rule, {
  valid: [
    { name: "the clean Debian rootfs (no host keys generated)", changes: {} },
    { name: "only public host keys", changes: { "/etc/ssh/ssh_host_ed25519_key.pub": ed.publicKey } },
    {
      name: "a directory with a host key's name",
      changes: { "/etc/ssh/ssh_host_rsa_key": { type: "directory" } },
    },
  ],
  invalid: [
    {
      name: "host keys generated during the build",
      changes: {
        "/etc/ssh/ssh_host_ed25519_key": ed.privateKey,
        "/etc/ssh/ssh_host_ed25519_key.pub": ed.publicKey,
        "/etc/ssh/ssh_host_ecdsa_key": ecdsa.privateKey,
      },
      findings: [
        {
          path: "/etc/ssh/ssh_host_ecdsa_key",
          severity: "medium",
          message: "SSH ecdsa host key is in the image; every instance would share it",
        },
        {
          path: "/etc/ssh/ssh_host_ed25519_key",
          message: "SSH ed25519 host key is in the image; every instance would share it",
          evidence: `ssh-ed25519 ${ed.fingerprint}`,
        },
      ],
    },
  ],
});
