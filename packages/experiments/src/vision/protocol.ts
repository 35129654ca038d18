import { InvalidArgumentError, SeedStream, assertPositiveInteger, assertSeed, type Fingerprint } from '@geoparam/core';
import { channelMeans, loadCifar10, loadImageNet32, loadMnist, shuffledIndices, splitImages, takeImages, type ImageDataset } from '@geoparam/datasets';
import { resnet, vgg6, type Model, type ResNetDepth } from '@geoparam/models';
import { paperLearningRate, resolveVariant } from '@geoparam/parameterizations';
import { EarlyStopping, ReduceLROnPlateau, StepDecay, evaluate, fit, imageSource, type CallbackLike } from '@geoparam/trainer';
import { dataIdentity, methodFingerprint, runFingerprint, type DataIdentity } from '../fingerprints';
import { seedRange } from '../study/runs';

/** The image data sets of the vision protocols (Table 2, Fig. 5). */
export type VisionDataset = 'mnist' | 'cifar10' | 'imagenet32';

/** The networks of the vision protocols: VGG-6 (Table 2) or a ResNet (Table 3). */
export type VisionArchitecture = 'vgg6' | 'resnet';

/** Everything that defines a vision sweep (VGG-6 / ResNet on MNIST, CIFAR-10 or ImageNet32). */
export interface VisionSettings {
  /** VGG-6 or a ResNet. */
  architecture: VisionArchitecture;
  /** ResNet only: `18`, `34` or `cifar` (default 18). */
  depth?: string;
  /** The images to train and test on. */
  dataset: VisionDataset;
  /** A local copy of the data (MNIST IDX files, CIFAR-10 batches or archive, ImageNet32 npz); default: the loaders' cache. */
  dataDir?: string;
  /** Split the given set 80/20 instead of using an official train/test split (small local subsets). */
  holdout: boolean;
  /** Train on a seeded subset of this many images. */
  trainLimit?: number;
  /** Evaluate on a seeded subset of this many test images (quick checks: a software GPU, a smoke test). */
  testLimit?: number;
  /** The batch sizes of the sweep (Table 2: 256, 512, 1024). */
  batchSize: number[];
  /** Scales every channel count (1 = the paper). */
  width: number;
  /** Maximum epochs. */
  epochs: number;
  /** Epochs after which the learning rate is multiplied by 0.1; empty = reduce on plateau of validation top-5 with early stopping. */
  schedule: number[];
  /** One learning rate for every variant; default the paper's per variant. */
  lr?: number;
  /** SGD momentum. */
  momentum: number;
  /** Variant names or aliases (sp, wn, wn+mbn, bn, gmp, gmp+imn). */
  methods: string[];
  /** The data split and subset, and the first initialization seed. */
  seed: number;
  /** Initializations seed, seed + 1, …, seed + seeds − 1 per variant and batch size (default 3). */
  seeds?: number;
  /** Re-estimate the running statistics from this many training batches before each evaluation; 0 = off (default 20). */
  recalibrateStats?: number;
}

/** Settings checked, with their defaults applied and the variants and initialization seeds spelled out. */
export interface ResolvedVisionSettings extends VisionSettings {
  /** The variants' keys, in the order given. */
  variants: string[];
  /** Initializations per variant and batch size. */
  seeds: number;
  /** Training batches the running statistics are re-estimated from before each evaluation (0: off). */
  recalibrateStats: number;
  /** seed, seed + 1, …, seed + seeds − 1. */
  initSeeds: number[];
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

/** What `recalibrateStats` does, as results.json and the manifest state it. */
export const VISION_RECALIBRATE_NOTE =
  'before each evaluation, every running statistic (BN mean/variance, WN+MBN mean, IMN mean) is re-estimated as the average of the batch statistics of the first N training batches of the run (weights untouched); training itself keeps the paper\'s momentum 0.99';

/** Checks a vision sweep's settings before any data is loaded (unknown variants, bad counts and seeds are typed errors naming the value). */
export function resolveVisionSettings(settings: VisionSettings): ResolvedVisionSettings {
  const variants = settings.methods.map((m) => resolveVariant(m).key);
  settings.batchSize.forEach((b, i) => assertPositiveInteger(`batchSize[${i}]`, b));
  assertPositiveInteger('epochs', settings.epochs);
  if (settings.trainLimit !== undefined) assertPositiveInteger('trainLimit', settings.trainLimit);
  if (settings.testLimit !== undefined) assertPositiveInteger('testLimit', settings.testLimit);
  const seeds = settings.seeds ?? VISION_DEFAULTS.seeds;
  const recalibrate = settings.recalibrateStats ?? VISION_DEFAULTS.recalibrateStats;
  assertPositiveInteger('seeds', seeds);
  if (!(Number.isInteger(recalibrate) && recalibrate >= 0)) throw new InvalidArgumentError('recalibrateStats', recalibrate, 'a non-negative integer (0: off)');
  assertSeed('seed', settings.seed);
  assertSeed('seed + seeds - 1', settings.seed + seeds - 1);
  const s = settings;
  // Only the protocol's own fields: a caller's object (CLI options) may carry more, and a queued job carries these.
  return {
    architecture: s.architecture,
    ...(s.depth !== undefined ? { depth: s.depth } : {}),
    dataset: s.dataset,
    ...(s.dataDir !== undefined ? { dataDir: s.dataDir } : {}),
    holdout: s.holdout,
    ...(s.trainLimit !== undefined ? { trainLimit: s.trainLimit } : {}),
    ...(s.testLimit !== undefined ? { testLimit: s.testLimit } : {}),
    batchSize: [...s.batchSize],
    width: s.width,
    epochs: s.epochs,
    schedule: [...s.schedule],
    ...(s.lr !== undefined ? { lr: s.lr } : {}),
    momentum: s.momentum,
    methods: [...s.methods],
    seed: s.seed,
    variants,
    seeds,
    recalibrateStats: recalibrate,
    initSeeds: seedRange(s.seed, seeds),
  };
}

/** The training and test images of a sweep, as every run of it sees them. */
export interface VisionData {
  /** The images every run trains on (after `trainLimit`). */
  train: ImageDataset;
  /** The images every run is validated and tested on (after `testLimit`). */
  test: ImageDataset;
  /** How the images were split and subset, for the log and results.json. */
  note: string;
  /** Per-channel means of the training images, subtracted from every input (after x/255). */
  mean: Float32Array;
  /** Random horizontal flips: only where a mirrored image keeps its class (not for digits). */
  flip: boolean;
  /** The data set's name and the sha256 of the training and test images and labels. */
  identity: DataIdentity;
}

async function loadSplit(s: ResolvedVisionSettings): Promise<{ train: ImageDataset; test: ImageDataset; note: string }> {
  const source = s.dataDir ? { path: s.dataDir } : {};
  if (s.holdout) {
    const all =
      s.dataset === 'mnist' ? await loadMnist({ ...source, split: 'test' }) : s.dataset === 'cifar10' ? await loadCifar10({ ...source, split: 'train' }) : await loadImageNet32({ path: s.dataDir ?? '' });
    return { ...splitImages(all, { testFraction: 0.2, seed: s.seed }), note: `holdout: ${all.numExamples} images split 80/20 (seed ${s.seed})` };
  }
  if (s.dataset === 'imagenet32') {
    if (!s.dataDir) throw new InvalidArgumentError('--data-dir', s.dataDir, 'the directory of the ImageNet32 npz release (train_data_batch_*.npz, val_data.npz)');
    const train = await loadImageNet32({ path: s.dataDir, files: Array.from({ length: 10 }, (_, i) => `train_data_batch_${i + 1}.npz`) });
    return { train, test: await loadImageNet32({ path: s.dataDir, files: ['val_data.npz'] }), note: 'ImageNet32 train / val' };
  }
  const load = s.dataset === 'mnist' ? loadMnist : loadCifar10;
  return { train: await load({ ...source, split: 'train' }), test: await load({ ...source, split: 'test' }), note: `${s.dataset} official train / test split` };
}

/**
 * Loads a sweep's images: the official train/test split (or an 80/20 holdout split seeded by
 * `seed`), then the seeded `trainLimit` and `testLimit` subsets, the channel means and whether to flip.
 */
export async function loadVisionData(settings: ResolvedVisionSettings): Promise<VisionData> {
  let { train, test, note } = await loadSplit(settings);
  // One stream: the first draw picks the training subset (as before --test-limit existed), the second the test subset.
  const subsets = new SeedStream(settings.seed);
  const trainSubsetSeed = subsets.next();
  if (settings.trainLimit !== undefined && settings.trainLimit < train.numExamples) {
    train = takeImages(train, shuffledIndices(train.numExamples, trainSubsetSeed).subarray(0, settings.trainLimit));
    note += `; training on ${settings.trainLimit} of them`;
  }
  if (settings.testLimit !== undefined && settings.testLimit < test.numExamples) {
    test = takeImages(test, shuffledIndices(test.numExamples, subsets.next()).subarray(0, settings.testLimit));
    note += `; evaluating on ${settings.testLimit} test images`;
  }
  return {
    train,
    test,
    note,
    mean: channelMeans(train),
    // Mirroring is only an augmentation where a mirrored image keeps its class (not for digits).
    flip: train.flipInvariant === true,
    identity: dataIdentity(settings.dataset, train.images, train.labels, test.images, test.labels),
  };
}

/** The fingerprint of a whole sweep: every setting that changes a run's result, the data's sha256, the backend and the build. */
export function visionFingerprint(settings: ResolvedVisionSettings, data: VisionData, backend: string): Fingerprint {
  return runFingerprint({
    command: `reproduce ${settings.architecture}`,
    ...(settings.architecture === 'resnet' ? { depth: settings.depth ?? '18' } : {}),
    width: settings.width,
    data: data.identity,
    flip: data.flip,
    epochs: settings.epochs,
    schedule: settings.schedule,
    momentum: settings.momentum,
    seed: settings.seed,
    seeds: settings.seeds,
    recalibrateStats: settings.recalibrateStats,
    backend,
  });
}

/** One run of a vision sweep: a variant at a batch size from one initialization, keyed by its fingerprint. */
export interface PlannedVisionRun {
  /** The variant's key (sp, wn, wn+mbn, bn, gmp, gmp+imn). */
  variant: string;
  batchSize: number;
  /** Initialization, batch order and flips (the data split and subset use the sweep's `seed`). */
  seed: number;
  /** The variant's learning rate (`visionLearningRate`). */
  lr: number;
  /** The sweep's fingerprint with this variant, learning rate, batch size and initialization seed. */
  fingerprint: Fingerprint;
}

/** A variant's learning rate: the sweep's `lr`, else the paper's for the variant and architecture. */
export function visionLearningRate(settings: VisionSettings, variant: string): number {
  return settings.lr ?? paperLearningRate(variant, settings.architecture);
}

/** Every run of a sweep, seed by seed (a sweep cut short still compares every variant on the seeds it finished), then batch size, then variant. */
export function visionRuns(settings: ResolvedVisionSettings, sweep: Fingerprint): PlannedVisionRun[] {
  return settings.initSeeds.flatMap((seed) =>
    settings.batchSize.flatMap((batchSize) =>
      settings.variants.map((variant) => {
        const lr = visionLearningRate(settings, variant);
        return { batchSize, variant, seed, lr, fingerprint: methodFingerprint(sweep, variant, lr, { batchSize, initSeed: seed }) };
      }),
    ),
  );
}

/** The network's name as tables and figures print it. */
export function visionModelName(settings: Pick<VisionSettings, 'architecture' | 'depth'>): string {
  return settings.architecture === 'vgg6' ? 'VGG-6' : settings.depth === 'cifar' ? 'CIFAR ResNet' : `ResNet-${settings.depth ?? 18}`;
}

function buildModel(s: VisionSettings, variant: string, data: ImageDataset, seed: number): Model {
  const base = { variant, inputShape: [data.height, data.width, data.channels] as [number, number, number], classes: data.numClasses, width: s.width, seed };
  if (s.architecture === 'vgg6') return vgg6(base);
  const depth = (s.depth === 'cifar' ? 'cifar' : Number(s.depth ?? 18)) as ResNetDepth;
  return resnet({ ...base, depth });
}

/** A finished run: its final test accuracy, validation curves and timing. */
export interface VisionRun extends PlannedVisionRun {
  /** The variant as tables print it (SP, GmP+IMN, …). */
  label: string;
  /** Epochs trained (early stopping may end a run before `epochs`). */
  epochs: number;
  /** Why training ended (`fit`'s `History.stopReason`). */
  stopReason: string;
  /** Test top-1 and top-5 accuracy in [0, 1], of the weights training ended with. */
  top1: number;
  top5: number;
  /** Per epoch: validation top-1 and top-5, training loss. */
  curve: { top1: number[]; top5: number[]; loss: number[] };
  /** Wall time of the training, and per step. */
  seconds: number;
  msPerStep: number;
}

/** How the caller steers one run: interrupts, checkpoints, progress. */
export interface TrainVisionRunOptions {
  /** Stops training after the current batch (writing a checkpoint to `checkpointDir` when given). */
  signal?: AbortSignal;
  /** Where an interrupt writes the run's checkpoint, stamped with its fingerprint. */
  checkpointDir?: string;
  /** Continue from this checkpoint (refused when it carries another run's fingerprint). */
  resumeFrom?: string;
  /** Progress display (e.g. a `ProgressBar`), after the protocol's own callbacks. */
  progress?: CallbackLike;
}

/** A run's outcome: finished, or interrupted with `fit`'s message (where its checkpoint went). */
export type VisionRunOutcome = { run: VisionRun } | { interrupted: string };

/**
 * Trains and tests one run as the reference does: SGD with momentum, softmax cross-entropy,
 * inputs x/255 − channel means (random flips where the data allows), reduce-LR ×0.1 after 5 and
 * early stopping after 10 flat epochs of validation top-5 (or the step `schedule`), running
 * statistics recalibrated before each evaluation; then top-1/top-5 on the test images.
 */
export async function trainVisionRun(settings: ResolvedVisionSettings, data: VisionData, planned: PlannedVisionRun, options: TrainVisionRunOptions = {}): Promise<VisionRunOutcome> {
  const { batchSize, variant, seed, lr } = planned;
  const { train, test, mean, flip } = data;
  const model = buildModel(settings, variant, train, seed);
  const label = resolveVariant(variant).label;
  const started = performance.now();
  try {
    const history = await fit(
      model,
      { train: imageSource(train, { mean, flip }), validation: imageSource(test, { mean }) },
      {
        epochs: settings.epochs,
        batchSize,
        loss: 'softmaxCrossentropy',
        metrics: ['accuracy', 'top5'],
        optimizer: { name: 'sgd', learningRate: lr, momentum: settings.momentum },
        seed,
        evaluationBatchSize: 256,
        monitor: 'val_top5',
        ...(settings.recalibrateStats > 0 ? { recalibrateStatistics: settings.recalibrateStats } : {}),
        fingerprint: planned.fingerprint,
        ...(options.checkpointDir ? { checkpointDir: options.checkpointDir } : {}),
        ...(options.resumeFrom ? { resumeFrom: options.resumeFrom } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        handleSigint: false,
        // The reference: reduce-LR x0.1 after 5 and early stopping after 10 flat epochs of
        // validation top-5; a step schedule instead where one is given.
        callbacks: [
          ...(settings.schedule.length
            ? [new StepDecay({ boundaries: settings.schedule })]
            : [new ReduceLROnPlateau({ monitor: 'val_top5', factor: 0.1, patience: 5 }), new EarlyStopping({ monitor: 'val_top5', patience: 10, restoreBestWeights: true })]),
          ...(options.progress ? [options.progress] : []),
        ],
      },
    );
    if (history.stopReason === 'interrupted') return { interrupted: history.message ?? 'interrupted' };
    const seconds = (performance.now() - started) / 1000;
    // The model carries the statistics it was last validated with (fit recalibrates before each evaluation).
    const final = await evaluate(model, imageSource(test, { mean }), { metrics: ['accuracy', 'top5'], batchSize: 256 });
    return {
      run: {
        variant,
        fingerprint: planned.fingerprint,
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
      },
    };
  } finally {
    model.dispose();
  }
}
