import { defineRule, type FindingDraft } from "../rule.js";

const GUEST_RID = 501;

const messages = {
  guestEnabled: 'Guest account "{{account}}" is enabled',
  rdpMember: "Remote Desktop Users has member {{member}}",
};

export default defineRule({
  id: "win-guest-rdp-users",
  title: "Guest account enabled or Remote Desktop Users has members",
  clauses: ["WIN-3"],
  severity: "high",
  description:
    "Marketplace Windows AMIs must not ship an enabled Guest account, and the Remote Desktop Users group must be empty so only the customer's administrator can log in.",
  remediation:
    "Disable the Guest account (net user Guest /active:no) and remove every member of Remote Desktop Users before sysprep.",
  messages,
  facts: ["windows"],
  check({ windows }) {
    if (!windows.isWindows) return [];
    const out: FindingDraft<keyof typeof messages>[] = [];
    for (const u of windows.users) {
      if (u.rid === GUEST_RID && !u.disabled)
        out.push({
          path: u.source,
          messageId: "guestEnabled",
          data: { account: u.name },
          evidence: `RID ${u.rid}`,
        });
    }
    for (const m of windows.remoteDesktopUsers) {
      out.push({
        ...(m.source !== undefined ? { path: m.source } : {}),
        messageId: "rdpMember",
        data: { member: m.name ?? m.sid },
        evidence: m.sid,
      });
    }
    return out;
  },
});
