import type { Command } from "commander";
import { ScanSession } from "../scan/session.js";
import { openTarget } from "../target/open.js";

/** `amigate packages TARGET`: the package inventory per OS root (an SBOM-like list). */
export function registerPackages(program: Command): void {
  program
    .command("packages")
    .description("List the installed packages (dpkg, rpm, apk) and runtimes of an image")
    .argument("<target>", "a directory, archive or disk image")
    .option("-f, --format <format>", "text or json", "text")
    .action(async (input: string, flags: { format: string }) => {
      const target = await openTarget(input);
      try {
        const roots = [];
        // The scan session's facts (no rules run): the same inventory a scan of this target reads.
        for (const { root, facts: store } of new ScanSession(target).roots) {
          const os = await store.get("os");
          const facts = await store.get("packages");
          roots.push({
            root,
            os,
            packages: facts.packages.map((p) => ({
              name: p.name,
              version: p.version,
              sourceName: p.sourceName,
              sourceVersion: p.sourceVersion,
              arch: p.arch ?? null,
              ecosystem: p.ecosystem,
            })),
            runtimes: facts.runtimes,
            databases: facts.databases,
            unknowns: store.unknowns,
          });
        }
        if (flags.format === "json") {
          // One root: the documented {"os", "packages"} shape; several: a list of those.
          const out = roots.length === 1 ? roots[0] : { roots };
          process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
          return;
        }
        for (const r of roots) {
          process.stdout.write(
            `# ${r.root}  ${r.os.prettyName ?? r.os.id ?? "unknown OS"}  (${r.packages.length} packages)\n`,
          );
          for (const p of r.packages) {
            const src =
              p.sourceName !== p.name || p.sourceVersion !== p.version
                ? `  [${p.sourceName} ${p.sourceVersion}]`
                : "";
            process.stdout.write(`${p.name} ${p.version} ${p.arch ?? ""}${src}\n`);
          }
          for (const rt of r.runtimes)
            process.stdout.write(`runtime ${rt.product} ${rt.cycle} (${rt.evidence})\n`);
          for (const u of r.unknowns) process.stdout.write(`unreadable: ${u.path}: ${u.error}\n`);
        }
      } finally {
        await target.close();
      }
    });
}
