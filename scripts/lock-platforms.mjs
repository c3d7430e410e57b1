#!/usr/bin/env node
// Run after `npm install`. The registry this project installs from serves only the Linux builds of
// @biomejs/biome's platform packages, so `npm install` leaves the other platforms' optional entries
// out of package-lock.json, and `npm ci` then refuses the lock as out of sync. This writes those
// entries back (version and os/cpu/libc only): npm ci skips them on this platform as it would anyway.
import { readFileSync, writeFileSync } from "node:fs";

const file = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(file, "utf8"));
const packages = lock.packages;
const biome = packages["node_modules/@biomejs/biome"];
const template = packages["node_modules/@biomejs/cli-linux-x64"];
if (!biome || !template) process.exit(0);
const PLATFORMS = {
  "cli-android-arm64": ["android", "arm64"],
  "cli-android-x64": ["android", "x64"],
  "cli-darwin-arm64": ["darwin", "arm64"],
  "cli-darwin-x64": ["darwin", "x64"],
  "cli-linux-arm64": ["linux", "arm64", "glibc"],
  "cli-linux-arm64-musl": ["linux", "arm64", "musl"],
  "cli-linux-x64-musl": ["linux", "x64", "musl"],
  "cli-win32-arm64": ["win32", "arm64"],
  "cli-win32-x64": ["win32", "x64"],
};
let added = 0;
for (const name of Object.keys(biome.optionalDependencies ?? {})) {
  const key = `node_modules/${name}`;
  const platform = PLATFORMS[name.replace("@biomejs/", "")];
  if (packages[key] || !platform) continue;
  const [os, cpu, libc] = platform;
  packages[key] = {
    version: biome.version,
    cpu: [cpu],
    ...(template.dev ? { dev: true } : {}),
    ...(libc ? { libc: [libc] } : {}),
    license: template.license,
    optional: true,
    os: [os],
    engines: template.engines,
  };
  added++;
}
lock.packages = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`lock-platforms: ${added} entries added`);
