import { buffer } from "node:stream/consumers";
import tar from "tar-stream";

/**
 * An archive GNU tar would refuse to write: "../evil" and "/etc/evil" beside a normal file.
 * Built with tar-stream's packer, which writes names as given.
 */
export async function evilArchive(): Promise<Buffer> {
  const pack = tar.pack();
  pack.entry({ name: "etc/hostname", mode: 0o644 }, "fine\n");
  pack.entry({ name: "../evil", mode: 0o644 }, "escaped\n");
  pack.entry({ name: "/etc/evil", mode: 0o644 }, "absolute\n");
  pack.finalize();
  return buffer(pack);
}
