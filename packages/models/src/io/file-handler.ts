// TF.js model artifacts on disk, for Node without tfjs-node: model.json + weight shards, each
// written atomically, verified on load. Also serves `file://` for tf.loadLayersModel/model.save.
import * as tf from '@tensorflow/tfjs-core';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { writeFileAtomic } from '@geoparam/core/node';
import { CheckpointError, ModelFileSchemaError } from './errors';
import { fileUrlPath } from './handlers';
import { INTEGRITY_KEY, shardSlices, verifyIntegrity, weightBytes, withIntegrityRecord } from './integrity';
import { assertLayerClassesRegistered } from './layer-classes';
import { isLegacyManifest, legacyArtifacts } from './legacy';
import { modelJsonSchema, parseOrThrow } from './schema';

export const MODEL_JSON = 'model.json';

// Temp file, fsync, rename, fsync of the directory: readers see all or nothing.
export { writeFileAtomic } from '@geoparam/core/node';

/** Makes the renames in a directory durable. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function errnoOf(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? String(error);
}

/** A shard path from a model.json must stay inside its directory. */
function shardFile(dir: string, file: string, name: string): string {
  if (name !== path.basename(name) || name === '..' || name === '.' || name.includes('\\')) {
    throw new ModelFileSchemaError(file, [`weightsManifest path ${JSON.stringify(name)} must be a file name beside model.json`]);
  }
  return path.join(dir, name);
}

async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    throw new CheckpointError(file, `cannot be read (${errnoOf(error)})`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new CheckpointError(file, 'is not valid JSON (truncated?)');
  }
}

async function readBytes(file: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await fs.readFile(file));
  } catch (error) {
    throw new CheckpointError(file, `cannot be read (${errnoOf(error)})`);
  }
}

/** The shard files a previous save left in `dir`, so a new save can remove those it no longer uses. */
async function previousShards(file: string): Promise<string[]> {
  const json = (await fs.readFile(file, 'utf8').then(JSON.parse, () => null)) as unknown;
  if (isLegacyManifest(json)) return ['weights.bin'];
  const parsed = modelJsonSchema.safeParse(json);
  if (!parsed.success) return [];
  return parsed.data.weightsManifest.flatMap((group) => group.paths).filter((name) => name === path.basename(name));
}

/**
 * An `IOHandler` for a directory: `save` writes `model.json` (topology, weightsManifest and an
 * integrity record) and 4 MiB weight shards named by their hash, each atomically, the shards
 * first, so a crash leaves the previous model or the new one, never a mix; `load` verifies every
 * shard and the manifest. Directories of geoparam's format v1 load too (topology version 1).
 */
export function fileHandler(dir: string): tf.io.IOHandler {
  const file = path.join(dir, MODEL_JSON);
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) throw new ModelFileSchemaError(file, ['modelTopology must be JSON, not binary']);
      const recorded = withIntegrityRecord(artifacts);
      const record = recorded.userDefinedMetadata![INTEGRITY_KEY] as { shards: { sha256: string }[] };
      const shards = shardSlices(weightBytes(artifacts.weightData));
      const names = shards.map((_, i) => `group1-shard${i + 1}of${shards.length}.${record.shards[i]!.sha256.slice(0, 16)}.bin`);
      await fs.mkdir(dir, { recursive: true });
      const stale = await previousShards(file);
      for (const [i, shard] of shards.entries()) await writeFileAtomic(path.join(dir, names[i]!), shard);
      const modelJson: tf.io.ModelJSON = {
        modelTopology: recorded.modelTopology!,
        weightsManifest: [{ paths: names, weights: recorded.weightSpecs ?? [] }],
        ...(recorded.format !== undefined ? { format: recorded.format } : {}),
        ...(recorded.generatedBy !== undefined ? { generatedBy: recorded.generatedBy } : {}),
        ...(recorded.convertedBy !== undefined ? { convertedBy: recorded.convertedBy } : {}),
        ...(recorded.trainingConfig !== undefined ? { trainingConfig: recorded.trainingConfig } : {}),
        ...(recorded.signature !== undefined ? { signature: recorded.signature } : {}),
        ...(recorded.modelInitializer !== undefined ? { modelInitializer: recorded.modelInitializer } : {}),
        ...(recorded.initializerSignature !== undefined ? { initializerSignature: recorded.initializerSignature } : {}),
        userDefinedMetadata: recorded.userDefinedMetadata!,
      };
      await writeFileAtomic(file, JSON.stringify(modelJson) + '\n');
      await syncDirectory(dir);
      await Promise.all(stale.filter((name) => !names.includes(name)).map((name) => fs.rm(path.join(dir, name), { force: true })));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(recorded) };
    },

    async load(): Promise<tf.io.ModelArtifacts> {
      const json = await readJson(file);
      if (isLegacyManifest(json)) return legacyArtifacts(json, file, await readBytes(path.join(dir, 'weights.bin')), path.join(dir, 'weights.bin'));
      const modelJson = parseOrThrow(modelJsonSchema, json, file);
      const names = modelJson.weightsManifest.flatMap((group) => group.paths);
      const shards: ArrayBuffer[] = [];
      for (const name of names) {
        const bytes = await readBytes(shardFile(dir, file, name));
        shards.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
      }
      const { weightsManifest, ...rest } = modelJson;
      const artifacts: tf.io.ModelArtifacts = {
        ...(rest as Omit<tf.io.ModelJSON, 'weightsManifest'>),
        weightSpecs: weightsManifest.flatMap((group) => group.weights),
        weightData: shards,
      };
      verifyIntegrity(artifacts, file, names.map((name) => path.join(dir, name)));
      assertLayerClassesRegistered(artifacts.modelTopology, file);
      return artifacts;
    },
  };
}

const REGISTERED = Symbol.for('geoparam.models.fileRouters');

/**
 * Registers geoparam's `file://` save and load routers with tf.io (once per process). Each stands
 * aside when another router serves the URL — tfjs-node's, whichever was imported first — since
 * tf.io refuses a URL that two handlers claim.
 */
export function registerFileRouters(): void {
  const global = globalThis as { [REGISTERED]?: true };
  if (global[REGISTERED]) return;
  global[REGISTERED] = true;
  let consulting = false;
  const router =
    (kind: 'save' | 'load') =>
    (url: string | string[]): tf.io.IOHandler => {
      // tf.io's routers answer null for a URL they do not serve (its IORouter type omits it).
      if (consulting || typeof url !== 'string' || !url.startsWith('file://')) return null as unknown as tf.io.IOHandler;
      consulting = true;
      let others: number;
      try {
        others = (kind === 'save' ? tf.io.getSaveHandlers(url) : tf.io.getLoadHandlers(url)).length;
      } finally {
        consulting = false;
      }
      return others > 0 ? (null as unknown as tf.io.IOHandler) : fileHandler(fileUrlPath(url));
    };
  tf.io.registerSaveRouter(router('save'));
  tf.io.registerLoadRouter(router('load'));
}
