/**
 * A throwaway PostgreSQL cluster for tests: the Debian `postgresql` package's own binaries
 * (initdb + pg_ctl), a data dir and unix socket in a temp dir, 127.0.0.1 on a free port, no system
 * service. PostgreSQL refuses to run as root, so as root (CI) the server binaries run as the
 * `postgres` user (or `nobody`) through setpriv, with the temp dir chowned to it. The cluster is
 * stopped and its dir removed by stop(), and on process exit or SIGINT/SIGTERM if stop() was missed.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { appendFileSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { PostgresDatabase } from "../../src/server/store/postgres/database.js";
import { PostgresStore } from "../../src/server/store/postgres.js";
import { SecretBox } from "../../src/server/store/secret-box.js";
import type { Store } from "../../src/server/store/types.js";
import type { StoreKind } from "./store.js";

/** The newest PostgreSQL ≥ 15 server bin dir (AMIGATE_PG_BINDIR wins), or undefined if none is installed. */
export function postgresBinDir(): string | undefined {
  const given = process.env.AMIGATE_PG_BINDIR;
  if (given) return given;
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root)
    ? readdirSync(root)
        .map(Number)
        .filter((v) => v >= 15 && existsSync(path.join(root, String(v), "bin", "initdb")))
        .sort((a, b) => b - a)
    : [];
  return versions.length > 0 ? path.join(root, String(versions[0]), "bin") : undefined;
}

/** Why the PostgreSQL tests cannot run here, or undefined when they can. CI must run them: never skipped there. */
export function postgresMissing(): string | undefined {
  if (postgresBinDir() || process.env.CI === "true") return undefined;
  return "PostgreSQL ≥ 15 is not installed (scripts/install-deps.sh installs the Debian postgresql package)";
}

export interface PostgresCluster {
  port: number;
  /** The temp dir: data/, the unix socket, server.log. */
  dir: string;
  /** postgres://… for a database of this cluster (superuser `postgres`, trust auth on 127.0.0.1). */
  url(database?: string): string;
  /**
   * A new database, empty or a copy of `template`; returns its URL. The default collation is ICU
   * en-US, not C: ids and keys must sort by code point through the schema's own COLLATE "C", as
   * on a production server.
   */
  createDatabase(template?: string): Promise<string>;
  stop(): void;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** The uid/gid to run the server as when we are root: postgres if the package created it, else nobody. */
function serverUser(): { uid: number; gid: number; name: string } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ["postgres", "nobody"]) {
    try {
      const id = (flag: string) =>
        Number(execFileSync("id", [flag, name], { encoding: "utf8", stdio: "pipe" }));
      return { uid: id("-u"), gid: id("-g"), name };
    } catch {
      // No such user: try the next.
    }
  }
  throw new Error("running as root, and neither a postgres nor a nobody user exists to run PostgreSQL as");
}

function chownTree(dir: string, uid: number, gid: number): void {
  chownSync(dir, uid, gid);
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) chownTree(p, uid, gid);
    else chownSync(p, uid, gid);
  }
}

/**
 * A detached shell that outlives this process only to clean up after it: once our pid is gone
 * (even by kill -9, which runs no exit handler) it stops the cluster and removes its dir.
 */
function watch([file, argv]: [string, string[]], dir: string): ChildProcess {
  const child = spawn(
    "sh",
    [
      "-c",
      'pid=$1; shift; dir=$1; shift; while kill -0 "$pid" 2>/dev/null; do sleep 1; done; "$@" >/dev/null 2>&1; rm -rf "$dir"',
      "amigate-pg-watch",
      String(process.pid),
      dir,
      file,
      ...argv,
    ],
    { detached: true, stdio: "ignore", cwd: "/" },
  );
  child.unref();
  return child;
}

/**
 * `settings`: postgresql.conf lines over the throwaway defaults below (the bench gives a 1 M-image
 * catalogue more than 16 MB of shared buffers).
 */
export async function startPostgres(settings: Record<string, string> = {}): Promise<PostgresCluster> {
  const bin = postgresBinDir();
  if (!bin) throw new Error(postgresMissing() ?? "PostgreSQL is not installed");
  const user = serverUser();
  /** The command line running a server binary as the server user. */
  const asServer = (tool: string, args: string[]): [string, string[]] => {
    const cmd = path.join(bin, tool);
    return user
      ? ["setpriv", [`--reuid=${user.uid}`, `--regid=${user.gid}`, "--clear-groups", "--", cmd, ...args]]
      : [cmd, args];
  };
  const run = (tool: string, args: string[]) => {
    const [file, argv] = asServer(tool, args);
    return execFileSync(file, argv, {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      // The server user may not read the caller's cwd or HOME.
      cwd: "/",
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", LC_ALL: "C.UTF-8" },
    });
  };
  const dir = mkdtempSync(path.join(os.tmpdir(), "amigate-pg-"));
  const data = path.join(dir, "data");
  mkdirSync(data, { mode: 0o700 });
  if (user) chownTree(dir, user.uid, user.gid);
  let started = false;
  let watcher: ChildProcess | undefined;
  const stop = () => {
    watcher?.kill();
    if (started) {
      started = false;
      try {
        run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
      } catch {
        // Already gone: nothing to stop.
      }
    }
    rmSync(dir, { recursive: true, force: true });
    process.off("exit", stop);
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    stop();
    process.kill(process.pid, signal);
  };
  process.on("exit", stop);
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  try {
    run("initdb", [
      "-D",
      data,
      "-U",
      "postgres",
      "--auth=trust",
      "-E",
      "UTF8",
      "--locale=C.UTF-8",
      "--no-sync",
    ]);
    // Throwaway: durability off, small memory (the machine is shared), the socket in our temp dir.
    appendFileSync(
      path.join(data, "postgresql.conf"),
      [
        "listen_addresses = '127.0.0.1'",
        `unix_socket_directories = '${dir}'`,
        "fsync = off",
        "synchronous_commit = off",
        "full_page_writes = off",
        "shared_buffers = 16MB",
        "max_connections = 100",
        ...Object.entries(settings).map(([name, value]) => `${name} = '${value}'`),
        "",
      ].join("\n"),
    );
    let port = 0;
    for (let attempt = 0; ; attempt++) {
      port = await freePort();
      try {
        run("pg_ctl", [
          "-D",
          data,
          "-l",
          path.join(dir, "server.log"),
          "-o",
          `-p ${port}`,
          "-w",
          "-t",
          "60",
          "start",
        ]);
        started = true;
        watcher = watch(asServer("pg_ctl", ["-D", data, "-m", "immediate", "stop"]), dir);
        break;
      } catch (e) {
        // Another process may have taken the port between our probe and the server's bind.
        if (attempt >= 3) throw e;
      }
    }
    let n = 0;
    const url = (database = "postgres") => `postgres://postgres@127.0.0.1:${port}/${database}`;
    return {
      port,
      dir,
      url,
      async createDatabase(template) {
        const name = `amigate_${process.pid}_${++n}`;
        const client = new pg.Client({ connectionString: url() });
        await client.connect();
        try {
          // FILE_COPY: a checkpoint (cheap with fsync off) instead of WAL-logging every block: 40 ms, not 220.
          await client.query(
            template !== undefined
              ? `CREATE DATABASE ${name} TEMPLATE ${template} STRATEGY FILE_COPY`
              : `CREATE DATABASE ${name} TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8' STRATEGY FILE_COPY`,
          );
        } finally {
          await client.end();
        }
        return url(name);
      },
      stop,
    };
  } catch (e) {
    stop();
    throw e;
  }
}

/**
 * Stores on a fresh database of `cluster` per withStores, sharing one secret key as API nodes do.
 * Each database is a copy of one migrated once (the migrations have tests of their own).
 */
export function postgresStores(cluster: () => PostgresCluster): StoreKind {
  let template: Promise<string> | undefined;
  const migratedTemplate = async () => {
    const url = await cluster().createDatabase();
    await (await PostgresDatabase.open(url)).db.close();
    return new URL(url).pathname.slice(1);
  };
  return {
    name: "postgres",
    async withStores(body) {
      template ??= migratedTemplate();
      const url = await cluster().createDatabase(await template);
      const dir = mkdtempSync(path.join(os.tmpdir(), "amigate-pgkey-"));
      const secrets = SecretBox.open(path.join(dir, "secret.key"));
      const opened: Store[] = [];
      try {
        await body(async () => {
          const s = await PostgresStore.open(url, secrets);
          opened.push(s);
          return s;
        });
      } finally {
        for (const s of opened) await s.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
