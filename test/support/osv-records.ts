/** OSV records written for packages of the Debian bookworm rootfs (versions as dpkg-query shows them). */
function rec(
  id: string,
  pkg: string,
  events: Array<Record<string, string>>,
  extra: Record<string, unknown> = {},
  eco = "Debian:12",
) {
  return {
    id,
    modified: "2026-01-01T00:00:00Z",
    aliases: [`CVE-0000-${id.length}`],
    affected: [{ package: { ecosystem: eco, name: pkg }, ranges: [{ type: "ECOSYSTEM", events }], ...extra }],
  };
}

/** One record per matching case the Debian rootfs exercises (fixed later/equal, last_affected, withdrawn…). */
export const debianRecords = [
  rec("T-OPENSSL-FIXED-LATER", "openssl", [{ introduced: "0" }, { fixed: "3.0.20-1~deb12u3" }]),
  rec("T-OPENSSL-FIXED-EQUAL", "openssl", [{ introduced: "0" }, { fixed: "3.0.20-1~deb12u2" }]),
  rec("T-SUDO-LAST-AFFECTED-EQUAL", "sudo", [{ introduced: "0" }, { last_affected: "1.9.13p3-1+deb12u4" }]),
  rec("T-SUDO-LAST-AFFECTED-OLDER", "sudo", [{ introduced: "0" }, { last_affected: "1.9.13p3-1+deb12u3" }]),
  {
    ...rec("T-GLIBC-WITHDRAWN", "glibc", [{ introduced: "0" }, { fixed: "99" }]),
    withdrawn: "2026-02-01T00:00:00Z",
  },
  rec("T-LIBC6-BINARY-NAME", "libc6", [{ introduced: "0" }, { fixed: "99" }]),
  rec("T-OPENSSH-SOURCE-EPOCH", "openssh", [{ introduced: "0" }, { fixed: "1:9.2p1-2+deb12u11" }]),
  rec("T-OPENSSH-NO-EPOCH", "openssh", [{ introduced: "0" }, { fixed: "9.9p1-1" }]),
  rec("T-BASH-BINNMU-FIXED", "bash", [{ introduced: "0" }, { fixed: "5.2.15-2" }]),
  rec("T-BASH-NEXT-FIXED", "bash", [{ introduced: "0" }, { fixed: "5.2.15-3" }]),
  rec("T-TAR-INTRODUCED-LATER", "tar", [{ introduced: "1.35" }, { fixed: "1.36" }]),
  rec("T-GZIP-OTHER-RELEASE", "gzip", [{ introduced: "0" }, { fixed: "99" }], {}, "Debian:11"),
  rec("T-GZIP-VERSION-LIST", "gzip", [], { versions: ["1.12-1"] }),
];
