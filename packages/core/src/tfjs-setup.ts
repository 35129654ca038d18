// Load tfjs-core itself first: whichever copy of tfjs runs first creates the global engine and
// its Tensor class, and only the real package wires that class to the ops (`tensor.clone()`,
// chained ops). The bundle below must join that engine, not create its own.
import '@tensorflow/tfjs-core';
// Side effect: registers tfjs-core's gradients and chained ops (see scripts/bundle-tfjs-gradients.mjs).
// Registration is per kernel name, so a second copy (e.g. @tensorflow/tfjs) only re-registers.
import '../gradients/tfjs-gradients.cjs';
