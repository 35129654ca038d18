import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFigure, type FigureSpec } from '@geoparam/plot';
import { useBackend } from '@geoparam/core';
import { describeBackend } from '../backends';
import { BANANA_PAPER_ACCURACY, loadBananaData, runBanana, type BananaMethodResult } from '../experiments/banana';
import { methodFingerprint, readPartial, runFingerprint } from '../experiments/fingerprints';
import { LEVY_PAPER_RMSE, loadLevyData, runLevy, type LevyMethodResult } from '../experiments/levy';
import { runManifest, writeJson } from '../experiments/manifest';
import { paperLearningRate, resolveMethods } from '../experiments/methods';
import type { Protocol } from '../experiments/runner';
import { bananaBoundaryFigure, bananaTrajectoryFigure, levyEvolutionFigure, levyFitFigure, stabilityFigure } from '../figures/experiments';
import { formatNumber, formatTable } from '../table';

export type Experiment = 'levy' | 'banana';

export interface ReproduceOptions {
  seed: number;
  backend: string;
  methods: string[];
  out?: string;
  epochs?: number;
  protocol: Protocol;
  stabilitySteps?: number;
  dataDir?: string;
  figures: boolean;
  json: boolean;
  resume: boolean;
}

export const EXPERIMENT_DEFAULTS: Record<Experiment, { epochs: number; stabilitySteps: number }> = {
  levy: { epochs: 10000, stabilitySteps: 1000 },
  banana: { epochs: 5000, stabilitySteps: 100 },
};

const PROTOCOL_NOTES: Record<Experiment, Record<Protocol, string>> = {
  levy: {
    validation: 'validation: LR schedule and early stopping watch the loss on 20% of the training points, held out',
    paper: 'paper: LR schedule and early stopping watch the training loss, as the reference notebook does',
  },
  banana: {
    validation: 'validation: LR schedule and early stopping watch accuracy on 20% of the training split, held out',
    paper: 'paper: LR schedule and early stopping watch the TEST split, as the reference notebook does (optimistic test accuracy)',
  },
};

type AnyMethodResult = LevyMethodResult | BananaMethodResult;

function partialFile(out: string): string {
  return path.join(out, 'partial.json');
}

function methodSummary(experiment: Experiment, m: AnyMethodResult) {
  return {
    lr: m.lr,
    epochs: m.epochs,
    ...(experiment === 'levy' ? { testRmse: m.testMetric } : { testAccuracy: m.testMetric }),
    stability: { perStep: m.stability.perStep, max: m.stability.max },
    stopReason: m.stopReason,
    wallSeconds: m.wallSeconds,
    paper: (experiment === 'levy' ? LEVY_PAPER_RMSE : BANANA_PAPER_ACCURACY)[m.method] ?? null,
  };
}

export async function runReproduce(experiment: Experiment, options: ReproduceOptions, log: (line: string) => void): Promise<void> {
  const defaults = EXPERIMENT_DEFAULTS[experiment];
  const epochs = options.epochs ?? defaults.epochs;
  const stabilitySteps = options.stabilitySteps ?? defaults.stabilitySteps;
  const out = options.out ?? path.join('geoparam-out', experiment);
  const methods = resolveMethods(options.methods);
  const backend = await useBackend(options.backend);
  const say = options.json ? () => undefined : log;
  say(`geoparam reproduce ${experiment}: backend ${describeBackend(backend)}, seed ${options.seed}, up to ${epochs} epochs`);
  say(`protocol ${PROTOCOL_NOTES[experiment][options.protocol]}`);

  const levyData = experiment === 'levy' ? loadLevyData(options.seed) : undefined;
  const bananaData = experiment === 'banana' ? await loadBananaData(options.dataDir ? { dataPath: options.dataDir } : {}) : undefined;
  const fingerprint = runFingerprint({
    command: `reproduce ${experiment}`,
    seed: options.seed,
    epochs,
    protocol: options.protocol,
    stabilitySteps,
    data: (levyData ?? bananaData)!.identity,
    backend: backend.name,
  });
  const wanted = methods.map((m) => methodFingerprint(fingerprint, m, paperLearningRate(m)));
  const completed = options.resume ? readPartial<AnyMethodResult>(partialFile(out), fingerprint, wanted, out) : [];
  if (completed.length) say(`reusing ${completed.length} finished run${completed.length === 1 ? '' : 's'} from ${partialFile(out)}: ${completed.map((m) => m.label).join(', ')}`);
  const done: AnyMethodResult[] = [...completed];
  const onMethod = (m: AnyMethodResult) => {
    done.push(m);
    writeJson(out, 'partial.json', { fingerprint, methods: done }, true);
  };
  const started = performance.now();
  // One handler for the whole command: Ctrl-C stops the current fit after its batch, which
  // writes a checkpoint; a second Ctrl-C falls through to Node's default and exits at once.
  const interrupt = new AbortController();
  const onSigint = () => interrupt.abort();
  process.once('SIGINT', onSigint);
  const common = { seed: options.seed, methods, epochs, protocol: options.protocol, stabilitySteps, out, resume: options.resume, fingerprint, log: say, signal: interrupt.signal };
  let result;
  try {
    result =
      experiment === 'levy'
        ? await runLevy({ ...common, onMethod }, completed as LevyMethodResult[], levyData)
        : await runBanana({ ...common, onMethod, ...(options.dataDir ? { dataPath: options.dataDir } : {}) }, completed as BananaMethodResult[], bananaData);
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
  const wallSeconds = (performance.now() - started) / 1000;

  const summary = {
    experiment,
    fingerprint,
    backend: backend.name,
    seed: options.seed,
    protocol: options.protocol,
    protocolNote: PROTOCOL_NOTES[experiment][options.protocol],
    epochs,
    stabilityLearningRate: 0.1,
    stabilitySteps,
    stabilityMetric: experiment === 'levy' ? 'max location shift |Δφ| per step' : 'max CAB angle change per step (degrees)',
    wallSeconds,
    methods: Object.fromEntries(result.methods.map((m) => [m.method, methodSummary(experiment, m)])),
  };
  writeJson(out, 'results.json', summary);
  writeJson(out, 'manifest.json', runManifest(backend, { experiment, seed: options.seed, protocol: options.protocol, epochs, stabilitySteps, methods, dataDir: options.dataDir ?? null }));
  writeJson(out, 'trajectories.json', {
    note: 'per method: CAB locations phi of every hidden unit at the end of each epoch (thinned to at most 500 records)',
    methods: Object.fromEntries(result.methods.map((m) => [m.method, m.trajectory])),
  }, true);
  fs.rmSync(partialFile(out), { force: true });

  const figures: string[] = [];
  if (options.figures) {
    const specs: [string, FigureSpec][] =
      experiment === 'levy'
        ? [
            ['levy-fit', levyFitFigure(result as Awaited<ReturnType<typeof runLevy>>)],
            ['levy-cab-evolution', levyEvolutionFigure(result as Awaited<ReturnType<typeof runLevy>>)],
            ['levy-stability', stabilityFigure(result.methods.map((m) => ({ label: m.label, perStep: m.stability.perStep })), { title: `Max location shift of the CABs per step (lr 0.1, first ${stabilitySteps} steps)`, yTitle: 'max |Δφ| (log₂)', log2: true })],
          ]
        : [
            ['banana-trajectories', bananaTrajectoryFigure(result as Awaited<ReturnType<typeof runBanana>>)],
            ['banana-boundary', bananaBoundaryFigure(result as Awaited<ReturnType<typeof runBanana>>)],
            ['banana-stability', stabilityFigure(result.methods.map((m) => ({ label: m.label, perStep: m.stability.perStep })), { title: `Max CAB angle change per step (lr 0.1, first ${stabilitySteps} steps)`, yTitle: 'max angle change (degrees)', log2: false })],
          ];
    for (const [name, spec] of specs) {
      const files = await writeFigure(spec, path.join(out, name));
      figures.push(files.svg, files.png);
    }
  }

  if (options.json) {
    log(JSON.stringify(summary, null, 2));
    return;
  }
  const metricName = experiment === 'levy' ? 'test RMSE' : 'test accuracy';
  const paper = experiment === 'levy' ? LEVY_PAPER_RMSE : BANANA_PAPER_ACCURACY;
  say('');
  say(
    formatTable(
      ['method', 'lr', metricName, 'paper', 'epochs', 'stopped by', 'wall s', experiment === 'levy' ? 'max |Δφ|, lr 0.1' : 'max angle°, lr 0.1'],
      result.methods.map((m) => [
        m.label,
        String(m.lr),
        m.testMetric.toFixed(3),
        paper[m.method]?.toFixed(3) ?? '-',
        String(m.epochs),
        m.stopReason,
        m.wallSeconds.toFixed(1),
        formatNumber(m.stability.max, 2),
      ]),
    ),
  );
  say('');
  say(`total wall time ${wallSeconds.toFixed(1)} s; results: ${path.join(out, 'results.json')}`);
  if (figures.length) say(`figures: ${figures.filter((f) => f.endsWith('.svg')).join(', ')} (+ .png)`);
}
