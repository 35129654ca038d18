import * as path from 'node:path';
import { InvalidArgumentError, SeedStream, assertPositiveInteger, type Fingerprint } from '@geoparam/core';
import { channelMeans, loadCifar10, loadImageNet32, loadMnist, shuffledIndices, splitImages, takeImages, type ImageDataset } from '@geoparam/datasets';
import { resnet, vgg6, type Model, type ResNetDepth } from '@geoparam/models';
import { paperLearningRate, resolveVariant } from '@geoparam/parameterizations';
import { EarlyStopping, ProgressBar, ReduceLROnPlateau, StepDecay, evaluate, fit, imageSource } from '@geoparam/trainer';
import { writeFigure } from '@geoparam/plot';
import { useBackend } from '@geoparam/core';
import { describeBackend } from '../backends';
import { dataIdentity, methodFingerprint, runFingerprint } from '../experiments/fingerprints';
import { runManifest, writeJson } from '../experiments/manifest';
import { visionCurvesFigure } from '../figures/vision';
import { formatTable } from '../table';

export type VisionDataset = 'mnist' | 'cifar10' | 'imagenet32';

export interface VisionRun {
  variant: string;
  /** The command's fingerprint with this variant, learning rate and batch size. */
  fingerprint: Fingerprint;
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
  batchSize: number[];
  width: number;
  epochs: number;
  schedule: number[];
  lr?: number;
  momentum: number;
  methods: string[];
  seed: number;
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

function buildModel(o: VisionOptions, variant: string, data: ImageDataset): Model {
  const base = { variant, inputShape: [data.height, data.width, data.channels] as [number, number, number], classes: data.numClasses, width: o.width, seed: o.seed };
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
  const say = o.json ? () => undefined : log;
  const backend = await useBackend(o.backend);
  const loaded = await loadData(o);
  const test = loaded.test;
  let { train, note } = loaded;
  if (o.trainLimit !== undefined && o.trainLimit < train.numExamples) {
    train = takeImages(train, shuffledIndices(train.numExamples, new SeedStream(o.seed).next()).subarray(0, o.trainLimit));
    note += `; training on ${o.trainLimit} of them`;
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
    backend: backend.name,
  });
  const name = o.architecture === 'vgg6' ? 'VGG-6' : o.depth === 'cifar' ? 'CIFAR ResNet' : `ResNet-${o.depth ?? 18}`;
  say(`geoparam reproduce ${o.architecture}: ${name} (width ×${o.width}) on ${o.dataset}, ${note}; ${train.numExamples} train / ${test.numExamples} test images`);
  say(
    `backend ${describeBackend(backend)}; SGD momentum ${o.momentum}, up to ${o.epochs} epochs, ` +
      (o.schedule.length ? `lr ×0.1 after epochs ${o.schedule.join(', ')}` : 'lr ×0.1 after 5 and early stopping after 10 epochs without better validation top-5 (as the reference)') +
      `; inputs x/255 - mean RGB, ${flip ? 'random horizontal flips' : `no flips (${o.dataset} is not flip-invariant)`}`,
  );

  const runs: VisionRun[] = [];
  for (const batchSize of o.batchSize) {
    for (const variant of variants) {
      const model = buildModel(o, variant, train);
      const label = resolveVariant(variant).label;
      const lr = learningRate(o, variant);
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
            seed: o.seed,
            evaluationBatchSize: 256,
            monitor: 'val_top5',
            // The reference: reduce-LR x0.1 after 5 and early stopping after 10 flat epochs of
            // validation top-5; --schedule switches to the step schedule instead.
            callbacks: [
              ...(o.schedule.length
                ? [new StepDecay({ boundaries: o.schedule })]
                : [new ReduceLROnPlateau({ monitor: 'val_top5', factor: 0.1, patience: 5 }), new EarlyStopping({ monitor: 'val_top5', patience: 10, restoreBestWeights: true })]),
              new ProgressBar({ label: `${label} b${batchSize}` }),
            ],
          },
        );
        const seconds = (performance.now() - started) / 1000;
        const final = await evaluate(model, imageSource(test, { mean }), { metrics: ['accuracy', 'top5'], batchSize: 256 });
        const run: VisionRun = {
          variant,
          fingerprint: methodFingerprint(fingerprint, variant, lr, { batchSize }),
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
        say(`${label} batch ${batchSize}: top-1 ${(100 * run.top1).toFixed(2)}%, top-5 ${(100 * run.top5).toFixed(2)}% after ${run.epochs} epochs (${seconds.toFixed(0)} s, ${run.msPerStep.toFixed(0)} ms/step)`);
      } finally {
        model.dispose();
      }
    }
  }
  const results = { experiment: o.architecture, fingerprint, flip, model: name, dataset: o.dataset, data: note, backend: backend.name, seed: o.seed, width: o.width, epochs: o.epochs, runs };
  writeJson(o.out, 'results.json', results);
  writeJson(o.out, 'manifest.json', runManifest(backend, { ...o }));
  if (o.figures) await writeFigure(visionCurvesFigure(runs, name, o.dataset), path.join(o.out, `${o.architecture}-curves`));
  if (o.json) {
    log(JSON.stringify(results, null, 2));
    return;
  }
  const cell = (variant: string, b: number) => {
    const r = runs.find((x) => x.variant === variant && x.batchSize === b);
    return r ? `${(100 * r.top1).toFixed(2)} / ${(100 * r.top5).toFixed(2)}` : '-';
  };
  const paper = o.dataset === 'imagenet32' && o.architecture === 'vgg6';
  say('');
  say(
    formatTable(
      ['variant', ...o.batchSize.map((b) => `batch ${b} top-1 / top-5 %`), ...(paper ? ['paper top-1 (256/512/1024)'] : [])],
      variants.map((v) => [resolveVariant(v).label, ...o.batchSize.map((b) => cell(v, b)), ...(paper ? [TABLE2_TOP1[v]!.join(' / ')] : [])]),
    ),
  );
  say(`\nresults: ${path.join(o.out, 'results.json')}${o.figures ? `, curves: ${path.join(o.out, `${o.architecture}-curves.svg`)}` : ''}`);
}
