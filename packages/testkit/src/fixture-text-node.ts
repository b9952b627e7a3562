/**
 * Reads a fixture file's text in Node.js (`node:fs`). Selected by the `node` condition of the
 * package's `#fixture-text` import; `fixture-text-browser.ts` fetches it instead.
 */
import { readFileSync } from 'node:fs';

/** The text of the file at `url` (a `file:` URL next to the package's sources). @internal */
export function readFixtureText(url: URL): string {
  return readFileSync(url, 'utf8');
}
