import * as tf from '@tensorflow/tfjs-core';
import { activeBackend, useBackend } from '@geoparam/core';
import { WASM_FILES, configureWasm } from '@geoparam/backend-wasm';
import '@geoparam/backend-wasm/register';
import '@geoparam/backend-webgl/register';
import '@geoparam/backend-webgpu/register';
import '@geoparam/backend-cpu/register';
import { MLP_METHODS, describeSample, formatNumber, paperLearningRate } from '@geoparam/experiments';
import { resolveParameterizationName, type ParameterizationName } from '@geoparam/parameterizations';
import { bakeLayersModel, toLayersModel } from '@geoparam/layers';
import { createChart, type SeriesChart } from './charts';
import { Lane } from './lane';
import { color, label } from './methods';
import { mountPerturbationPanel } from './perturbation-panel';
import { TASK_NAMES, bananaTask, drawnTask, fetchBananaText, levyTask, starterPoints, type DrawnPoint, type Task, type TaskName } from './tasks';
import { curveInputs, drawClassification, drawRegression, frameFor, gridInputs } from './views';
import './style.css';

/** Time per animation frame spent training, so the page keeps painting and reacting. */
const STEP_BUDGET_MS = 12;
const EVALUATE_EVERY = 10;
const GRID = 40;
const LANE_WIDTH = 300;

/** What the page reports for tests and for anyone poking at it from the console. */
export interface PlaygroundState {
  status: 'loading' | 'ready' | 'running' | 'paused' | 'error';
  error?: string;
  task: TaskName;
  backend: string | null;
  backendDetails: Record<string, unknown> | null;
  steps: number;
  /** Training examples of the current task (grows as points are drawn). */
  trainExamples: number;
  /** The Figure 1 panel: its delta and each method's boundary turn in degrees. */
  perturbation: { delta: number; angleChange: Record<string, number> } | null;
  numTensors: number;
  /** Main-thread time of recent frames that trained (train + draw), ms: how responsive the page stays. */
  frameMs: { median: number; max: number } | null;
  /** numTensors after every frame that trained, with the step count then: must stay flat. */
  tensorSamples: { step: number; numTensors: number }[];
  lanes: {
    method: string;
    label: string;
    /** Adam's learning rate: the page's, or the paper's for the method when the page names none. */
    learningRate: number;
    steps: number;
    initialLoss: number | null;
    loss: number | null;
    initialTestMetric: number | null;
    testMetric: number | null;
    metric: string;
    maxAngleChange: number;
    maxLocationShift: number;
    diverged: string | null;
  }[];
  /**
   * Models downloaded as TF.js files ("Download for TF.js" on a lane): the file name and the lane
   * model's predictions at export time on a few inputs, to check the files against.
   */
  exports: { label: string; file: string; probe: { inputs: number[][]; outputs: number[] } }[];
}

declare global {
  interface Window {
    geoparamPlayground: PlaygroundState;
  }
}

const $ = <T extends HTMLElement>(selector: string) => document.querySelector<T>(selector)!;
const params = new URLSearchParams(location.search);

// The WASM binaries ship beside the page (see vite.config.ts).
configureWasm({ paths: Object.fromEntries(WASM_FILES.map((file) => [file, new URL(`wasm/${file}`, document.baseURI).href])) });

const state: PlaygroundState = {
  status: 'loading',
  task: 'levy',
  backend: null,
  backendDetails: null,
  steps: 0,
  trainExamples: 0,
  perturbation: null,
  numTensors: 0,
  frameMs: null,
  tensorSamples: [],
  lanes: [],
  exports: [],
};
window.geoparamPlayground = state;

let task: Task | null = null;
let lanes: Lane[] = [];
let charts: SeriesChart[] = [];
let running = false;
let stopAt: number | null = null;
let dirty = true;
let drawn: DrawnPoint[] = starterPoints();
let bananaText: string | null = null;
/** A short instruction appended to the status line (e.g. why training waits). */
let hint: string | null = null;
const laneCanvases = new Map<Lane, { canvas: HTMLCanvasElement; metrics: HTMLElement }>();

function showError(error: unknown): void {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  running = false;
  state.status = 'error';
  state.error = message;
  const banner = $('#error');
  banner.textContent = message;
  banner.hidden = false;
  $('#start').textContent = 'Start';
}

function positiveNumber(id: string, fallback: number): number {
  const raw = $<HTMLInputElement>(id).value.trim();
  if (raw === '') return fallback;
  const value = Number(raw);
  if (!(value > 0 && Number.isFinite(value))) throw new RangeError(`${id.slice(1)} must be a positive number, got "${raw}"`);
  return value;
}

function selectedMethods(): ParameterizationName[] {
  return [...document.querySelectorAll<HTMLInputElement>('input[name=method]:checked')].map((box) => box.value as ParameterizationName);
}

async function loadTask(name: TaskName, seed: number): Promise<Task> {
  if (name === 'levy') return levyTask(seed);
  if (name === 'draw') return drawnTask(drawn);
  if (bananaText === null) {
    $('#status').textContent = 'loading banana.csv…';
    bananaText = (await fetchBananaText()).text;
  }
  return bananaTask(bananaText, seed);
}

function disposeRun(): void {
  lanes.forEach((lane) => lane.dispose());
  charts.forEach((chart) => chart.destroy());
  lanes = [];
  charts = [];
  laneCanvases.clear();
  $('#lanes').replaceChildren();
  $('#charts').replaceChildren();
}

async function reset(): Promise<void> {
  running = false;
  $('#start').textContent = 'Start';
  $('#error').hidden = true;
  delete state.error;
  state.status = 'loading';
  // A burst in flight still uses the lanes: let it finish (its error, if any, was shown) first.
  await training?.catch(() => undefined);
  disposeRun();
  try {
    const backendName = $<HTMLSelectElement>('#backend').value;
    if (activeBackend()?.name !== backendName) {
      const report = await useBackend(backendName);
      state.backend = report.name;
      state.backendDetails = report.details;
    }
    const taskName = $<HTMLSelectElement>('#task').value as TaskName;
    const seed = Math.trunc(Number($<HTMLInputElement>('#seed').value) || 0);
    task = await loadTask(taskName, seed);
    state.task = taskName;
    $('#paint').hidden = taskName !== 'draw';
    const methods = selectedMethods();
    if (methods.length === 0) throw new RangeError('pick at least one method');
    const batch = $<HTMLInputElement>('#batch').value.trim() === '' ? {} : { batchSize: Math.round(positiveNumber('#batch', 1)) };
    // Left empty, each method trains at the paper's learning rate for it (GmP 0.1, the others 0.01).
    const learningRate = $<HTMLInputElement>('#lr').value.trim() === '' ? null : positiveNumber('#lr', 1);
    const options = { units: Math.round(positiveNumber('#units', task.network.hidden[0]!)), seed, ...batch };
    const created: Lane[] = [];
    try {
      for (const method of methods) created.push(await Lane.create(method, task!, { ...options, learningRate: learningRate ?? paperLearningRate(method) }));
    } catch (error) {
      created.forEach((lane) => lane.dispose());
      throw error;
    }
    lanes = created;
    for (const lane of lanes) await lane.evaluateTest();
    state.steps = 0;
    state.tensorSamples = [];
    buildLaneViews();
    buildCharts();
    state.status = 'ready';
    dirty = true;
  } catch (error) {
    showError(error);
  }
}

function buildLaneViews(): void {
  const root = $('#lanes');
  for (const lane of lanes) {
    const box = document.createElement('div');
    box.className = 'lane';
    box.dataset['method'] = lane.method;
    const title = document.createElement('h3');
    title.textContent = label(lane.method);
    title.style.color = color(lane.method);
    const canvas = document.createElement('canvas');
    canvas.width = LANE_WIDTH;
    canvas.height = task!.network.inputDim === 1 ? 300 : LANE_WIDTH;
    canvas.addEventListener('click', (event) => addPoint(canvas, event));
    const metrics = document.createElement('div');
    metrics.className = 'metrics';
    const download = document.createElement('button');
    download.type = 'button';
    download.className = 'export';
    download.textContent = 'Download for TF.js';
    download.title = 'This network as a TF.js model of stock layers (model.json + weights.bin): any app loads it with tf.loadLayersModel';
    download.addEventListener('click', () => void exportLane(lane).catch(showError));
    box.append(title, canvas, metrics, download);
    root.append(box);
    laneCanvases.set(lane, { canvas, metrics });
  }
}

/**
 * Downloads a lane's network as a plain TF.js model: converted to tfjs-layers, then baked to stock
 * layers, so an app without geoparam loads it with `tf.loadLayersModel`.
 */
async function exportLane(lane: Lane): Promise<void> {
  if (!task) return;
  const file = `geoparam-${task.name}-${label(lane.method)}`;
  const inputs = task.network.inputDim === 1 ? [[-8], [-2.5], [0], [3], [9]] : [[-1, -1], [0, 0.5], [1, -0.25], [2, 1]];
  // Conversion reads the device asynchronously: no training step may change the weights between
  // the predictions and the copy, so training holds until the copy is made.
  exporting++;
  const copy = (async () => {
    await training;
    const predicted = tf.tidy(() => lane.model.predict(tf.tensor2d(inputs)));
    try {
      return { predicted, converted: await toLayersModel(lane.model) };
    } catch (error) {
      predicted.dispose();
      throw error;
    }
  })();
  const { predicted, converted } = await copy.finally(() => exporting--);
  try {
    const baked = await bakeLayersModel(converted);
    try {
      const outputs = Array.from(await predicted.data());
      await baked.save(`downloads://${file}`);
      state.exports.push({ label: label(lane.method), file, probe: { inputs, outputs } });
    } finally {
      baked.dispose();
    }
  } finally {
    predicted.dispose();
    converted.dispose();
  }
}

function buildCharts(): void {
  const root = $('#charts');
  const width = Math.max(360, Math.floor((root.clientWidth || 1200) / 2) - 12);
  const specs = [
    { title: 'max location shift |Δφ| per step (log)', log: true, values: (l: Lane) => l.maxLocationShift },
    { title: 'max angle change per step (degrees)', log: false, values: (l: Lane) => l.maxAngleChange },
    { title: `training loss (${task!.loss}, log)`, log: true, values: (l: Lane) => l.loss, pool: Math.min },
    { title: `test ${task!.metric}${task!.name === 'draw' ? ' (on the drawn points)' : ''}`, log: false, values: (l: Lane) => l.testMetric },
  ];
  charts = specs.map((spec) => {
    const holder = document.createElement('div');
    root.append(holder);
    return createChart(holder, spec, lanes, width);
  });
}

function addPoint(canvas: HTMLCanvasElement, event: MouseEvent): void {
  if (task?.name !== 'draw') return;
  const rect = canvas.getBoundingClientRect();
  const [x, y] = frameFor(task, canvas.width, canvas.height).fromPx(event.clientX - rect.left, event.clientY - rect.top);
  if (Math.abs(x) > 3 || Math.abs(y) > 3) return;
  const paint = document.querySelector<HTMLInputElement>('input[name=paint-class]:checked')?.value === '0' ? 0 : 1;
  drawn.push({ x, y, label: paint });
  updateDrawnData();
}

function updateDrawnData(): void {
  hint = null;
  task = drawnTask(drawn);
  lanes.forEach((lane) => lane.setTask(task!));
  dirty = true;
}

/**
 * Steps every lane until the frame's budget is spent. Steps read their losses asynchronously, so
 * one training burst is in flight at a time (`training`): a reset waits for it before disposing.
 */
let training: Promise<void> | null = null;
/** Exports copying a lane's weights right now; training waits for them (see `exportLane`). */
let exporting = 0;

function trainFor(budgetMs: number): Promise<void> {
  training ??= trainBurst(budgetMs).finally(() => {
    training = null;
  });
  return training;
}

async function trainBurst(budgetMs: number): Promise<void> {
  if (task?.train.numExamples === 0) {
    // An empty drawn set has no loss to minimize: wait for points rather than produce NaN.
    pause();
    hint = 'the drawn set is empty: click a plot to add points';
    return;
  }
  const start = performance.now();
  do {
    for (const lane of lanes) await lane.step();
    state.steps++;
    if (state.steps % EVALUATE_EVERY === 0) for (const lane of lanes) await lane.evaluateTest();
    if (stopAt !== null && state.steps >= stopAt) {
      stopAt = null;
      pause();
      break;
    }
  } while (performance.now() - start < budgetMs);
  dirty = true;
}

/**
 * Draws every lane from its predictions, read asynchronously (no device stall). A reset may replace
 * the lanes while the reads are in flight: then the stale frame is dropped.
 */
async function render(): Promise<void> {
  const shown = task;
  if (!shown) return;
  const drawnLanes = lanes;
  const inputs = shown.network.inputDim === 1 ? curveInputs(shown) : gridInputs(shown, GRID);
  const outputs = await Promise.all(drawnLanes.map((lane) => lane.predict(inputs)));
  if (lanes !== drawnLanes || task !== shown) return;
  drawnLanes.forEach((lane, i) => {
    // Lanes being set up have no views yet.
    const view = laneCanvases.get(lane);
    if (!view) return;
    if (shown.network.inputDim === 1) drawRegression(view.canvas, shown, lane, inputs, outputs[i]!, color(lane.method));
    else drawClassification(view.canvas, shown, lane, GRID, outputs[i]!, color(lane.method));
    const last = lane.testMetric[lane.testMetric.length - 1];
    view.metrics.textContent = [
      `step ${lane.steps} · loss ${fmt(lane.loss[lane.loss.length - 1])} · test ${shown.metric} ${fmt(last?.value)}`,
      `last step: max |Δφ| ${fmt(lane.maxLocationShift[lane.maxLocationShift.length - 1])} · max turn ${fmt(lane.maxAngleChange[lane.maxAngleChange.length - 1])}°`,
      lane.diverged ? `stopped: ${lane.diverged}` : '',
    ].join('\n');
  });
  charts.forEach((chart) => chart.update(drawnLanes));
}

function fmt(value: number | undefined): string {
  return value === undefined || Number.isNaN(value) ? '–' : formatNumber(value);
}

function publish(): void {
  state.numTensors = tf.memory().numTensors;
  state.trainExamples = task?.train.numExamples ?? 0;
  state.lanes = lanes.map((lane) => ({
    method: lane.method,
    label: label(lane.method),
    learningRate: lane.learningRate,
    steps: lane.steps,
    initialLoss: lane.loss[0] ?? null,
    loss: lane.loss[lane.loss.length - 1] ?? null,
    initialTestMetric: lane.testMetric[0]?.value ?? null,
    testMetric: lane.testMetric[lane.testMetric.length - 1]?.value ?? null,
    metric: task?.metric ?? '',
    maxAngleChange: lane.peakAngleChange,
    maxLocationShift: lane.peakLocationShift,
    diverged: lane.diverged,
  }));
  const backend = activeBackend();
  $('#status').textContent = `${state.status} · backend ${backend ? describeBackend(backend.name, backend.details) : '–'} · step ${state.steps} · ${state.numTensors} tensors${hint ? ` · ${hint}` : ''}`;
}

function describeBackend(name: string, details: Record<string, unknown>): string {
  const adapter = name === 'webgpu' ? `${String(details['vendor'] ?? '')} ${String(details['architecture'] ?? '')}`.trim() + (details['software'] ? ' (software: CPU speed)' : '') : null;
  const flags = [details['simd'] ? 'SIMD' : null, details['threads'] ? 'threads' : null, details['webglVersion'] ? `WebGL ${String(details['webglVersion'])}` : null, adapter];
  if (name === 'wasm' && !details['threads']) flags.push('no threads (page not cross-origin isolated)');
  return [name, ...flags.filter(Boolean)].join(' · ');
}

function pause(): void {
  running = false;
  if (state.status === 'running') state.status = 'paused';
  $('#start').textContent = 'Start';
}

const recentFrames: number[] = [];

function recordFrame(ms: number): void {
  recentFrames.push(ms);
  if (recentFrames.length > 240) recentFrames.shift();
  const { median, max } = describeSample(recentFrames);
  state.frameMs = { median, max };
}

async function frame(): Promise<void> {
  try {
    const start = performance.now();
    const trained = running && lanes.length > 0 && training === null && exporting === 0;
    if (trained) {
      await trainFor(STEP_BUDGET_MS);
      state.tensorSamples.push({ step: state.steps, numTensors: tf.memory().numTensors });
      if (state.tensorSamples.length > 2000) state.tensorSamples.splice(0, 1000);
    }
    if (dirty) {
      dirty = false;
      await render();
    }
    if (trained) recordFrame(performance.now() - start);
    publish();
  } catch (error) {
    showError(error);
  }
  requestAnimationFrame(() => void frame());
}

function wireControls(): void {
  $('#start').addEventListener('click', () => {
    if (running) return pause();
    if (state.status === 'error' || lanes.length === 0) return;
    running = true;
    state.status = 'running';
    $('#start').textContent = 'Pause';
  });
  $('#step').addEventListener('click', () => {
    if (lanes.length === 0) return;
    pause();
    void trainFor(0).then(() => {
      dirty = true;
    }, showError);
  });
  $('#reset').addEventListener('click', () => void reset());
  for (const id of ['#task', '#backend', '#seed', '#units', '#lr', '#batch']) $(id).addEventListener('change', () => void reset());
  document.querySelectorAll('input[name=method]').forEach((box) => box.addEventListener('change', () => void reset()));
  $('#clear-points').addEventListener('click', () => {
    drawn = [];
    if (task?.name === 'draw') updateDrawnData();
  });
}

/** URL parameters preset the controls (lr: one rate for every method): ?task=levy&methods=SP,GmP&lr=0.01&units=100&batch=128&seed=0&backend=wasm&steps=300&autostart=1 */
function applyUrlParameters(): void {
  const taskName = params.get('task');
  if (taskName) {
    if (!TASK_NAMES.includes(taskName as TaskName)) throw new RangeError(`task must be one of ${TASK_NAMES.join(', ')}, got "${taskName}"`);
    $<HTMLSelectElement>('#task').value = taskName;
  }
  const methods = params.get('methods');
  if (methods) {
    const wanted = methods.split(',').map((name) => resolveParameterizationName(name.trim()));
    const unsupported = wanted.filter((m) => !(MLP_METHODS as readonly string[]).includes(m));
    if (unsupported.length) throw new RangeError(`methods must be among ${MLP_METHODS.join(', ')}, got ${unsupported.join(', ')}`);
    document.querySelectorAll<HTMLInputElement>('input[name=method]').forEach((box) => (box.checked = wanted.includes(box.value as ParameterizationName)));
  }
  for (const key of ['lr', 'units', 'seed', 'batch'] as const) {
    const value = params.get(key);
    if (value !== null) $<HTMLInputElement>(`#${key}`).value = value;
  }
  const backend = params.get('backend');
  if (backend) {
    const select = $<HTMLSelectElement>('#backend');
    const offered = [...select.options].map((o) => o.value);
    if (!offered.includes(backend)) throw new RangeError(`backend must be one of ${offered.join(', ')} in this browser, got "${backend}"`);
    select.value = backend;
  }
  const steps = params.get('steps');
  if (steps !== null) {
    const n = Number(steps);
    if (!(Number.isInteger(n) && n > 0)) throw new RangeError(`steps must be a positive integer, got "${steps}"`);
    stopAt = n;
  }
}

/** WebGPU is offered where the browser exposes it (Chrome/Edge 113+, Safari 26, Firefox 141+; on Linux behind a flag). */
function offerWebGPU(): void {
  if (!('gpu' in navigator)) return;
  const option = document.createElement('option');
  option.value = 'webgpu';
  option.textContent = 'WebGPU';
  $<HTMLSelectElement>('#backend').append(option);
}

/** A box per method of the paper's MLP experiments, all ticked. */
function offerMethods(): void {
  const boxes = MLP_METHODS.map((method) => {
    const box = document.createElement('label');
    const input = document.createElement('input');
    Object.assign(input, { type: 'checkbox', name: 'method', value: method, checked: true });
    box.append(input, ` ${label(method)}`);
    return box;
  });
  $('#methods').append(...boxes);
}

async function main(): Promise<void> {
  offerMethods();
  offerWebGPU();
  wireControls();
  try {
    applyUrlParameters();
  } catch (error) {
    showError(error);
    return;
  }
  await reset();
  // After reset: the study runs on the backend it selected.
  if (state.status !== 'error') {
    mountPerturbationPanel($('#perturbation'), (delta, results) => {
      state.perturbation = { delta, angleChange: Object.fromEntries(results.map((r) => [label(r.method), r.angleChange])) };
    }, showError);
  }
  requestAnimationFrame(() => void frame());
  if (params.get('autostart') === '1' && state.status === 'ready') $('#start').click();
}

void main().catch(showError);
