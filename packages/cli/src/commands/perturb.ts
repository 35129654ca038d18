import * as path from 'node:path';
import { perturbationStudy, PAPER_DELTAS, type PerturbationStudy } from '@geoparam/cab';
import { writeFigure } from '@geoparam/plot';
import { useBackend } from '@geoparam/core';
import { methodLabel } from '@geoparam/parameterizations';
import { describeBackend } from '../backends';
import { runFingerprint } from '../experiments/fingerprints';
import { writeJson } from '../experiments/manifest';
import { perturbationFigure } from '../figures/perturbation';
import { formatNumber, formatTable } from '../table';

export interface PerturbOptions {
  seed: number;
  scale: number;
  deltas: number[];
  methods: string[];
  backend: string;
  out: string;
  json: boolean;
  figures: boolean;
}

export const PERTURB_DEFAULTS = {
  seed: 1,
  scale: 0.001,
  deltas: PAPER_DELTAS,
  methods: ['sp', 'wn', 'gmp'],
  backend: 'wasm',
  out: path.join('geoparam-out', 'perturb'),
};

function tables(study: PerturbationStudy): string {
  const deltas = [...new Set(study.results.map((r) => r.delta))];
  const methods = [...new Set(study.results.map((r) => r.method))];
  const header = ['method', ...deltas.map((d) => `δ=${d}`)];
  const table = (pick: (r: PerturbationStudy['results'][number]) => number) =>
    formatTable(
      header,
      methods.map((m) => [
        methodLabel(m),
        ...deltas.map((d) => formatNumber(pick(study.results.find((r) => r.method === m && r.delta === d)!), 3)),
      ]),
    );
  return [
    'Boundary angle change (degrees)',
    table((r) => r.angleChange),
    '',
    'Boundary location shift |φ_after - φ_before|',
    table((r) => r.locationShift),
  ].join('\n');
}

export async function runPerturb(options: PerturbOptions, log: (line: string) => void): Promise<void> {
  const backend = await useBackend(options.backend);
  const study = await perturbationStudy({ seed: options.seed, scale: options.scale, deltas: options.deltas, methods: options.methods });
  const figures = options.figures ? await writeFigure(perturbationFigure(study), path.join(options.out, 'perturbation')) : null;
  const fingerprint = runFingerprint({ command: 'perturb', seed: study.seed, scale: study.scale, deltas: options.deltas, methods: [...new Set(study.results.map((r) => r.method))], backend: backend.name });
  const result = { experiment: 'perturb', fingerprint, backend: backend.name, backendDetails: backend.details, ...study, figures };
  writeJson(options.out, 'results.json', result);
  if (options.json) {
    log(JSON.stringify(result, null, 2));
    return;
  }
  log(`Figure 1: one ReLU unit, w = [${study.kernel.map((v) => v.toExponential(3)).join(', ')}], b = ${study.bias.toExponential(3)} (w, b ~ ${study.scale}·N(0,1), seed ${study.seed})`);
  log(`backend: ${describeBackend(backend)}`);
  log('Every raw parameter of each parameterization is shifted by δ: SP (w, b), WN (v, g, b), GmP (θ, λ, r).');
  log('');
  log(tables(study));
  log('');
  log(`results: ${path.join(options.out, 'results.json')}`);
  if (figures) log(`figure:  ${figures.svg}, ${figures.png}`);
}
