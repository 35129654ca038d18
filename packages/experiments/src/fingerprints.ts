import { createHash } from 'node:crypto';
import { buildId, fingerprint, type Fingerprint, type FingerprintValue } from '@geoparam/core';

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
