import { testRule } from "../../../test/support/rule-tester.js";
import rule from "./runtime-end-of-life.js";

/**
 * Runtimes from the distribution's packages follow the release (os-end-of-life judges them);
 * runtimes installed outside the package manager are judged by upstream's dates. Cases without a
 * `now` are ones whose verdict no later date changes (no known end of life, or one already past).
 */
const OS = { "/etc/os-release": "ID=debian\nVERSION_ID=12\n" };
const UBUNTU_2204 = { "/etc/os-release": "ID=ubuntu\nVERSION_ID=22.04\n" };
const dpkgStatus = (name: string, version: string, section = "") => ({
  "/var/lib/dpkg/status": `Package: ${name}\nStatus: install ok installed\nArchitecture: amd64\n${section ? `Section: ${section}\n` : ""}Version: ${version}\n\n`,
});
const at = (day: string) => ({ now: new Date(`${day}T12:00:00Z`) });
const outside = (path: string) =>
  `${path} is installed outside the package manager, so upstream's dates apply`;

testRule(rule, {
  valid: [
    { name: "no runtime installed", base: "empty", changes: OS },
    {
      name: "Debian 12's packaged Python 3.11 on 2028-01-01: past upstream's end (2027-10-31), patched in Debian LTS",
      changes: {},
      inspect: at("2028-01-01"),
    },
    {
      name: "Debian 12's packaged Python 3.11 on 2029-01-01: Debian 12 itself is past its end (os-end-of-life's finding, not charged twice)",
      changes: {},
      inspect: at("2029-01-01"),
    },
    {
      name: "nginx 1.22 from Debian 12's packages: upstream ended 1.22 in 2023, Debian patches it",
      base: "empty",
      changes: { ...OS, ...dpkgStatus("nginx", "1.22.1-9+deb12u2") },
    },
    {
      name: "PHP 7.4 from a package follows the OS",
      base: "empty",
      changes: { ...OS, ...dpkgStatus("php7.4-cli", "7.4.33-1+deb11u5") },
    },
    {
      name: "Ubuntu 22.04: nginx 1.18 from main is patched by Ubuntu",
      base: "empty",
      changes: { ...UBUNTU_2204, ...dpkgStatus("nginx-core", "1.18.0-6ubuntu14.4", "httpd") },
    },
    {
      name: "a versioned binary of a cycle the dataset does not know",
      base: "empty",
      changes: { ...OS, "/usr/local/bin/python3.99": "" },
    },
    {
      name: "a venv whose interpreter is a symlink to the packaged one",
      changes: {
        "/opt/app/venv/pyvenv.cfg": "home = /usr/bin\nversion = 3.11.2\n",
        "/opt/app/venv/bin/python3.11": { type: "symlink", target: "/usr/bin/python3.11" },
      },
      inspect: at("2028-01-01"),
    },
  ],
  invalid: [
    {
      name: "a python3.8 binary in /usr/local/bin, no package owns it",
      changes: { "/usr/local/bin/python3.8": "" },
      findings: [
        {
          path: "/usr/local/bin/python3.8",
          severity: "medium",
          messageId: "endOfLife",
          data: { name: "Python 3.8", eol: "2024-10-07", installed: outside("/usr/local/bin/python3.8") },
          message: `runtime Python 3.8 reached end of life on 2024-10-07: ${outside("/usr/local/bin/python3.8")}`,
        },
      ],
    },
    {
      name: "Node.js 16 installed by nvm in the default user's home",
      changes: { "/home/admin/.nvm/versions/node/v16.20.2": { type: "directory" } },
      findings: [
        {
          path: "/home/admin/.nvm/versions/node/v16.20.2",
          message:
            "runtime Node.js 16 reached end of life on 2023-09-11: /home/admin/.nvm/versions/node/v16.20.2 was installed by nvm, outside the package manager, so upstream's dates apply",
        },
      ],
    },
    {
      name: "a venv's own copy of Python 3.11 after upstream's end, while Debian still patches its python3.11",
      changes: {
        "/opt/app/venv/pyvenv.cfg": "home = /usr/bin\nversion = 3.11.2\n",
        "/opt/app/venv/bin/python3.11": "\x7fELF",
      },
      inspect: at("2028-01-01"),
      findings: [
        {
          path: "/opt/app/venv/bin/python3.11",
          message:
            "runtime Python 3.11 reached end of life on 2027-10-31: /opt/app/venv/bin/python3.11 is a venv's own copy of the interpreter, which no package update reaches, so upstream's dates apply",
        },
      ],
    },
    {
      name: "Ubuntu 22.04: Node.js 12 from the universe component (no free security support)",
      base: "empty",
      changes: { ...UBUNTU_2204, ...dpkgStatus("nodejs", "12.22.9~dfsg-1ubuntu3.6", "universe/web") },
      findings: [
        {
          messageId: "endOfLife",
          message:
            "runtime Node.js 12 reached end of life on 2022-04-30: package nodejs is from the universe component, which gets no free security support from the distribution, so upstream's dates apply",
        },
      ],
    },
    {
      name: "a packaged PHP 7.4 on an OS the end-of-life data does not know",
      base: "empty",
      changes: dpkgStatus("php7.4-cli", "7.4.33-1+deb11u5"),
      findings: [
        {
          message:
            "runtime PHP 7.4 reached end of life on 2022-11-28: package php7.4-cli is on an OS whose support dates are unknown, so upstream's dates apply",
        },
      ],
    },
    {
      name: "Node.js 3 (io.js era) named by its node_version.h: an end of life without a date",
      base: "empty",
      changes: {
        ...OS,
        "/usr/local/include/node/node_version.h":
          "#define NODE_MAJOR_VERSION 3\n#define NODE_MINOR_VERSION 3\n#define NODE_PATCH_VERSION 1\n",
      },
      findings: [
        {
          severity: "medium",
          messageId: "endOfLifeUndated",
          data: { name: "Node.js 3", installed: outside("/usr/local/include/node/node_version.h") },
          message: `runtime Node.js 3 reached end of life: ${outside("/usr/local/include/node/node_version.h")}`,
        },
      ],
    },
    {
      name: "a python3.9 binary on its last supported day",
      base: "empty",
      changes: { ...OS, "/usr/local/bin/python3.9": "" },
      inspect: at("2025-10-31"),
      findings: [
        {
          severity: "low",
          messageId: "endOfLifeSoon",
          message: `runtime Python 3.9 reaches end of life on 2025-10-31 (in 0 days): ${outside("/usr/local/bin/python3.9")}`,
        },
      ],
    },
  ],
});
