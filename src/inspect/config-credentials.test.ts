import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type CredentialSink,
  credentialKindOf,
  credentialScanOf,
  findCredentials,
} from "./config-credentials.js";

/** Settings and URLs found in `text` as if it were the file at `file`, one [line, setting|url] each. */
function found(file: string, text: string, tokens: string[] = []): Array<[number, string]> {
  const scan = credentialScanOf(file);
  if (!scan) return [];
  const sink: CredentialSink = { configCredentials: [], urlCredentials: [] };
  const breaks = [...text.matchAll(/\n/g)].map((m) => m.index);
  const lineAt = (at: number) => breaks.filter((b) => b < at).length + 1;
  findCredentials(text, file, scan, lineAt, new Set(tokens), sink);
  return [
    ...sink.configCredentials.map((c): [number, string] => [c.line, `${c.kind} ${c.setting}`]),
    ...sink.urlCredentials.map((u): [number, string] => [u.line, u.url]),
  ];
}

// Made-up values; none is a real credential.
const $ = "$";

describe("literal credentials in settings", () => {
  const charged: Array<[string, string, string]> = [
    ["/var/www/html/wp-config.php", "define('DB_PASSWORD', 'hunter2rocks');", "password DB_PASSWORD"],
    ["/var/www/html/wp-config.php", 'define( "DB_PASSWORD" , "hunter2rocks" );', "password DB_PASSWORD"],
    ["/var/www/app/config.php", `${$}db_password = 'PhpVarPw2024';`, "password db_password"],
    ["/var/www/app/config.php", "  'password' => 'ArrayPw2024',", "password password"],
    [
      "/var/www/pma/config.inc.php",
      `${$}cfg['Servers'][${$}i]['password'] = 'PmaPw2024';`,
      "password password",
    ],
    ["/opt/app/config.yml", "  password: s3cr3t-Value", "password password"],
    ["/opt/app/config.yml", '- db_password: "quoted-Pw1"', "password db_password"],
    ["/opt/app/config.yml", "  password: s3cr3t-Value # the database's", "password password"],
    ["/opt/app/config.json", '  "password": "JsonPw2024",', "password password"],
    ["/opt/app/config.json", '{"user":"app","apiKey":"k3y-8f7a6d5c4b3a2918"}', "secret apiKey"],
    [
      "/opt/app/application.properties",
      "spring.datasource.password=SpringPw2024",
      "password spring.datasource.password",
    ],
    ["/opt/app/gradle.properties", "mavenPassword = Gr4dlePw2024", "password mavenPassword"],
    ["/opt/app/.env", "MYSQL_ROOT_PASSWORD=RootPw2024", "password MYSQL_ROOT_PASSWORD"],
    ["/opt/app/.env", "STRIPE_SECRET=sk9Q2mZ7xW4v", "secret STRIPE_SECRET"],
    ["/opt/app/.env", "AUTH_TOKEN='t0k3n-a8F2kQ9z'", "secret AUTH_TOKEN"],
    ["/etc/app/app.ini", "password = IniPw2024x", "password password"],
    ["/etc/app/app.ini", "client_secret : Cl13ntS3cr3tValue", "secret client_secret"],
    ["/etc/app/app.conf", "access_key=Q29uZmlnQWNjZXNzS2V5MQ", "secret access_key"],
    ["/opt/app/config.toml", 'password = "TomlPw2024x"', "password password"],
    ["/opt/app/config.toml", 'api_key = "a1b2c3d4e5f6"', "secret api_key"],
    ["/opt/app/bin/start.sh", "export DB_PASSWORD=ExportPw2024", "password DB_PASSWORD"],
    ["/opt/app/bin/start.sh", 'export DB_PASSWORD="ExportPw2024"', "password DB_PASSWORD"],
    ["/opt/app/context.xml", '<Resource name="jdbc/app" password="XmlAttrPw2024"/>', "password password"],
    ["/opt/app/settings.xml", "      <password>MvnRepoPw2024</password>", "password password"],
    ["/opt/app/Web.config", '<add key="DbPassword" value="AppSettingPw1" />', "password DbPassword"],
    ["/opt/app/beans.xml", '<property name="password" value="BeanPw2024"/>', "password password"],
    [
      "/opt/app/Web.config",
      '<add name="Db" connectionString="Server=db;User Id=app;Password=ConnStrPw1;" />',
      "password Password",
    ],
    ["/etc/systemd/system/app.service", 'Environment="DB_PASSWORD=UnitPw2024"', "password DB_PASSWORD"],
    [
      "/etc/systemd/system/app.service",
      "ExecStart=/opt/app/run --db-password=FlagPw2024",
      "password db-password",
    ],
    ["/etc/redis/app.conf", "masterauth_password: RedisPw99", "password masterauth_password"],
    [
      "/opt/app/config/secrets.yml",
      "  secret_key_base: 9f8e7d6c5b4a39281706f5e4d3c2b1a0",
      "secret secret_key_base",
    ],
    ["/opt/app/settings.py", "SECRET_KEY = 'dj4ng0-k3y-9f8e7d6c5b'", "secret SECRET_KEY"],
    ["/opt/app/app.py", 'conn = connect(password="SrcPw2024")', "password password"],
    ["/opt/app/pass.txt", "root password: Tr0ub4dor&3", "password password"],
    ["/var/lib/dpkg/info/shop.postinst", "DB_PASSWORD=PostinstPw1", "password DB_PASSWORD"],
  ];
  for (const [file, line, want] of charged)
    it(`charges ${file}: ${line.trim()}`, () => {
      assert.deepEqual(found(file, `# header\n${line}\n`), [[2, want]]);
    });

  const quiet: Array<[string, string, string]> = [
    ["/opt/app/.env", "DB_PASSWORD=", "empty"],
    ["/opt/app/config.yml", "password: ''", "empty quoted"],
    ["/opt/app/config.yml", "password:", "a mapping follows"],
    ["/opt/app/config.yml", "password: changeme", "placeholder"],
    ["/opt/app/config.yml", "password: YOUR_PASSWORD_HERE", "placeholder"],
    ["/opt/app/config.yml", "password: <password>", "placeholder"],
    ["/opt/app/config.yml", `password: ${$}{DB_PASSWORD}`, "reference"],
    ["/opt/app/config.yml", "password: '{{ vault_db_password }}'", "template"],
    ["/opt/app/config.yml", "password: !vault |", "encrypted (Ansible vault)"],
    ["/opt/app/config.yml", "password: ENC[AES256_GCM,data:abc,iv:def]", "encrypted (sops)"],
    ["/opt/app/config.yml", "password: *db_password", "YAML alias"],
    ["/opt/app/config.yml", "password: string", "schema type"],
    ["/opt/app/config.yml", "password_hash: 9f8e7d6c5b4a3928", "key says hash"],
    ["/opt/app/config.yml", "hashed_password: 9f8e7d6c5b4a3928", "key says hash"],
    ["/opt/app/config.yml", "password_file: /run/secrets/db", "a path"],
    ["/opt/app/config.yml", "password: /run/secrets/db", "a path"],
    ["/opt/app/config.yml", "token_url: https://auth.internal/token", "not the secret"],
    ["/opt/app/config.yml", "max_tokens: 4096", "not the secret"],
    ["/opt/app/config.yml", "token: session", "a word, not a token"],
    ["/opt/app/config.yml", "secret: true", "a flag"],
    ["/opt/app/config.yml", "# password: Commented0ut", "comment"],
    ["/opt/app/config.yml", "Password: choose a strong one", "prose"],
    ["/opt/app/config.yml", "password: arn:aws:secretsmanager:us-east-1:1:secret:db", "a reference"],
    ["/opt/app/.env", `DB_PASSWORD=${$}DB_PASS`, "reference"],
    ["/opt/app/.env", `DB_PASSWORD=${$}(cat /run/secrets/db)`, "command"],
    ["/var/www/html/wp-config.php", "define('DB_PASSWORD', getenv('DB_PASSWORD'));", "function call"],
    ["/var/www/html/wp-config.php", "define('DB_PASSWORD', DB_PASS_FROM_ENV);", "constant"],
    ["/var/www/app/config.php", `${$}password = ${$}_ENV['DB_PASSWORD'];`, "variable"],
    ["/var/www/app/config.php", "'password' => env('DB_PASSWORD', 'fallback-9'),", "function call"],
    ["/opt/app/settings.py", "DB_PASSWORD = os.environ['DB_PASSWORD']", "expression in code"],
    ["/opt/app/app.js", "password: process.env.DB_PASSWORD,", "expression in code"],
    ["/opt/app/form.html", '<input type="password" name="password" value="">', "HTML form"],
    ["/opt/app/config.xml", "<password></password>", "empty element"],
    ["/opt/app/config.properties", `db.password=${$}{DB_PASSWORD:changeme}`, "Spring placeholder"],
    ["/opt/app/config.yml", "PasswordAuthentication: 'Enabled1'", "not the secret"],
    ["/opt/app/.env.example", "DB_PASSWORD=ExampleFilePw1", "example file"],
    ["/var/www/html/wp-config-sample.php", "define('DB_PASSWORD', 'SampleFilePw1');", "sample file"],
    ["/opt/app/config.php.dist", "'password' => 'DistFilePw1',", "dist file"],
    ["/opt/app/README.md", "password: ReadmePw2024", "documentation"],
    ["/opt/app/tests/test_login.py", 'password = "TestPw2024"', "tests"],
    ["/var/www/app/lang/de/validation.php", "'password' => 'Passwort',", "translation"],
    ["/etc/nsswitch.conf", "passwd:         files", "nsswitch database"],
    ["/var/lib/dpkg/info/base-passwd.templates", "Description-de.UTF-8: password: Passwort1", "dpkg record"],
    ["/var/lib/apt/lists/deb.debian.org_dists_Packages", "Password: AptListPw1", "apt list"],
    ["/var/log/dpkg.log", "2026-12-04 23:50:01 install passwd:amd64 <none> 1:4.13", "log line"],
    ["/etc/ssl/openssl.cnf", "secret = $insta::secret # pass:insta", "inline comment"],
    [
      "/etc/maven/settings.xml",
      "<!--\n  <proxy>\n    <password>proxypass9</password>\n  </proxy>\n-->",
      "XML comment",
    ],
    ["/opt/app/db.js", "/*\n * connect({ password: 'BlockCmt99' })\n */", "block comment in code"],
    [
      "/opt/app/app.js",
      "const h = { 'x-aws-ec2-metadata-token': 1 }; const X_TOKEN = \"x-aws-ec2-metadata-token\";",
      "a header name",
    ],
    ["/opt/app/app.py", 'WaitForTaskToken = "waitForTaskToken"', "the name again"],
    ["/opt/app/app.py", 'NOPASSWORD = "no-password-required"', "a label"],
    ["/opt/app/paginators.json", '"output_token": "DistributionList.NextMarker",', "an identifier"],
    ["/opt/app/paginators.json", '"output_token": "Jobs[-1].JobId",', "an expression"],
    [
      "/opt/app/manifest.xml",
      '<assemblyIdentity name="X" publicKeyToken="1fc8b3b9a1e18e3b"/>',
      "a public key token",
    ],
    [
      "/opt/app/policies.json",
      '"IAMUserChangePassword": "arn:aws-cn:iam::aws:policy/IAMUserChangePassword",',
      "an ARN",
    ],
    ["/opt/app/filters.py", "FILTERS = {'pass': 'bandpass9'}", "pass alone"],
    ["/opt/app/stubs.pyi", "password: ReadableBuffer", "a type annotation"],
  ];
  for (const [file, line, why] of quiet)
    it(`leaves ${file}: ${line.trim()} (${why})`, () => {
      assert.deepEqual(found(file, `${line}\n`), []);
    });

  it("says only the length of a value, never the value", () => {
    const sink: CredentialSink = { configCredentials: [], urlCredentials: [] };
    findCredentials(
      "password: s3cr3t-Value\n",
      "/x.yml",
      credentialScanOf("/x.yml")!,
      () => 1,
      new Set(),
      sink,
    );
    assert.equal(sink.configCredentials[0]!.masked, "************ (12 chars)");
    assert.ok(!JSON.stringify(sink).includes("s3cr3t"));
  });

  it("charges what follows a closed block comment", () => {
    const xml = "<!--\n  <password>InCmt99x</password>\n-->\n<password>AfterCmt99</password>\n";
    assert.deepEqual(found("/etc/app/app.xml", xml), [[4, "password password"]]);
    const js = "/* defaults:\n password: 'InCmt99x' */\nconst c = { password: 'AfterCmt99' };\n";
    assert.deepEqual(found("/opt/app/db.js", js), [[3, "password password"]]);
  });

  it("walks hostile text once: runs of keywords, endless lines, unclosed values and elements", () => {
    const soups = [
      "passpwdsecrettoken".repeat(20_000),
      "password: abcdefgh1 ".repeat(20_000),
      "<password>".repeat(20_000),
      `password = "${"a".repeat(600)}`.repeat(500),
      "define('DB_PASSWORD', ".repeat(20_000),
      `x://u:${"p@".repeat(150)}`.repeat(1_000),
    ];
    for (const text of soups) assert.deepEqual(found("/etc/app/soup.conf", text).length <= 1, true);
  });

  it("does not charge a value the token patterns already reported", () => {
    assert.deepEqual(found("/opt/app/.env", "GITHUB_TOKEN=ghp_x7Kq2\n", ["ghp_x7Kq2"]), []);
  });

  it("judges literals in program code as less certain, except in files named for configuration", () => {
    assert.deepEqual(credentialScanOf("/opt/app/app.py"), { certainty: "source", quotedOnly: true });
    assert.deepEqual(credentialScanOf("/opt/app/settings.py"), { certainty: "config", quotedOnly: true });
    assert.deepEqual(credentialScanOf("/var/www/html/index.php"), { certainty: "config", quotedOnly: true });
    assert.deepEqual(credentialScanOf("/etc/app/app.conf"), { certainty: "config", quotedOnly: false });
  });

  it("reads a setting's name as words", () => {
    const table: Array<[string, string | undefined]> = [
      ["DB_PASSWORD", "password"],
      ["dbPassword", "password"],
      ["dbpassword", "password"],
      ["spring.datasource.password", "password"],
      ["SMTP_PASS", "password"],
      ["pass_phrase", "password"],
      ["password2", "password"],
      ["api_key", "secret"],
      ["APIKey", "secret"],
      ["apikey", "secret"],
      ["client_secret", "secret"],
      ["AUTH_TOKEN", "secret"],
      ["aws_access_key", "secret"],
      ["PWD", undefined],
      ["OLDPWD", undefined],
      ["bypass", undefined],
      ["PermitEmptyPasswords", undefined],
      ["password_policy", undefined],
      ["api_key_id", undefined],
      ["tokenizer", undefined],
      ["password_sha256", undefined],
    ];
    assert.deepEqual(
      table.map(([name]) => [name, credentialKindOf(name)]),
      table,
    );
  });
});

describe("credentials inside URLs", () => {
  const charged: Array<[string, string]> = [
    ["DATABASE_URL=postgres://app:Pw0rd2024@db.internal/app", "postgres://app:*********@db.internal"],
    [
      "uri = mongodb://admin:M0ngoPw2024@mongo.internal:27017/shop",
      "mongodb://admin:***********@mongo.internal",
    ],
    ['  "broker": "amqp://svc:Rabb1tPw@mq.internal:5672/"', "amqp://svc:********@mq.internal"],
    ["REDIS_URL=redis://:R3disPw99@cache.internal:6379/0", "redis://:*********@cache.internal"],
    ["proxy: http://corp:Pr0xy!Pw@10.0.0.5:3128", "http://corp:********@10.0.0.5"],
    ["url = ftp://deploy:p@ss2024@files.internal/", "ftp://deploy:********@files.internal"],
    [
      "sqlalchemy.url = mysql+pymysql://shop:Sh0pDbPw@[fd00::5]/shop",
      "mysql+pymysql://shop:********@[fd00::5]",
    ],
  ];
  for (const [line, url] of charged)
    it(`charges ${line.trim()}`, () => {
      assert.deepEqual(found("/opt/app/app.conf", `\n${line}\n`), [[2, url]]);
    });

  const quiet: Array<[string, string]> = [
    ["url = postgres://app@db.internal/app", "no password"],
    [`url = postgres://app:${$}{PGPASSWORD}@db.internal/app`, "reference"],
    [`url = postgres://app:${$}PGPASSWORD@db.internal/app`, "reference"],
    ["url = postgres://app:password@db.internal/app", "placeholder"],
    ["url = postgres://app:<password>@db.internal/app", "placeholder"],
    ["url = postgres://user:pass@localhost/db", "placeholder"],
    ["url = https://bob:Sekr1tPw@example.com/", "documentation host"],
    ["url = https://db.internal:5432/app?user=a@b", "a port, not a password"],
    ["url = http://[::1]:8080/", "no userinfo"],
    ["# url = postgres://app:Commented1@db.internal/app", "comment"],
    ["see git@github.com:org/repo.git", "no scheme"],
  ];
  for (const [line, why] of quiet)
    it(`leaves ${line} (${why})`, () => {
      assert.deepEqual(found("/opt/app/app.conf", `${line}\n`), []);
    });
});
