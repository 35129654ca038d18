import { InvalidArgumentError, SeedStream, assertPositiveInteger } from '@geoparam/core';
import { Dense, InputMeanNormalization, resolveParameterizationName, type ParameterizationName, type ParameterizationOptions } from '@geoparam/parameterizations';
import { Model, checkHead, type Head, type ModelLayer } from './model';

/** Options of `mlp`. */
export interface MlpOptions {
  inputDim: number;
  /** Units per hidden ReLU layer (the paper: one layer, e.g. [100]). */
  hidden: number[];
  outputUnits?: number;
  head?: Head;
  /** Parameterization of the hidden layers; the output layer stays plain, as in the paper. */
  parameterization?: ParameterizationName | string;
  outputParameterization?: ParameterizationName | string;
  /** Extra settings for the hidden layers' parameterization (BN momentum, GmP init, ...). */
  parameterizationOptions?: Omit<ParameterizationOptions, 'seed'>;
  /** Input mean normalization on the input of every layer after the first (after each ReLU). */
  imn?: boolean;
  seed?: number;
  name?: string;
}

/** A fully connected ReLU network: the models of the paper's Levy, Banana and UCI experiments. */
export function mlp(options: MlpOptions): Model {
  assertPositiveInteger('inputDim', options.inputDim);
  if (!Array.isArray(options.hidden)) throw new InvalidArgumentError('hidden', options.hidden, 'an array of layer widths');
  options.hidden.forEach((units, i) => assertPositiveInteger(`hidden[${i}]`, units));
  const outputUnits = options.outputUnits ?? 1;
  assertPositiveInteger('outputUnits', outputUnits);
  const parameterization = resolveParameterizationName(options.parameterization ?? 'standard');
  const outputParameterization = resolveParameterizationName(options.outputParameterization ?? 'standard');
  const head = checkHead(options.head ?? 'linear');
  const seeds = new SeedStream(options.seed ?? 0);
  const layers: ModelLayer[] = [];
  let width = options.inputDim;
  for (const units of options.hidden) {
    if (options.imn && layers.length > 0) layers.push(new InputMeanNormalization({ channels: width }));
    layers.push(new Dense({ ...options.parameterizationOptions, inputDim: width, units, parameterization, activation: 'relu', seed: seeds.next() }));
    width = units;
  }
  if (options.imn && layers.length > 0) layers.push(new InputMeanNormalization({ channels: width }));
  layers.push(new Dense({ inputDim: width, units: outputUnits, parameterization: outputParameterization, activation: 'linear', seed: seeds.next() }));
  return new Model(options.name ?? `mlp-${parameterization}`, layers, head);
}
