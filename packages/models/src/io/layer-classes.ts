import * as tf from '@tensorflow/tfjs-core';
import { UnregisteredClassError } from './errors';

/**
 * The tfjs-layers classes `@geoparam/layers` registers (layers and the `UniformSphere`
 * initializer). A model file naming one of them cannot be rebuilt until that package is imported;
 * plain `tf.loadLayersModel` only says "Unknown layer".
 */
export const GEOPARAM_LAYER_CLASS_NAMES: readonly string[] = [
  'GeometricDense',
  'GeometricConv2D',
  'WeightNormDense',
  'WeightNormConv2D',
  'MeanOnlyBatchNormalization',
  'InputMeanNormalization',
  'UniformSphere',
];

/** A tfjs-layers topology (`{ class_name, config }`), as `LayersModel.save` writes it. */
export function isLayersTopology(topology: unknown): topology is { class_name: string } {
  return typeof topology === 'object' && topology !== null && typeof (topology as { class_name?: unknown }).class_name === 'string';
}

function classNames(value: unknown, into: Set<string>): Set<string> {
  if (Array.isArray(value)) value.forEach((v) => classNames(v, into));
  else if (typeof value === 'object' && value !== null) {
    for (const [key, v] of Object.entries(value)) {
      if (key === 'class_name' && typeof v === 'string') into.add(v);
      else classNames(v, into);
    }
  }
  return into;
}

/** Throws `UnregisteredClassError` when the topology names geoparam layer classes nobody registered. */
export function assertLayerClassesRegistered(topology: unknown, file: string): void {
  if (!isLayersTopology(topology)) return;
  const registered = tf.serialization.SerializationMap.getMap().classNameMap;
  const missing = [...classNames(topology, new Set())].filter(
    (name) => !(name in registered) && (GEOPARAM_LAYER_CLASS_NAMES.includes(name) || name.startsWith('geoparam>')),
  );
  if (missing.length) throw new UnregisteredClassError(file, missing.sort());
}
