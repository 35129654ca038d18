// Integrity of TF.js model artifacts through any tf.io handler: the sha256 of the canonical
// topology + weight manifest and of every weight shard ride in `userDefinedMetadata`, which other
// readers (plain tf.loadLayersModel) ignore.
import * as tf from '@tensorflow/tfjs-core';
import { canonicalJson, sha256Hex, type FingerprintValue } from '@geoparam/core';
import { IntegrityError } from './errors';
import { describeTarget, resolveHandler, type ModelTarget } from './handlers';
import { assertLayerClassesRegistered } from './layer-classes';
import { integrityRecordSchema, parseOrThrow, type IntegrityRecord } from './schema';

/** The `userDefinedMetadata` key that holds the integrity record. */
export const INTEGRITY_KEY = 'geoparamIntegrity';
/** Shard size of the weight bytes (as tfjs' converter shards them): one file per shard on disk. */
export const SHARD_BYTES = 4 * 1024 * 1024;

/** All weight bytes as one array (handlers may hand them over in pieces). */
export function weightBytes(data: tf.io.WeightData | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  return new Uint8Array(Array.isArray(data) ? tf.io.CompositeArrayBuffer.join(data) : (data as ArrayBuffer));
}

export function shardSlices(bytes: Uint8Array): Uint8Array[] {
  const shards: Uint8Array[] = [];
  for (let at = 0; at < bytes.byteLength; at += SHARD_BYTES) shards.push(bytes.subarray(at, Math.min(at + SHARD_BYTES, bytes.byteLength)));
  return shards;
}

/** JSON as it lands in a file: undefined keys dropped, so every handler hashes the same value. */
function asJson(value: unknown): FingerprintValue {
  return value === undefined ? null : (JSON.parse(JSON.stringify(value)) as FingerprintValue);
}

function topologyHash(artifacts: tf.io.ModelArtifacts): string {
  const { [INTEGRITY_KEY]: _record, ...userDefined } = artifacts.userDefinedMetadata ?? {};
  const topology = artifacts.modelTopology;
  return sha256Hex(
    canonicalJson({
    format: asJson(artifacts.format),
    generatedBy: asJson(artifacts.generatedBy),
    convertedBy: asJson(artifacts.convertedBy),
    modelTopology: topology instanceof ArrayBuffer ? { sha256: sha256Hex(new Uint8Array(topology)) } : asJson(topology),
    trainingConfig: asJson(artifacts.trainingConfig),
    signature: asJson(artifacts.signature),
    modelInitializer: asJson(artifacts.modelInitializer),
    initializerSignature: asJson(artifacts.initializerSignature),
    weightSpecs: asJson(artifacts.weightSpecs ?? []),
    userDefinedMetadata: Object.keys(userDefined).length ? asJson(userDefined) : null,
    }),
  );
}

/** The record for these artifacts (any record they already carry is ignored). */
export function integrityRecord(artifacts: tf.io.ModelArtifacts): IntegrityRecord {
  return {
    algorithm: 'sha256',
    version: 1,
    topology: topologyHash(artifacts),
    shards: shardSlices(weightBytes(artifacts.weightData)).map((shard) => ({ byteLength: shard.byteLength, sha256: sha256Hex(shard) })),
  };
}

/** A copy of the artifacts carrying a fresh integrity record in `userDefinedMetadata`. */
export function withIntegrityRecord(artifacts: tf.io.ModelArtifacts): tf.io.ModelArtifacts {
  const record = integrityRecord(artifacts);
  return { ...artifacts, userDefinedMetadata: { ...(artifacts.userDefinedMetadata ?? {}), [INTEGRITY_KEY]: record } };
}

export function hasIntegrityRecord(artifacts: tf.io.ModelArtifacts): boolean {
  return artifacts.userDefinedMetadata?.[INTEGRITY_KEY] !== undefined;
}

/**
 * Checks artifacts against their record. Returns false when they carry none; throws
 * `IntegrityError` naming the shard (by `shardNames` when the storage has files) on any mismatch.
 */
export function verifyIntegrity(artifacts: tf.io.ModelArtifacts, source: string, shardNames?: readonly string[]): boolean {
  const raw = artifacts.userDefinedMetadata?.[INTEGRITY_KEY];
  if (raw === undefined) return false;
  const record = parseOrThrow(integrityRecordSchema, raw, source, `userDefinedMetadata.${INTEGRITY_KEY}`);
  const topology = topologyHash(artifacts);
  if (topology !== record.topology) {
    throw new IntegrityError(source, `topology and weights manifest do not match their recorded sha256 (expected ${record.topology}, got ${topology}): the file was altered`);
  }
  const bytes = weightBytes(artifacts.weightData);
  const expected = record.shards.reduce((sum, s) => sum + s.byteLength, 0);
  const shards = shardSlices(bytes);
  const name = (i: number) => (shardNames && shardNames.length === record.shards.length ? shardNames[i]! : `weight shard ${i + 1} of ${record.shards.length}`);
  for (const [i, want] of record.shards.entries()) {
    const shard = shards[i];
    if (!shard || shard.byteLength !== want.byteLength) {
      throw new IntegrityError(source, `${name(i)} holds ${shard?.byteLength ?? 0} bytes, ${want.byteLength} recorded (weights: ${bytes.byteLength} bytes of ${expected}): truncated or replaced`);
    }
    const actual = sha256Hex(shard);
    if (actual !== want.sha256) throw new IntegrityError(source, `${name(i)}: checksum mismatch: expected ${want.sha256}, got ${actual} (corrupt, or swapped with another shard)`);
  }
  if (shards.length !== record.shards.length) {
    throw new IntegrityError(source, `weights hold ${bytes.byteLength} bytes, ${expected} recorded: extra data`);
  }
  return true;
}

/** Options of `withIntegrity`. */
export interface IntegrityOptions {
  /** Refuse artifacts that carry no integrity record (default true). */
  require?: boolean;
}

/**
 * Wraps any tf.io handler: `save` records the sha256 of topology and shards, `load` checks them
 * (and names geoparam layer classes whose package is not imported) before anyone decodes a weight.
 * Works for tfjs-layers models too: `model.save(withIntegrity('indexeddb://m'))`,
 * `tf.loadLayersModel(withIntegrity('indexeddb://m'))`.
 */
export function withIntegrity(target: ModelTarget, options: IntegrityOptions = {}): tf.io.IOHandler {
  const source = describeTarget(target);
  return {
    save: async (artifacts) => resolveHandler(target, 'save').save!(withIntegrityRecord(artifacts)),
    load: async () => {
      const artifacts = await resolveHandler(target, 'load').load!();
      const verified = verifyIntegrity(artifacts, source);
      if (!verified && options.require !== false) {
        throw new IntegrityError(source, `carries no integrity record (userDefinedMetadata.${INTEGRITY_KEY}): it cannot be verified`);
      }
      assertLayerClassesRegistered(artifacts.modelTopology, source);
      return artifacts;
    },
  };
}
