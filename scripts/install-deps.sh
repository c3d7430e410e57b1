#!/usr/bin/env bash
# Debian packages the tests, fixtures and benchmarks use (real tools build real images).
set -euo pipefail
packages=(libdeflate-dev debootstrap mmdebstrap e2fsprogs xfsprogs btrfs-progs dosfstools mtools gdisk fdisk qemu-utils ntfs-3g wimtools python3-libfsntfs attr libhivex-bin libwin-hivex-perl lvm2 cryptsetup-bin zstd xz-utils tar zip bzip2 openssh-client openssl putty-tools time busybox dash awscli chromium systemd postgresql packer zsh fish)
missing=()
for p in "${packages[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then echo "install-deps: need root to install: ${missing[*]}" >&2; exit 1; fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
