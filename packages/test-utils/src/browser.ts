// Browser tests share one way to find chromium, to skip (with the reason) where it is missing, and
// to serve a page bundled by esbuild on 127.0.0.1 (IndexedDB and WebGPU need an origin).
import { existsSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { build, type Plugin } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';

/** Debian's chromium, or GEOPARAM_CHROMIUM. */
export const CHROMIUM_PATH = process.env['GEOPARAM_CHROMIUM'] ?? '/usr/bin/chromium';

/**
 * Why this machine runs no browser test (null when it does): GEOPARAM_SKIP_BROWSER=1, or no
 * chromium — unless GEOPARAM_REQUIRE_BROWSER=1 (CI), where a missing chromium fails instead. The
 * reason is printed under `label`.
 */
export function browserSkipReason(label: string): string | null {
  const reason =
    process.env['GEOPARAM_SKIP_BROWSER'] === '1'
      ? 'GEOPARAM_SKIP_BROWSER=1'
      : !existsSync(CHROMIUM_PATH) && process.env['GEOPARAM_REQUIRE_BROWSER'] !== '1'
        ? `no chromium at ${CHROMIUM_PATH} (apt-get install chromium, or point GEOPARAM_CHROMIUM at one)`
        : null;
  if (reason) console.log(`${label} skipped: ${reason}`);
  return reason;
}

/** Headless chromium; throws, saying what to install, when it is missing. */
export async function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`no chromium at ${CHROMIUM_PATH} and GEOPARAM_REQUIRE_BROWSER=1: install it (apt-get install chromium) or point GEOPARAM_CHROMIUM at one`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ['--no-sandbox', ...extraArgs] });
}

export interface BundledPage {
  /** `http://127.0.0.1:PORT/` */
  url: string;
  close(): Promise<void>;
}

/** A page's script, and every bundled file that imports a Node built-in (empty for a page that runs). */
export interface BrowserBundle {
  script: string;
  /** File (relative to the working directory) → the Node built-ins it imports, left unresolved. */
  nodeImports: Record<string, string[]>;
}

const NODE_BUILTINS = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

/**
 * Bundles `entry` for the browser (esbuild, one IIFE, packages resolved with the `browser` export
 * condition). Node built-ins are left out and listed by the file importing them, so a test can say
 * which code still reaches for them (bundlers such as Vite shim them silently, failing only at run time).
 */
export async function bundleForBrowser(entry: string): Promise<BrowserBundle> {
  const nodeImports: Record<string, string[]> = {};
  const listBuiltins: Plugin = {
    name: 'list-node-builtins',
    setup(build) {
      build.onResolve({ filter: /^[a-z_:/]+$/ }, async (args) => {
        if (!NODE_BUILTINS.has(args.path) || args.pluginData === 'inner') return undefined;
        // A package may map a built-in away for browsers (`"browser": { "util": false }`): that resolves.
        const resolved = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: 'inner' });
        if (resolved.errors.length === 0) return { path: args.path, namespace: 'disabled-for-browsers' };
        const file = path.relative(process.cwd(), args.importer);
        nodeImports[file] = [...new Set([...(nodeImports[file] ?? []), args.path])].sort();
        return { path: args.path, external: true };
      });
      build.onLoad({ filter: /.*/, namespace: 'disabled-for-browsers' }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
    },
  };
  const bundle = await build({ entryPoints: [entry], bundle: true, platform: 'browser', format: 'iife', write: false, logLevel: 'silent', plugins: [listBuiltins] });
  return { script: bundle.outputFiles[0]!.text, nodeImports };
}

/** The files of a bundle that import Node built-ins, relative to the monorepo's packages/ directory (`trainer/src/…`), so a test names them the same from any working directory. */
export function filesImportingNode(bundle: Pick<BrowserBundle, 'nodeImports'>): string[] {
  const packages = path.resolve(__dirname, '..', '..');
  return Object.keys(bundle.nodeImports).map((file) => path.relative(packages, path.resolve(file)));
}

/** Bundles `entry` for the browser (`bundleForBrowser`) and serves it as `/page.js` beside `html` at `/`; refuses an entry that imports Node built-ins. */
export async function serveBundledPage(entry: string, html = '<!doctype html><meta charset="utf-8"><script src="/page.js"></script>'): Promise<BundledPage> {
  const { script, nodeImports } = await bundleForBrowser(entry);
  if (Object.keys(nodeImports).length > 0) throw new Error(`${entry} imports Node built-ins a browser lacks: ${JSON.stringify(nodeImports)}`);
  const files: Record<string, [string, string]> = {
    '/': ['text/html', html],
    '/page.js': ['text/javascript', script],
  };
  const server: Server = createServer((req, res) => {
    const file = files[(req.url ?? '/').split('?')[0]!];
    res.writeHead(file ? 200 : 404, { 'content-type': file?.[0] ?? 'text/plain' });
    res.end(file?.[1] ?? 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
