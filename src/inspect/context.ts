import type { Image } from "../fs/image.js";
import { describeError } from "../io/errors.js";
import type { DiskBootInfo } from "../target/target.js";
import type { VulnDbReader } from "../vuln/reader.js";
import type { FactName, Facts } from "./facts.js";

/** Something the scan could not read, kept and shown in every report (never silently dropped). */
export interface Unknown {
  path: string;
  error: string;
  /** The inspector that hit it. */
  source: string;
}

export interface InspectOptions {
  /** Files larger than this are not content-scanned for secrets (bytes). */
  maxContentScanBytes: number;
  /**
   * The file index keeps one record per entry (~200 bytes); past this many entries the walk stops
   * and the report says so, so an image of millions of empty files cannot exhaust memory.
   */
  maxIndexedEntries: number;
  /** The scan date (end-of-life and DB age are judged on it); today when unset. */
  now?: Date;
  /** Path of the local vulnerability database (amigate db); checks are skipped when unset or absent. */
  vulnDb?: string;
  /** A database older than this many days is reported as stale. */
  vulnDbMaxAgeDays?: number;
  /**
   * The database at `vulnDb` already open, shared by many inspections (re-judging every stored
   * image); its owner closes it. Used only when its path is `vulnDb`.
   */
  vulnDbReader?: VulnDbReader;
  /** clamd's unix socket: every file is streamed to it (INSTREAM) when set. */
  clamdSocket?: string;
  /**
   * Where the content pass scans text: "off" on this thread; "auto" in a worker thread while this
   * one reads on, when the pass has enough to read to pay for starting one (the CLI's choice when
   * there is a second core); "always" in a worker thread (tests).
   */
  contentThread?: "off" | "auto" | "always";
  /** How many worker threads scan text when contentThread puts it in a thread (default 1). */
  contentThreads?: number;
  /** Told what the content pass will read, then each file as it is done (the CLI's progress bar). */
  progress?: ContentProgress;
}

/**
 * The content pass's plan and its progress, in bytes of the files it reads: `planned` once per
 * root when it has chosen its files, `read` once per file when it is done with it (a file past
 * the size bound counts 0 in both), so the reads add up to the plan exactly.
 */
export interface ContentProgress {
  planned(bytes: number): void;
  read(bytes: number): void;
}

export const DEFAULT_INSPECT_OPTIONS: InspectOptions = {
  // Text is read and scanned in pieces (memory stays bounded whatever the size): the bound only
  // caps the time one file can take, ~1 s at 256 MiB. At 8 MiB, a 9.5 MB sqlite3.c in node_modules
  // or a database dump was never read for keys and tokens.
  maxContentScanBytes: 256 * 1024 * 1024,
  maxIndexedEntries: 2_000_000,
};

export interface InspectContext {
  readonly image: Image;
  readonly options: InspectOptions;
  /** Disk-level facts when the root came from a disk image (undefined for directories and archives). */
  readonly disk: DiskBootInfo | undefined;
  /** Another inspector's facts (computed once, shared). */
  get<K extends FactName>(name: K): Promise<Facts[K]>;
  /** Records a file that could not be read or parsed. */
  unknown(path: string, error: unknown): void;
  /** Says plainly what the scan could not check (no vulnerability DB, no ClamAV…); shown in every report. */
  note(text: string): void;
}

/**
 * An inspector turns files of the image into one typed fact. `paths` declares what it reads
 * (exact paths or globs, image-absolute) so a reader could prefetch them and tests can check them.
 */
export interface Inspector<K extends FactName> {
  readonly name: K;
  readonly description: string;
  readonly paths: readonly string[];
  inspect(ctx: InspectContext): Promise<Facts[K]>;
}

/** Computes each fact at most once per image and records unknowns from every inspector. */
export class FactStore {
  private readonly cache = new Map<FactName, Promise<unknown>>();
  readonly unknowns: Unknown[] = [];
  /** What the scan could not check, in the order first said (deduplicated). */
  readonly notes: string[] = [];
  /** The inspectors that said each note: a re-judgement replaces only its own inspectors' notes. */
  readonly noteSources = new Map<string, FactName[]>();

  readonly options: InspectOptions;

  constructor(
    readonly image: Image,
    private readonly inspectors: ReadonlyMap<FactName, Inspector<FactName>>,
    /** Unset options take their defaults. */
    options: Partial<InspectOptions> = {},
    readonly disk?: DiskBootInfo,
  ) {
    this.options = { ...DEFAULT_INSPECT_OPTIONS, ...options };
  }

  /**
   * The notes in an order that does not depend on how inspectors running at once interleaved: by
   * the first inspector, in registry order, that said each; an inspector's own notes as it said them.
   */
  orderedNotes(): string[] {
    const rank = new Map<FactName, number>();
    for (const name of this.inspectors.keys()) rank.set(name, rank.size);
    const rankOf = (note: string) =>
      Math.min(...(this.noteSources.get(note) ?? []).map((n) => rank.get(n) ?? rank.size));
    return this.notes
      .map((note, said) => ({ note, said, rank: rankOf(note) }))
      .sort((a, b) => a.rank - b.rank || a.said - b.said)
      .map((n) => n.note);
  }

  /**
   * Starts computing `names` now, without waiting: inspectors then run side by side, so the main
   * thread reads for one while another waits (the content thread scans). Failures are left for
   * whoever asks for the fact.
   */
  prefetch(names: Iterable<FactName>): void {
    for (const name of names) this.get(name).catch(() => {});
  }

  get<K extends FactName>(name: K): Promise<Facts[K]> {
    let pending = this.cache.get(name);
    if (!pending) {
      const inspector = this.inspectors.get(name);
      if (!inspector) throw new Error(`no inspector for fact "${name}"`);
      const ctx: InspectContext = {
        image: this.image,
        options: this.options,
        disk: this.disk,
        get: (other) => this.get(other),
        unknown: (path, error) => {
          this.unknowns.push({ path, error: describeError(error), source: name });
        },
        note: (text) => {
          if (!this.notes.includes(text)) this.notes.push(text);
          const by = this.noteSources.get(text);
          if (!by) this.noteSources.set(text, [name]);
          else if (!by.includes(name)) by.push(name);
        },
      };
      pending = inspector.inspect(ctx);
      this.cache.set(name, pending);
    }
    return pending as Promise<Facts[K]>;
  }
}
