import { testRule } from "../../../test/support/rule-tester.js";
import rule from "./app-config-password.js";

// Made-up values; none is a real credential. `$` keeps shell and PHP references out of templates.
const $ = "$";
const VENV = "/opt/app/venv/lib/python3.11/site-packages";

testRule(rule, {
  valid: [
    { name: "the clean Debian rootfs", changes: {} },
    {
      name: "Windows launch-agent and answer files: win-fixed-admin-password and win-saved-passwords judge them",
      changes: {
        "/ProgramData/Amazon/EC2-Windows/Launch/Config/LaunchConfig.json":
          '{\n  "adminPasswordType": "Specify",\n  "adminPassword": "Launch1Pw2024"\n}\n',
        "/ProgramData/Amazon/EC2Launch/config/agent-config.yml":
          "config:\n- stage: postReady\n  tasks:\n  - task: setAdminAccount\n    inputs:\n      password:\n        type: static\n        data: Launch2Pw2024\n",
        "/Windows/Panther/unattend.xml":
          "<unattend><AdministratorPassword><Value>Unattend1Pw</Value></AdministratorPassword></unattend>\n",
      },
    },
    {
      name: "empty values, placeholders, references, function calls, encrypted values, hashes and paths",
      changes: {
        "/opt/app/.env": `DB_PASSWORD=\nREDIS_PASSWORD=${$}{REDIS_PASSWORD}\nSMTP_PASS=${$}SMTP_PASS\n`,
        "/opt/app/config.yml": [
          "db:",
          "  password: changeme",
          "  replica_password: <password>",
          "  admin_password: '{{ vault_admin_password }}'",
          "  backup_password: !vault |",
          "  cache_password: ENC[AES256_GCM,data:Zm9v,iv:YmFy]",
          "  password_hash: 9f8e7d6c5b4a3928",
          "  password_file: /run/secrets/db",
          "  # password: Commented0ut",
          "",
        ].join("\n"),
        "/var/www/html/wp-config.php": "<?php\ndefine('DB_PASSWORD', getenv('DB_PASSWORD'));\n",
        "/var/www/app/config.php": `<?php\n${$}db_password = ${$}_ENV['DB_PASSWORD'];\nreturn ['password' => env('DB_PASSWORD')];\n`,
        "/opt/app/settings.py": "DATABASES = {'default': {'PASSWORD': os.environ['DB_PASSWORD']}}\n",
        "/opt/app/application.properties": `spring.datasource.password=${$}{DB_PASSWORD:}\n`,
        "/opt/app/config.xml": "<config><password></password></config>\n",
      },
    },
    {
      name: "examples, samples, documentation, tests, translations and files package managers installed",
      changes: {
        "/opt/app/.env.example": "DB_PASSWORD=ExampleFilePw1\n",
        "/var/www/html/wp-config-sample.php": "<?php\ndefine('DB_PASSWORD', 'SampleFilePw1');\n",
        "/opt/app/docs/install.md": "password: ReadmePw2024\n",
        "/opt/app/tests/test_login.py": 'password = "TestPw2024"\n',
        "/var/www/app/lang/de/validation.php": "<?php\nreturn ['password' => 'Passwort'];\n",
        [`${VENV}/somelib/client.py`]: 'def connect(password="LibDefaultPw1"): ...\n',
        "/srv/web/node_modules/pg/config.json": '{"password": "ModuleDefaultPw1"}\n',
        "/var/www/shop/vendor/composer/installed.json": "{}\n",
        "/var/www/shop/vendor/acme/db/config.php": "<?php\ndefine('DB_PASSWORD', 'VendorPw2024');\n",
      },
    },
    {
      name: "a tool's credential store is credential-store's or credential-in-config's finding, not a second one here",
      changes: {
        "/root/.my.cnf": "[client]\nuser=root\npassword=My5qlR00tPw\n",
        "/home/admin/.config/helm/repositories.yaml":
          "repositories:\n- name: internal\n  url: https://charts.internal\n  password: HelmPw2024x\n",
      },
    },
  ],
  invalid: [
    {
      name: "PHP: WordPress define(), a variable, and array keys (phpMyAdmin)",
      changes: {
        "/var/www/html/wp-config.php":
          "<?php\ndefine('DB_NAME', 'wordpress');\ndefine('DB_USER', 'wp');\ndefine('DB_PASSWORD', 'hunter2rocks');\n",
        "/var/www/app/db.php": `<?php\n${$}db_host = 'db.internal';\n${$}db_password = 'PhpVarPw2024';\n`,
        "/var/www/pma/config.inc.php": `<?php\n${$}cfg['Servers'][${$}i]['password'] = 'PmaPw2024';\n`,
      },
      findings: [
        {
          path: "/var/www/app/db.php",
          line: 3,
          severity: "high",
          message: "db_password is set to a literal password",
          evidence: "db_password = ************ (12 chars)",
        },
        {
          path: "/var/www/html/wp-config.php",
          line: 4,
          severity: "high",
          messageId: "setting",
          data: { setting: "DB_PASSWORD", what: "password" },
          evidence: "DB_PASSWORD = ************ (12 chars)",
        },
        { path: "/var/www/pma/config.inc.php", line: 2, data: { setting: "password", what: "password" } },
      ],
    },
    {
      name: "YAML, JSON and TOML",
      changes: {
        "/opt/shop/config/app.yaml": "database:\n  host: db.internal\n  password: s3cr3t-Value\n",
        "/opt/shop/config/settings.json": '{\n  "db": {"user": "shop", "password": "JsonPw2024"}\n}\n',
        "/opt/shop/config/app.toml": '[db]\nuser = "shop"\npassword = "TomlPw2024x"\n',
      },
      findings: [
        {
          path: "/opt/shop/config/app.toml",
          line: 3,
          message: "password is set to a literal password",
          evidence: "password = *********** (11 chars)",
        },
        {
          path: "/opt/shop/config/app.yaml",
          line: 3,
          message: "password is set to a literal password",
          evidence: "password = ************ (12 chars)",
        },
        { path: "/opt/shop/config/settings.json", line: 2, evidence: "password = ********** (10 chars)" },
      ],
    },
    {
      name: "INI, Java properties, .env and a shell export",
      changes: {
        "/etc/shop/settings.ini": "[database]\nhost = db.internal\npassword = IniPw2024x\n",
        "/opt/shop/application.properties":
          "spring.datasource.url=jdbc:mysql://db.internal/shop\nspring.datasource.password=SpringPw2024\n",
        "/opt/shop/.env": "MYSQL_ROOT_PASSWORD=RootPw2024\n",
        "/opt/shop/bin/start.sh": "#!/bin/sh\nexport DB_PASSWORD=ExportPw2024\nexec /opt/shop/bin/shop\n",
      },
      findings: [
        { path: "/etc/shop/settings.ini", line: 3, data: { setting: "password", what: "password" } },
        { path: "/opt/shop/.env", line: 1, data: { setting: "MYSQL_ROOT_PASSWORD", what: "password" } },
        {
          path: "/opt/shop/application.properties",
          line: 2,
          data: { setting: "spring.datasource.password", what: "password" },
        },
        { path: "/opt/shop/bin/start.sh", line: 2, data: { setting: "DB_PASSWORD", what: "password" } },
      ],
    },
    {
      name: "XML: an element, an attribute, and an appSettings key/value pair",
      changes: {
        "/opt/shop/conf/datasource.xml":
          "<datasources>\n  <datasource>\n    <user>shop</user>\n    <password>XmlElemPw2024</password>\n  </datasource>\n</datasources>\n",
        "/opt/tomcat/conf/context.xml":
          '<Context>\n  <Resource name="jdbc/shop" username="shop" password="XmlAttrPw2024"/>\n</Context>\n',
        "/srv/site/Web.config":
          '<appSettings>\n  <add key="DbPassword" value="AppSettingPw1" />\n</appSettings>\n',
      },
      findings: [
        { path: "/opt/shop/conf/datasource.xml", line: 4, data: { setting: "password", what: "password" } },
        { path: "/opt/tomcat/conf/context.xml", line: 2, data: { setting: "password", what: "password" } },
        { path: "/srv/site/Web.config", line: 2, data: { setting: "DbPassword", what: "password" } },
      ],
    },
    {
      name: "several passwords in one file are one finding; a literal in program code is less certain",
      changes: {
        "/opt/shop/.env": "DB_PASSWORD=DbPw2024x\nREDIS_PASSWORD=RedisPw2024\nSMTP_PASS=SmtpPw2024\n",
        "/opt/shop/worker.py": 'conn = connect(host="db.internal", password="SrcPw2024")\n',
      },
      findings: [
        {
          path: "/opt/shop/.env",
          line: 1,
          severity: "high",
          messageId: "settings",
          message: "3 settings are set to literal passwords: DB_PASSWORD, REDIS_PASSWORD, SMTP_PASS",
          evidence: "DB_PASSWORD = ********* (9 chars)",
        },
        {
          path: "/opt/shop/worker.py",
          line: 1,
          severity: "medium",
          data: { setting: "password", what: "password" },
        },
      ],
    },
  ],
});
