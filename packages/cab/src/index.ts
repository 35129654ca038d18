export * from './geometry';
export * from './stability';
export * from './perturbation';
