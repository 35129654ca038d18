import { GeoparamError } from '@geoparam/core';

/** A saved model or checkpoint that is missing, truncated, altered or of an unknown format. */
export class CheckpointError extends GeoparamError {
  constructor(
    readonly file: string,
    reason: string,
    code = 'CHECKPOINT',
    options?: { cause?: unknown },
  ) {
    super(code, `${file}: ${reason}`);
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}

/** A model file or weight shard whose bytes differ from the sha256 recorded when it was saved. */
export class IntegrityError extends CheckpointError {
  constructor(file: string, reason: string) {
    super(file, reason, 'INTEGRITY');
  }
}

/** A `model.json` (or stored artifacts) with missing, unknown or mistyped keys. */
export class ModelFileSchemaError extends CheckpointError {
  constructor(
    file: string,
    readonly issues: readonly string[],
  ) {
    super(file, `does not have the expected keys: ${issues.join('; ')}`, 'MODEL_FILE_SCHEMA');
  }
}

/** A model file naming geoparam layer classes that no imported package has registered. */
export class UnregisteredClassError extends CheckpointError {
  constructor(
    file: string,
    readonly classNames: readonly string[],
  ) {
    super(
      file,
      `names the geoparam layer class${classNames.length > 1 ? 'es' : ''} ${classNames.join(', ')}, whose package is not imported: add \`import '@geoparam/layers'\` before loading it`,
      'UNREGISTERED_CLASS',
    );
  }
}

/** Weights that do not fit the architecture stored beside them (names, shapes). */
export class WeightsMismatchError extends CheckpointError {
  constructor(file: string, reason: string, cause?: unknown) {
    super(file, reason, 'WEIGHTS_MISMATCH', { cause });
  }
}
