import * as fackel from '@fackel/tensor';
import type { Tensor } from '@fackel/tensor';
import { decodeArg, decodeNumber, fixtureValues, isTensorInput } from './fixtures.js';
import type { FixtureCase, FixtureInput, FixtureTensor, ViewOp } from './types.js';

/** A built case input: a tensor, a scalar operand, or a list of tensors.
 * @example
 * ```ts
 * import type { CaseValue } from '@fackel/testkit';
 * const v: CaseValue = 2.5;
 * ```
 */
export type CaseValue = Tensor | number | boolean | Tensor[];

function applyView(x: Tensor, op: ViewOp): Tensor {
  switch (op[0]) {
    case 'transpose':
      return x.transpose(op[1], op[2]);
    case 'permute':
      return x.permute(op[1]);
    case 'slice':
      return x.slice(op[1], op[2] ?? undefined, op[3] ?? undefined, op[4]);
    case 'expand':
      return x.expand(op[1]);
    case 'narrow':
      return x.narrow(op[1], op[2], op[3]);
    default:
      throw new Error(`buildInput: unknown view op ${JSON.stringify(op)}`);
  }
}

/**
 * Builds a Fackel tensor from a fixture tensor on `device`: the contiguous base from
 * `data`/`shape`, then the `view` ops in order (intermediate tensors are disposed; the
 * result shares the base storage).
 *
 * @example
 * ```ts
 * import { buildInput } from '@fackel/testkit';
 * const x = buildInput({ dtype: 'float32', shape: [2, 3], data: [1, 2, 3, 4, 5, 6], view: [['transpose', 0, 1]] }, 'cpu');
 * // x.shape = [3, 2], not contiguous
 * ```
 */
export function buildInput(t: FixtureTensor, device: string): Tensor {
  const flat = fackel.tensor(fixtureValues(t), { dtype: t.dtype, device });
  let x = flat.reshape(t.shape);
  if (x !== flat) flat.dispose();
  for (const op of t.view ?? []) {
    const y = applyView(x, op);
    if (y !== x) x.dispose();
    x = y;
  }
  return x;
}

function buildValue(x: FixtureInput, device: string): CaseValue {
  if (Array.isArray(x)) return (x as readonly FixtureTensor[]).map((t) => buildInput(t, device));
  if (isTensorInput(x)) return buildInput(x, device);
  if (typeof x === 'boolean') return x;
  return decodeNumber(x as Exclude<FixtureInput, FixtureTensor | readonly FixtureTensor[] | boolean>);
}

/** Builds every input of a case (tensors on `device`, scalars decoded).
 * @example
 * ```ts
 * import { buildCaseInputs, loadFixtures } from '@fackel/testkit';
 * const c = loadFixtures().cases[0];
 * const inputs = buildCaseInputs(c, 'cpu');
 * ```
 */
export function buildCaseInputs(c: FixtureCase, device: string): CaseValue[] {
  return c.inputs.map((x) => buildValue(x, device));
}

function isTensor(x: unknown): x is Tensor {
  return typeof x === 'object' && x !== null && (x as { isTensor?: unknown }).isTensor === true;
}

/**
 * Calls a case's op on built inputs, as the case's `call`, `argsFirst`, `args` and
 * `options` say (see {@link FixtureCase}). The one place that knows the calling
 * conventions, shared by the output and the gradient runners. `api` defaults to the
 * `@fackel/tensor` module (tests pass a stand-in).
 *
 * @example
 * ```ts
 * import { buildCaseInputs, callOp, loadFixtures } from '@fackel/testkit';
 * const c = loadFixtures().cases.find((x) => x.id === 'gather/dim1')!;
 * const out = callOp(c, buildCaseInputs(c, 'cpu'), 'cpu'); // x.gather(1, index)
 * ```
 */
export function callOp(
  c: FixtureCase,
  inputs: readonly CaseValue[],
  device: string,
  api: Readonly<Record<string, unknown>> = fackel as unknown as Readonly<Record<string, unknown>>,
): unknown {
  const args = (c.args ?? []).map((a) => decodeArg(a));
  const extra = c.options !== undefined ? [{ ...(decodeArg(c.options) as object), device }] : [];
  const [self, ...rest] = inputs;
  switch (c.call) {
    case 'property': {
      if (!isTensor(self)) throw new Error(`${c.id}: property '${c.op}' needs a tensor first input`);
      if (!(c.op in self)) throw new Error(`${c.id}: Tensor has no property '${c.op}'`);
      return (self as unknown as Record<string, unknown>)[c.op];
    }
    case 'method': {
      if (!isTensor(self)) throw new Error(`${c.id}: method '${c.op}' needs a tensor first input`);
      const m = (self as unknown as Record<string, unknown>)[c.op];
      if (typeof m !== 'function') throw new Error(`${c.id}: Tensor has no method '${c.op}'`);
      const pos = c.argsFirst ? [...args, ...rest] : [...rest, ...args];
      return (m as (...a: unknown[]) => unknown).apply(self, [...pos, ...extra]);
    }
    case 'function': {
      const f = api[c.op];
      if (typeof f !== 'function') throw new Error(`${c.id}: @fackel/tensor exports no function '${c.op}'`);
      const pos = c.argsFirst ? [...inputs.slice(0, 1), ...args, ...rest] : [...inputs, ...args];
      return (f as (...a: unknown[]) => unknown)(...pos, ...extra);
    }
    default:
      throw new Error(`${c.id}: unknown call kind '${String((c as { call: unknown }).call)}'`);
  }
}

/**
 * The output tensors of a case in fixture order: `inputs[0]` for in-place ops, the tensor
 * itself, `[values, indices]` for `{ values, indices }` results, or the list of a
 * split/chunk. `asList` says whether the fixture's `output` is a list.
 *
 * @example
 * ```ts
 * import { outputsOf } from '@fackel/testkit';
 * declare const result: unknown;
 * const [first] = outputsOf({ id: 'x', op: 'sort', call: 'method', inputs: [], output: [] }, result, []);
 * ```
 */
export function outputsOf(c: FixtureCase, result: unknown, inputs: readonly CaseValue[]): Tensor[] {
  const asList = Array.isArray(c.output);
  if (c.op.endsWith('_')) {
    const self = inputs[0];
    if (!isTensor(self)) throw new Error(`${c.id}: in-place op without a tensor first input`);
    return [self];
  }
  let outs: unknown[];
  if (isTensor(result)) outs = [result];
  else if (Array.isArray(result)) outs = result;
  else if (typeof result === 'object' && result !== null && 'values' in result && 'indices' in result) {
    outs = [(result as { values: unknown }).values, (result as { indices: unknown }).indices];
  } else {
    throw new Error(`${c.id}: ${c.op} returned ${result === null ? 'null' : typeof result}, not a tensor`);
  }
  const want = asList ? (c.output as readonly FixtureTensor[]).length : 1;
  if (isTensor(result) && asList) {
    throw new Error(`${c.id}: expected a list of ${want} tensors, got one tensor`);
  }
  if (!isTensor(result) && !asList) {
    throw new Error(`${c.id}: expected one tensor, got a list of ${outs.length}`);
  }
  if (outs.length !== want) throw new Error(`${c.id}: expected ${want} output tensors, got ${outs.length}`);
  outs.forEach((o, i) => {
    if (!isTensor(o)) throw new Error(`${c.id}: output ${i} is not a tensor`);
  });
  return outs as Tensor[];
}

/** Disposes every tensor in a nested structure of case values (idempotent per tensor).
 * @example
 * ```ts
 * import { disposeAll } from '@fackel/testkit';
 * disposeAll([1, []]);
 * ```
 */
export function disposeAll(values: readonly unknown[]): void {
  for (const v of values) {
    if (Array.isArray(v)) disposeAll(v);
    else if (isTensor(v)) v.dispose();
  }
}
