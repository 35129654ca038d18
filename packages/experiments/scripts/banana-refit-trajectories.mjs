// Why GmP's Banana lead under --protocol validation is gone under refit (docs/banana-protocols.md):
// the test accuracy after every epoch of each validation run and of each refit, trained for twice its
// budget. A diagnostic only — it reads the test split every epoch, which the protocols never do.
// Usage: node scripts/banana-refit-trajectories.mjs DATA_DIR [methods, default geometric,standard]
// (after building the package); prints one JSON line per run.
import '@geoparam/backend-wasm/register';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@geoparam/core';
import { loadBanana } from '@geoparam/datasets';
import { LambdaCallback, evaluate, fit } from '@geoparam/trainer';
import { bananaTrainSpec, buildStudyModel, paperLearningRate, plateauSchedule, refitBudget, refitCallbacks } from '@geoparam/experiments';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: banana-refit-trajectories.mjs DATA_DIR [methods]');
const methods = (process.argv[3] ?? 'geometric,standard').split(',');
await useBackend('wasm');
const full = await loadBanana({ path: dataDir });
const spec = bananaTrainSpec(full, 0, { epochs: 5000, protocol: 'refit', dataDraw: 'reference' });
const testAccuracy = async (model) => (await evaluate(model, spec.test, { metrics: ['accuracy'] }))['accuracy'];
const perEpoch = (model, into) => new LambdaCallback({ onEpochEnd: async () => { into.push(await testAccuracy(model)); } });
const mean = (a) => a.reduce((s, v) => s + v, 0) / a.length;
const sd = (a) => Math.sqrt(a.reduce((s, v) => s + (v - mean(a)) ** 2, 0) / (a.length - 1));
const out = [];
for (const method of methods) {
  const learningRate = paperLearningRate(method);
  for (const seed of [0, 1, 2, 3, 4]) {
    const model = buildStudyModel(spec.network, method, seed);
    const schedule = plateauSchedule(spec.schedule);
    const valCurve = [];
    const history = await fit(model, { train: spec.train, validation: spec.validation }, { ...spec.fit, seed, optimizer: { name: 'adam', learningRate }, monitor: spec.schedule.monitor, callbacks: [...schedule.callbacks, perEpoch(model, valCurve)] });
    const reportedValidation = await testAccuracy(model);
    model.dispose();
    const budget = refitBudget(schedule.read(history));
    // Refit for twice the budget, recording every epoch: the protocol's number is the one at budget.epochs.
    const refitCurve = [];
    const refit = buildStudyModel(spec.network, method, seed);
    const long = { epochs: budget.epochs * 2, lrDrops: budget.lrDrops };
    await fit(refit, { train: spec.refit.train }, { ...spec.fit, epochs: long.epochs, seed, optimizer: { name: 'adam', learningRate }, callbacks: [...refitCallbacks(long, spec.schedule.factor), perEpoch(refit, refitCurve)] });
    refit.dispose();
    const best = budget.epochs;
    const window = (curve, at) => curve.slice(Math.max(0, at - 10), at + 10);
    const stepsMatched = Math.max(1, Math.round((best * 5) / 7));
    out.push({
      method, seed, bestEpoch: best,
      validationReported: reportedValidation,
      validationCurveAroundBest: { mean: mean(window(valCurve, best)), sd: sd(window(valCurve, best)) },
      refitAtBudget: refitCurve[best - 1],
      refitAtStepsMatched: refitCurve[stepsMatched - 1],
      refitCurveAroundBudget: { mean: mean(window(refitCurve, best)), sd: sd(window(refitCurve, best)) },
      refitLast: refitCurve.at(-1),
      refitCurveFinalHalf: { mean: mean(refitCurve.slice(best)), sd: sd(refitCurve.slice(best)) },
    });
    console.log(JSON.stringify(out.at(-1)));
  }
}
console.log(`tensors at end: ${tf.memory().numTensors}`);
