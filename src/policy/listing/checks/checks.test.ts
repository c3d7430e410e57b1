/** Table tests for every listing and registration check: a passing listing and one change per case. */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  scanFinding,
  testListingCheck,
  testRegistrationCheck,
} from "../../../../test/support/listing-tester.js";
import addOnWording from "./add-on-wording.js";
import connectionsDisclosed from "./connections-disclosed.js";
import dataCollectionDisclosed from "./data-collection-disclosed.js";
import dependenciesDisclosed from "./dependencies-disclosed.js";
import iamRoleInstructions from "./iam-role-instructions.js";
import { LISTING_CHECKS, REGISTRATION_CHECKS } from "./index.js";
import listingFields from "./listing-fields.js";
import noRedirects from "./no-redirects.js";
import noTrialWording from "./no-trial-wording.js";
import { architecture, ebsBacked, hvm, sourceRegion, unencryptedSnapshots } from "./registration.js";
import usageInstructions from "./usage-instructions.js";

/** Listing facts of a scan that counted these packages (name, ecosystem). */
const scannedPackages = (...ecosystems: string[]) => ({
  facts: {
    root: "/",
    os: {},
    services: [],
    listeningPorts: [],
    packages: ecosystems.map((ecosystem, i) => ({ name: `p${i}`, version: "1", ecosystem })),
  },
});

const TABLED = new Set<string>();
const tabled = <T extends { id: string }>(check: T) => {
  TABLED.add(check.id);
  return check;
};

const firstBoot = scanFinding("first-boot-downloads", {
  evidence: "curl -fsSL https://get.vendor.example.net/install.sh | sh",
  message: "A cloud-init runcmd command downloads at first boot",
});
const scheduled = scanFinding("scheduled-external-connections", {
  evidence: "curl -s https://metrics.acme-telemetry.io/ping",
  message: "a cron job connects to metrics.acme-telemetry.io",
});
const telemetry = scanFinding("telemetry-agents", {
  message: "popularity-contest is on (popcon.timer enabled): sends the list of installed packages",
});

testListingCheck(tabled(listingFields), {
  valid: [
    { name: "every template field filled" },
    {
      name: "services named without .service match the scan's units",
      change: { services: ["ssh", "nginx"] },
      evidence: {
        facts: {
          root: "/",
          os: {},
          architecture: "x86_64",
          services: [{ name: "ssh.service", via: "systemd", source: "/etc/x" }],
          listeningPorts: [],
          packages: [],
        },
      },
    },
    {
      name: "package counts as the scan counted them",
      change: { packages: { total: 3, byEcosystem: { windows: 1, dpkg: 2 } } },
      evidence: scannedPackages("dpkg", "windows", "dpkg"),
    },
    {
      name: "a total without the split is compared as a total",
      change: { packages: { total: 2 } },
      evidence: scannedPackages("dpkg", "dpkg"),
    },
    {
      name: "no count to compare: the scan read no package database",
      change: { packages: { total: 2, byEcosystem: { dpkg: 2 } } },
      evidence: scannedPackages(),
    },
  ],
  invalid: [
    {
      name: "package counts that are not the scan's",
      change: { packages: { total: 2, byEcosystem: { dpkg: 2 } } },
      evidence: scannedPackages("dpkg", "dpkg", "dpkg"),
      findings: [
        {
          messageId: "packagesDiffer",
          severity: "medium",
          message: "packages says 2 (dpkg 2) installed; the scan counted 3 (dpkg 3)",
        },
      ],
    },
    {
      name: "the right total split wrongly",
      change: { packages: { total: 2, byEcosystem: { rpm: 2 } } },
      evidence: scannedPackages("dpkg", "dpkg"),
      findings: [{ messageId: "packagesDiffer", data: { listed: "2 (rpm 2)", scanned: "2 (dpkg 2)" } }],
    },
    {
      name: "publisher URL and release notes left out",
      change: { publisher: { name: "Acme" }, releaseNotes: undefined },
      findings: [
        { messageId: "missing", data: { field: "publisher.url" } },
        { messageId: "missing", data: { field: "releaseNotes.date" } },
        { messageId: "missing", data: { field: "releaseNotes.notes" } },
      ],
    },
    {
      name: "an empty listing names nothing",
      change: Object.fromEntries(
        ["name", "publisher", "os", "keyFeatures", "description", "services", "releaseNotes"].map((k) => [
          k,
          undefined,
        ]),
      ),
      findings: [
        { messageId: "missing", data: { field: "name" } },
        { messageId: "missing", data: { field: "publisher.name" } },
        { messageId: "missing", data: { field: "publisher.url" } },
        { messageId: "missing", data: { field: "os.name" } },
        { messageId: "missing", data: { field: "keyFeatures" } },
        { messageId: "missing", data: { field: "description" } },
        { messageId: "missing", data: { field: "services" } },
        { messageId: "missing", data: { field: "releaseNotes.date" } },
        { messageId: "missing", data: { field: "releaseNotes.notes" } },
      ],
    },
    {
      name: "publisher URL is not a web address",
      change: { publisher: { name: "Acme", url: "acme" } },
      findings: [{ messageId: "badUrl", data: { url: "acme" }, severity: "medium" }],
    },
    {
      name: "a service the image starts is not listed, and the architecture differs",
      change: { services: ["nginx"], architecture: "arm64" },
      evidence: {
        facts: {
          root: "/",
          os: {},
          architecture: "x86_64",
          services: [
            {
              name: "ssh.service",
              via: "systemd",
              source: "/etc/systemd/system/multi-user.target.wants/ssh.service",
            },
            { name: "nginx.service", via: "systemd", source: "/etc/x" },
          ],
          listeningPorts: [],
          packages: [],
        },
      },
      findings: [
        { messageId: "serviceNotListed", data: { service: "ssh.service" }, severity: "low" },
        {
          messageId: "architectureDiffers",
          data: { listed: "arm64", scanned: "x86_64" },
          message: "architecture says arm64; the scan found x86_64",
        },
      ],
    },
  ],
});

testListingCheck(tabled(usageInstructions), {
  valid: [
    { name: "says how to connect and start" },
    {
      name: "a web product's URL is how to connect",
      change: {
        usageInstructions:
          "Open https://<instance-public-dns>/setup and follow the wizard to create the first site.",
      },
    },
  ],
  invalid: [
    {
      name: "no usage instructions",
      change: { usageInstructions: "" },
      findings: [{ messageId: "missing", severity: "high" }],
    },
    {
      name: "a placeholder",
      change: { usageInstructions: "TODO" },
      findings: [{ messageId: "tooShort", data: { length: 4 }, severity: "medium" }],
    },
    {
      name: "long but never says how to reach the instance",
      change: {
        usageInstructions:
          "The product is configured with sensible defaults for most workloads and needs no setup.",
      },
      findings: [{ messageId: "noConnection", severity: "low" }],
    },
  ],
});

testListingCheck(tabled(noTrialWording), {
  valid: [
    { name: "a full product" },
    { name: "Community edition is allowed", change: { name: "acme-web Community Edition 1.4" } },
    { name: "alphabet is not beta", change: { description: "Sorts entries in alphabetical order." } },
  ],
  invalid: [
    {
      name: "a 30-day trial in the description",
      change: { description: "Includes a 30-day trial of Acme Analytics." },
      findings: [{ messageId: "trialWording", data: { field: "description", words: "30-day trial" } }],
    },
    {
      name: "beta in the name and a user limit in a key feature",
      change: { name: "acme-web beta", keyFeatures: ["dashboards", "limited to 5 users"] },
      findings: [
        { messageId: "trialWording", data: { field: "name", words: "beta" } },
        { messageId: "trialWording", data: { field: "keyFeatures[1]", words: "limited to 5 users" } },
      ],
    },
    {
      name: "evaluation wording in the usage instructions",
      change: {
        usageInstructions:
          "Connect with ssh as admin. This image is for evaluation only and stops after a week.",
      },
      findings: [
        { messageId: "trialWording", data: { field: "usageInstructions", words: "for evaluation" } },
      ],
    },
  ],
});

testListingCheck(tabled(noRedirects), {
  valid: [
    { name: "no other cloud, no upsell" },
    {
      name: "buying in AWS Marketplace is where buyers buy",
      change: { description: "Buy the Enterprise edition in AWS Marketplace for clustering." },
    },
  ],
  invalid: [
    {
      name: "names another cloud",
      change: { description: "Also available on Microsoft Azure and Google Cloud." },
      findings: [{ messageId: "otherCloud", data: { field: "description", cloud: "Microsoft Azure" } }],
    },
    {
      name: "upsell to a paid edition on the publisher's site",
      change: { keyFeatures: ["Upgrade to the Pro version at https://acme.example.com/buy"] },
      findings: [
        {
          messageId: "upsell",
          data: {
            field: "keyFeatures[0]",
            text: "Upgrade to the Pro version at https://acme.example.com/buy",
          },
        },
      ],
    },
  ],
});

testListingCheck(tabled(dependenciesDisclosed), {
  valid: [
    { name: "the scan saw no first-boot downloads" },
    {
      name: "the download's host is disclosed",
      change: {
        externalDependencies: ["The vendor agent from get.vendor.example.net is downloaded on deployment"],
      },
      evidence: { findings: [firstBoot] },
    },
    {
      name: "the host's domain is named in the usage instructions",
      change: {
        externalDependencies: ["an internet connection to deploy"],
        usageInstructions:
          "Connect with ssh as admin. At first boot the agent is fetched from vendor.example.net.",
      },
      evidence: { findings: [firstBoot] },
    },
  ],
  invalid: [
    {
      name: "downloads at first boot, nothing disclosed",
      evidence: { findings: [firstBoot] },
      findings: [{ messageId: "undisclosed", data: { count: 1 } }],
    },
    {
      name: "disclosed, but not the host it downloads from",
      change: { externalDependencies: ["Python packages from PyPI"] },
      evidence: { findings: [firstBoot] },
      findings: [{ messageId: "hostNotNamed", data: { host: "get.vendor.example.net" } }],
    },
  ],
});

testListingCheck(tabled(connectionsDisclosed), {
  valid: [
    { name: "no scheduled connections" },
    {
      name: "the endpoint is disclosed",
      change: { externalDependencies: ["metrics.acme-telemetry.io: usage pings (ongoing)"] },
      evidence: { findings: [scheduled] },
    },
  ],
  invalid: [
    {
      name: "a cron job calls out, nothing disclosed",
      evidence: { findings: [scheduled] },
      findings: [{ messageId: "undisclosed", data: { hosts: "metrics.acme-telemetry.io" } }],
    },
    {
      name: "other dependencies disclosed, not this endpoint",
      change: { externalDependencies: ["packages.example.org at deployment"] },
      evidence: { findings: [scheduled] },
      findings: [{ messageId: "hostNotNamed", data: { host: "metrics.acme-telemetry.io" } }],
    },
  ],
});

testListingCheck(tabled(addOnWording), {
  valid: [
    { name: "not an add-on" },
    {
      name: "an add-on with the required sentence",
      change: {
        addOnTo: "Acme DB",
        description:
          "Backups for Acme DB. This product extends the functionality of Acme DB and without it, this product has very limited utility.",
      },
    },
  ],
  invalid: [
    {
      name: "an add-on without the sentence",
      change: { addOnTo: "Acme DB", description: "Backups for Acme DB." },
      findings: [{ messageId: "missingSentence", data: { product: "Acme DB" }, severity: "high" }],
    },
    {
      name: "reads like an add-on but does not declare it",
      change: { description: "A plugin for Acme DB that adds backups." },
      findings: [{ messageId: "undeclared", data: { words: "plugin for" }, severity: "medium" }],
    },
  ],
});

testListingCheck(tabled(dataCollectionDisclosed), {
  valid: [
    { name: "no telemetry, nothing stated" },
    {
      name: "telemetry, and a complete statement",
      change: {
        dataCollection:
          "The list of installed packages is sent to and stored by Debian's popcon server; it is used only to rank packages.",
      },
      evidence: { findings: [telemetry] },
    },
    { name: "a statement that nothing is collected", change: { dataCollection: "None." } },
  ],
  invalid: [
    {
      name: "telemetry on, nothing stated",
      evidence: { findings: [telemetry] },
      findings: [{ messageId: "undisclosed", data: { agents: "popularity-contest" } }],
    },
    {
      name: "a statement without where or how",
      change: { dataCollection: "We collect your email address." },
      findings: [{ messageId: "incomplete", data: { missing: "where it is stored or how it is used" } }],
    },
  ],
});

testListingCheck(tabled(iamRoleInstructions), {
  valid: [
    { name: "no AWS access at all" },
    {
      name: "CloudFormation with a least-privilege role",
      change: {
        usageInstructions:
          "Launch with the CloudFormation template; it creates an IAM role with the minimal permissions (s3:GetObject on your bucket). Then ssh as admin.",
      },
    },
  ],
  invalid: [
    {
      name: "asks for the buyer's keys",
      change: {
        usageInstructions: "After you connect with ssh, run aws configure and enter your access key.",
      },
      findings: [{ messageId: "asksForKeys", data: { field: "usageInstructions", text: "aws configure" } }],
    },
    {
      name: "CloudFormation without a role",
      change: {
        usageInstructions: "Launch the CloudFormation stack, then ssh as admin to the instance it creates.",
      },
      findings: [{ messageId: "noLeastPrivilege", severity: "medium" }],
    },
  ],
});

testRegistrationCheck(tabled(sourceRegion), {
  valid: [{ name: "us-east-1", change: {} }],
  invalid: [
    {
      name: "another region",
      change: { region: "eu-west-1" },
      findings: [{ message: "region is eu-west-1, not us-east-1", data: { region: "eu-west-1" } }],
    },
  ].map((c) => ({ ...c, findings: c.findings.map((f) => ({ ...f, messageId: "region" })) })),
});
testRegistrationCheck(tabled(hvm), {
  valid: [{ name: "hvm", change: {} }],
  invalid: [
    {
      name: "paravirtual",
      change: { virtualizationType: "paravirtual" },
      findings: [{ messageId: "virtualization", message: "virtualization type is paravirtual" }],
    },
  ],
});
testRegistrationCheck(tabled(architecture), {
  valid: [
    { name: "x86_64", change: {} },
    { name: "arm64", change: { architecture: "arm64" } },
  ],
  invalid: [
    {
      name: "i386",
      change: { architecture: "i386" },
      findings: [{ messageId: "architecture", data: { architecture: "i386" } }],
    },
  ],
});
testRegistrationCheck(tabled(ebsBacked), {
  valid: [{ name: "ebs", change: {} }],
  invalid: [
    {
      name: "instance-store",
      change: { rootDeviceType: "instance-store" },
      findings: [{ messageId: "rootDevice", data: { type: "instance-store" } }],
    },
  ],
});
testRegistrationCheck(tabled(unencryptedSnapshots), {
  valid: [
    { name: "unencrypted", change: {} },
    { name: "no mappings", change: { blockDeviceMappings: [] } },
  ],
  invalid: [
    {
      name: "one of two mappings encrypted",
      change: {
        blockDeviceMappings: [
          { deviceName: "/dev/xvda" },
          { deviceName: "/dev/xvdb", ebs: { encrypted: true } },
        ],
      },
      findings: [{ messageId: "encrypted", data: { device: "/dev/xvdb" } }],
    },
  ],
});

test("every listing and registration check has a table, a requirement, and clauses", () => {
  for (const c of [...LISTING_CHECKS, ...REGISTRATION_CHECKS]) {
    assert.ok(TABLED.has(c.id), `${c.id} has no table`);
    assert.ok(c.clauses.length > 0 && c.requirement.endsWith("."), c.id);
    assert.ok(c.description.length > 20 && c.remediation.length > 10, c.id);
  }
  assert.equal(LISTING_CHECKS.length + REGISTRATION_CHECKS.length, 14);
});
