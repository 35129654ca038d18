import * as fs from 'node:fs';
import * as path from 'node:path';
import { InvalidArgumentError, SeedStream, assertPositiveInteger, assertSeed, type Fingerprint } from '@geoparam/core';
import { onInterrupt } from '@geoparam/core/node';
import { channelMeans, loadCifar10, loadImageNet32, loadMnist, shuffledIndices, splitImages, takeImages, type ImageDataset } from '@geoparam/datasets';
import { resnet, vgg6, type Model, type ResNetDepth } from '@geoparam/models';
import { paperLearningRate, resolveVariant } from '@geoparam/parameterizations';
import { EarlyStopping, ProgressBar, ReduceLROnPlateau, StepDecay, evaluate, fit, imageSource } from '@geoparam/trainer';
import { writeFigure } from '@geoparam/plot';
import { useBackend } from '@geoparam/core';
import { describeBackend } from '../backends';
import { assertCheckpointMatches, checkpointFingerprint, dataIdentity, methodFingerprint, readPartial, runFingerprint } from '../experiments/fingerprints';
import { InterruptedError, seedRange } from '@geoparam/experiments';
import { describeSample, formatMeanSe, pairedDifferences } from '../experiments/statistics';
import { runManifest, writeJson } from '../experiments/manifest';
import { visionCurvesFigure } from '../figures/vision';
import { formatTable } from '../table';

export type VisionDataset = 'mnist' | 'cifar10' | 'imagenet32';

export interface VisionRun {
  variant: string;
  /** The command's fingerprint with this variant, learning rate, batch size and initialization seed. */
  fingerprint: Fingerprint;
  /** Initialization, batch order and flips (the data split and subset use `--seed`). */
  seed: number;
  label: string;
  batchSize: number;
  lr: number;
  epochs: number;
  stopReason: string;
  top1: number;
  top5: number;
  curve: { top1: number[]; top5: number[]; loss: number[] };
  seconds: number;
  msPerStep: number;
}

export interface VisionOptions {
  architecture: 'vgg6' | 'resnet';
  depth?: string;
  dataset: VisionDataset;
  dataDir?: string;
  /** Split the given set 80/20 instead of using an official train/test split (small local subsets). */
  holdout: boolean;
  trainLimit?: number;
  /** Evaluate on a seeded subset of this many test images (quick checks: a software GPU, a smoke test). */
  testLimit?: number;
  batchSize: number[];
  width: number;
  epochs: number;
  schedule: number[];
  lr?: number;
  momentum: number;
  methods: string[];
  /** The data split and subset, and the first initialization seed. */
  seed: number;
  /** Initializations seed, seed + 1, …, seed + seeds − 1 per variant and batch size (default 3). */
  seeds?: number;
  /** Re-estimate the running statistics from this many training batches before each evaluation; 0 = off (default 20). */
  recalibrateStats?: number;
  /** Continue an interrupted run from partial.json and the checkpoint in `out`. */
  resume?: boolean;
  backend: string;
  out: string;
  figures: boolean;
  json: boolean;
}

/** Table 2 (ImageNet32, VGG-6): top-1 at batch sizes 256 / 512 / 1024. */
export const TABLE2_TOP1: Record<string, [number, number, number]> = {
  sp: [38.31, 36.99, 35.02],
  wn: [39.13, 37.92, 36.17],
  'wn+mbn': [42.22, 40.96, 39.33],
  bn: [42.79, 41.9, 41.39],
  gmp: [40.76, 41.65, 41.29],
  'gmp+imn': [43.14, 43.62, 42.7],
};

/** The CPU-sized defaults: three initializations, and running statistics re-estimated from 20 batches. */
export const VISION_DEFAULTS = {
  seeds: 3,
  /**
   * 20 training batches (1280 images at batch 64, every pixel of them for a conv layer's
   * statistics) put the sampling error of the re-estimated statistics far below the lag of the
   * paper's 0.99 running average after a few hundred steps, and cost about as much as 7 training
   * steps (forward passes only) per evaluation: ~5% of a 125-step epoch.
   */
  recalibrateStats: 20,
} as const;

async function loadData(o: VisionOptions): Promise<{ train: ImageDataset; test: ImageDataset; note: string }> {
  const source = o.dataDir ? { path: o.dataDir } : {};
  if (o.holdout) {
    const all =
      o.dataset === 'mnist' ? await loadMnist({ ...source, split: 'test' }) : o.dataset === 'cifar10' ? await loadCifar10({ ...source, split: 'train' }) : await loadImageNet32({ path: o.dataDir ?? '' });
    return { ...splitImages(all, { testFraction: 0.2, seed: o.seed }), note: `holdout: ${all.numExamples} images split 80/20 (seed ${o.seed})` };
  }
  if (o.dataset === 'imagenet32') {
    if (!o.dataDir) throw new InvalidArgumentError('--data-dir', o.dataDir, 'the directory of the ImageNet32 npz release (train_data_batch_*.npz, val_data.npz)');
    const train = await loadImageNet32({ path: o.dataDir, files: Array.from({ length: 10 }, (_, i) => `train_data_batch_${i + 1}.npz`) });
    return { train, test: await loadImageNet32({ path: o.dataDir, files: ['val_data.npz'] }), note: 'ImageNet32 train / val' };
  }
  const load = o.dataset === 'mnist' ? loadMnist : loadCifar10;
  return { train: await load({ ...source, split: 'train' }), test: await load({ ...source, split: 'test' }), note: `${o.dataset} official train / test split` };
}

function buildModel(o: VisionOptions, variant: string, data: ImageDataset, seed: number): Model {
  const base = { variant, inputShape: [data.height, data.width, data.channels] as [number, number, number], classes: data.numClasses, width: o.width, seed };
  if (o.architecture === 'vgg6') return vgg6(base);
  const depth = (o.depth === 'cifar' ? 'cifar' : Number(o.depth ?? 18)) as ResNetDepth;
  return resnet({ ...base, depth });
}

function learningRate(o: VisionOptions, variant: string): number {
  return o.lr ?? paperLearningRate(variant, o.architecture);
}

export async function runReproduceVision(o: VisionOptions, log: (line: string) => void): Promise<void> {
  const variants = o.methods.map((m) => resolveVariant(m).key);
  o.batchSize.forEach((b, i) => assertPositiveInteger(`batchSize[${i}]`, b));
  assertPositiveInteger('epochs', o.epochs);
  if (o.trainLimit !== undefined) assertPositiveInteger('trainLimit', o.trainLimit);
  if (o.testLimit !== undefined) assertPositiveInteger('testLimit', o.testLimit);
  const seeds = o.seeds ?? VISION_DEFAULTS.seeds;
  const recalibrate = o.recalibrateStats ?? VISION_DEFAULTS.recalibrateStats;
  assertPositiveInteger('seeds', seeds);
  if (!(Number.isInteger(recalibrate) && recalibrate >= 0)) throw new InvalidArgumentError('recalibrateStats', recalibrate, 'a non-negative integer (0: off)');
  assertSeed('seed', o.seed);
  assertSeed('seed + seeds - 1', o.seed + seeds - 1);
  const initSeeds = seedRange(o.seed, seeds);
  const say = o.json ? () => undefined : log;
  const backend = await useBackend(o.backend);
  const loaded = await loadData(o);
  let { train, test, note } = loaded;
  // One stream: the first draw picks the training subset (as before --test-limit existed), the second the test subset.
  const subsets = new SeedStream(o.seed);
  const trainSubsetSeed = subsets.next();
  if (o.trainLimit !== undefined && o.trainLimit < train.numExamples) {
    train = takeImages(train, shuffledIndices(train.numExamples, trainSubsetSeed).subarray(0, o.trainLimit));
    note += `; training on ${o.trainLimit} of them`;
  }
  if (o.testLimit !== undefined && o.testLimit < test.numExamples) {
    test = takeImages(test, shuffledIndices(test.numExamples, subsets.next()).subarray(0, o.testLimit));
    note += `; evaluating on ${o.testLimit} test images`;
  }
  const mean = channelMeans(train);
  // Mirroring is only an augmentation where a mirrored image keeps its class (not for digits).
  const flip = train.flipInvariant === true;
  const fingerprint = runFingerprint({
    command: `reproduce ${o.architecture}`,
    ...(o.architecture === 'resnet' ? { depth: o.depth ?? '18' } : {}),
    width: o.width,
    data: dataIdentity(o.dataset, train.images, train.labels, test.images, test.labels),
    flip,
    epochs: o.epochs,
    schedule: o.schedule,
    momentum: o.momentum,
    seed: o.seed,
    seeds,
    recalibrateStats: recalibrate,
    backend: backend.name,
  });
  const name = o.architecture === 'vgg6' ? 'VGG-6' : o.depth === 'cifar' ? 'CIFAR ResNet' : `ResNet-${o.depth ?? 18}`;
  say(`geoparam reproduce ${o.architecture}: ${name} (width ×${o.width}) on ${o.dataset}, ${note}; ${train.numExamples} train / ${test.numExamples} test images`);
  say(
    `backend ${describeBackend(backend)}; SGD momentum ${o.momentum}, up to ${o.epochs} epochs, ` +
      (o.schedule.length ? `lr ×0.1 after epochs ${o.schedule.join(', ')}` : 'lr ×0.1 after 5 and early stopping after 10 epochs without better validation top-5 (as the reference)') +
      `; inputs x/255 - mean RGB, ${flip ? 'random horizontal flips' : `no flips (${o.dataset} is not flip-invariant)`}`,
  );
  say(
    `initializations ${describeSeeds(initSeeds)} per variant and batch size; ` +
      (recalibrate > 0
        ? `running statistics re-estimated from ${recalibrate} training batches before each evaluation (weights untouched; training keeps momentum 0.99)`
        : 'running statistics as training leaves them (momentum 0.99)'),
  );

  const out = o.out;
  // Seed by seed: a run cut short still compares every variant on the seeds it finished.
  const planned = initSeeds.flatMap((seed) =>
    o.batchSize.flatMap((batchSize) =>
      variants.map((variant) => {
        const lr = learningRate(o, variant);
        return { batchSize, variant, seed, lr, fingerprint: methodFingerprint(fingerprint, variant, lr, { batchSize, initSeed: seed }) };
      }),
    ),
  );
  const partial = path.join(out, 'partial.json');
  const checkpointDir = path.join(out, 'checkpoint');
  const runs: VisionRun[] = o.resume ? readPartial<VisionRun>(partial, fingerprint, planned.map((p) => p.fingerprint), out) : [];
  if (runs.length) say(`reusing ${runs.length} finished run${runs.length === 1 ? '' : 's'} from ${partial}`);
  const savePartial = () => writeJson(out, 'partial.json', { fingerprint, methods: runs }, true);
  // Settings are pinned from the start: a checkpoint of the first run is only resumed beside them.
  savePartial();
  const pending = planned.filter((p) => !runs.some((r) => r.fingerprint.hash === p.fingerprint.hash));
  // The interrupted run continues first, from its checkpoint; a checkpoint of no run of this command is refused.
  let resumeHash: string | undefined;
  if (o.resume && pending.length > 0 && fs.existsSync(path.join(checkpointDir, 'training.json'))) {
    const stored = checkpointFingerprint(checkpointDir);
    const match = pending.find((p) => p.fingerprint.hash === stored?.hash);
    assertCheckpointMatches(checkpointDir, (match ?? pending[0]!).fingerprint);
    resumeHash = match!.fingerprint.hash;
    pending.sort((a, b) => Number(b.fingerprint.hash === resumeHash) - Number(a.fingerprint.hash === resumeHash));
  }

  // Ctrl-C or SIGTERM stops the current fit after its batch, which writes a checkpoint; finished
  // runs are in partial.json. A second signal falls through to Node's default and exits at once.
  const interrupt = new AbortController();
  const stopListening = onInterrupt(() => interrupt.abort());
  try {
    for (const planRun of pending) {
      const { batchSize, variant, seed, lr } = planRun;
      if (interrupt.signal.aborted) throw new InterruptedError(`interrupted after ${runs.length} of ${planned.length} runs; finished runs are in ${partial}`);
      const model = buildModel(o, variant, train, seed);
      const label = resolveVariant(variant).label;
      const resumeFrom = planRun.fingerprint.hash === resumeHash ? checkpointDir : undefined;
      // A fresh run starts without a checkpoint: an interrupt writes one stamped with its fingerprint (`fit`'s `fingerprint`).
      if (!resumeFrom) fs.rmSync(checkpointDir, { recursive: true, force: true });
      const started = performance.now();
      try {
        const history = await fit(
          model,
          { train: imageSource(train, { mean, flip }), validation: imageSource(test, { mean }) },
          {
            epochs: o.epochs,
            batchSize,
            loss: 'softmaxCrossentropy',
            metrics: ['accuracy', 'top5'],
            optimizer: { name: 'sgd', learningRate: lr, momentum: o.momentum },
            seed,
            evaluationBatchSize: 256,
            monitor: 'val_top5',
            ...(recalibrate > 0 ? { recalibrateStatistics: recalibrate } : {}),
            fingerprint: planRun.fingerprint,
            checkpointDir,
            ...(resumeFrom ? { resumeFrom } : {}),
            signal: interrupt.signal,
            handleSigint: false,
            // The reference: reduce-LR x0.1 after 5 and early stopping after 10 flat epochs of
            // validation top-5; --schedule switches to the step schedule instead.
            callbacks: [
              ...(o.schedule.length
                ? [new StepDecay({ boundaries: o.schedule })]
                : [new ReduceLROnPlateau({ monitor: 'val_top5', factor: 0.1, patience: 5 }), new EarlyStopping({ monitor: 'val_top5', patience: 10, restoreBestWeights: true })]),
              new ProgressBar({ label: `${label} b${batchSize} s${seed}` }),
            ],
          },
        );
        if (history.stopReason === 'interrupted') {
          throw new InterruptedError(`${label} batch ${batchSize} seed ${seed}: ${history.message ?? 'interrupted'}; ${runs.length} of ${planned.length} runs finished (${partial})`);
        }
        const seconds = (performance.now() - started) / 1000;
        // The model carries the statistics it was last validated with (fit recalibrates before each evaluation).
        const final = await evaluate(model, imageSource(test, { mean }), { metrics: ['accuracy', 'top5'], batchSize: 256 });
        const run: VisionRun = {
          variant,
          fingerprint: planRun.fingerprint,
          seed,
          label,
          batchSize,
          lr,
          epochs: history.epoch.length,
          stopReason: history.stopReason,
          top1: final['accuracy']!,
          top5: final['top5']!,
          curve: { top1: history.history['val_accuracy'] ?? [], top5: history.history['val_top5'] ?? [], loss: history.history['loss'] ?? [] },
          seconds,
          msPerStep: (seconds * 1000) / Math.max(history.steps, 1),
        };
        runs.push(run);
        savePartial();
        fs.rmSync(checkpointDir, { recursive: true, force: true });
        say(`${label} batch ${batchSize} seed ${seed}: top-1 ${(100 * run.top1).toFixed(2)}%, top-5 ${(100 * run.top5).toFixed(2)}% after ${run.epochs} epochs (${seconds.toFixed(0)} s, ${run.msPerStep.toFixed(0)} ms/step)`);
      } finally {
        model.dispose();
      }
    }
  } finally {
    stopListening();
  }
  // By batch size, variant and seed, whatever order they ran (or were reused) in.
  const rank = (r: VisionRun) => [o.batchSize.indexOf(r.batchSize), variants.indexOf(r.variant), r.seed];
  runs.sort((a, b) => {
    const [x, y] = [rank(a), rank(b)];
    return x[0]! - y[0]! || x[1]! - y[1]! || x[2]! - y[2]!;
  });
  const summary = o.batchSize.map((batchSize) => ({
    batchSize,
    variants: Object.fromEntries(variants.map((v) => [v, summarize(runs, v, batchSize)])),
  }));
  const results = {
    experiment: o.architecture,
    fingerprint,
    flip,
    model: name,
    dataset: o.dataset,
    data: note,
    backend: backend.name,
    seed: o.seed,
    initSeeds,
    recalibrateStats: recalibrate,
    recalibrateNote: RECALIBRATE_NOTE,
    width: o.width,
    epochs: o.epochs,
    statistics: 'per variant and batch size over the initialization seeds: mean, s.e. (sample std / sqrt n), median, min, max of top-1 and top-5; top1DifferenceToStandard: variant − SP on the same seed',
    summary,
    runs,
  };
  writeJson(out, 'results.json', results);
  writeJson(out, 'manifest.json', runManifest(backend, { ...o, seeds, initSeeds, recalibrateStats: recalibrate, recalibrateNote: RECALIBRATE_NOTE }));
  fs.rmSync(partial, { force: true });
  if (o.figures) await writeFigure(visionCurvesFigure(runs, name, o.dataset), path.join(out, `${o.architecture}-curves`));
  if (o.json) {
    log(JSON.stringify(results, null, 2));
    return;
  }
  const cell = (variant: string, b: number) => {
    const s = summarize(runs, variant, b);
    return s.top1.n ? `${formatMeanSe(s.top1, 2)} / ${formatMeanSe(s.top5, 2)}` : '-';
  };
  const paper = o.dataset === 'imagenet32' && o.architecture === 'vgg6';
  say('');
  say(
    formatTable(
      ['variant', ...o.batchSize.map((b) => `batch ${b} top-1 / top-5 % (mean ± s.e., n = ${seeds})`), ...(paper ? ['paper top-1 (256/512/1024)'] : [])],
      variants.map((v) => [resolveVariant(v).label, ...o.batchSize.map((b) => cell(v, b)), ...(paper ? [TABLE2_TOP1[v]!.join(' / ')] : [])]),
    ),
  );
  say(`\nresults: ${path.join(out, 'results.json')}${o.figures ? `, curves: ${path.join(out, `${o.architecture}-curves.svg`)}` : ''}`);
}

const RECALIBRATE_NOTE =
  'before each evaluation, every running statistic (BN mean/variance, WN+MBN mean, IMN mean) is re-estimated as the average of the batch statistics of the first N training batches of the run (weights untouched); training itself keeps the paper\'s momentum 0.99';

/** Top-1 and top-5 (in %) of a variant at a batch size over its seeds, and its top-1 difference to SP on the same seeds. */
function summarize(runs: readonly VisionRun[], variant: string, batchSize: number) {
  const mine = runs.filter((r) => r.variant === variant && r.batchSize === batchSize);
  const standard = runs.filter((r) => r.variant === 'sp' && r.batchSize === batchSize);
  const bySeed = (list: readonly VisionRun[]) => new Map(list.map((r) => [String(r.seed), 100 * r.top1]));
  return {
    top1: describeSample(mine.map((r) => 100 * r.top1)),
    top5: describeSample(mine.map((r) => 100 * r.top5)),
    top1DifferenceToStandard: variant !== 'sp' && standard.length ? pairedDifferences(bySeed(mine), bySeed(standard)) : null,
  };
}

function describeSeeds(seeds: readonly number[]): string {
  return seeds.length === 1 ? String(seeds[0]) : `${seeds[0]}–${seeds[seeds.length - 1]}`;
}
