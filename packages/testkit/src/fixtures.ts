import { readFixtureText } from '#fixture-text';
import type { FixtureCase, FixtureFile, FixtureNumber, FixtureTensor, JsonValue } from './types.js';

const cache = new Map<string, FixtureFile>();

/**
 * Reads `fixtures/<name>.json` of this package (written by `scripts/gen_fixtures.py`),
 * checks its structure and caches it. Throws when the file is missing or malformed.
 *
 * @example
 * ```ts
 * import { loadFixtures } from '@fackel/testkit';
 * const { torch, cases } = loadFixtures(); // 'ops'
 * console.log(`${cases.length} cases from torch ${torch}`);
 * ```
 */
export function loadFixtures(name = 'ops'): FixtureFile {
  if (!/^[\w.-]+$/.test(name)) throw new Error(`loadFixtures: invalid fixture name '${name}'`);
  const hit = cache.get(name);
  if (hit !== undefined) return hit;
  const url = new URL(`../fixtures/${name}.json`, import.meta.url);
  let text: string;
  try {
    text = readFixtureText(url); // node:fs in Node.js, a synchronous request in a browser
  } catch (err) {
    throw new Error(`loadFixtures: cannot read ${url.pathname} (${(err as Error).message}); regenerate with /usr/bin/python3 scripts/gen_fixtures.py`);
  }
  const file = JSON.parse(text) as FixtureFile;
  validateFixtureFile(file, name);
  cache.set(name, file);
  return file;
}

function isFixtureTensor(x: unknown): x is FixtureTensor {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && 'dtype' in x && 'shape' in x && 'data' in x;
}

function checkTensor(t: unknown, where: string): void {
  if (!isFixtureTensor(t)) throw new Error(`${where}: not a fixture tensor`);
  if (t.dtype !== 'float32' && t.dtype !== 'int32' && t.dtype !== 'bool') throw new Error(`${where}: unknown dtype '${String(t.dtype)}'`);
  if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isInteger(d) && d >= 0)) throw new Error(`${where}: bad shape`);
  const n = t.shape.reduce((a, b) => a * b, 1);
  if (!Array.isArray(t.data) || t.data.length !== n) {
    throw new Error(`${where}: data has ${Array.isArray(t.data) ? t.data.length : '?'} values, shape [${t.shape.join(', ')}] needs ${n}`);
  }
}

/** Structural checks of a parsed fixture file; throws a message naming the case. */
function validateFixtureFile(file: FixtureFile, name: string): void {
  if (typeof file !== 'object' || file === null || !Array.isArray(file.cases)) {
    throw new Error(`loadFixtures: fixtures/${name}.json has no 'cases' array`);
  }
  const ids = new Set<string>();
  for (const c of file.cases) {
    const where = `fixtures/${name}.json case '${c.id}'`;
    if (typeof c.id !== 'string' || typeof c.op !== 'string') throw new Error(`${where}: missing id or op`);
    if (ids.has(c.id)) throw new Error(`${where}: duplicate id`);
    ids.add(c.id);
    if (c.call !== 'method' && c.call !== 'function' && c.call !== 'property') throw new Error(`${where}: bad call '${String(c.call)}'`);
    if (!Array.isArray(c.inputs)) throw new Error(`${where}: inputs is not an array`);
    c.inputs.forEach((x: unknown, i: number) => {
      if (Array.isArray(x)) x.forEach((t: unknown, j: number) => checkTensor(t, `${where} inputs[${i}][${j}]`));
      else if (typeof x === 'object' && x !== null) checkTensor(x, `${where} inputs[${i}]`);
    });
    const outs: readonly unknown[] = Array.isArray(c.output) ? c.output : [c.output];
    outs.forEach((t: unknown, i: number) => checkTensor(t, `${where} output[${i}]`));
    if (c.grads !== undefined) {
      if (c.gradOutput === undefined) throw new Error(`${where}: grads without gradOutput`);
      checkTensor(c.gradOutput, `${where} gradOutput`);
      if (c.grads.length !== c.inputs.length) throw new Error(`${where}: ${c.grads.length} grads for ${c.inputs.length} inputs`);
    }
  }
}

/** Decodes one JSON number (`"nan"`, `"inf"`, `"-inf"` → NaN, ±Infinity).
 * @example
 * ```ts
 * import { decodeNumber } from '@fackel/testkit';
 * decodeNumber('-inf'); // -Infinity
 * ```
 */
export function decodeNumber(v: FixtureNumber | boolean): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v === 'nan') return NaN;
  if (v === 'inf') return Infinity;
  if (v === '-inf') return -Infinity;
  throw new Error(`not a fixture number: ${JSON.stringify(v)}`);
}

/**
 * The values of a fixture tensor as a typed array of its dtype (float32 values rounded to
 * float32 exactly as a Float32Array stores them; bool as 0/1 bytes).
 * @example
 * ```ts
 * import { fixtureValues } from '@fackel/testkit';
 * fixtureValues({ dtype: 'float32', shape: [2], data: [0.1, 'nan'] }); // Float32Array [0.1, NaN]
 * ```
 */
export function fixtureValues(t: FixtureTensor): Float32Array | Int32Array | Uint8Array {
  const n = t.data.length;
  const out = t.dtype === 'float32' ? new Float32Array(n) : t.dtype === 'int32' ? new Int32Array(n) : new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = decodeNumber(t.data[i]);
  return out;
}

/** Decodes a fixture argument: `null` → `undefined`, `"nan"`/`"inf"`/`"-inf"` → numbers, recursively.
 * @example
 * ```ts
 * import { decodeArg } from '@fackel/testkit';
 * decodeArg([null, '-inf']); // [undefined, -Infinity]
 * ```
 */
export function decodeArg(v: JsonValue): unknown {
  if (v === null) return undefined;
  if (v === 'nan' || v === 'inf' || v === '-inf') return decodeNumber(v);
  if (Array.isArray(v)) return v.map((x: JsonValue) => decodeArg(x));
  if (typeof v === 'object') {
    return Object.fromEntries(Object.entries(v as Record<string, JsonValue>).map(([k, x]) => [k, decodeArg(x)]));
  }
  return v;
}

/** Whether a case input is a fixture tensor (not a scalar or a list).
 * @example
 * ```ts
 * import { isTensorInput } from '@fackel/testkit';
 * isTensorInput(2.5); // false
 * ```
 */
export function isTensorInput(x: unknown): x is FixtureTensor {
  return isFixtureTensor(x);
}

/** The cases whose id or op is `name`.
 * @example
 * ```ts
 * import { casesMatching, loadFixtures } from '@fackel/testkit';
 * casesMatching(loadFixtures().cases, 'matmul').length; // > 0
 * ```
 */
export function casesMatching(cases: readonly FixtureCase[], name: string): FixtureCase[] {
  return cases.filter((c) => c.id === name || c.op === name);
}
