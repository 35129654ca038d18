import { InvalidArgumentError, assertPositiveInteger } from '@geoparam/core';
import type { LayerGeometry } from './types';

export function denseGeometry(inputDim: number, units: number): LayerGeometry {
  assertPositiveInteger('inputDim', inputDim);
  assertPositiveInteger('units', units);
  return { kernelShape: [inputDim, units], fanIn: inputDim, units, statisticAxes: [0] };
}

export function conv2dGeometry(kernelSize: readonly [number, number], inputChannels: number, filters: number): LayerGeometry {
  if (kernelSize.length !== 2) throw new InvalidArgumentError('kernelSize', kernelSize, 'a pair [height, width]');
  assertPositiveInteger('kernelSize[0]', kernelSize[0]);
  assertPositiveInteger('kernelSize[1]', kernelSize[1]);
  assertPositiveInteger('inputChannels', inputChannels);
  assertPositiveInteger('filters', filters);
  return {
    kernelShape: [kernelSize[0], kernelSize[1], inputChannels, filters],
    fanIn: kernelSize[0] * kernelSize[1] * inputChannels,
    units: filters,
    statisticAxes: [0, 1, 2],
  };
}

/** Glorot-uniform limit as Keras computes it (receptive field counted in both fans for conv). */
export function glorotLimit(geometry: LayerGeometry): number {
  const receptive = geometry.kernelShape.slice(0, -2).reduce((a, b) => a * b, 1);
  const fanOut = receptive * geometry.units;
  return Math.sqrt(6 / (geometry.fanIn + fanOut));
}
