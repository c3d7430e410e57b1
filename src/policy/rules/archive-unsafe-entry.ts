import { defineRule } from "../rule.js";

/**
 * Tar entries that extraction writes outside the directory it extracts into: absolute names
 * ("/etc/cron.d/x"), ".." components ("../../root/.ssh/authorized_keys"), hard links whose target
 * has "..". No archiver writes them from a real filesystem; they are the archive path-traversal
 * attack (CWE-22, "zip slip"), built to plant files on the machine that unpacks the image, so the
 * clause is SEC-1 (no malware): the entry is malicious content whatever its bytes. Symlink
 * targets are never judged: absolute symlinks (to /usr/...) are in every root filesystem.
 *
 * The entries are not in the scanned tree, so no fact sees them: the tar target reports them
 * (OpenedTarget.findings, src/target/tar/probe.ts tarFindings) and the scan turns each into a
 * finding of this rule (src/policy/target-findings.ts). `check` has nothing to look at.
 */
export default defineRule({
  id: "archive-unsafe-entry",
  title: "archive entry extracts outside the target directory",
  clauses: ["SEC-1"],
  severity: "high",
  description:
    "A tar entry with an absolute name, a '..' component, or a hard link whose target has a '..' component: extracting the archive (tar -x with --absolute-names, Python's tarfile, most hand-written extractors) writes or links a file outside the directory it is extracted into. Real root filesystem archives never hold one; it is how a hostile archive plants files on the machine that unpacks it. The entry is left out of the scan.",
  remediation:
    "Re-create the archive from the root directory with relative names (tar -C ROOT -cf image.tar .), or let `amigate fix ARCHIVE -o CLEANED` write a copy without these entries.",
  // The tar target names them (tarFindings): the entry's name and link target as shown (escaped), the reason it gives.
  messages: {
    entryOutside:
      'tar entry "{{entry}}" ({{reason}}) is written outside the directory the archive is extracted into',
    hardLinkOutside:
      'tar entry "{{entry}}" is a hard link to "{{target}}" ({{reason}}): extracting it links a file outside the directory the archive is extracted into',
    moreEntriesOutside:
      "{{count}} more tar entries are written outside the directory the archive is extracted into (only the first {{listed}} are listed)",
  },
  facts: [],
  check() {
    return [];
  },
});
