import { debianText } from "../../../test/support/debian-files.js";
import { testRule } from "../../../test/support/rule-tester.js";
import rule from "./extra-uid0-account.js";

const passwd = debianText("/etc/passwd");

testRule(rule, {
  valid: [
    { name: "clean Debian", changes: {} },
    {
      name: "an ordinary new account",
      changes: { "/etc/passwd": `${passwd}ops:x:1001:1001::/home/ops:/bin/bash\n` },
    },
  ],
  invalid: [
    {
      name: "toor with uid 0 and a shell",
      changes: { "/etc/passwd": `${passwd}toor:x:0:0::/root:/bin/sh\n` },
      findings: [
        {
          path: "/etc/passwd",
          line: 21,
          severity: "high",
          message: "toor has uid 0 (login shell /bin/sh, password unknown)",
          evidence: "toor:x:0:0",
        },
      ],
    },
    {
      name: "a uid 0 account without a login shell is still a second root",
      changes: { "/etc/passwd": `${passwd}halt0:x:0:0::/root:/usr/sbin/nologin\n` },
      findings: [
        {
          path: "/etc/passwd",
          line: 21,
          messageId: "noLoginShell",
          data: { user: "halt0", shell: "/usr/sbin/nologin", password: "unknown" },
          message: "halt0 has uid 0 (no login shell, password unknown)",
        },
      ],
    },
  ],
});
