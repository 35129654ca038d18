// The browser entry (export condition `browser`): training without Node's terminal and files —
// no ProgressBar, CSV/JSON loggers or ModelCheckpoint, which write to stderr and disk, and a `fit`
// that refuses checkpoint directories (`NoFileSystemError`).
export { fit } from './fit-browser';
export { type FitData, type FitOptions } from './fit';
export { fitStacked, type StackedMember, type StackedFitOptions } from './stacked/fit-stacked';
export { evaluate, NonFiniteEvaluationError, type EvaluateOptions } from './evaluate';
export { Callback, toCallbacks, type CallbackHooks, type CallbackLike, type CallbackState, type TrainingContext, type TrainingParams } from './callback';
export { type History, type Logs, type StopReason } from './history';
export { Monitor, type MonitorMode } from './monitor';
export { metricDirection, registerMetricDirection, type MetricDirection } from './metric-directions';
export { NoFileSystemError, UnknownMonitorKeyError, UnsizedDataError } from './errors';
export { isTensorData, isTfDataset, type DataInput, type TensorData, type TfDatasetLike } from './inputs';
export { DEFAULT_READ_EVERY, PendingLosses, type ReadLosses } from './loop/pending-losses';
export { trainingStep } from './loop/step';
export { getLoss, LOSS_NAMES, type LossFn, type LossName } from './losses';
export { getMetric, METRIC_NAMES, type Metric, type MetricName } from './metrics';
export { createOptimizer, disposeOptimizer, getLearningRate, isOptimizer, readLearningRate, setLearningRate, type OptimizerSpec } from './optimizers';
export { EarlyStopping, type EarlyStoppingOptions } from './callbacks/early-stopping';
export { ReduceLROnPlateau, type ReduceLROnPlateauOptions } from './callbacks/reduce-lr-on-plateau';
export { CabTracker, type CabRecord, type CabStabilityRecord, type CabTrackerOptions } from './callbacks/cab-tracker';
export { LambdaCallback } from './callbacks/lambda';
export { isBatchSource, tabularSource, type BatchSource, type BatchOrder, type HostBatch } from './source';
export { StepDecay, type StepDecayOptions } from './callbacks/step-decay';
