// Node-only helpers (node:fs): crash-safe writes, journals, output directories. Kept out of the
// main entry, which must stay browser-safe.
export * from '../file-errors';
export * from './fs-errors';
export * from './atomic-write';
export * from './read-json';
export * from './journal';
export * from './output-dir';
export * from './interrupts';
