#!/usr/bin/env bash
# `npm run demo`: builds amigate, builds the built-in default target (a real Debian bookworm rootfs
# from debootstrap, with the mistakes publishers really get rejected for seeded into a copy), and
# scans it. Needs root for debootstrap on first run; cached afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
npm run -s build
base=$(bash fixtures/debian-rootfs.sh | tail -n 1)
demo="${AMIGATE_FIXTURES:-$HOME/.cache/amigate-fixtures}/debian-bookworm-demo"
if [ ! -f "$demo/.amigate-demo" ]; then
  rm -rf "$demo"
  cp -a "$base" "$demo"
  # What real rejections looked like: cloud-init drop-in re-enabling passwords, a leftover
  # authorized key, a history, an AWS key in an app config, host keys.
  printf 'PasswordAuthentication yes\n' > "$demo/etc/ssh/sshd_config.d/50-cloud-init.conf"
  mkdir -p "$demo/home/admin/.ssh"
  echo "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB7W6sbl3Gr8cwNbJk5Fz8EoI0vAY3fVh9xTznHxUu2m packer@build" > "$demo/home/admin/.ssh/authorized_keys"
  printf 'sudo apt-get update\nexport AWS_SECRET_ACCESS_KEY=...\n' > "$demo/root/.bash_history"
  mkdir -p "$demo/opt/app"
  printf 'aws:\n  access_key_id: AKIA2E0A8F3B244C9986\n  secret_access_key: 7CE556A3BC234CC1FF9E8A5C324C0BB70AA21B6D\n' > "$demo/opt/app/config.yml"
  chroot "$demo" ssh-keygen -A >/dev/null 2>&1 || true
  touch "$demo/.amigate-demo"
fi
echo "Scanning the built-in demo image: $demo" >&2
node dist/cli/main.js scan "$demo" "$@" || true
