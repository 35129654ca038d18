// geoparam's first model format (v1): model.json with { format, version: 1, config, weights, sha256 }
// beside one weights.bin of float32. Still read, so existing directories keep loading; the packing
// is also what the trainer's checkpoint files use for optimizer and callback state.
import * as tf from '@tensorflow/tfjs-core';
import { sha256Hex } from '@geoparam/core';
import { CheckpointError, IntegrityError } from './errors';
import { METADATA_KEY, legacyManifestSchema, parseOrThrow } from './schema';

/** One tensor in a `packTensors` buffer (float32 values from `offset`, `length` of them). */
export interface WeightEntry {
  name: string;
  shape: number[];
  dtype: 'float32';
  offset: number;
  length: number;
}

/** Serializes named tensors into one little-endian float32 buffer plus its index (read with `await data()`). */
export async function packTensors(tensors: Record<string, tf.Tensor>): Promise<{ entries: WeightEntry[]; bytes: Uint8Array }> {
  const entries: WeightEntry[] = [];
  const chunks: Float32Array[] = [];
  let offset = 0;
  for (const [name, tensor] of Object.entries(tensors)) {
    const values = Float32Array.from(await tensor.data());
    entries.push({ name, shape: [...tensor.shape], dtype: 'float32', offset, length: values.length });
    chunks.push(values);
    offset += values.length;
  }
  const all = new Float32Array(offset);
  let at = 0;
  for (const chunk of chunks) {
    all.set(chunk, at);
    at += chunk.length;
  }
  return { entries, bytes: new Uint8Array(all.buffer) };
}

/** The tensors `packTensors` packed; an entry that does not fit the bytes is a `CheckpointError` naming `file`. */
export function unpackTensors(entries: WeightEntry[], bytes: Uint8Array, file: string): Record<string, tf.Tensor> {
  if (bytes.byteLength % 4 !== 0) throw new CheckpointError(file, `size ${bytes.byteLength} is not a whole number of float32 values`);
  const values = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const out: Record<string, tf.Tensor> = {};
  for (const entry of entries) {
    const size = entry.shape.reduce((a, b) => a * b, 1);
    if (size !== entry.length || entry.offset + entry.length > values.length) {
      tf.dispose(Object.values(out));
      throw new CheckpointError(file, `weight ${entry.name} (shape [${entry.shape.join(', ')}]) does not fit the data`);
    }
    out[entry.name] = tf.tensor(values.subarray(entry.offset, entry.offset + entry.length), entry.shape, 'float32');
  }
  return out;
}

export function isLegacyManifest(json: unknown): boolean {
  return typeof json === 'object' && json !== null && (json as { version?: unknown }).version === 1 && !('modelTopology' in json);
}

/**
 * A v1 directory as TF.js artifacts (topology version 1, no integrity record): its weights are
 * checked against the sha256 v1 stored, its model.json cannot be.
 */
export function legacyArtifacts(json: unknown, manifestFile: string, weights: Uint8Array, weightsFile: string): tf.io.ModelArtifacts {
  const manifest = parseOrThrow(legacyManifestSchema, json, manifestFile);
  const actual = sha256Hex(weights);
  if (actual !== manifest.sha256) throw new IntegrityError(weightsFile, `checksum mismatch: expected ${manifest.sha256}, got ${actual}`);
  let offset = 0;
  for (const entry of manifest.weights) {
    if (entry.offset !== offset || entry.length !== entry.shape.reduce((a, b) => a * b, 1)) {
      throw new CheckpointError(manifestFile, `weight ${entry.name} (shape [${entry.shape.join(', ')}], offset ${entry.offset}, length ${entry.length}) does not follow the previous one`);
    }
    offset += entry.length;
  }
  if (offset * 4 !== weights.byteLength) throw new CheckpointError(weightsFile, `holds ${weights.byteLength} bytes, the manifest describes ${offset * 4}`);
  return {
    format: manifest.format,
    modelTopology: { format: manifest.format, version: 1, config: manifest.config },
    weightSpecs: manifest.weights.map(({ name, shape, dtype }) => ({ name, shape, dtype })),
    weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer,
    ...(manifest.metadata ? { userDefinedMetadata: { [METADATA_KEY]: manifest.metadata as object } } : {}),
  };
}
