import { readFileSync } from "node:fs";
import path from "node:path";
import { tarGz } from "../../../test/support/archives.js";
import { testRule } from "../../../test/support/rule-tester.js";
import { debianRootfsPath } from "../../../test/support/trees.js";
import rule from "./shell-history.js";

const passwd = readFileSync(path.join(debianRootfsPath(), "etc/passwd"), "utf8");
const rootHistory = "apt-get update\nexport AWS_PROFILE=build\nhistory -c"; // no final newline: still 3 lines
const psqlHistory = "\\dt\nselect 1;\n";
const fishHistory = "- cmd: ls\n  when: 1700000000\n";
const bytes = (s: string) => Buffer.byteLength(s);

testRule(rule, {
  valid: [
    { name: "the clean Debian rootfs", changes: {} },
    {
      name: "empty histories and histories linked to /dev/null (hardening)",
      changes: {
        "/root/.bash_history": "",
        "/home/admin/.bash_history": { type: "symlink", target: "/dev/null" },
        "/home/admin/.python_history": { type: "symlink", target: "../../dev/null" },
      },
    },
    { name: "a history-like file outside any home", changes: { "/opt/app/.bash_history": "ls\n" } },
  ],
  invalid: [
    {
      name: "a home's backup tarball holding its histories (at its top, and a user's under home/)",
      changes: {
        "/var/backups/homes.tgz": {
          type: "file",
          content: tarGz({ ".bash_history": rootHistory, "home/admin/.psql_history": psqlHistory }),
        },
      },
      findings: [
        {
          path: "/var/backups/homes.tgz!/.bash_history",
          message: `bash history in an archive: 3 lines, ${bytes(rootHistory)} bytes`,
        },
        {
          path: "/var/backups/homes.tgz!/home/admin/.psql_history",
          message: `psql history in an archive: 2 lines, ${bytes(psqlHistory)} bytes`,
        },
      ],
    },
    {
      name: "a build user's history left in /home after its account was removed from passwd",
      changes: { "/home/packer/.bash_history": "sudo apt-get install -y nginx\n" },
      findings: [
        {
          path: "/home/packer/.bash_history",
          message: `bash history of packer: 1 line, ${bytes("sudo apt-get install -y nginx\n")} bytes`,
        },
      ],
    },
    {
      name: "root's bash history and the default user's psql history",
      changes: {
        "/root/.bash_history": rootHistory,
        "/home/admin/.psql_history": psqlHistory,
      },
      findings: [
        {
          path: "/home/admin/.psql_history",
          severity: "medium",
          message: `psql history of admin: 2 lines, ${bytes(psqlHistory)} bytes`,
        },
        {
          path: "/root/.bash_history",
          message: `bash history of root: 3 lines, ${bytes(rootHistory)} bytes`,
        },
      ],
    },
    {
      name: "a service account's history in /var/lib",
      changes: {
        "/etc/passwd": `${passwd}postgres:x:110:118::/var/lib/postgresql:/bin/bash\n`,
        "/var/lib/postgresql/.psql_history": "ALTER USER postgres PASSWORD 'x';\n",
        "/var/lib/postgresql/.local/share/fish/fish_history": fishHistory,
      },
      findings: [
        {
          path: "/var/lib/postgresql/.local/share/fish/fish_history",
          message: `fish history of postgres: 2 lines, ${bytes(fishHistory)} bytes`,
        },
        { path: "/var/lib/postgresql/.psql_history", message: "psql history of postgres: 1 line, 34 bytes" },
      ],
    },
    {
      name: "a history larger than the content scan limit: its size, lines not counted",
      changes: { "/root/.bash_history": rootHistory },
      inspect: { maxContentScanBytes: 16 },
      findings: [
        {
          path: "/root/.bash_history",
          messageId: "historyBytes",
          data: { kind: "bash", users: "root", size: bytes(rootHistory) },
          message: `bash history of root: ${bytes(rootHistory)} bytes`,
        },
      ],
    },
    {
      name: "a history symlinked somewhere other than /dev/null",
      changes: {
        "/root/.bash_history": { type: "symlink", target: "/var/log/root-history" },
        "/var/log/root-history": "ls\n",
      },
      findings: [
        {
          path: "/root/.bash_history",
          message: "bash history of root is a symlink to /var/log/root-history",
        },
      ],
    },
  ],
});
