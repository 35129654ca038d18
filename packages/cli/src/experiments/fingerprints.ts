import * as fs from 'node:fs';
import * as path from 'node:path';
import { readJsonFileSync } from '@geoparam/core/node';
import { assertSameFingerprint, fingerprintFrom, type Fingerprint } from '@geoparam/core';
import type { TrainingState } from '@geoparam/trainer';

// The fingerprints of a run and its members are computed by the protocols in @geoparam/experiments.
export { dataIdentity, methodFingerprint, runFingerprint, type DataIdentity } from '@geoparam/experiments';

/**
 * The fingerprint `fit` stored in a checkpoint it wrote (`FitOptions.fingerprint`, kept in
 * training.json); undefined when there is no checkpoint or it carries none. A torn training.json
 * is a `CorruptFileError` naming it: unreadable is not the same as made by another run.
 */
export function checkpointFingerprint(dir: string): Fingerprint | undefined {
  const state = readJsonFileSync(path.join(dir, 'training.json'), `delete ${dir} or drop --resume`) as Partial<TrainingState> | undefined;
  return fingerprintFrom(state?.fingerprint);
}

/** Refuses to resume a checkpoint written by another run (or by a geoparam without fingerprints). */
export function assertCheckpointMatches(dir: string, current: Fingerprint): void {
  assertSameFingerprint(checkpointFingerprint(dir), current, `checkpoint ${dir}`, `delete ${dir} or drop --resume`);
}

/** What partial.json holds: the command's fingerprint and each finished method with its own. */
export interface PartialFile<R extends { fingerprint: Fingerprint }> {
  fingerprint: Fingerprint;
  methods: R[];
}

/**
 * The finished methods of an interrupted command that this run may reuse: refused when the
 * partial results were made under other settings; among them, only those whose method fingerprint
 * is one this run would compute. No file: nothing to reuse.
 */
export function readPartial<R extends { fingerprint: Fingerprint }>(file: string, current: Fingerprint, wanted: readonly Fingerprint[], out: string): R[] {
  if (!fs.existsSync(file)) return [];
  // Unreadable is not the same as made under other settings: say so, and what to do.
  const partial = readJsonFileSync(file, `delete it (or ${out}) or drop --resume`) as Partial<PartialFile<R>> | undefined;
  assertSameFingerprint(fingerprintFrom(partial?.fingerprint), current, `partial results ${file}`, `delete ${out} or drop --resume`);
  const hashes = new Set(wanted.map((f) => f.hash));
  return (partial?.methods ?? []).filter((m) => {
    const stored = fingerprintFrom(m.fingerprint);
    return stored !== undefined && hashes.has(stored.hash);
  });
}
