// The browser entry (export condition `browser`): the protocols that need no file system, process
// or network client, so a bundled page (the playground) trains Figure 2 and 3's setups and reports
// their statistics through the same code as the CLI. Node only: data loading by name (UCI files),
// the UCI protocol (its reference splits come from the UCI loaders), journals and reports on disk,
// the local process pool and the BullMQ runner and worker.
export * from './errors';
export * from './statistics';
export * from './methods';
export * from './job';
export * from './plan';
export * from './study/runs';
export * from './study/run-study';
export * from './study/aggregate';
export * from './levy/protocol';
export * from './banana/protocol';
