import { storeDraft, storeMessages } from "../credential-stores.js";
import { defineRule } from "../rule.js";

export default defineRule({
  id: "credential-in-config",
  title: "Password or token in a tool's configuration",
  clauses: ["SEC-4", "SHR-4"],
  severity: "high",
  description:
    "Configuration files that hold settings beside a live secret: AWS CLI config with keys, .npmrc auth tokens, pip index URLs with a password, Maven settings.xml and Gradle properties passwords, helm repository passwords, MySQL option files (.my.cnf, debian.cnf), mongo shell start-up scripts, msmtp and fetchmail passwords, services' configurations (redis.conf and sentinel.conf requirepass/masterauth/ACL passwords, rclone remotes' obscured passwords, keys and tokens, wpa_supplicant network passphrases and derived keys, OpenVPN auth-user-pass files and inline <auth-user-pass> blocks, Jenkins' encrypted {AQAAAB…} Secrets in credentials.xml and the instance's, nodes', users' and jobs' XML — reversible with the instance's master.key, which the finding says is in the image when it is —, Jenkins users' bcrypt login hashes and a setup wizard's initialAdminPassword left behind, Postfix's SMTP relay passwords in sasl_passwd, its compiled map and main.cf static: maps, LDAP clients' bind passwords: nslcd and nss_ldap/pam_ldap bindpw, /etc/ldap.secret, sssd ldap_default_authtok), cluster kubeconfigs (/etc/kubernetes, k3s, RKE2), system-wide registry auth files, and web servers' basic-auth password files. Empty values, placeholders (changeme, $VAR references, <password>), secrets kept elsewhere (wpa_supplicant ext:, an encrypted rclone configuration, an OpenVPN auth file with a username only, a Jenkins node that names a credentials id) and commented-out examples are not reported. amigate fix leaves these files alone: removing them would lose the settings (or break the configuration that names an OpenVPN auth file).",
  remediation:
    "Edit the secret out of the file (keep the settings), rotate it at its issuer, and supply it at launch instead (an environment file written from user data, a secrets manager, a credential helper).",
  messages: storeMessages,
  facts: ["credentialStores"],
  check({ credentialStores }) {
    return credentialStores.stores.filter((s) => !s.removable).map(storeDraft);
  },
});
