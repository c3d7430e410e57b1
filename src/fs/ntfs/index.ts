import type { ByteSource } from "../../io/bytes.js";
import { ImageFormatError } from "../../io/errors.js";
import type { FileTree } from "../filetree.js";
import { isNtfsBoot } from "./boot.js";
import { NtfsTree } from "./tree.js";
import { NtfsVolume } from "./volume.js";

export { NtfsTree } from "./tree.js";
export { NtfsVolume } from "./volume.js";

/** True when the volume's boot sector carries the NTFS OEM id (BitLocker volumes do not). */
export async function isNtfs(source: ByteSource): Promise<boolean> {
  if (source.size < 512) return false;
  return isNtfsBoot(await source.read(0, 512));
}

/** True for a BitLocker volume ("-FVE-FS-" OEM id): NTFS inside, readable only with its key. */
export async function isBitLocker(source: ByteSource): Promise<boolean> {
  if (source.size < 512) return false;
  return (await source.read(0, 512)).toString("latin1", 3, 11) === "-FVE-FS-";
}

/** Opens an NTFS volume read-only as a FileTree. */
export async function openNtfs(source: ByteSource): Promise<FileTree> {
  if (await isBitLocker(source))
    throw new ImageFormatError(
      source.description,
      "NTFS boot sector",
      3,
      "an unencrypted volume (this one is BitLocker-encrypted)",
    );
  return new NtfsTree(await NtfsVolume.open(source));
}
