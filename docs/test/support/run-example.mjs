// Runs one docs example in its own process, as a reader would after `import 'fackel'`
// (the CPU device registered as default, autograd on): `node … run-example.mjs FILE`.
// Exits explicitly, since the CPU backend's worker threads would keep Node alive.
import { pathToFileURL } from 'node:url';

const file = process.argv[2];
let code = 0;
try {
  await import('fackel');
  await import(pathToFileURL(file).href);
} catch (err) {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  code = 1;
}
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
