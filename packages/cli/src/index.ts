export { main, createProgram, type Io } from './program';
export { runPerturb, type PerturbOptions } from './commands/perturb';
