import { ImageFormatError } from "../../../io/errors.js";
import { type BaseBlock, parseBaseBlock } from "./base-block.js";
import { HiveBins } from "./bins.js";
import {
  type KeyNode,
  readClassName,
  readKeyNode,
  readValueData,
  readValueKey,
  readValueList,
  type ValueKey,
} from "./records.js";
import { readSubkeyOffsets } from "./subkeys.js";
import { type DecodedValue, decodeValue, typeName } from "./types.js";

/** Deepest key path a walk follows (Windows allows 512 levels). */
const MAX_DEPTH = 512;

export class RegistryValue {
  private cached: Buffer | undefined;
  constructor(
    private readonly hive: Hive,
    private readonly vk: ValueKey,
  ) {}
  /** "" is the default value ("@" in .reg files). */
  get name(): string {
    return this.vk.name;
  }
  get type(): number {
    return this.vk.type;
  }
  get typeName(): string {
    return typeName(this.vk.type);
  }
  /** Raw bytes. Throws ImageFormatError when the data cells are broken. */
  data(): Buffer {
    this.cached ??= readValueData(this.hive.bins, this.vk, this.hive.header.minorVersion);
    return this.cached;
  }
  decoded(): DecodedValue {
    return decodeValue(this.vk.type, this.data());
  }
  /** The value as a string when it is one (SZ, EXPAND_SZ, LINK), else undefined. */
  string(): string | undefined {
    const d = this.decoded();
    return typeof d === "string" ? d : undefined;
  }
  /** DWORD/QWORD as a number, else undefined. */
  number(): number | undefined {
    const d = this.decoded();
    return typeof d === "number" ? d : typeof d === "bigint" ? Number(d) : undefined;
  }
}

export class RegistryKey {
  constructor(
    private readonly hive: Hive,
    readonly node: KeyNode,
    /** Path from the root, "\\"-separated, "" for the root. */
    readonly path: string,
  ) {}
  get name(): string {
    return this.node.name;
  }
  /** FILETIME of the last write. */
  get lastWritten(): bigint {
    return this.node.lastWritten;
  }
  className(): string | undefined {
    return readClassName(this.hive.bins, this.node);
  }
  subkeys(): RegistryKey[] {
    const offsets = readSubkeyOffsets(this.hive.bins, this.node.subkeyListOffset, this.node.subkeyCount);
    return offsets.map((o) => {
      const nk = readKeyNode(this.hive.bins, o);
      return new RegistryKey(this.hive, nk, this.path === "" ? nk.name : `${this.path}\\${nk.name}`);
    });
  }
  /** A direct subkey by name, case-insensitively. */
  subkey(name: string): RegistryKey | undefined {
    const want = name.toUpperCase();
    return this.subkeys().find((k) => k.name.toUpperCase() === want);
  }
  values(): RegistryValue[] {
    return readValueList(this.hive.bins, this.node).map(
      (o) => new RegistryValue(this.hive, readValueKey(this.hive.bins, o)),
    );
  }
  /** A value by name, case-insensitively ("" = default value). */
  value(name: string): RegistryValue | undefined {
    const want = name.toUpperCase();
    return this.values().find((v) => v.name.toUpperCase() === want);
  }
}

/** An opened hive. `notes` says what was odd but readable (dirty, checksum, truncation). */
export class Hive {
  readonly header: BaseBlock;
  readonly bins: HiveBins;
  readonly notes: string[] = [];

  constructor(
    buf: Buffer,
    readonly file: string,
  ) {
    this.header = parseBaseBlock(buf, file);
    if (this.header.dirty) {
      this.notes.push(
        `dirty hive (sequence numbers ${this.header.primarySequence} != ${this.header.secondarySequence}): read as it stands, transaction logs not applied`,
      );
    }
    if (this.header.checksum !== this.header.computedChecksum) {
      this.notes.push(
        `base block checksum ${this.header.checksum} != computed ${this.header.computedChecksum}`,
      );
    }
    this.bins = new HiveBins(buf, file, this.header.hiveBinsDataSize);
    if (this.bins.stopReason) this.notes.push(`hive bins read partially: ${this.bins.stopReason}`);
  }

  root(): RegistryKey {
    return new RegistryKey(this, readKeyNode(this.bins, this.header.rootCellOffset), "");
  }

  /** A key by "\\"- or "/"-separated path below the root, case-insensitively. */
  key(path: string): RegistryKey | undefined {
    let k: RegistryKey | undefined = this.root();
    for (const part of path.split(/[\\/]/).filter((p) => p !== "")) {
      k = k.subkey(part);
      if (!k) return undefined;
    }
    return k;
  }

  /**
   * Every key depth-first (root first), each node once; `onError` receives keys whose subkeys
   * could not be read, and the walk goes on.
   */
  *walk(onError?: (path: string, error: unknown) => void): Generator<RegistryKey> {
    const seen = new Set<number>();
    const stack: Array<{ key: RegistryKey; depth: number }> = [{ key: this.root(), depth: 0 }];
    while (stack.length > 0) {
      const { key, depth } = stack.pop()!;
      if (seen.has(key.node.offset)) {
        onError?.(
          key.path,
          new ImageFormatError(
            this.file,
            "regf key node (nk)",
            this.bins.absolute(key.node.offset),
            "each key once (cycle)",
          ),
        );
        continue;
      }
      seen.add(key.node.offset);
      yield key;
      if (depth >= MAX_DEPTH) continue;
      let offsets: number[];
      try {
        offsets = readSubkeyOffsets(this.bins, key.node.subkeyListOffset, key.node.subkeyCount);
      } catch (e) {
        onError?.(key.path, e);
        continue;
      }
      // One unreadable child (a truncated or damaged hive) must not hide its siblings.
      const children: RegistryKey[] = [];
      for (const offset of offsets) {
        try {
          const nk = readKeyNode(this.bins, offset);
          children.push(new RegistryKey(this, nk, key.path === "" ? nk.name : `${key.path}\\${nk.name}`));
        } catch (e) {
          onError?.(key.path, e);
        }
      }
      for (let i = children.length - 1; i >= 0; i--) stack.push({ key: children[i]!, depth: depth + 1 });
    }
  }
}

/** Opens a hive from its bytes; `name` names it in errors and notes. */
export function openHive(buffer: Buffer, name: string): Hive {
  return new Hive(buffer, name);
}
