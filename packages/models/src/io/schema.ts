// The keys of every file geoparam reads, pinned: a model.json with a key missing, renamed, added
// or of the wrong type is refused with the path of each offending key.
import { z } from 'zod';
import { ModelFileSchemaError } from './errors';

const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 in lower-case hex');
const jsonObject = z.record(z.string(), z.unknown());

export const weightsManifestEntrySchema = z.strictObject({
  name: z.string().min(1),
  shape: z.array(z.number().int().nonnegative()),
  dtype: z.enum(['float32', 'int32', 'bool', 'string', 'complex64']),
  group: z.enum(['model', 'optimizer']).optional(),
  quantization: z
    .strictObject({
      scale: z.number().optional(),
      min: z.number().optional(),
      dtype: z.enum(['uint16', 'uint8', 'float16']),
    })
    .optional(),
});

/** tfjs' `ModelJSON` (tfjs-core 4.22 `io/types.d.ts`): every key it defines, no other. */
export const modelJsonSchema = z.strictObject({
  modelTopology: jsonObject,
  weightsManifest: z.array(z.strictObject({ paths: z.array(z.string().min(1)), weights: z.array(weightsManifestEntrySchema) })),
  format: z.string().optional(),
  generatedBy: z.string().optional(),
  convertedBy: z.string().nullable().optional(),
  trainingConfig: jsonObject.optional(),
  signature: jsonObject.optional(),
  userDefinedMetadata: jsonObject.optional(),
  modelInitializer: jsonObject.optional(),
  initializerSignature: jsonObject.optional(),
});

export const integrityRecordSchema = z.strictObject({
  algorithm: z.literal('sha256'),
  version: z.literal(1),
  /** sha256 of the canonical JSON of the topology, the weight specs and the other metadata. */
  topology: hex64,
  /** The weight bytes in consecutive shards of at most `SHARD_BYTES`, in order. */
  shards: z.array(z.strictObject({ byteLength: z.number().int().nonnegative(), sha256: hex64 })),
});
/** The sha256 record a model file carries in `userDefinedMetadata.geoparamIntegrity`. */
export type IntegrityRecord = z.infer<typeof integrityRecordSchema>;

const modelConfigSchema = z.strictObject({
  name: z.string(),
  head: z.enum(['linear', 'sigmoid', 'softmax']),
  // Each layer's own keys are checked by `layerFromConfig`, which names the offending value.
  layers: z.array(z.looseObject({ type: z.string() })).min(1),
  inputShape: z.array(z.number().int().positive()).optional(),
});

/** `modelTopology` of a geoparam `Model`. Version 1 only ever comes from a converted legacy directory. */
export const geoparamTopologySchema = z.strictObject({
  format: z.literal('geoparam-model'),
  version: z.union([z.literal(1), z.literal(2)]),
  config: modelConfigSchema,
});

/** The `model.json` that `saveModel` wrote before model files became TF.js artifacts. */
export const legacyManifestSchema = z.strictObject({
  format: z.literal('geoparam-model'),
  version: z.literal(1),
  config: modelConfigSchema,
  weights: z.array(
    z.strictObject({
      name: z.string().min(1),
      shape: z.array(z.number().int().nonnegative()),
      dtype: z.literal('float32'),
      offset: z.number().int().nonnegative(),
      length: z.number().int().nonnegative(),
    }),
  ),
  sha256: hex64,
  metadata: jsonObject.optional(),
});

/** Parses `value` or throws a `ModelFileSchemaError` listing the path of every offending key. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, file: string, prefix = ''): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.slice(0, 8).map((issue) => {
    const at = [prefix, ...issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))].join('').replace(/^\./, '');
    return `${at || '(root)'}: ${issue.message}`;
  });
  if (result.error.issues.length > 8) issues.push(`and ${result.error.issues.length - 8} more`);
  throw new ModelFileSchemaError(file, issues);
}

/** The `userDefinedMetadata` key of the caller's metadata for a geoparam `Model` (epoch, logs, ...). */
export const METADATA_KEY = 'geoparamMetadata';
