/**
 * A part of the target that could hold a finding and was not read (no OS root found, a filesystem
 * without a reader, a damaged archive, a bound reached). Every scan turns each into a failing
 * finding of rule scan-incomplete: coverage is a verdict.
 */
export interface TargetGap {
  /** Where in the target: "partition 2", "archive offset 5120", "the disk". */
  where: string;
  /** What was not read and why, one line. */
  reason: string;
}
