import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { registerCpuBackend } from '@fackel/backend-cpu';
import { enableAutograd } from '@fackel/autograd';
import { Adam, StepLR, type OptimizerStateDict, type SchedulerStateDict } from '@fackel/optim';
import { Generator, Tensor, arange, memory, oneHot, randint, tensor, zeros, type GeneratorState } from '@fackel/tensor';
import {
  LSTM,
  Linear,
  Module,
  SAVE_STRUCTURE_KEY,
  SafetensorsError,
  load,
  loadFromBytes,
  loadSafetensors,
  parseSafetensors,
  save,
  saveSafetensors,
  saveToBytes,
  serializeSafetensors,
  CrossEntropyLoss,
} from '../src/index.js';
import { scratch } from '@fackel/testkit';

registerCpuBackend();
enableAutograd();
const tmp = scratch('nn');
afterAll(() => tmp.cleanup());

class Net extends Module<[Tensor], Tensor> {
  lstm: LSTM;
  fc: Linear;
  constructor(g: Generator) {
    super();
    this.lstm = new LSTM(5, 6, { numLayers: 2, batchFirst: true, generator: g });
    this.fc = new Linear(6, 5, { generator: g });
  }
  forward(x: Tensor): Tensor {
    return this.fc.forward(this.lstm.forward(x)[0]);
  }
}

/** The raw bytes of a tensor's elements. */
function bytesOf(t: Tensor): Uint8Array {
  const d = t.dataSync();
  return new Uint8Array(d.buffer.slice(d.byteOffset, d.byteOffset + d.byteLength));
}

/** Deep equality where tensors must match in dtype, shape and every bit, and numbers by Object.is. */
function expectSame(actual: unknown, expected: unknown, path = '<root>'): void {
  if (expected instanceof Tensor) {
    expect(actual, path).toBeInstanceOf(Tensor);
    const a = actual as Tensor;
    expect([a.dtype, [...a.shape]], path).toEqual([expected.dtype, [...expected.shape]]);
    expect(a.isContiguous(), path).toBe(true);
    expect(Buffer.from(bytesOf(a)).equals(Buffer.from(bytesOf(expected))), `${path}: bits`).toBe(true);
    return;
  }
  if (typeof expected === 'number') {
    expect(Object.is(actual, expected), `${path}: ${String(actual)} is ${String(expected)}`).toBe(true);
    return;
  }
  if (Array.isArray(expected)) {
    expect(Array.isArray(actual), path).toBe(true);
    expect((actual as unknown[]).length, path).toBe(expected.length);
    expected.forEach((v, i) => expectSame((actual as unknown[])[i], v, `${path}.${i}`));
    return;
  }
  if (expected !== null && typeof expected === 'object') {
    expect(actual !== null && typeof actual === 'object' && !Array.isArray(actual), path).toBe(true);
    expect(Object.keys(actual as object), path).toEqual(Object.keys(expected));
    for (const k of Object.keys(expected)) {
      expect(Object.hasOwn(actual as object, k), `${path}.${k}`).toBe(true);
      expectSame((actual as Record<string, unknown>)[k], (expected as Record<string, unknown>)[k], `${path}.${k}`);
    }
    return;
  }
  expect(actual, path).toBe(expected);
}

function trainStep(model: Net, opt: Adam, sched: StepLR, g: Generator): void {
  opt.zeroGrad();
  const x = randint(0, 5, [2, 4], { generator: g });
  const onehot = oneHot(x, 5).float();
  const logits = model.forward(onehot);
  new CrossEntropyLoss().forward(logits.reshape([-1, 5]), x.reshape([-1])).backward();
  opt.step();
  sched.step();
}

/** Float32 bit patterns: -0, a NaN, the smallest denormal, the largest denormal, -Infinity. */
const F32_BITS = [0x80000000, 0x7fc00000, 0x00000001, 0x007fffff, 0xff800000, 0x3dcccccd];

describe('save / load (torch.save / torch.load)', () => {
  it('round-trips a model, Adam, a scheduler and a generator bit for bit, and training continues identically', async () => {
    const g = new Generator(3);
    const model = new Net(new Generator(1));
    const opt = new Adam(model.parameters(), { lr: 0.01 });
    const sched = new StepLR(opt, { stepSize: 2, gamma: 0.5 });
    for (let i = 0; i < 3; i++) trainStep(model, opt, sched, g);

    const f32 = tensor(new Float32Array(new Uint32Array(F32_BITS).buffer));
    const f64 = tensor(Float64Array.of(-0, NaN, 5e-324, 2.2250738585072e-308, 0.1, -Infinity, 1e-300), { dtype: 'float64' });
    const shared = tensor([1, 2, 3]);
    const value = {
      model: model.stateDict(),
      optimizer: opt.stateDict(),
      scheduler: sched.stateDict(),
      rng: { data: g.getState() },
      step: 3,
      extra: {
        numbers: [0.1, 1e-300, -0, NaN, Infinity, -Infinity, 5e-324, Number.MAX_VALUE, 2 ** 53 + 2, -1.5],
        strings: ['', 'ünïcödé ✓', '"quoted"\n', '\ud800 lone surrogate'],
        flags: [true, false, null, undefined],
        nested: [[[]], {}, [{ a: [1, { b: 'c' }] }]],
        marker: { $tensor: 'not a tensor' },
        dollar: { $x: 1, $y: 2 },
        ['__proto__' as string]: 'own key',
        f32,
        f64,
        ints: tensor([-2147483648, 0, 2147483647], { dtype: 'int32' }),
        mask: tensor([
          [true, false],
          [false, true],
        ]),
        scalar: tensor(-0),
        empty: zeros([0, 3]),
        emptyInt: zeros([2, 0], { dtype: 'int32' }),
        view: arange(12).float().reshape([3, 4]).t(), // non-contiguous
        shared: [shared, shared],
        missing: undefined,
      },
    };
    const path = join(tmp.dir, 'ckpt.safetensors');
    await save(value, path);
    expect(readdirSync(tmp.dir).filter((f) => f.includes('fackel-tmp'))).toEqual([]);

    const back = await load<typeof value>(path);
    expectSame(back, value);
    expect(back.extra.shared[0]).toBe(back.extra.shared[1]); // stored once, one tensor
    expect(Object.getPrototypeOf(back.extra)).toBe(Object.prototype);
    expect('missing' in back.extra).toBe(true);
    expect(loadFromBytes(await saveToBytes(value))).toBeTruthy();
    expectSame(loadFromBytes(await saveToBytes(value)), value);

    // restore into fresh objects and continue: the same numbers as the original run
    const model2 = new Net(new Generator(99));
    const opt2 = new Adam(model2.parameters(), { lr: 0.5 });
    const sched2 = new StepLR(opt2, { stepSize: 2, gamma: 0.5 });
    const g2 = new Generator(0);
    model2.loadStateDict(back.model);
    opt2.loadStateDict(back.optimizer as OptimizerStateDict);
    sched2.loadStateDict(back.scheduler as SchedulerStateDict);
    g2.setState(back.rng.data as GeneratorState);
    for (let i = 0; i < 2; i++) {
      trainStep(model, opt, sched, g);
      trainStep(model2, opt2, sched2, g2);
    }
    const a = model.stateDict();
    const b = model2.stateDict();
    for (const k of Object.keys(a)) expect(Buffer.from(bytesOf(b[k])).equals(Buffer.from(bytesOf(a[k]))), k).toBe(true);
    expect(opt2.paramGroups[0].lr).toBe(opt.paramGroups[0].lr);
  });

  it('names the tensors by their dotted paths, readable by any safetensors reader', async () => {
    const model = new Net(new Generator(1));
    const opt = new Adam(model.parameters(), { lr: 0.01 });
    trainStep(model, opt, new StepLR(opt, { stepSize: 1 }), new Generator(0));
    const path = join(tmp.dir, 'names.safetensors');
    await save({ model: model.stateDict(), optimizer: opt.stateDict(), step: 1 }, path);
    const { tensors, metadata, dtypes } = await loadSafetensors(path);
    expect(Object.keys(tensors)).toContain('model.lstm.weight_ih_l0');
    expect(Object.keys(tensors)).toContain('model.fc.bias');
    expect(Object.keys(tensors)).toContain('optimizer.state.0.expAvg');
    expect(Object.keys(tensors)).toContain('optimizer.state.9.expAvgSq');
    expect(new Set(Object.values(dtypes))).toEqual(new Set(['F32']));
    expect(metadata!.format).toBe('pt');
    const structure = JSON.parse(metadata![SAVE_STRUCTURE_KEY]) as {
      version: number;
      root: { step: number; model: Record<string, unknown>; optimizer: { state: Record<string, { step: number; expAvg: unknown }> } };
    };
    expect(structure.version).toBe(1);
    expect(structure.root.step).toBe(1);
    expect(structure.root.model['lstm.weight_ih_l0']).toEqual({ $tensor: 'model.lstm.weight_ih_l0' });
    expect(structure.root.optimizer.state['0']).toEqual({
      step: 1,
      expAvg: { $tensor: 'optimizer.state.0.expAvg' },
      expAvgSq: { $tensor: 'optimizer.state.0.expAvgSq' },
    });
  });

  it('save(model.stateDict()) is a plain state-dict file; a file without a structure loads as its state dict', async () => {
    const model = new Net(new Generator(1));
    const sd = model.stateDict();
    const path = join(tmp.dir, 'weights.safetensors');
    await save(sd, path);
    const plain = await loadSafetensors(path);
    expect(Object.keys(plain.tensors).sort()).toEqual(Object.keys(sd).sort());
    const path2 = join(tmp.dir, 'plain.safetensors');
    await saveSafetensors(path2, sd);
    for (const p of [path, path2]) {
      const back = await load<Record<string, Tensor>>(p, { device: 'cpu' });
      expectSame(Object.fromEntries(Object.keys(sd).map((k) => [k, back[k]])), sd);
      new Net(new Generator(2)).loadStateDict(back);
    }
  });

  it('names a tensor that would repeat a name with #2, and a lone tensor "tensor"', async () => {
    const a = tensor([1]);
    const b = tensor([2]);
    const bytes = await saveToBytes({ x: { y: a }, 'x.y': b });
    expect(Object.keys(parseSafetensors(bytes).tensors).sort()).toEqual(['x.y', 'x.y#2']);
    const back = loadFromBytes<{ x: { y: Tensor }; 'x.y': Tensor }>(bytes);
    expect(back.x.y.tolistSync()).toEqual([1]);
    expect(back['x.y'].tolistSync()).toEqual([2]);
    expect(Object.keys(parseSafetensors(await saveToBytes(a)).tensors)).toEqual(['tensor']);
    expect(loadFromBytes<Tensor>(await saveToBytes(a)).tolistSync()).toEqual([1]);
    expect(loadFromBytes(await saveToBytes({ __metadata__: a }))).toMatchObject({ __metadata__: expect.any(Tensor) });
  });

  it('refuses what it cannot store, naming the path', async () => {
    class Thing {}
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = { again: cyclic };
    const disposed = tensor([1]);
    disposed.dispose();
    const cases: [unknown, RegExp][] = [
      [{ a: { b: new Thing() } }, /'a\.b' is a Thing/],
      [{ m: new Map() }, /'m' is a Map/],
      [{ x: [1, new Float32Array(2)] }, /'x\.1' is a Float32Array; save it as a tensor/],
      [{ n: 10n }, /'n' is a BigInt/],
      [{ f: () => 1 }, /'f' is a function/],
      [cyclic, /'self\.again' contains itself/],
      [{ t: disposed }, /'t' is a tensor that has been disposed/],
    ];
    for (const [v, re] of cases) await expect(saveToBytes(v as object)).rejects.toThrow(re);
    await expect(saveToBytes({}, { metadata: { [SAVE_STRUCTURE_KEY]: 'x' } })).rejects.toThrow(/reserved/);
    let deep: unknown = 1;
    for (let i = 0; i < 300; i++) deep = [deep];
    await expect(saveToBytes(deep as object)).rejects.toThrow(/nests more than 256 levels/);
    await expect(save({}, '')).rejects.toThrow(TypeError);
  });

  it('checks the structure when loading: unknown references, unused tensors, bad markers and versions are errors naming the path; nothing stays allocated', async () => {
    const file = async (structure: string, tensors: Record<string, Tensor> = { w: tensor([1, 2]) }): Promise<string> => {
      const p = join(tmp.dir, `bad-${Math.random().toString(36).slice(2)}.safetensors`);
      writeFileSync(p, await serializeSafetensors(tensors, { [SAVE_STRUCTURE_KEY]: structure }));
      return p;
    };
    const cases: [string, RegExp][] = [
      [
        '{"version":1,"root":{"a":{"b":{"$tensor":"nope"}},"w":{"$tensor":"w"}}}',
        /the structure at 'a\.b' refers to the tensor 'nope', which the file does not hold/,
      ],
      ['{"version":1,"root":{"a":[1,{"$tensor":7}]}}', /'a\.1' refers to a tensor by a number/],
      ['{"version":1,"root":{"x":1}}', /holds tensor 'w' that the structure does not use/],
      ['{"version":1,"root":{"w":{"$tensor":"w"},"n":{"$number":"0"}}}', /'n' is a \$number marker with the string "0"/],
      ['{"version":1,"root":{"w":{"$tensor":"w"},"q":{"$what":1}}}', /'q' is an object with the unknown marker "\$what"/],
      ['{"version":1,"root":{"w":{"$tensor":"w"},"o":{"$object":[1]}}}', /'o' is an \$object marker with an array/],
      ['{"version":1,"root":{"w":{"$tensor":"w"},"u":{"$undefined":1}}}', /'u' is an \$undefined marker/],
      ['{"version":2,"root":{}}', /version 2, written by a newer Fackel/],
      ['{"version":"1","root":{}}', /version must be a whole number/],
      ['{"root":{}}', /version must be a whole number/],
      ['[1]', /must be an object \{"version": 1, "root": …\}/],
      ['{"version":1,', /is not valid JSON/],
    ];
    const files = await Promise.all(cases.map(([structure]) => file(structure)));
    const before = memory().tensors;
    for (const [i, [structure, re]] of cases.entries()) {
      const p = files[i];
      const err = await load(p).catch((e: unknown) => e);
      expect(err, structure).toBeInstanceOf(SafetensorsError);
      expect((err as Error).message, structure).toMatch(re);
      expect((err as Error).message).toContain(p);
    }
    expect(memory().tensors).toBe(before);
    // the hardened reader's checks and limits still apply
    const p = join(tmp.dir, 'truncated.safetensors');
    writeFileSync(p, readFileSync(await file('{"version":1,"root":{"w":{"$tensor":"w"}}}')).subarray(0, 20));
    await expect(load(p)).rejects.toThrow(SafetensorsError);
    const two = join(tmp.dir, 'two.safetensors');
    await save({ a: tensor([1]), b: tensor([2]) }, two);
    await expect(load(two, { maxTensors: 1 })).rejects.toThrow(/more than 1 (tensors|entries)/);
    expect(existsSync(join(tmp.dir, 'nowhere.safetensors'))).toBe(false);
    await expect(load(join(tmp.dir, 'nowhere.safetensors'))).rejects.toThrow(/ENOENT/);
  });
});
