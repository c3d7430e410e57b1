/**
 * Ports of the services started at boot, from their configuration: one small tree per case (the
 * enabling link and the daemon's files), with the exact ports expected as "PORT/PROTO SERVICE"
 * (+ " loopback" when bound to loopback only). PostgreSQL's cases are also read by the postgres
 * binary itself (`postgres -C`) where it is installed. The last case seeds nginx into the real
 * Debian rootfs and reads the listing's ports.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { debianImage, memoryImage } from "../../test/support/trees.js";
import type { OverlayChange } from "../fs/overlay.js";
import { imageSession } from "../scan/session.js";
import { FactStore } from "./context.js";
import { inspectorsByName } from "./registry.js";

type Files = Record<string, OverlayChange | string>;

/** A systemd unit installed under /usr/lib and enabled by a wants link, as `systemctl enable` makes it. */
function enabled(unit: string, text = "[Service]\nExecStart=/bin/true\n"): Files {
  const target = unit.endsWith(".socket") ? "sockets.target" : "multi-user.target";
  return {
    [`/usr/lib/systemd/system/${unit}`]: text,
    [`/etc/systemd/system/${target}.wants/${unit}`]: {
      type: "symlink",
      target: `/usr/lib/systemd/system/${unit}`,
    },
  };
}

async function portsOf(files: Files) {
  const facts = new FactStore(memoryImage(files), inspectorsByName);
  const { ports } = await facts.get("servicePorts");
  return {
    ports: ports.map((p) => `${p.port}/${p.protocol} ${p.service}${p.loopbackOnly ? " loopback" : ""}`),
    sources: ports.map((p) => p.source),
    unknowns: facts.unknowns,
  };
}

interface Case {
  name: string;
  files: Files;
  ports: string[];
  /** Where the first port was read, when the case is about it. */
  source?: string;
}

function table(title: string, cases: Case[]): void {
  describe(title, () => {
    for (const c of cases)
      it(c.name, async () => {
        const got = await portsOf(c.files);
        assert.deepEqual(got.ports, c.ports);
        if (c.source) assert.equal(got.sources[0], c.source);
      });
  });
}

const NGINX_MAIN =
  "user www-data;\nevents { worker_connections 768; }\nhttp {\n\tinclude /etc/nginx/conf.d/*.conf;\n\tinclude /etc/nginx/sites-enabled/*;\n}\n";
const DEBIAN_DEFAULT_SITE =
  "server {\n\tlisten 80 default_server;\n\tlisten [::]:80 default_server;\n\t# listen 443 ssl default_server;\n\troot /var/www/html;\n}\n";

table("nginx", [
  {
    name: "Debian's default site through sites-enabled: 80 once, the commented 443 not",
    files: {
      ...enabled("nginx.service"),
      "/etc/nginx/nginx.conf": NGINX_MAIN,
      "/etc/nginx/sites-available/default": DEBIAN_DEFAULT_SITE,
      "/etc/nginx/sites-enabled/default": { type: "symlink", target: "/etc/nginx/sites-available/default" },
    },
    ports: ["80/tcp nginx.service"],
    source: "/etc/nginx/sites-enabled/default:2 listen",
  },
  {
    name: "a server without listen is *:80; quic is UDP; unix sockets have no port; loopback addresses marked",
    files: {
      ...enabled("nginx.service"),
      "/etc/nginx/nginx.conf": NGINX_MAIN,
      "/etc/nginx/conf.d/a.conf":
        'server { server_name a; }\nserver { listen 443 ssl; listen 443 quic reuseport; listen "8443"; }\n',
      "/etc/nginx/conf.d/b.conf":
        "server { listen 127.0.0.1:8080; listen localhost:9000; listen unix:/run/app.sock; listen [::1]; }\n",
      "/etc/nginx/conf.d/c.disabled": "server { listen 81; }\n",
    },
    ports: [
      "80/tcp nginx.service",
      "443/tcp nginx.service",
      "443/udp nginx.service",
      "8080/tcp nginx.service loopback",
      "8443/tcp nginx.service",
      "9000/tcp nginx.service loopback",
    ],
    source: "/etc/nginx/conf.d/a.conf:1 server without listen (nginx's default *:80)",
  },
  {
    name: "stream servers: udp is UDP, no default port; listen only directly in server; # mid-word is no comment",
    files: {
      ...enabled("nginx.service"),
      "/etc/nginx/nginx.conf":
        "stream {\n  server { listen 53 udp; listen 5000; }\n  server { }\n}\nhttp { server { location / { listen 81; } server_name a#b; listen 82; } }\n",
    },
    ports: ["53/udp nginx.service", "82/tcp nginx.service", "5000/tcp nginx.service"],
  },
  {
    name: "not enabled: its configuration says nothing",
    files: {
      "/usr/lib/systemd/system/nginx.service": "[Service]\n",
      "/etc/nginx/nginx.conf": NGINX_MAIN,
      "/etc/nginx/sites-enabled/default": DEBIAN_DEFAULT_SITE,
    },
    ports: [],
  },
  {
    name: "started by a SysV rc link",
    files: {
      "/etc/init.d/nginx": "#!/bin/sh\n",
      "/etc/rc2.d/S01nginx": { type: "symlink", target: "../init.d/nginx" },
      "/etc/nginx/nginx.conf": "http { server { listen 8000; } }\n",
    },
    ports: ["8000/tcp nginx"],
  },
  {
    name: "an include of itself is read once",
    files: {
      ...enabled("nginx.service"),
      "/etc/nginx/nginx.conf": "include nginx.conf;\nhttp { include nginx.conf; server { listen 8001; } }\n",
    },
    ports: ["8001/tcp nginx.service"],
  },
]);

const DEBIAN_APACHE2_CONF =
  "ServerName localhost\nIncludeOptional mods-enabled/*.load\nIncludeOptional mods-enabled/*.conf\nInclude ports.conf\nIncludeOptional sites-enabled/*.conf\n";
const DEBIAN_PORTS_CONF =
  "Listen 80\n\n<IfModule ssl_module>\n\tListen 443\n</IfModule>\n\n<IfModule mod_gnutls.c>\n\tListen 443\n</IfModule>\n";
const SSL_LOAD = "LoadModule ssl_module /usr/lib/apache2/modules/mod_ssl.so\n";

table("Apache httpd", [
  {
    name: "Debian's ports.conf without mod_ssl: 80",
    files: {
      ...enabled("apache2.service"),
      "/etc/apache2/apache2.conf": DEBIAN_APACHE2_CONF,
      "/etc/apache2/ports.conf": DEBIAN_PORTS_CONF,
      "/etc/apache2/mods-available/ssl.load": SSL_LOAD,
    },
    ports: ["80/tcp apache2.service"],
    source: "/etc/apache2/ports.conf:1 Listen",
  },
  {
    name: "a2enmod ssl: 443 too (the module is loaded before ports.conf is read)",
    files: {
      ...enabled("apache2.service"),
      "/etc/apache2/apache2.conf": DEBIAN_APACHE2_CONF,
      "/etc/apache2/ports.conf": DEBIAN_PORTS_CONF,
      "/etc/apache2/mods-available/ssl.load": SSL_LOAD,
      "/etc/apache2/mods-enabled/ssl.load": { type: "symlink", target: "../mods-available/ssl.load" },
    },
    ports: ["80/tcp apache2.service", "443/tcp apache2.service"],
  },
  {
    name: "a module loaded after the IfModule is read does not count, as in httpd",
    files: {
      ...enabled("apache2.service"),
      "/etc/apache2/apache2.conf": `Include ports.conf\n${SSL_LOAD}`,
      "/etc/apache2/ports.conf": DEBIAN_PORTS_CONF,
    },
    ports: ["80/tcp apache2.service"],
  },
  {
    name: "RHEL: ServerRoot-relative includes, conf.d's ssl.conf; IfDefine undecided; loopback Listen",
    files: {
      ...enabled("httpd.service"),
      "/etc/httpd/conf/httpd.conf":
        'ServerRoot "/etc/httpd"\nListen 80\nInclude conf.modules.d/*.conf\n<IfDefine EXTRA>\nListen 8080\n</IfDefine>\n<IfModule !mod_nothing.c>\n  Listen 127.0.0.1:8081 \\\n    http\n</IfModule>\nListen [::1]:8082\nIncludeOptional conf.d/*.conf\n',
      "/etc/httpd/conf.modules.d/00-ssl.conf": "LoadModule ssl_module modules/mod_ssl.so\n",
      "/etc/httpd/conf.d/ssl.conf": "Listen 443 https\n<VirtualHost _default_:443>\n</VirtualHost>\n",
    },
    ports: [
      "80/tcp httpd.service",
      "443/tcp httpd.service",
      "8081/tcp httpd.service loopback",
      "8082/tcp httpd.service loopback",
    ],
  },
]);

table("PostgreSQL", [
  {
    name: "Debian cluster: conf.d and postgresql.auto.conf in the data directory override the port",
    files: {
      ...enabled("postgresql.service"),
      "/etc/postgresql/15/main/postgresql.conf":
        "data_directory = '/var/lib/postgresql/15/main'\nport = 5433  # (change requires restart)\nlisten_addresses = '*'\ninclude_dir = 'conf.d'\n",
      "/etc/postgresql/15/main/conf.d/10-port.conf": "port=5434\n",
      "/etc/postgresql/15/main/conf.d/.hidden.conf": "port=1\n",
      "/var/lib/postgresql/15/main/postgresql.auto.conf":
        "# Do not edit this file manually!\nport = '5435'\n",
    },
    ports: ["5435/tcp postgresql.service"],
    source: "/var/lib/postgresql/15/main/postgresql.auto.conf:2 port",
  },
  {
    name: "defaults: 5432 on localhost; a manual cluster does not start; '' listens on no TCP port",
    files: {
      ...enabled("postgresql.service"),
      "/etc/postgresql/15/main/postgresql.conf": "#port = 5432\n",
      "/etc/postgresql/15/manual/postgresql.conf": "port = 5440\nlisten_addresses='*'\n",
      "/etc/postgresql/15/manual/start.conf": "# auto, manual or disabled\nmanual\n",
      "/etc/postgresql/16/sockets/postgresql.conf": "port = 5441\nlisten_addresses = ''\n",
    },
    ports: ["5432/tcp postgresql.service loopback"],
    source: "PostgreSQL's default port (/etc/postgresql/15/main/postgresql.conf sets none)",
  },
  {
    name: "RHEL's PGDG postgresql-16: /var/lib/pgsql/16/data",
    files: {
      ...enabled("postgresql-16.service"),
      "/var/lib/pgsql/16/data/postgresql.conf":
        "listen_addresses = 'localhost, 10.0.0.5'\ninclude 'extra.conf'\n",
      "/var/lib/pgsql/16/data/extra.conf": "port = 6543\n",
    },
    ports: ["6543/tcp postgresql-16.service"],
  },
]);

table("MySQL and MariaDB", [
  {
    name: "Debian's MariaDB: !includedir, 50-server.cnf binds 127.0.0.1",
    files: {
      ...enabled("mariadb.service"),
      "/etc/mysql/my.cnf":
        "[client-server]\nsocket = /run/mysqld/mysqld.sock\n!includedir /etc/mysql/conf.d/\n!includedir /etc/mysql/mariadb.conf.d/\n",
      "/etc/mysql/mariadb.conf.d/50-server.cnf":
        "[server]\n[mysqld]\nport = 3307\nbind-address            = 127.0.0.1\n",
      "/etc/mysql/mariadb.conf.d/50-client.cnf": "[client]\nport = 1\n",
    },
    ports: ["3307/tcp mariadb.service loopback"],
    source: "/etc/mysql/mariadb.conf.d/50-server.cnf:3 port",
  },
  {
    name: "/etc/my.cnf, then /etc/mysql/my.cnf: the last value wins; loose_ and _ spellings",
    files: {
      ...enabled("mysql.service"),
      "/etc/my.cnf": "[mysqld]\nport=3310\nbind_address=0.0.0.0\n",
      "/etc/mysql/my.cnf": '[server]\nloose_port = "3311" # comment\n',
    },
    ports: ["3311/tcp mysql.service"],
  },
  {
    name: "no option file: 3306 on every address",
    files: enabled("mysql.service"),
    ports: ["3306/tcp mysql.service"],
    source: "MySQL's default port (no option file sets port)",
  },
  {
    name: "skip-networking: no TCP port",
    files: { ...enabled("mariadb.service"), "/etc/mysql/my.cnf": "[mysqld]\nport=3310\nskip-networking\n" },
    ports: [],
  },
  {
    name: "skip-networking=0 turns it back on",
    files: {
      ...enabled("mariadb.service"),
      "/etc/mysql/my.cnf": "[mysqld]\nskip_networking\n[mariadb]\nskip-networking=0\n",
    },
    ports: ["3306/tcp mariadb.service"],
  },
  {
    name: "a port in a version's own group depends on the server's version: not listed",
    files: { ...enabled("mysql.service"), "/etc/mysql/my.cnf": "[mysqld-8.0]\nport=4000\n" },
    ports: [],
  },
]);

table("Redis", [
  {
    name: "Debian's redis.conf: 6379 bound to 127.0.0.1 and ::1",
    files: {
      ...enabled("redis-server.service"),
      "/etc/redis/redis.conf": "bind 127.0.0.1 -::1\nprotected-mode yes\nport 6379\n",
    },
    ports: ["6379/tcp redis-server.service loopback"],
  },
  {
    name: "port 0 and a TLS port; an included file's port wins over an earlier one",
    files: {
      ...enabled("redis.service"),
      "/etc/redis.conf": 'port 7000\ninclude /etc/redis.d/*.conf\ntls-port "6380"\nbind * -::*\n',
      "/etc/redis.d/local.conf": "port 0\n",
    },
    ports: ["6380/tcp redis.service"],
  },
  {
    name: "an instance: redis-server@cache reads redis-cache.conf; no bind is every address",
    files: { ...enabled("redis-server@cache.service"), "/etc/redis/redis-cache.conf": "port 6390\n" },
    ports: ["6390/tcp redis-server@cache.service"],
  },
  {
    name: "an include by a relative path depends on the working directory: not listed",
    files: {
      ...enabled("redis-server.service"),
      "/etc/redis/redis.conf": "port 6379\ninclude local.conf\n",
    },
    ports: [],
  },
]);

table("socket units", [
  {
    name: "ListenStream ports and addresses, ListenDatagram; paths and vsock have none",
    files: enabled(
      "app.socket",
      "[Socket]\nListenStream=8080\nListenDatagram=[::]:5353\nListenStream=/run/app.sock\nListenStream=127.0.0.1:9000\nListenStream=vsock:2:1234\nListenFIFO=/run/app.fifo\n[Install]\nWantedBy=sockets.target\n",
    ),
    ports: ["5353/udp app.socket", "8080/tcp app.socket", "9000/tcp app.socket loopback"],
    source: "/usr/lib/systemd/system/app.socket:3 ListenDatagram",
  },
  {
    name: "a drop-in's empty assignment clears the unit's addresses",
    files: {
      ...enabled("app.socket", "[Socket]\nListenStream=8080\n"),
      "/etc/systemd/system/app.socket.d/override.conf": "[Socket]\nListenStream=\nListenStream=8443\n",
      "/usr/lib/systemd/system/app.socket.d/override.conf": "[Socket]\nListenStream=1\n",
    },
    ports: ["8443/tcp app.socket"],
  },
  {
    name: "not enabled: nothing; an unknown daemon: nothing guessed",
    files: {
      "/usr/lib/systemd/system/app.socket": "[Socket]\nListenStream=8080\n",
      ...enabled("myapp.service", "[Service]\nExecStart=/usr/bin/myapp --port 9999\n"),
    },
    ports: [],
  },
]);

describe("service ports: hostile configuration", () => {
  it("nginx blocks nested past any sane depth end the file with an unknown, not a crash", async () => {
    const got = await portsOf({
      ...enabled("nginx.service"),
      "/etc/nginx/nginx.conf": `http { server { listen 8002; } }\n${"a {".repeat(100_000)}`,
    });
    assert.deepEqual(got.ports, ["8002/tcp nginx.service"]);
    assert.match(got.unknowns.map((u) => u.error).join("\n"), /nested more than 64 deep/);
  });

  it("an include of thousands of files stops at the bound, with an unknown", async () => {
    const files: Files = { ...enabled("nginx.service"), "/etc/nginx/nginx.conf": "include conf.d/*.conf;\n" };
    for (let i = 0; i < 600; i++) files[`/etc/nginx/conf.d/${String(i).padStart(3, "0")}.conf`] = "# x\n";
    const got = await portsOf(files);
    assert.deepEqual(got.ports, []);
    assert.match(got.unknowns.map((u) => u.error).join("\n"), /more than 512 included files/);
  });
});

/** postgres itself (`postgres -C`), run as nobody (it refuses root); undefined when not installed. */
function postgresBinary(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  return versions.map((v) => path.join(root, v, "bin/postgres")).find((p) => existsSync(p));
}

describe("PostgreSQL's settings as postgres reads them", () => {
  const made: string[] = [];
  after(() => {
    for (const d of made) rmSync(d, { recursive: true, force: true });
  });
  const postgres = postgresBinary();
  const cases: Array<[name: string, files: Record<string, string>]> = [
    ["defaults", { "postgresql.conf": "#port = 5432\n" }],
    [
      "include_dir, include, quotes, last one wins",
      {
        "postgresql.conf":
          "port = 5433 # comment\nlisten_addresses = '127.0.0.1,::1'\ninclude_dir 'conf.d'\ninclude = 'x/extra.conf'\n",
        "conf.d/20.conf": "port 5500\n",
        "conf.d/10.conf": "port = 5499\nlisten_addresses = '*'\n",
        "x/extra.conf": "port = '5501'\n",
        "postgresql.auto.conf": "listen_addresses = 'localhost'\n",
      },
    ],
  ];
  for (const [name, files] of cases)
    it(`${name}: our port and loopback agree with postgres -C`, {
      skip: !postgres && "postgres is not installed",
    }, async () => {
      const root = mkdtempSync(path.join(os.tmpdir(), "amigate-pg-"));
      made.push(root);
      const data = path.join(root, "var/lib/pgsql/data");
      for (const [p, text] of Object.entries(files)) {
        mkdirSync(path.dirname(path.join(data, p)), { recursive: true });
        writeFileSync(path.join(data, p), text);
      }
      const image: Files = enabled("postgresql.service");
      for (const [p, text] of Object.entries(files)) image[`/var/lib/pgsql/data/${p}`] = text;
      for (const d of [
        root,
        ...readdirSync(root, { recursive: true }).map((p) => path.join(root, String(p))),
      ])
        chmodSync(d, 0o755);
      const peer = (setting: string) =>
        execFileSync("runuser", ["-u", "nobody", "--", postgres!, "-C", setting, "-D", data], {
          encoding: "utf8",
          stdio: ["ignore", "pipe", "ignore"],
        }).trim();
      const addresses = peer("listen_addresses")
        .split(",")
        .map((a) => a.trim());
      const loopback = addresses.every((a) => ["localhost", "::1"].includes(a) || a.startsWith("127."));
      const got = await portsOf(image);
      assert.deepEqual(got.ports, [`${peer("port")}/tcp postgresql.service${loopback ? " loopback" : ""}`]);
    });
});

describe("service ports on the Debian rootfs", () => {
  it("nginx seeded in: its ports join sshd's in the listing; loopback-only ones do not", async () => {
    const result = await imageSession(
      debianImage({
        ...enabled("nginx.service"),
        "/etc/nginx/nginx.conf": NGINX_MAIN,
        "/etc/nginx/sites-available/default": DEBIAN_DEFAULT_SITE.replace(
          "# listen 443 ssl default_server;",
          "listen 443 ssl default_server;",
        ),
        "/etc/nginx/sites-enabled/default": { type: "symlink", target: "/etc/nginx/sites-available/default" },
        "/etc/nginx/conf.d/status.conf": "server { listen 127.0.0.1:8080; }\n",
      }),
      { now: new Date("2026-03-01T00:00:00Z") },
    ).result();
    const facts = result.listingFacts!;
    assert.ok(facts.services.some((s) => s.name === "nginx.service"));
    assert.deepEqual(
      facts.listeningPorts.map((p) => [p.port, p.protocol, p.service, p.source]),
      [
        [22, "tcp", "ssh.service", "sshd's default Port"],
        [80, "tcp", "nginx.service", "/etc/nginx/sites-enabled/default:2 listen"],
        [443, "tcp", "nginx.service", "/etc/nginx/sites-enabled/default:4 listen"],
      ],
    );
  });
});
