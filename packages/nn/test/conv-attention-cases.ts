// The PyTorch fixtures of the convolution, pooling, normalisation, attention and activation
// layers (scripts/gen_layer_fixtures.py → fixtures/conv-attention.json), run on one device:
// conv-attention.test.ts runs them on the CPU, conv-attention-webgpu.test.ts on WebGPU.
import { expect, it } from 'vitest';
import { type Tensor, noGrad } from '@fackel/tensor';
import {
  AdaptiveAvgPool2d,
  AvgPool2d,
  BatchNorm1d,
  BatchNorm2d,
  Conv1d,
  Conv2d,
  GELU,
  LayerNorm,
  MaxPool2d,
  MultiheadAttention,
  SiLU,
  Softplus,
  TransformerEncoderLayer,
  functional as F,
  type Module,
} from '../src/index.js';
import { expectTensorClose, type JsonTensor } from '@fackel/testkit';
import { T, fixture } from './helpers.js';

interface Case {
  args?: unknown[];
  options?: Record<string, unknown>;
  forward?: Record<string, JsonTensor | boolean>;
  params?: Record<string, JsonTensor>;
  inputs: JsonTensor[];
  output: JsonTensor;
  weights?: JsonTensor | null;
  gradOutput: JsonTensor;
  grads: { inputs: (JsonTensor | null)[] } & Record<string, JsonTensor | null | (JsonTensor | null)[]>;
  [k: string]: unknown;
}

export const CASES = fixture<{ cases: Record<string, Case> }>('conv-attention.json').cases;

const camel = (s: string): string => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
function camelKeys(o: Record<string, unknown> | undefined): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o ?? {}).map(([k, v]) => [camel(k), v]));
}

/** Builds the Fackel module of a fixture case (on the CPU, PyTorch's state loaded). */
export function buildModule(id: string, c: Case): Module {
  const o = camelKeys(c.options);
  const a = c.args ?? [];
  const kind = id.split('/')[0];
  let m: Module;
  switch (kind) {
    case 'conv2d':
      m = new Conv2d(a[0] as number, a[1] as number, a[2] as number, o);
      break;
    case 'conv1d':
      m = new Conv1d(a[0] as number, a[1] as number, a[2] as number, o);
      break;
    case 'maxpool2d':
      m = new MaxPool2d(a[0] as number, o);
      break;
    case 'avgpool2d':
      m = new AvgPool2d(a[0] as number, o);
      break;
    case 'adaptiveavgpool2d':
      m = new AdaptiveAvgPool2d(a[0] as number);
      break;
    case 'layernorm':
      m = new LayerNorm(a[0] as number, o);
      break;
    case 'batchnorm1d':
      m = new BatchNorm1d(a[0] as number, o);
      break;
    case 'batchnorm2d':
      m = new BatchNorm2d(a[0] as number, o);
      break;
    case 'silu':
      m = new SiLU();
      break;
    case 'softplus':
      m = new Softplus(o.beta as number | undefined, o.threshold as number | undefined);
      break;
    case 'gelu':
      m = new GELU('tanh');
      break;
    case 'mha':
      m = new MultiheadAttention(a[0] as number, a[1] as number, o);
      break;
    case 'tel':
      m = new TransformerEncoderLayer(a[0] as number, a[1] as number, o);
      break;
    default:
      throw new Error(`unknown case kind ${kind}`);
  }
  if (c.params) m.loadStateDict(Object.fromEntries(Object.entries(c.params).map(([k, v]) => [k, T(v)])));
  return m;
}

async function onDevice(j: JsonTensor, device: string, requiresGrad = false): Promise<Tensor> {
  const cpu = T(j);
  const t = device === 'cpu' ? cpu : await cpu.to(device);
  if (requiresGrad && (t.dtype === 'float32' || t.dtype === 'float64')) t.requiresGrad_(true);
  return t;
}

async function close(actual: Tensor | null, expected: JsonTensor | null, tol: { atol: number; rtol: number }, label: string): Promise<void> {
  if (expected === null || actual === null) {
    expectTensorClose(actual, expected, tol, label);
    return;
  }
  expect(actual.device.name, `${label}: device`).not.toBe(undefined);
  expectTensorClose(actual.device.name === 'cpu' ? actual : await actual.to('cpu'), expected, tol, label);
}

async function forwardMasks(c: Case, device: string): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c.forward ?? {})) out[camel(k)] = typeof v === 'object' && v !== null ? await onDevice(v, device) : v;
  return out;
}

/** Registers one `it` per fixture case, running on `device` with the given tolerances. */
export function defineFixtureTests(device: string, fwd: { atol: number; rtol: number }, grad: { atol: number; rtol: number }): void {
  for (const [id, c] of Object.entries(CASES)) {
    it(id, async () => {
      const inputs = await Promise.all(c.inputs.map((j) => onDevice(j, device, true)));
      let out: Tensor;
      let m: Module | null = null;
      if (id.startsWith('sdpa/')) {
        const mask = c.attnMask ? await onDevice(c.attnMask as JsonTensor, device) : null;
        out = F.scaledDotProductAttention(inputs[0], inputs[1], inputs[2], {
          attnMask: mask,
          isCausal: c.isCausal as boolean,
          scale: c.scale as number | null,
        });
      } else {
        m = buildModule(id, c);
        if (device !== 'cpu') await m.to(device);
        if (id.startsWith('mha/')) {
          const [q, k, v] = c.selfAttention ? [inputs[0], inputs[0], inputs[0]] : inputs;
          const [o, w] = (m as MultiheadAttention).forward(q!, k!, v!, await forwardMasks(c, device));
          out = o;
          if (c.weights) await close(w, c.weights, fwd, `${id} weights`);
          else expect(w).toBeNull();
        } else if (id.startsWith('tel/')) {
          out = (m as TransformerEncoderLayer).forward(inputs[0], await forwardMasks(c, device));
        } else {
          out = m.forward(inputs[0]) as Tensor;
        }
      }
      await close(out, c.output, fwd, `${id} output`);
      const g = await onDevice(c.gradOutput, device);
      out.mul(g).sum().backward();
      for (let i = 0; i < inputs.length; i++) await close(inputs[i].grad, c.grads.inputs[i] ?? null, grad, `${id} grad input ${i}`);
      if (m !== null) {
        for (const [name, p] of m.namedParameters()) await close(p.grad, (c.grads[name] as JsonTensor | undefined) ?? null, grad, `${id} grad ${name}`);
      }
      if (m !== null && c.buffers) {
        // batch norm: more training passes, then the running statistics and an eval-mode pass
        for (const x of c.later as JsonTensor[]) {
          const xd = await onDevice(x, device);
          noGrad(() => m!.forward(xd));
        }
        const state = m.stateDict();
        for (const [name, want] of Object.entries(c.buffers as Record<string, JsonTensor>)) {
          const got = state[name];
          if (name === 'num_batches_tracked') expect(Array.from(await got.data())).toEqual(want.data);
          else await close(got, want, fwd, `${id} buffer ${name}`);
        }
        m.eval();
        const xe = await onDevice(c.evalInput as JsonTensor, device);
        const y = noGrad(() => m!.forward(xe));
        await close(y, c.evalOutput as JsonTensor, fwd, `${id} eval output`);
      }
    });
  }
}
