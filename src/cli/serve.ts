import { type Command, Option } from "commander";
import { SEVERITIES, type Severity } from "../policy/severity.js";
import { openCatalogue } from "../server/catalogue.js";
import type { GateScope } from "../server/gate.js";
import { serve } from "../server/http.js";
import { dataDirOption } from "./server-options.js";

interface ServeFlags {
  host: string;
  port: string;
  dataDir: string;
  region: string;
  gateSeverity: Severity;
  gateScope: GateScope;
  scanWorkers: string;
  publicImageQuota: string;
}

function quotaOf(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) {
    process.stderr.write(`amigate serve: --public-image-quota must be a whole number ≥ 0, got '${text}'\n`);
    process.exit(2);
  }
  return n;
}

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("Run the EC2-compatible image catalogue (DescribeImages, launch permissions, scan gate)")
    .addOption(new Option("--host <host>", "address to listen on").env("AMIGATE_HOST").default("127.0.0.1"))
    .addOption(
      new Option("--port <port>", "port to listen on (0: any free port)").env("AMIGATE_PORT").default("8754"),
    )
    .addOption(dataDirOption())
    .addOption(
      new Option("--region <region>", "the region this catalogue answers for (ARC-1 wants us-east-1)")
        .env("AMIGATE_REGION")
        .default("us-east-1"),
    )
    .addOption(
      new Option(
        "--gate-severity <severity>",
        "refuse a gated share while the scan has findings at or above this",
      )
        .choices(SEVERITIES)
        .env("AMIGATE_GATE_SEVERITY")
        .default("high"),
    )
    .addOption(
      new Option("--gate-scope <scope>", "which shares the scan gate covers: public (Group=all), all, off")
        .choices(["public", "all", "off"])
        .env("AMIGATE_GATE_SCOPE")
        .default("public"),
    )
    .addOption(
      new Option(
        "--public-image-quota <n>",
        "public images an account may have at once, as EC2's quota of 5 per Region (0: no limit)",
      )
        .env("AMIGATE_PUBLIC_IMAGE_QUOTA")
        .default("5"),
    )
    .addOption(
      new Option("--scan-workers <n>", "background scans run at once (worker threads)")
        .env("AMIGATE_SCAN_WORKERS")
        .default("1"),
    )
    .action(async (flags: ServeFlags) => {
      const catalogue = await openCatalogue({
        dataDir: flags.dataDir,
        region: flags.region,
        gateSeverity: flags.gateSeverity,
        gateScope: flags.gateScope,
        scanWorkers: Math.max(1, Number(flags.scanWorkers) || 1),
        publicImageQuota: quotaOf(flags.publicImageQuota),
      });
      const { server, url } = await serve(catalogue.app, flags.host, Number(flags.port));
      if (catalogue.createdAdmin) {
        const a = catalogue.createdAdmin;
        // Shown once: only a sealed copy of the secret is kept (README "Secrets at rest").
        process.stdout.write(
          `amigate: created admin account ${a.account.accountId}\n` +
            `  AWS_ACCESS_KEY_ID=${a.accessKeyId}\n  AWS_SECRET_ACCESS_KEY=${a.secretAccessKey}\n` +
            "  (the secret is shown only this once)\n",
        );
      }
      process.stdout.write(`amigate serve: listening on ${url} (data: ${flags.dataDir})\n`);
      const stop = () => {
        server.close();
        catalogue.close().finally(() => process.exit(0));
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
}
