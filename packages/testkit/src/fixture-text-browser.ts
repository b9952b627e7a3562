/**
 * Reads a fixture file's text in a browser (the conformance suites in Chromium, Vitest's
 * browser mode): a synchronous request to the same server that serves the test modules, so
 * that `loadFixtures()` stays synchronous on both platforms. Imports no `node:` module.
 */

interface SyncXhr {
  open(method: string, url: string, async: boolean): void;
  overrideMimeType(type: string): void;
  send(): void;
  status: number;
  statusText: string;
  responseText: string;
}

/** The text of the file at `url` (an http(s) URL next to the package's sources). @internal */
export function readFixtureText(url: URL): string {
  const Xhr = (globalThis as { XMLHttpRequest?: new () => SyncXhr }).XMLHttpRequest;
  if (Xhr === undefined) throw new Error(`no XMLHttpRequest to read ${url.href} with`);
  const xhr = new Xhr();
  xhr.open('GET', url.href, false);
  xhr.overrideMimeType('application/json; charset=utf-8');
  xhr.send();
  if (xhr.status !== 200) throw new Error(`GET ${url.href}: HTTP ${xhr.status} ${xhr.statusText}`);
  return xhr.responseText;
}
