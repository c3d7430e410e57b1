import { Ec2Error, invalidParameterValue, missingParameter } from "./errors.js";

/** At most this many parameters per request (EC2 allows 10,000 user ids in one call). */
const MAX_PARAMS = 20_000;

/**
 * The ec2Query request: flat keys, lists as Key.N (N from 1), structures joined with dots
 * (smithy aws-ec2-query-protocol; botocore EC2Serializer).
 */
export class Ec2Params {
  private constructor(private readonly map: Map<string, string>) {}

  static parse(...sources: URLSearchParams[]): Ec2Params {
    const map = new Map<string, string>();
    for (const source of sources)
      for (const [k, v] of source) {
        if (map.size >= MAX_PARAMS) throw new Ec2Error("MalformedQueryString", "Too many parameters.");
        map.set(k, v);
      }
    return new Ec2Params(map);
  }

  static of(record: Record<string, string>): Ec2Params {
    return new Ec2Params(new Map(Object.entries(record)));
  }

  get(key: string): string | undefined {
    return this.map.get(key);
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  require(key: string): string {
    const v = this.map.get(key);
    if (v === undefined || v === "") throw missingParameter(key);
    return v;
  }

  bool(key: string): boolean | undefined {
    const v = this.map.get(key);
    if (v === undefined) return undefined;
    if (v === "true") return true;
    if (v === "false") return false;
    throw invalidParameterValue(`Invalid value '${v}' for ${key}. Expected a boolean.`);
  }

  int(key: string): number | undefined {
    const v = this.map.get(key);
    if (v === undefined) return undefined;
    if (!/^-?\d{1,10}$/.test(v))
      throw invalidParameterValue(`Invalid value '${v}' for ${key}. Expected an integer.`);
    return Number(v);
  }

  /** Key.1, Key.2, … in index order (gaps allowed, as EC2 does). */
  list(prefix: string): string[] {
    const out: Array<[number, string]> = [];
    const p = prefix + ".";
    for (const [k, v] of this.map) {
      if (!k.startsWith(p)) continue;
      const rest = k.slice(p.length);
      if (/^\d+$/.test(rest)) out.push([Number(rest), v]);
    }
    return out.sort((a, b) => a[0] - b[0]).map(([, v]) => v);
  }

  /** Key.N.Member… grouped per N, each as its own Ec2Params with the prefix removed. */
  structs(prefix: string): Ec2Params[] {
    const groups = new Map<number, Map<string, string>>();
    const p = prefix + ".";
    for (const [k, v] of this.map) {
      if (!k.startsWith(p)) continue;
      const m = /^(\d+)\.(.+)$/.exec(k.slice(p.length));
      if (!m) continue;
      const n = Number(m[1]);
      let g = groups.get(n);
      if (!g) {
        g = new Map();
        groups.set(n, g);
      }
      g.set(m[2]!, v);
    }
    return [...groups.entries()].sort((a, b) => a[0] - b[0]).map(([, g]) => new Ec2Params(g));
  }

  /** Sub-parameters under Prefix. as one Ec2Params (e.g. LaunchPermission.). */
  sub(prefix: string): Ec2Params {
    const m = new Map<string, string>();
    const p = prefix + ".";
    for (const [k, v] of this.map) if (k.startsWith(p)) m.set(k.slice(p.length), v);
    return new Ec2Params(m);
  }

  /** Keys and values for the audit log (nothing secret is ever an EC2 parameter). */
  entries(): Array<[string, string]> {
    return [...this.map.entries()];
  }
}
