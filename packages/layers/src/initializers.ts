import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { UnknownNameError } from '@geoparam/core';
import { uniformSphereKernel } from '@geoparam/parameterizations';

/** What tfjs-layers' `addWeight` calls: an object with `apply(shape, dtype)`. */
export type Initializer = ReturnType<typeof tfl.initializers.zeros>;

/** A tfjs initializer by name (`'glorotUniform'`), class name (`'GlorotUniform'`) or serialized config. */
export type InitializerIdentifier = string | Initializer | tf.serialization.ConfigDict;

const InitializerBase = Object.getPrototypeOf(tfl.initializers.zeros().constructor) as new () => Initializer;

/**
 * Unit-norm columns uniform on the sphere (normalized Gaussian draws), one per unit: the GmP
 * paper's text init (`r = 1`, uniform directions) once a GmP layer converts the kernel to angles.
 */
export class UniformSphere extends InitializerBase {
  static className = 'UniformSphere';
  readonly seed: number | undefined;

  constructor(args: { seed?: number } = {}) {
    super();
    this.seed = args.seed;
  }

  override apply(shape: number[]): tf.Tensor {
    const units = shape[shape.length - 1]!;
    return tf.tidy(() => tf.reshape(uniformSphereKernel([shape.reduce((a, b) => a * b, 1) / units, units], this.seed), shape));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return this.seed === undefined ? {} : { seed: this.seed };
  }
}
tf.serialization.registerClass(UniformSphere as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);

function registeredInitializers(): string[] {
  const map = tf.serialization.SerializationMap.getMap().classNameMap;
  return Object.keys(map).filter((name) => {
    const cls = map[name]![0] as unknown as { prototype: unknown };
    return cls.prototype instanceof InitializerBase;
  });
}

function isInitializer(value: unknown): value is Initializer {
  return value instanceof InitializerBase;
}

/**
 * Resolves an initializer as tfjs-layers does (`'glorotUniform'`, `'GlorotUniform'` or
 * `{className, config}`), adding `seed` to a named one that takes a seed. An unknown name is an
 * `UnknownNameError` listing the registered initializers.
 */
export function resolveInitializer(what: string, identifier: InitializerIdentifier, seed?: number): Initializer {
  if (isInitializer(identifier)) return identifier;
  const config = typeof identifier === 'string' ? { className: identifier[0]!.toUpperCase() + identifier.slice(1), config: {} } : identifier;
  const className = String(config['className']);
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[className];
  const cls = entry?.[0] as unknown as { prototype: unknown } | undefined;
  if (!entry || !cls || !(cls.prototype instanceof InitializerBase)) {
    throw new UnknownNameError(what, typeof identifier === 'string' ? identifier : className, registeredInitializers());
  }
  const inner = { ...((config['config'] ?? {}) as tf.serialization.ConfigDict) };
  if (typeof identifier === 'string' && seed !== undefined && takesSeed(className)) inner['seed'] = seed;
  return entry[1](entry[0], inner) as unknown as Initializer;
}

/** Whether a named initializer draws random numbers (and so takes `seed`). */
function takesSeed(className: string): boolean {
  return !['Zeros', 'Ones', 'Constant', 'Identity'].includes(className);
}

/** The form tfjs-layers writes into `model.json`. */
export function serializeInitializer(initializer: Initializer): tf.serialization.ConfigDict {
  return { className: initializer.getClassName(), config: initializer.getConfig() };
}

/** An initializer that yields a value computed beforehand (weights carried over from another layer). */
export class Precomputed extends InitializerBase {
  static className = 'GeoparamPrecomputed';

  constructor(private readonly value: tf.Tensor) {
    super();
  }

  override apply(): tf.Tensor {
    return tf.clone(this.value);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {};
  }
}
