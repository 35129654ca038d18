// Side effect: registers tfjs-core's gradients and chained ops (see scripts/bundle-tfjs-gradients.mjs).
// The bundle is idempotent per kernel, so a second copy (e.g. @tensorflow/tfjs) only re-registers.
import '../gradients/tfjs-gradients.cjs';
