export { main, createProgram, type Io, type Session } from './program';
export { EXIT_CODES } from './exit-codes';
export { runPerturb, type PerturbOptions } from './commands/perturb';
