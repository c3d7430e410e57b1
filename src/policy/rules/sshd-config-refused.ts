import { defineRule, type FindingDraft } from "../rule.js";

const messages = {
  refused: "sshd refuses to start with this configuration ({{reason}}): the instance has no SSH at all",
  dropsEveryConnection:
    "sshd starts but ends every connection while it applies its Match blocks ({{reason}}): no one can log in over SSH",
  dropsSomeConnections:
    "sshd ends the connections this line applies to while it applies its Match blocks ({{reason}}): those users cannot log in over SSH",
};

export default defineRule({
  id: "sshd-config-refused",
  title: "sshd would not run with this configuration",
  clauses: ["ACC-1"],
  severity: "high",
  description:
    "OpenSSH's sshd stops at start on anything it cannot read in its configuration: an unknown keyword (a UTF-8 " +
    "byte order mark makes the first keyword unknown), a bad value or a missing one, a keyword that is not " +
    "allowed inside a Match block (UsePAM, Port…), a bad Match line, AuthenticationMethods that name an " +
    "unknown method or that no enabled method can satisfy, Includes nested more than 16 deep. Then the instance " +
    "has no SSH at all and no one can administer it. Some mistakes only show when sshd applies its Match " +
    "blocks to a connection (AuthenticationMethods any after a method list, a drop-in that includes its own " +
    "directory): it ends those connections. Judged as OpenSSH 9.2 reads the files; the other sshd checks judge " +
    "a configuration sshd accepts.",
  remediation:
    "Fix the line named in the finding (`sshd -t` on a running copy of the image names it too), then scan again.",
  messages,
  facts: ["sshd"],
  check({ sshd }) {
    if (!sshd.installed) return [];
    const at = (r: { path: string; line?: number }) => ({
      path: r.path,
      ...(r.line !== undefined ? { line: r.line } : {}),
    });
    if (sshd.refused)
      return [{ ...at(sshd.refused), messageId: "refused", data: { reason: sshd.refused.reason } }];
    const dropped = sshd.connections.map((c) => sshd.connectionError(c));
    const first = dropped.find((d) => d !== undefined);
    if (!first) return [];
    const out: FindingDraft<keyof typeof messages>[] = [];
    if (dropped.every((d) => d !== undefined))
      out.push({ ...at(first), messageId: "dropsEveryConnection", data: { reason: first.reason } });
    else {
      const places = new Map<string, { path: string; line?: number; reason: string }>();
      for (const d of dropped) if (d) places.set(`${d.path}:${d.line}`, d);
      for (const d of places.values())
        out.push({
          ...at(d),
          severity: "medium",
          messageId: "dropsSomeConnections",
          data: { reason: d.reason },
        });
    }
    return out;
  },
});
