import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { defineConfig, type Plugin } from 'vite';

const require = createRequire(import.meta.url);
// The files @geoparam/backend-wasm lists in WASM_FILES; served under wasm/ and passed to configureWasm.
const WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];

/** Ships tfjs' WebAssembly binaries with the page (the backend fetches them at run time). */
function tfjsWasmBinaries(): Plugin {
  const wasmBackendDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm', { paths: [path.dirname(require.resolve('@geoparam/backend-wasm'))] }));
  return {
    name: 'geoparam-tfjs-wasm-binaries',
    generateBundle() {
      for (const file of WASM_FILES) {
        this.emitFile({ type: 'asset', fileName: `wasm/${file}`, source: readFileSync(path.join(wasmBackendDir, file)) });
      }
    },
  };
}

/** Cross-origin isolation lets the WASM backend use threads (SharedArrayBuffer). */
export const ISOLATION_HEADERS = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  base: './',
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 4096,
    // tfjs-backend-wasm starts its thread workers from the source text of a function (toString):
    // any minification (renamed or inlined identifiers) breaks those workers.
    minify: false,
  },
  plugins: [tfjsWasmBinaries()],
  preview: { headers: ISOLATION_HEADERS },
  server: { headers: ISOLATION_HEADERS },
});
