import * as fs from 'node:fs';
import { onInterrupt } from '@geoparam/core/node';
import * as path from 'node:path';
import { writeFigure, type FigureSpec } from '@geoparam/plot';
import { assertPositiveInteger, assertSeed, useBackend } from '@geoparam/core';
import { assertDataDraw, type DataDraw } from '@geoparam/datasets';
import { describeBackend } from '../backends';
import { BANANA_PAPER_ACCURACY, loadBananaData, runBanana, type BananaMethodResult } from '../experiments/banana';
import { methodFingerprint, readPartial, runFingerprint } from '../experiments/fingerprints';
import { LEVY_PAPER_RMSE, loadLevyData, runLevy, type LevyMethodResult } from '../experiments/levy';
import { runManifest, writeJson } from '../experiments/manifest';
import { BASELINE_METHOD, paperLearningRate, resolveMethods } from '../experiments/methods';
import { seedRange, type Protocol, type SeedRun, type StabilityPending } from '../experiments/runner';
import { describeSample, formatMeanSe, formatRange, pairedDifferences } from '../experiments/statistics';
import { bananaBoundaryFigure, bananaTrajectoryFigure, levyEvolutionFigure, levyFitFigure, seedSpreadFigure, stabilityFigure } from '../figures/experiments';
import { formatNumber, formatTable } from '../table';

export type Experiment = 'levy' | 'banana';

export interface ReproduceOptions {
  /** The first data draw and initialization seed. */
  seed: number;
  /** Initializations per method and draw (default per experiment). */
  seeds?: number;
  /** Data draws S…S+M−1 (default 1). */
  dataSeeds?: number;
  dataDraw: DataDraw;
  backend: string;
  methods: string[];
  out?: string;
  epochs?: number;
  protocol?: Protocol;
  stabilitySteps?: number;
  dataDir?: string;
  figures: boolean;
  json: boolean;
  resume: boolean;
}

/** Levy watches the training loss by default, as the reference does: honest, the test grid is never looked at. */
export const EXPERIMENT_DEFAULTS: Record<Experiment, { epochs: number; stabilitySteps: number; seeds: number; protocol: Protocol }> = {
  levy: { epochs: 10000, stabilitySteps: 1000, seeds: 5, protocol: 'paper' },
  banana: { epochs: 5000, stabilitySteps: 100, seeds: 5, protocol: 'validation' },
};

const DRAW_NOTES: Record<Experiment, Record<DataDraw, string>> = {
  levy: {
    reference: "reference: the notebook's points, np.random.seed(S), uniform(-10, 10, [50, 1]), then normal(0, 0.1, [50, 1])",
    own: "own: geoparam's SeedStream (not the notebook's points)",
  },
  banana: {
    reference: "reference: np.random.seed(S), np.random.choice(5300, 1000, replace=False), train_test_split(test_size=0.2, random_state=S)",
    own: "own: geoparam's SeedStream (not the notebook's points or split)",
  },
};

const INIT_NOTE = "network initializations are geoparam's own, seeded per initialization seed: TensorFlow's op-level RNG of the reference is not reproduced";

const PROTOCOL_NOTES: Record<Experiment, Record<Protocol, string>> = {
  levy: {
    validation: 'validation: LR schedule and early stopping watch the loss on 20% of the training points, held out',
    paper: 'paper: LR schedule and early stopping watch the training loss, as the reference notebook does (the test grid is never looked at)',
  },
  banana: {
    validation: 'validation: LR schedule and early stopping watch accuracy on 20% of the training split, held out',
    paper: 'paper: LR schedule and early stopping watch the TEST split, as the reference notebook does (optimistic test accuracy)',
  },
};

type AnyMethodResult = LevyMethodResult | BananaMethodResult | StabilityPending<LevyMethodResult> | StabilityPending<BananaMethodResult>;

function partialFile(out: string): string {
  return path.join(out, 'partial.json');
}

/**
 * The seed runs an interrupted command finished, from the partial file `readPartial` has accepted
 * (same command fingerprint: same seeds, draws, protocol, data, ...), for the methods of this run.
 */
function readPartialRuns(file: string, methods: readonly string[]): SeedRun[] {
  if (!fs.existsSync(file)) return [];
  const runs = (JSON.parse(fs.readFileSync(file, 'utf8')) as { runs?: SeedRun[] }).runs ?? [];
  return runs.filter((r) => methods.includes(r.method));
}

function runKey(r: SeedRun): string {
  return `${r.dataSeed}/${r.initSeed}`;
}

/** Per method: every run's number, their summary, the paired difference to SP, and the showcase run's stability. */
function methodSummary(experiment: Experiment, m: LevyMethodResult | BananaMethodResult, runs: SeedRun[], standard: SeedRun[] | undefined, seed: number) {
  const metric = experiment === 'levy' ? 'testRmse' : 'testAccuracy';
  const mine = runs.filter((r) => r.method === m.method);
  const values = new Map(mine.map((r) => [runKey(r), r.testMetric]));
  return {
    lr: m.lr,
    paper: (experiment === 'levy' ? LEVY_PAPER_RMSE : BANANA_PAPER_ACCURACY)[m.method] ?? null,
    [metric]: describeSample(mine.map((r) => r.testMetric)),
    differenceToStandard: standard && m.method !== BASELINE_METHOD ? pairedDifferences(values, new Map(standard.map((r) => [runKey(r), r.testMetric]))) : null,
    epochs: describeSample(mine.map((r) => r.epochs)),
    runs: mine.map((r) => ({ dataSeed: r.dataSeed, initSeed: r.initSeed, [metric]: r.testMetric, epochs: r.epochs, stopReason: r.stopReason, stacked: r.stacked, wallSeconds: r.wallSeconds })),
    showcase: { dataSeed: seed, initSeed: seed, epochs: m.epochs, stopReason: m.stopReason, wallSeconds: m.wallSeconds },
    stability: { perStep: m.stability.perStep, max: m.stability.max },
  };
}

export async function runReproduce(experiment: Experiment, options: ReproduceOptions, log: (line: string) => void): Promise<void> {
  const defaults = EXPERIMENT_DEFAULTS[experiment];
  const epochs = options.epochs ?? defaults.epochs;
  const stabilitySteps = options.stabilitySteps ?? defaults.stabilitySteps;
  const protocol = options.protocol ?? defaults.protocol;
  const seeds = options.seeds ?? defaults.seeds;
  const dataSeeds = options.dataSeeds ?? 1;
  const dataDraw = options.dataDraw;
  assertDataDraw('dataDraw', dataDraw);
  assertPositiveInteger('seeds', seeds);
  assertPositiveInteger('dataSeeds', dataSeeds);
  // Every seed of the study stays a valid seed (numpy's draws take [0, 2^32 − 1], the seed streams [0, 2^31 − 1]).
  assertSeed('seed', options.seed);
  assertSeed('seed + seeds - 1', options.seed + seeds - 1);
  assertSeed('seed + dataSeeds - 1', options.seed + dataSeeds - 1);

  const out = options.out ?? path.join('geoparam-out', experiment);
  const methods = resolveMethods(options.methods);
  const backend = await useBackend(options.backend);
  const say = options.json ? () => undefined : log;
  const initSeeds = seedRange(options.seed, seeds);
  const drawSeeds = seedRange(options.seed, dataSeeds);
  say(`geoparam reproduce ${experiment}: backend ${describeBackend(backend)}, up to ${epochs} epochs`);
  say(`data draw ${DRAW_NOTES[experiment][dataDraw]}; draws ${describeSeeds(drawSeeds)}, initializations ${describeSeeds(initSeeds)} per method and draw`);
  say(`protocol ${PROTOCOL_NOTES[experiment][protocol]}`);
  say(INIT_NOTE);

  const levyData = experiment === 'levy' ? loadLevyData(options.seed, dataSeeds, dataDraw) : undefined;
  const bananaData = experiment === 'banana' ? await loadBananaData(options.dataDir ? { dataPath: options.dataDir } : {}) : undefined;
  const fingerprint = runFingerprint({
    command: `reproduce ${experiment}`,
    seed: options.seed,
    seeds,
    dataSeeds,
    dataDraw,
    epochs,
    protocol,
    stabilitySteps,
    data: (levyData ?? bananaData)!.identity,
    backend: backend.name,
  });
  const wanted = methods.map((m) => methodFingerprint(fingerprint, m, paperLearningRate(m)));
  const completed = options.resume ? readPartial<AnyMethodResult>(partialFile(out), fingerprint, wanted, out) : [];
  const completedRuns = options.resume ? readPartialRuns(partialFile(out), methods) : [];
  const finished = completed.filter((m) => m.stability);
  const pending = completed.filter((m) => !m.stability);
  if (finished.length || completedRuns.length) {
    say(`reusing ${finished.length} finished run${finished.length === 1 ? '' : 's'} from ${partialFile(out)}: ${finished.map((m) => m.label).join(', ')}${completedRuns.length ? `, and ${completedRuns.length} seed runs` : ''}`);
  }
  if (pending.length) say(`reusing ${pending.map((m) => m.label).join(', ')} from ${partialFile(out)}: trained, the stability run remains`);
  const done: AnyMethodResult[] = [...completed];
  const doneRuns: SeedRun[] = [...completedRuns];
  const savePartial = () => writeJson(out, 'partial.json', { fingerprint, methods: done, runs: doneRuns }, true);
  const onMethod = (m: AnyMethodResult) => {
    // A method is reported twice: trained (stability pending), then with its stability run.
    const at = done.findIndex((d) => d.method === m.method);
    if (at >= 0) done[at] = m;
    else done.push(m);
    savePartial();
  };
  const onRuns = (runs: SeedRun[]) => {
    doneRuns.push(...runs);
    savePartial();
  };
  const started = performance.now();
  // One handler for the whole command: Ctrl-C or SIGTERM stops the current fit after its batch,
  // which writes a checkpoint; a second signal falls through to Node's default and exits at once.
  const interrupt = new AbortController();
  const stopListening = onInterrupt(() => interrupt.abort());
  const common = { seed: options.seed, seeds, dataSeeds, dataDraw, methods, epochs, protocol, stabilitySteps, out, resume: options.resume, fingerprint, log: say, signal: interrupt.signal, onRuns };
  let result;
  try {
    result =
      experiment === 'levy'
        ? await runLevy({ ...common, onMethod }, completed as (LevyMethodResult | StabilityPending<LevyMethodResult>)[], completedRuns, levyData)
        : await runBanana({ ...common, onMethod, ...(options.dataDir ? { dataPath: options.dataDir } : {}) }, completed as (BananaMethodResult | StabilityPending<BananaMethodResult>)[], completedRuns, bananaData);
  } finally {
    stopListening();
  }
  const wallSeconds = (performance.now() - started) / 1000;

  const standard = methods.includes(BASELINE_METHOD) ? result.runs.filter((r) => r.method === BASELINE_METHOD) : undefined;
  const summary = {
    experiment,
    fingerprint,
    backend: backend.name,
    seed: options.seed,
    dataDraw,
    dataDrawNote: DRAW_NOTES[experiment][dataDraw],
    dataSeeds: drawSeeds,
    initSeeds,
    initNote: INIT_NOTE,
    protocol,
    protocolNote: PROTOCOL_NOTES[experiment][protocol],
    epochs,
    statistics: 'per method over every (data draw, initialization) run: mean, s.e. (sample std / sqrt n), median, min, max; differenceToStandard: method − SP on the same draw and initialization seed',
    stabilityLearningRate: 0.1,
    stabilitySteps,
    stabilitySeed: options.seed,
    stabilityMetric: experiment === 'levy' ? 'max location shift |Δφ| per step' : 'max CAB angle change per step (degrees)',
    wallSeconds,
    methods: Object.fromEntries(result.methods.map((m) => [m.method, methodSummary(experiment, m, result.runs, standard, options.seed)])),
  };
  writeJson(out, 'results.json', summary);
  writeJson(
    out,
    'manifest.json',
    runManifest(backend, { experiment, seed: options.seed, dataDraw, dataSeeds: drawSeeds, initSeeds, initializations: INIT_NOTE, protocol, epochs, stabilitySteps, methods, dataDir: options.dataDir ?? null }),
  );
  writeJson(out, 'trajectories.json', {
    note: `per method, showcase run (data draw ${options.seed}, initialization ${options.seed}): CAB locations phi of every hidden unit at the end of each epoch (thinned to at most 500 records)`,
    methods: Object.fromEntries(result.methods.map((m) => [m.method, m.trajectory])),
  }, true);
  fs.rmSync(partialFile(out), { force: true });

  const metricName = experiment === 'levy' ? 'test RMSE' : 'test accuracy';
  const paper = experiment === 'levy' ? LEVY_PAPER_RMSE : BANANA_PAPER_ACCURACY;
  const figures: string[] = [];
  if (options.figures) {
    const spread: [string, FigureSpec] = [`${experiment}-seeds`, seedSpreadFigure(result.runs, paper, {
      metric: metricName,
      title: `${experiment === 'levy' ? 'Levy' : 'Banana'}: ${metricName} of every run`,
      subtitle: [`data draws ${describeSeeds(drawSeeds)} × initializations ${describeSeeds(initSeeds)}`, 'bar: mean ± s.e.; ◆ the paper'],
    })];
    const specs: [string, FigureSpec][] =
      experiment === 'levy'
        ? [
            ['levy-fit', levyFitFigure(result as Awaited<ReturnType<typeof runLevy>>)],
            ['levy-cab-evolution', levyEvolutionFigure(result as Awaited<ReturnType<typeof runLevy>>)],
            ['levy-stability', stabilityFigure(result.methods.map((m) => ({ label: m.label, perStep: m.stability.perStep })), { title: `Max location shift of the CABs per step (lr 0.1, first ${stabilitySteps} steps)`, yTitle: 'max |Δφ| (log₂)', log2: true })],
            spread,
          ]
        : [
            ['banana-trajectories', bananaTrajectoryFigure(result as Awaited<ReturnType<typeof runBanana>>)],
            ['banana-boundary', bananaBoundaryFigure(result as Awaited<ReturnType<typeof runBanana>>)],
            ['banana-stability', stabilityFigure(result.methods.map((m) => ({ label: m.label, perStep: m.stability.perStep })), { title: `Max CAB angle change per step (lr 0.1, first ${stabilitySteps} steps)`, yTitle: 'max angle change (degrees)', log2: false })],
            spread,
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
  say('');
  say(
    formatTable(
      ['method', 'lr', `${metricName} mean ± s.e.`, 'median', 'min–max', 'paper', 'Δ to SP (paired)', 'n', 'epochs (median)', experiment === 'levy' ? 'max |Δφ|, lr 0.1' : 'max angle°, lr 0.1'],
      result.methods.map((m) => {
        const values = result.runs.filter((r) => r.method === m.method);
        const stats = describeSample(values.map((r) => r.testMetric));
        const difference = standard && m.method !== BASELINE_METHOD ? pairedDifferences(new Map(values.map((r) => [runKey(r), r.testMetric])), new Map(standard.map((r) => [runKey(r), r.testMetric]))) : null;
        return [
          m.label,
          String(m.lr),
          formatMeanSe(stats),
          stats.median.toFixed(3),
          formatRange(stats),
          paper[m.method]?.toFixed(3) ?? '-',
          difference ? `${difference.mean >= 0 ? '+' : ''}${formatMeanSe(difference)}` : '-',
          String(stats.n),
          String(describeSample(values.map((r) => r.epochs)).median),
          formatNumber(m.stability.max, 2),
        ];
      }),
    ),
  );
  say('');
  say(`total wall time ${wallSeconds.toFixed(1)} s; results: ${path.join(out, 'results.json')}`);
  if (figures.length) say(`figures: ${figures.filter((f) => f.endsWith('.svg')).join(', ')} (+ .png)`);
}

function describeSeeds(seeds: number[]): string {
  return seeds.length === 1 ? String(seeds[0]) : `${seeds[0]}–${seeds[seeds.length - 1]}`;
}
