/**
 * The seeded set behind `npm run recall` (issue #15): what a seller forgets in an image, one seed
 * per file, laid over the clean Debian rootfs. A "secret" seed must be reported (a finding whose
 * path is the seed's file); a "clean" seed (empty, placeholder, reference, example) must not be.
 * The values are made up for this set; none is a real credential.
 */
export interface Seed {
  /** Where the seed lives in the image. */
  path: string;
  /** What a reader of the results calls it. */
  label: string;
  expect: "secret" | "clean";
  content: string;
}

const pemBody = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj".repeat(4);
const clientKeyData = Buffer.from(
  `-----BEGIN RSA PRIVATE KEY-----\n${pemBody}\n-----END RSA PRIVATE KEY-----\n`,
).toString("base64");

export const SEEDS: readonly Seed[] = [
  // Application configuration: passwords and keys written as literals.
  {
    path: "/var/www/html/wp-config.php",
    label: "WordPress DB_PASSWORD define()",
    expect: "secret",
    content:
      "<?php\ndefine('DB_NAME', 'wordpress');\ndefine('DB_USER', 'wp');\ndefine('DB_PASSWORD', 'hunter2rocks!');\n",
  },
  {
    path: "/opt/shop/config/app.yaml",
    label: "password: in an app's YAML",
    expect: "secret",
    content: "database:\n  host: db.internal\n  user: shop\n  password: s3cr3t-Value-91\n",
  },
  {
    path: "/opt/shop/.env",
    label: "postgres:// URL with a password in .env",
    expect: "secret",
    content: "DATABASE_URL=postgres://app:Pw0rd2024x@db.internal:5432/app\n",
  },
  {
    path: "/opt/shop/config/application.properties",
    label: "spring.datasource.password in .properties",
    expect: "secret",
    content: "spring.datasource.url=jdbc:mysql://db.internal/shop\nspring.datasource.password=SpringPw2024\n",
  },
  {
    path: "/opt/shop/config/settings.ini",
    label: "password = in an INI section",
    expect: "secret",
    content: "[database]\nhost = db.internal\npassword = IniPw2024x\n",
  },
  {
    path: "/opt/shop/config/settings.json",
    label: "api_key in JSON",
    expect: "secret",
    content: '{\n  "service": "geo",\n  "api_key": "k3y-8f7a6d5c4b3a2918"\n}\n',
  },
  {
    path: "/opt/shop/config/db.php",
    label: "$db_password = '…' in PHP",
    expect: "secret",
    content: "<?php\n$db_host = 'db.internal';\n$db_password = 'PhpVarPw2024';\n",
  },
  {
    path: "/opt/shop/config/app.toml",
    label: "password = in TOML",
    expect: "secret",
    content: '[db]\nuser = "shop"\npassword = "TomlPw2024x"\n',
  },
  {
    path: "/opt/shop/config/context.xml",
    label: "<password> element in XML",
    expect: "secret",
    content:
      '<Context>\n  <Resource name="jdbc/shop" username="shop" password="XmlAttrPw2024"/>\n</Context>\n',
  },
  {
    path: "/opt/shop/bin/start.sh",
    label: "export DB_PASSWORD= in a shell script",
    expect: "secret",
    content: "#!/bin/sh\nexport DB_PASSWORD=ExportPw2024\nexec /opt/shop/bin/shop\n",
  },
  {
    path: "/etc/shop/mongo.conf",
    label: "mongodb:// URL with a password",
    expect: "secret",
    content: "uri = mongodb://admin:M0ngoPw2024@mongo.internal:27017/shop\n",
  },
  // Credential stores real tools write.
  {
    path: "/home/admin/.netrc",
    label: ".netrc password",
    expect: "secret",
    content: "machine ftp.example.org login bob password Tr0ub4dor-3x\n",
  },
  {
    path: "/home/admin/.pgpass",
    label: ".pgpass",
    expect: "secret",
    content: "db.internal:5432:app:app:Pg-pass-2024\n",
  },
  {
    path: "/root/.my.cnf",
    label: ".my.cnf password",
    expect: "secret",
    content: "[client]\nuser=root\npassword=My5qlR00tPw\n",
  },
  {
    path: "/home/admin/.git-credentials",
    label: ".git-credentials",
    expect: "secret",
    content: "https://bob:S3cretGitPw9@git.example.com\n",
  },
  {
    path: "/home/admin/.docker/config.json",
    label: "docker config.json auths",
    expect: "secret",
    content: JSON.stringify(
      { auths: { "registry.example.com": { auth: Buffer.from("bob:s3cretPwd123").toString("base64") } } },
      null,
      2,
    ),
  },
  {
    path: "/root/.config/containers/auth.json",
    label: "podman auth.json",
    expect: "secret",
    content: JSON.stringify({
      auths: { "quay.io": { auth: Buffer.from("bob:P0dmanPw2024").toString("base64") } },
    }),
  },
  {
    path: "/home/admin/.kube/config",
    label: "kubeconfig client-key-data",
    expect: "secret",
    content: `apiVersion: v1\nkind: Config\nclusters:\n- name: prod\n  cluster:\n    server: https://k8s.example.com\ncontexts:\n- name: prod\n  context: {cluster: prod, user: admin}\ncurrent-context: prod\nusers:\n- name: admin\n  user:\n    client-certificate-data: ${Buffer.from("cert").toString("base64")}\n    client-key-data: ${clientKeyData}\n`,
  },
  {
    path: "/home/admin/.config/gcloud/application_default_credentials.json",
    label: "gcloud application default credentials",
    expect: "secret",
    content: JSON.stringify({
      client_id: "764086051850-6qr4p6gpi6hn506pt8ejuq83di341hur.apps.googleusercontent.com",
      client_secret: "d-FL95Q19q7MQmFpd7hHD0Ty",
      refresh_token: "1//0gTq8Xk2mVn3LrCgYIARAAGBASNwF-L9IrSeedForAmigateRecallSet0000",
      type: "authorized_user",
    }),
  },
  {
    path: "/home/admin/.azure/service_principal_entries.json",
    label: "Azure CLI service principal secret",
    expect: "secret",
    content: JSON.stringify([
      {
        client_id: "8a7d2c1e-4b3f-4e6a-9c8d-1f2e3d4c5b6a",
        tenant: "72f988bf-86f1-41af-91ab-2d7cd011db47",
        client_secret: "Qz18Q~seededAzureSecretForRecall.0123456",
      },
    ]),
  },
  {
    path: "/home/admin/.npmrc",
    label: ".npmrc _authToken",
    expect: "secret",
    content:
      "registry=https://npm.example.com/\n//npm.example.com/:_authToken=5f2b6c0e-8d1a-4c8e-9a36-2d7e1f0b9c41\n",
  },
  {
    path: "/home/admin/.pypirc",
    label: ".pypirc password",
    expect: "secret",
    content:
      "[distutils]\nindex-servers = internal\n\n[internal]\nrepository = https://pypi.example.com/\nusername = bob\npassword = PyPiPw2024x\n",
  },
  {
    path: "/home/admin/.m2/settings.xml",
    label: "maven settings.xml <password>",
    expect: "secret",
    content:
      "<settings>\n  <servers>\n    <server>\n      <id>internal</id>\n      <username>bob</username>\n      <password>MvnRepoPw2024</password>\n    </server>\n  </servers>\n</settings>\n",
  },
  {
    path: "/home/admin/.gradle/gradle.properties",
    label: "gradle.properties password",
    expect: "secret",
    content: "org.gradle.jvmargs=-Xmx2g\nmavenPassword=Gr4dlePw2024\n",
  },
  {
    path: "/home/admin/.config/composer/auth.json",
    label: "composer auth.json http-basic",
    expect: "secret",
    content: JSON.stringify({
      "http-basic": { "repo.example.com": { username: "bob", password: "C0mposerPw24" } },
    }),
  },
  {
    path: "/home/admin/.cargo/credentials.toml",
    label: "cargo registry token",
    expect: "secret",
    content: '[registry]\ntoken = "cio8Fq2seededCargoToken0123456789ab"\n',
  },
  {
    path: "/home/admin/.terraform.d/credentials.tfrc.json",
    label: "terraform credentials.tfrc.json",
    expect: "secret",
    content: JSON.stringify({
      credentials: {
        "app.terraform.io": { token: "Xq3seededTf.atlasv1.RecallSetToken0123456789abcdef0123456789" },
      },
    }),
  },
  {
    path: "/home/admin/.config/gh/hosts.yml",
    label: "gh hosts.yml oauth_token",
    expect: "secret",
    content:
      "github.com:\n    user: bob\n    oauth_token: gho_seededGhTokenForRecall0123456789ab\n    git_protocol: https\n",
  },
  {
    path: "/home/admin/.vault-token",
    label: "vault token",
    expect: "secret",
    content: "hvs.CAESIseededVaultTokenForRecallSet0123456789abcdEF\n",
  },
  {
    path: "/home/admin/.config/helm/repositories.yaml",
    label: "helm repository password",
    expect: "secret",
    content:
      'apiVersion: ""\nrepositories:\n- name: internal\n  url: https://charts.example.com\n  username: bob\n  password: HelmPw2024x\n',
  },
  {
    path: "/home/admin/.rediscli_auth",
    label: "redis-cli auth file",
    expect: "secret",
    content: "RedisPw2024x\n",
  },
  {
    path: "/home/admin/.msmtprc",
    label: "msmtp password",
    expect: "secret",
    content: "account default\nhost smtp.example.com\nuser bob\npassword M5mtpPw2024\n",
  },
  {
    path: "/home/admin/.fetchmailrc",
    label: "fetchmail password",
    expect: "secret",
    content: "poll mail.example.com protocol imap user bob password F3tchPw2024\n",
  },
  {
    path: "/etc/nginx/.htpasswd",
    label: ".htpasswd hash",
    expect: "secret",
    content: "bob:$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/\n",
  },
  {
    path: "/home/admin/.oci/config",
    label: "OCI CLI config with key_file",
    expect: "secret",
    content:
      "[DEFAULT]\nuser=ocid1.user.oc1..aaaaaaaaseeded\nfingerprint=20:3b:97:13:55:1c:5b:0d:d3:37:d8:50:4e:c5:3a:34\nkey_file=~/.oci/oci_api_key.pem\ntenancy=ocid1.tenancy.oc1..aaaaaaaaseeded\nregion=us-ashburn-1\npass_phrase=OciPass2024\n",
  },
  {
    path: "/home/admin/.aws/credentials",
    label: "AWS CLI credentials",
    expect: "secret",
    content:
      "[default]\naws_access_key_id = AKIA2SEEDEDRECALL7QX\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYSEEDEDRECALL\n",
  },
  {
    path: "/home/gone/.bash_history",
    label: "history in a home no account owns",
    expect: "secret",
    content: "mysql -u root -pMy5qlR00tPw\nsudo rm -rf /tmp/build\n",
  },
  // Held out: written after the rules above were, and run once before any change (8 of 12 found).
  {
    path: "/etc/myapp/config.yaml",
    label: "db_pass: in YAML",
    expect: "secret",
    content: 'db:\n  db_pass: "Gx7-kLm2pQ9"\n',
  },
  {
    path: "/opt/api/appsettings.json",
    label: ".NET connection string with Password=",
    expect: "secret",
    content:
      '{\n  "ConnectionStrings": {\n    "Default": "Server=db;Database=app;User Id=sa;Password=Sq1Serv3rPw;"\n  }\n}\n',
  },
  {
    path: "/srv/app/.env",
    label: "Django SECRET_KEY in .env",
    expect: "secret",
    content: "SECRET_KEY=django-insecure-8f7a6d5c4b3a29187f6e5d4c\n",
  },
  {
    path: "/etc/grafana/grafana.ini",
    label: "grafana admin_password",
    expect: "secret",
    content: "[security]\nadmin_user = admin\nadmin_password = Graf4naPw2024\n",
  },
  {
    path: "/home/admin/.s3cfg",
    label: "s3cmd secret_key",
    expect: "secret",
    content:
      "[default]\naccess_key = AKIAHELDOUTSEED7QXZ2\nsecret_key = heldOutS3cmdSecretKeyValue0123456789abcd\n",
  },
  {
    path: "/root/.boto",
    label: "boto credentials",
    expect: "secret",
    content:
      "[Credentials]\naws_access_key_id = AKIAHELDOUTBOTO7QXZ3\naws_secret_access_key = heldOutBotoSecretKeyValue0123456789abcdef\n",
  },
  {
    path: "/opt/app/redis.conf",
    label: "redis requirepass (space-separated setting)",
    expect: "secret",
    content: "bind 127.0.0.1\nrequirepass R3disPw2024x\n",
  },
  {
    path: "/opt/app/config.js",
    label: "password: in a JavaScript config object",
    expect: "secret",
    content: 'const config = {\n  password: "JsPw2024xyz",\n};\nmodule.exports = config;\n',
  },
  {
    path: "/home/admin/.config/rclone/rclone.conf",
    label: "rclone remote pass (obscured, reversible)",
    expect: "secret",
    content:
      "[remote]\ntype = sftp\nhost = files.example.org\nuser = bob\npass = Xk3obscuredRclonePassValue\n",
  },
  {
    path: "/etc/wpa_supplicant/wpa_supplicant.conf",
    label: "wpa_supplicant psk",
    expect: "secret",
    content: 'network={\n  ssid="Office"\n  psk="WifiPw2024xyz"\n}\n',
  },
  {
    path: "/opt/app/docker-compose.yml",
    label: "POSTGRES_PASSWORD in docker-compose",
    expect: "secret",
    content:
      "services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: Compose2024Pw\n",
  },
  {
    path: "/etc/openvpn/auth.txt",
    label: "OpenVPN auth-user-pass file",
    expect: "secret",
    content: "vpnuser\nVpnPassw0rd2024\n",
  },
  // Held out, second set: written after the services' rules (redis, rclone, wpa_supplicant,
  // OpenVPN) were committed (639f31d), and run once with no rule changed afterwards: 4 of 8 found,
  // none of the 3 look-alikes reported. Missed: Jenkins' {AQAAAB…} value reads as a bracketed
  // placeholder; sasl_passwd has no key name; the drop-in's URL host is a documentation domain
  // (example.net), which url-credentials treats as an example by design; nslcd's `bindpw` is not a
  // password-like name. Rules for Jenkins, Postfix and LDAP clients were then written with these
  // seeds in view (aed761c): from there on this set is no longer held out (7 of 8 found; the
  // example.net URL stays unreported by design).
  {
    path: "/var/lib/jenkins/credentials.xml",
    label: "Jenkins credentials.xml (secret encrypted with the master key beside it)",
    expect: "secret",
    content:
      "<?xml version='1.1' encoding='UTF-8'?>\n<com.cloudbees.plugins.credentials.SystemCredentialsProvider plugin=\"credentials@1311.vcf0a_900b_37c\">\n  <domainCredentialsMap class=\"hudson.util.CopyOnWriteMap$Hash\">\n    <entry>\n      <com.cloudbees.plugins.credentials.domains.Domain><specifications/></com.cloudbees.plugins.credentials.domains.Domain>\n      <java.util.concurrent.CopyOnWriteArrayList>\n        <com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl>\n          <scope>GLOBAL</scope>\n          <id>deploy</id>\n          <username>deploy</username>\n          <password>{AQAAABAAAAAQheldOutJenkinsSeed0123456789abcdefGHIJKLmnop=}</password>\n        </com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl>\n      </java.util.concurrent.CopyOnWriteArrayList>\n    </entry>\n  </domainCredentialsMap>\n</com.cloudbees.plugins.credentials.SystemCredentialsProvider>\n",
  },
  {
    path: "/root/.smbcredentials",
    label: "CIFS mount credentials file",
    expect: "secret",
    content: "username=backup\npassword=SmbHeldOut24\ndomain=CORP\n",
  },
  {
    path: "/etc/postfix/sasl_passwd",
    label: "Postfix relay sasl_passwd",
    expect: "secret",
    content: "[smtp.example.com]:587 alerts@example.com:P0stfixSasl24\n",
  },
  {
    path: "/srv/registry/auth/htpasswd",
    label: "docker registry htpasswd (bcrypt)",
    expect: "secret",
    content: "admin:$2y$05$heldOutBcryptSaltSeedu7Qm1y7k0xP5sHh0lYd8zZfW3rT9bKq2\n",
  },
  {
    path: "/etc/systemd/system/api.service.d/override.conf",
    label: "MongoDB URI in a systemd drop-in Environment=",
    expect: "secret",
    content:
      '[Service]\nEnvironment="MONGO_URL=mongodb+srv://api:M0ngoDropIn24@cluster0.example.net/prod?retryWrites=true"\n',
  },
  {
    path: "/opt/infra/terraform.tfvars",
    label: "Terraform .tfvars db_password",
    expect: "secret",
    content: 'region      = "eu-west-1"\ndb_username = "app"\ndb_password = "TfVarsHeld24x"\n',
  },
  {
    path: "/etc/nslcd.conf",
    label: "nslcd LDAP bindpw",
    expect: "secret",
    content:
      "uid nslcd\ngid nslcd\nuri ldap://ldap.example.com/\nbase dc=example,dc=com\nbinddn cn=nslcd,dc=example,dc=com\nbindpw N5lcdBindPw24\n",
  },
  {
    path: "/etc/ansible/hosts",
    label: "Ansible inventory ansible_password",
    expect: "secret",
    content: "[web]\nweb1 ansible_host=10.0.0.5 ansible_user=deploy ansible_password=AnsibleHeld24\n",
  },
  // Held out, second set: look-alikes of the seeds above that must stay quiet.
  {
    path: "/home/tidy/.smbcredentials",
    label: "CIFS credentials file with an empty password (guest share)",
    expect: "clean",
    content: "username=guest\npassword=\n",
  },
  {
    path: "/opt/infra/variables.tf",
    label: "Terraform variable declaration marked sensitive (no value)",
    expect: "clean",
    content: 'variable "db_password" {\n  type      = string\n  sensitive = true\n}\n',
  },
  {
    path: "/etc/systemd/system/worker.service.d/override.conf",
    label: "systemd drop-in with a MongoDB URI without a password",
    expect: "clean",
    content: "[Service]\nEnvironment=MONGO_URL=mongodb://mongo.internal:27017/prod\n",
  },
  // Things that look like secrets and are not: must stay quiet.
  {
    path: "/opt/clean/a.yaml",
    label: "password: changeme",
    expect: "clean",
    content: "password: changeme\n",
  },
  {
    path: "/opt/clean/b.yaml",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a placeholder as the file holds it, not a template
    label: "password: ${DB_PASSWORD}",
    expect: "clean",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a placeholder as the file holds it, not a template
    content: "password: ${DB_PASSWORD}\n",
  },
  { path: "/opt/clean/c.env", label: "empty DB_PASSWORD=", expect: "clean", content: "DB_PASSWORD=\n" },
  {
    path: "/opt/clean/d.php",
    label: "define() from getenv()",
    expect: "clean",
    content: "<?php\ndefine('DB_PASSWORD', getenv('DB_PASSWORD'));\n",
  },
  {
    path: "/opt/clean/e.conf",
    label: "URL without a password",
    expect: "clean",
    content: "url = postgres://app@db.internal/app\n",
  },
  {
    path: "/opt/clean/f.conf",
    label: "URL with a variable password",
    expect: "clean",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a placeholder as the file holds it, not a template
    content: "url = postgres://app:${PGPASSWORD}@db.internal/app\n",
  },
  {
    path: "/opt/clean/g.json",
    label: "api_key YOUR_API_KEY",
    expect: "clean",
    content: '{ "api_key": "YOUR_API_KEY" }\n',
  },
  {
    path: "/opt/clean/h.properties",
    label: "password=<password>",
    expect: "clean",
    content: "db.password=<password>\n",
  },
  {
    path: "/home/tidy/.docker/config.json",
    label: "docker config with a credential helper only",
    expect: "clean",
    content: JSON.stringify({ credsStore: "pass" }),
  },
  {
    path: "/home/tidy/.kube/config",
    label: "kubeconfig with exec auth only",
    expect: "clean",
    content:
      "apiVersion: v1\nkind: Config\nusers:\n- name: eks\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: aws\n      args: [eks, get-token, --cluster-name, prod]\n",
  },
  {
    path: "/home/tidy/.netrc",
    label: ".netrc without a password (anonymous FTP)",
    expect: "clean",
    content: "machine ftp.debian.org login anonymous\n",
  },
  {
    path: "/home/tidy/.npmrc",
    label: ".npmrc with only a registry",
    expect: "clean",
    content: "registry=https://registry.npmjs.org/\n",
  },
  {
    path: "/opt/clean/i.ini",
    label: "password_file = path (a reference)",
    expect: "clean",
    content: "[auth]\npassword_file = /run/secrets/db\n",
  },
];
