import * as tf from '@tensorflow/tfjs-core';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { GeoparamError } from '@geoparam/core';
import { Model, layerFromConfig, type ModelConfig } from './model';

export const MODEL_FORMAT = 'geoparam-model';
export const MODEL_FORMAT_VERSION = 1;

/** A saved model or checkpoint that is missing, truncated, altered or of an unknown format. */
export class CheckpointError extends GeoparamError {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super('CHECKPOINT', `${file}: ${reason}`);
  }
}

interface WeightEntry {
  name: string;
  shape: number[];
  dtype: 'float32';
  offset: number;
  length: number;
}

export interface ModelManifest {
  format: typeof MODEL_FORMAT;
  version: number;
  config: ModelConfig;
  weights: WeightEntry[];
  /** sha256 of weights.bin: a corrupt file is refused, never silently loaded. */
  sha256: string;
  /** Free-form extras (training state, manifest of the run). */
  metadata?: Record<string, unknown>;
}

async function writeAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, data);
  await fs.rename(tmp, file);
}

/** Serializes named tensors into one little-endian float32 buffer plus its index. */
export function packTensors(tensors: Record<string, tf.Tensor>): { entries: WeightEntry[]; bytes: Uint8Array } {
  const entries: WeightEntry[] = [];
  const chunks: Float32Array[] = [];
  let offset = 0;
  for (const [name, tensor] of Object.entries(tensors)) {
    const values = Float32Array.from(tensor.dataSync());
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

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Writes `<dir>/model.json` (config, weight index, checksum) and `<dir>/weights.bin`. */
export async function saveModel(model: Model, dir: string, metadata?: Record<string, unknown>): Promise<ModelManifest> {
  const weights = model.getWeights();
  try {
    const { entries, bytes } = packTensors(weights);
    const manifest: ModelManifest = {
      format: MODEL_FORMAT,
      version: MODEL_FORMAT_VERSION,
      config: model.getConfig(),
      weights: entries,
      sha256: sha256Hex(bytes),
      ...(metadata ? { metadata } : {}),
    };
    await fs.mkdir(dir, { recursive: true });
    // Weights first: a manifest never points at weights that are not fully on disk.
    await writeAtomic(path.join(dir, 'weights.bin'), bytes);
    await writeAtomic(path.join(dir, 'model.json'), JSON.stringify(manifest, null, 2) + '\n');
    return manifest;
  } finally {
    tf.dispose(Object.values(weights));
  }
}

export async function readManifest(dir: string): Promise<ModelManifest> {
  const file = path.join(dir, 'model.json');
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    throw new CheckpointError(file, `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let manifest: ModelManifest;
  try {
    manifest = JSON.parse(text) as ModelManifest;
  } catch {
    throw new CheckpointError(file, 'is not valid JSON');
  }
  if (manifest.format !== MODEL_FORMAT) throw new CheckpointError(file, `format ${JSON.stringify(manifest.format)} is not ${MODEL_FORMAT}`);
  if (manifest.version !== MODEL_FORMAT_VERSION) throw new CheckpointError(file, `version ${manifest.version} is not supported (expected ${MODEL_FORMAT_VERSION})`);
  return manifest;
}

/** Reads weights and verifies their checksum. */
export async function readWeights(dir: string, manifest: ModelManifest): Promise<Record<string, tf.Tensor>> {
  const file = path.join(dir, 'weights.bin');
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await fs.readFile(file));
  } catch (error) {
    throw new CheckpointError(file, `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const actual = sha256Hex(bytes);
  if (actual !== manifest.sha256) throw new CheckpointError(file, `checksum mismatch: expected ${manifest.sha256}, got ${actual}`);
  return unpackTensors(manifest.weights, bytes, file);
}

/** Rebuilds a model saved by `saveModel`, bit for bit. */
export async function loadModel(dir: string): Promise<{ model: Model; manifest: ModelManifest }> {
  const manifest = await readManifest(dir);
  const weights = await readWeights(dir, manifest);
  let model: Model | null = null;
  try {
    model = new Model(manifest.config.name, manifest.config.layers.map(layerFromConfig), manifest.config.head, manifest.config.inputShape);
    model.setWeights(weights);
    return { model, manifest };
  } catch (error) {
    model?.dispose();
    if (error instanceof GeoparamError && !(error instanceof CheckpointError)) {
      throw new CheckpointError(path.join(dir, 'model.json'), `does not match its weights: ${error.message}`);
    }
    throw error;
  } finally {
    tf.dispose(Object.values(weights));
  }
}
