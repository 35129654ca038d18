// Runs publint's Node API on one packed tarball and prints one JSON line:
//   { "name": ..., "messages": [{ "type", "code", "path", "text" }] }  (path like pkg.exports["."].types)
// publint is ESM-only; running it in its own Node process keeps jest's CommonJS sandbox out of it.
// Usage: node run-publint.mjs <tarball.tgz>
import { readFile } from 'node:fs/promises';
import { publint } from 'publint';
import { formatMessage, formatMessagePath } from 'publint/utils';

const tarballPath = process.argv[2];
if (!tarballPath) {
  console.error('usage: node run-publint.mjs <tarball.tgz>');
  process.exit(2);
}

const buffer = await readFile(tarballPath);
const tarball = buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength);
// level 'suggestion' reports everything; the test decides what fails (errors and warnings).
const { messages, pkg } = await publint({ pack: { tarball }, level: 'suggestion', strict: false });
const result = {
  name: pkg?.name ?? null,
  messages: messages.map((message) => ({
    type: message.type,
    code: message.code,
    path: formatMessagePath(message.path),
    text: formatMessage(message, pkg, { color: false }) ?? message.code,
  })),
};
process.stdout.write(`${JSON.stringify(result)}\n`);
