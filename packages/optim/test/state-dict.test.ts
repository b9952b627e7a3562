import { registerCpuBackend } from '@fackel/backend-cpu';
import { FackelError, tensor } from '@fackel/tensor';
import { describe, expect, it } from 'vitest';
import { flattenStateDict, unflattenStateDict } from '../src/index.js';

registerCpuBackend();

describe('flattenStateDict / unflattenStateDict', () => {
  it('splits tensors from JSON and puts them back', () => {
    const a = tensor([1, 2]);
    const b = tensor([[3]]);
    const sd = {
      state: { 0: { step: 2, m: a }, 3: { buf: [b, null] } },
      paramGroups: [{ params: [0, 3], lr: 0.1, betas: [0.9, 0.99], flag: true, name: 'x' }],
    };
    const { tensors, json } = flattenStateDict(sd, 'opt.');
    expect(Object.keys(tensors)).toEqual(['opt.state.0.m', 'opt.state.3.buf.0']);
    expect(tensors['opt.state.0.m']).toBe(a);
    expect(json).toEqual({
      state: { 0: { step: 2, m: { $tensor: 'opt.state.0.m' } }, 3: { buf: [{ $tensor: 'opt.state.3.buf.0' }, null] } },
      paramGroups: [{ params: [0, 3], lr: 0.1, betas: [0.9, 0.99], flag: true, name: 'x' }],
    });
    const back = unflattenStateDict<typeof sd>(JSON.parse(JSON.stringify(json)), new Map(Object.entries(tensors)));
    expect(back.state[0].m).toBe(a);
    expect(back.state[3].buf[0]).toBe(b);
    expect(back.paramGroups).toEqual(sd.paramGroups);
    a.dispose();
    b.dispose();
  });

  it('refuses what JSON cannot hold', () => {
    expect(() => flattenStateDict({ best: Infinity })).toThrow(new FackelError("flattenStateDict: the number at 'best' is Infinity, which JSON cannot store"));
    expect(() => flattenStateDict({ when: new Date(0) })).toThrow(
      "flattenStateDict: the value at 'when' is a Date; only plain objects, arrays, numbers, strings, booleans, null and tensors can be stored",
    );
    expect(() => flattenStateDict({ x: { $tensor: 'y' } })).toThrow(
      'flattenStateDict: the object at \'x\' looks like a tensor reference { "$tensor": ... }, which is reserved',
    );
    const t = tensor([1]);
    expect(() => flattenStateDict({ 'a.b': t, a: { b: t } })).toThrow(
      "flattenStateDict: two tensors would both be named 'a.b' (a key contains a '.'); rename the key",
    );
    t.dispose();
    expect(() => flattenStateDict({ t })).toThrow("flattenStateDict: the tensor at 't' has been disposed");
  });
});
