import * as tf from '@tensorflow/tfjs-core';
import { snapshotOf, snapshotStability, type BoundarySnapshot } from '@geoparam/cab';
import { batches, type Batch } from '@geoparam/datasets';
import { buildStudyModel, studyOptimizer } from '@geoparam/experiments';
import type { Model } from '@geoparam/models';
import type { ParameterizationName } from '@geoparam/parameterizations';
import { PendingLosses, createOptimizer, disposeOptimizer, evaluate, getLoss, trainingStep, type LossFn } from '@geoparam/trainer';
import type { Task } from './tasks';

export interface LaneOptions {
  learningRate: number;
  /** Hidden units (the task's network has the paper's). */
  units: number;
  seed: number;
  /** Examples per step; `full` uses the whole training set every step. Default: the task's. */
  batchSize?: number | 'full';
}

/** How many past boundary locations each unit keeps for its trail. */
export const TRAIL_LENGTH = 80;

/**
 * One method training on one task: the model, its optimizer, and everything the views show —
 * per-step loss and boundary movement, test metric, every unit's current boundary and its trail.
 */
export class Lane {
  readonly model: Model;
  readonly learningRate: number;
  private readonly optimizer: tf.Optimizer;
  private readonly lossFn: LossFn;
  private readonly pending = new PendingLosses();
  private x!: tf.Tensor2D;
  private y!: tf.Tensor2D;
  private task!: Task;
  private readonly batchSize: number | 'full';
  private readonly seed: number;
  private epoch = 0;
  private epochBatches: Iterator<Batch> | null = null;
  private previous!: BoundarySnapshot;
  boundary!: BoundarySnapshot;
  /** `trails[unit]`: oldest first, at most TRAIL_LENGTH locations. */
  trails: number[][][] = [];
  readonly loss: number[] = [];
  readonly maxAngleChange: number[] = [];
  readonly maxLocationShift: number[] = [];
  readonly testMetric: { step: number; value: number }[] = [];
  /** Largest one-step boundary turn (degrees) and location shift so far. */
  peakAngleChange = 0;
  peakLocationShift = 0;
  /** Set when the loss stops being finite: the lane stops, the others go on. */
  diverged: string | null = null;

  /** A lane with its starting boundary read (asynchronously, as every read here). */
  static async create(method: ParameterizationName, task: Task, options: LaneOptions): Promise<Lane> {
    const lane = new Lane(method, task, options);
    try {
      lane.boundary = await lane.readBoundary();
    } catch (error) {
      lane.dispose();
      throw error;
    }
    lane.previous = lane.boundary;
    lane.trails = lane.boundary.location.map((phi) => [phi]);
    return lane;
  }

  private constructor(
    readonly method: ParameterizationName,
    task: Task,
    options: LaneOptions,
  ) {
    this.model = buildStudyModel({ ...task.network, hidden: [options.units] }, method, options.seed);
    this.learningRate = options.learningRate;
    this.optimizer = createOptimizer(studyOptimizer(options.learningRate));
    this.lossFn = getLoss(task.loss);
    this.batchSize = options.batchSize ?? task.batchSize;
    this.seed = options.seed;
    this.setTask(task);
  }

  get steps(): number {
    return this.loss.length;
  }

  /** New data (e.g. a drawn point) without touching the weights. */
  setTask(task: Task): void {
    tf.dispose([this.x, this.y].filter(Boolean));
    this.task = task;
    this.epochBatches = null;
    this.x = tf.tensor2d(task.train.x, [task.train.numExamples, task.train.numFeatures]);
    this.y = tf.tensor2d(task.train.y, [task.train.numExamples, task.train.numTargets]);
  }

  private readBoundary(): Promise<BoundarySnapshot> {
    return snapshotOf(this.model.reluLayers[0]!);
  }

  /** The next mini-batch of a seeded shuffle per epoch (as `fit` draws them; `owned`: freed after the step), or the whole set. */
  private nextBatch(): { x: tf.Tensor2D; y: tf.Tensor2D; owned: boolean } {
    const { train } = this.task;
    if (this.batchSize === 'full' || this.batchSize >= train.numExamples) return { x: this.x, y: this.y, owned: false };
    let next = this.epochBatches?.next();
    if (!next || next.done) {
      if (this.epochBatches) this.epoch++;
      this.epochBatches = batches(train, { batchSize: this.batchSize, shuffle: true, seed: this.seed, epoch: this.epoch });
      next = this.epochBatches.next();
    }
    const batch = next.value as Batch;
    return { x: tf.tensor2d(batch.x, [batch.size, train.numFeatures]), y: tf.tensor2d(batch.y, [batch.size, train.numTargets]), owned: true };
  }

  /**
   * One step of the studies' optimizer (`fit`'s step), then the boundary's move: the paper's per-step stability
   * metrics. The loss is read asynchronously, as `fit` reads it; every step, since the lane plots it.
   */
  async step(): Promise<void> {
    if (this.diverged) return;
    const { x, y, owned } = this.nextBatch();
    try {
      this.pending.push(trainingStep(this.model, this.lossFn, this.optimizer, x, y), x.shape[0]);
    } finally {
      if (owned) tf.dispose([x, y]);
    }
    const loss = (await this.pending.read()).values[0]!;
    if (!Number.isFinite(loss)) {
      this.diverged = `loss became ${loss} at step ${this.steps + 1}`;
      return;
    }
    this.previous = this.boundary;
    this.boundary = await this.readBoundary();
    const moved = snapshotStability(this.previous, this.boundary);
    this.loss.push(loss);
    this.maxAngleChange.push(moved.maxAngleChange);
    this.maxLocationShift.push(moved.maxLocationShift);
    this.peakAngleChange = Math.max(this.peakAngleChange, moved.maxAngleChange);
    this.peakLocationShift = Math.max(this.peakLocationShift, moved.maxLocationShift);
    this.boundary.location.forEach((phi, unit) => {
      const trail = this.trails[unit]!;
      trail.push(phi);
      if (trail.length > TRAIL_LENGTH) trail.shift();
    });
  }

  async evaluateTest(): Promise<number> {
    const value = (await evaluate(this.model, this.task.test, { metrics: [this.task.metric] }))[this.task.metric]!;
    this.testMetric.push({ step: this.steps, value });
    return value;
  }

  /** Model output (after the head) at `points` (`[n, inputDim]`, row-major), read without stalling the page. */
  async predict(points: Float32Array): Promise<Float32Array> {
    const out = tf.tidy(() => this.model.predict(tf.tensor2d(points, [points.length / this.task.network.inputDim, this.task.network.inputDim])));
    try {
      return (await out.data()) as Float32Array;
    } finally {
      out.dispose();
    }
  }

  dispose(): void {
    tf.dispose([this.x, this.y]);
    this.pending.dispose();
    disposeOptimizer(this.optimizer);
    this.model.dispose();
  }
}
