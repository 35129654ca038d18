import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readJsonFileSync } from '@geoparam/core/node';
import { assertSameFingerprint, buildId, fingerprint, fingerprintFrom, type Fingerprint, type FingerprintValue } from '@geoparam/core';
import type { TrainingState } from '@geoparam/trainer';

/** A data set's name and the sha256 of its values: the same name with changed contents is another run. */
export type DataIdentity = { name: string; sha256: string };

/**
 * sha256 over the arrays' bytes, each prefixed by its length (so moving values from one array to
 * the next changes the hash). node:crypto, incremental: image sets are hundreds of MB.
 */
export function dataIdentity(name: string, ...arrays: ArrayBufferView[]): DataIdentity {
  const hash = createHash('sha256');
  for (const array of arrays) {
    hash.update(`${array.byteLength}:`);
    hash.update(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
  }
  return { name, sha256: hash.digest('hex') };
}

/** Everything that changes a command's result, plus the geoparam build that computed it. */
export function runFingerprint(fields: Record<string, FingerprintValue>): Fingerprint {
  return fingerprint({ ...fields, build: buildId() });
}

/** One method's run within a command: the command's fields plus the method, its learning rate and `extra`. */
export function methodFingerprint(run: Fingerprint, method: string, learningRate: number, extra: Record<string, FingerprintValue> = {}): Fingerprint {
  return fingerprint({ ...run.fields, ...extra, method, learningRate });
}

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
