import { registerCpuBackend } from '@fackel/backend-cpu';
import { Generator, manualSeed, randperm, tensor, type Tensor } from '@fackel/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ConcatDataset,
  CsvDataset,
  DataLoader,
  Dataset,
  MapDataset,
  Subset,
  TensorDataset,
  charBatchTensors,
  charBatches,
  defaultCollate,
  diabetes,
  permutation,
  randomSplit,
  splitSizes,
  type IterableDataset,
} from '../src/index.js';
import { sharedData } from '@fackel/testkit';

beforeAll(() => registerCpuBackend());

class Range extends Dataset<number> {
  constructor(private readonly n: number) {
    super();
  }
  get length() {
    return this.n;
  }
  getItem(i: number) {
    return i;
  }
}

const values = (t: Tensor) => Array.from(t.dataSync());

async function collect<B>(loader: AsyncIterable<B>): Promise<B[]> {
  const out: B[] = [];
  for await (const b of loader) out.push(b);
  return out;
}

describe('permutation and randomSplit', () => {
  it('gives the same permutation as randperm for the same seed', () => {
    for (const seed of [0, 1, 42]) {
      const p = permutation(100, new Generator(seed));
      expect(Array.from(p)).toEqual(values(randperm(100, { generator: new Generator(seed) })));
      expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    }
    expect(Array.from(permutation(10, new Generator(7)))).toEqual(Array.from(permutation(10, new Generator(7))));
    expect(Array.from(permutation(10, new Generator(7)))).not.toEqual(Array.from(permutation(10, new Generator(8))));
  });

  it('splits by fractions or counts, deterministically under a seed', () => {
    const ds = new Range(759);
    const [a, b] = randomSplit(ds, [0.8, 0.2], new Generator(0));
    expect([a.length, b.length]).toEqual([608, 151]);
    const [a2, b2] = randomSplit(ds, [0.8, 0.2], new Generator(0));
    expect(a2.indices).toEqual(a.indices);
    expect(b2.indices).toEqual(b.indices);
    const [a3] = randomSplit(ds, [0.8, 0.2], new Generator(1));
    expect(a3.indices).not.toEqual(a.indices);
    const all = [...a.indices, ...b.indices].sort((x, y) => x - y);
    expect(all).toEqual(Array.from({ length: 759 }, (_, i) => i));
    expect(a.getItem(0)).toBe(a.indices[0]);
    const perm = Array.from(permutation(759, new Generator(0)));
    expect(a.indices).toEqual(perm.slice(0, 608));
    const parts = randomSplit(ds, [700, 59], new Generator(0));
    expect(parts.map((p) => p.length)).toEqual([700, 59]);
  });

  it('hands out the remainder of fractions as PyTorch does, and checks the lengths', () => {
    expect(splitSizes(10, [0.33, 0.33, 0.34])).toEqual([4, 3, 3]);
    expect(splitSizes(5, [0.5, 0.5])).toEqual([3, 2]);
    expect(() => splitSizes(10, [6, 5])).toThrow('the split lengths [6, 5] add up to 11, but the dataset has 10 items');
    expect(() => splitSizes(10, [0.5, 0.6])).toThrow('are neither fractions that add up to 1 (they add up to 1.1) nor whole counts');
    expect(() => splitSizes(10, [])).toThrow('randomSplit needs a non-empty array of lengths');
  });

  it('uses the global generator when none is given', () => {
    manualSeed(3);
    const [a] = randomSplit(new Range(20), [10, 10]);
    expect(a.indices).toEqual(Array.from(permutation(20, new Generator(3))).slice(0, 10));
  });

  it('Subset, ConcatDataset and MapDataset index correctly', () => {
    const c = new ConcatDataset([new Range(3), new Range(2), new Range(4)]);
    expect(c.length).toBe(9);
    expect(Array.from({ length: 9 }, (_, i) => c.getItem(i))).toEqual([0, 1, 2, 0, 1, 0, 1, 2, 3]);
    expect(() => c.getItem(9)).toThrow('ConcatDataset index 9 is out of range for a ConcatDataset of length 9');
    const s = new Subset(c, [8, 0]);
    expect([s.getItem(0), s.getItem(1)]).toEqual([3, 0]);
    expect(() => new Subset(c, [9])).toThrow('Subset index 9 is out of range');
    const m = new MapDataset(s, (v, i) => `${i}:${v}`);
    expect(m.getItem(1)).toBe('1:0');
  });
});

describe('defaultCollate', () => {
  it('stacks typed arrays and numbers into tensors, keeping [x, y] structure', () => {
    const [x, y] = defaultCollate([
      [Float32Array.of(1, 2, 3), 0],
      [Float32Array.of(4, 5, 6), 1],
    ]);
    expect(x.shape).toEqual([2, 3]);
    expect(x.dtype).toBe('float32');
    expect(values(x)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(y.shape).toEqual([2]);
    expect(y.dtype).toBe('float32');
    const [, y2] = defaultCollate([
      [Float32Array.of(1), Float32Array.of(0)],
      [Float32Array.of(2), Float32Array.of(1)],
    ]);
    expect(y2.shape).toEqual([2, 1]);
    expect(defaultCollate([Int32Array.of(1, 2), Int32Array.of(3, 4)]).dtype).toBe('int32');
  });

  it('stacks tensors along a new first dimension', () => {
    const b = defaultCollate([tensor([[1, 2]]), tensor([[3, 4]]), tensor([[5, 6]])]);
    expect(b.shape).toEqual([3, 1, 2]);
    expect(values(b)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('collates objects by key, strings as lists, bigints as int32, booleans as bool', () => {
    const b = defaultCollate([
      { name: 'Ada', label: 1n, ok: true, x: Float32Array.of(1, 2) },
      { name: 'Bob', label: 0n, ok: false, x: Float32Array.of(3, 4) },
    ]);
    expect(b.name).toEqual(['Ada', 'Bob']);
    expect(b.label.dtype).toBe('int32');
    expect(values(b.label)).toEqual([1, 0]);
    expect(b.ok.dtype).toBe('bool');
    expect(b.x.shape).toEqual([2, 2]);
  });

  it('transposes plain number arrays as PyTorch does with lists', () => {
    const cols = defaultCollate([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(cols.length).toBe(3);
    expect(cols.map((t) => t.shape)).toEqual([[2], [2], [2]]);
    expect(values(cols[0])).toEqual([1, 4]);
  });

  it('explains mismatched items', () => {
    expect(() => defaultCollate([Float32Array.of(1, 2), Float32Array.of(1)])).toThrow('cannot stack the items: item 0 has length 2 but item 1 has length 1');
    expect(() =>
      defaultCollate([
        [Float32Array.of(1), 0],
        [Float32Array.of(2), 'x'],
      ] as unknown[]),
    ).toThrow('cannot collate item[1]: item 0[1] is a number, but item 1[1] is string');
    expect(() => defaultCollate([tensor([1, 2]), tensor([1, 2, 3])])).toThrow('cannot stack the items: item 0 has shape [2] but item 1 has shape [3]');
    expect(() => defaultCollate([new Map()])).toThrow('the default collate cannot batch an object (Map)');
    expect(() => defaultCollate([])).toThrow('collate needs a non-empty array of items');
  });
});

describe('DataLoader', () => {
  it('batches in order, with a short last batch unless dropLast', async () => {
    const ds = new Range(10);
    const loader = new DataLoader(ds, { batchSize: 4 });
    expect(loader.length).toBe(3);
    const batches = await collect(loader);
    expect(batches.map(values)).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ]);
    const dropped = new DataLoader(ds, { batchSize: 4, dropLast: true });
    expect(dropped.length).toBe(2);
    expect((await collect(dropped)).map(values)).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
    ]);
  });

  it('shuffles the same way on every run with the same generator seed, differently each pass', async () => {
    const order = async (seed: number, passes: number) => {
      const loader = new DataLoader(new Range(12), { batchSize: 5, shuffle: true, generator: new Generator(seed) });
      const out: number[][] = [];
      for (let p = 0; p < passes; p++) out.push((await collect(loader)).flatMap(values));
      return out;
    };
    const run1 = await order(42, 3);
    const run2 = await order(42, 3);
    expect(run2).toEqual(run1);
    expect(run1[0]).not.toEqual(run1[1]);
    for (const pass of run1) expect([...pass].sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    // the first pass is randperm(12) of a fresh generator with that seed
    expect(run1[0]).toEqual(values(randperm(12, { generator: new Generator(42) })));
    expect(await order(43, 1)).not.toEqual([run1[0]]);
  });

  it('uses a custom collate and awaits async items', async () => {
    const asyncDs = { length: 3, getItem: async (i: number) => ({ id: i }) };
    const loader = new DataLoader(asyncDs, { batchSize: 2, collate: (items) => items.map((it) => it.id) });
    expect(await collect(loader)).toEqual([[0, 1], [2]]);
  });

  it('gives [B, 8] and [B, 1] batches of the diabetes data', async () => {
    const ds = await diabetes({ root: sharedData(), download: false });
    const loader = new DataLoader(ds, { batchSize: 32, shuffle: true, generator: new Generator(0) });
    const batches = await collect(loader);
    expect(batches.length).toBe(24);
    expect(batches[0][0].shape).toEqual([32, 8]);
    expect(batches[0][1].shape).toEqual([32, 1]);
    expect(batches[23][0].shape).toEqual([759 - 23 * 32, 8]);
    const [x, y] = ds.toTensors();
    expect(x.shape).toEqual([759, 8]);
    expect(y.shape).toEqual([759, 1]);
    expect(values(y).reduce((a, b) => a + b, 0)).toBe(496);
  });

  it('reads TensorDataset batches with indexSelect, equal to stacking items', async () => {
    const x = tensor(Array.from({ length: 6 }, (_, i) => [i, i * 10]));
    const y = tensor([0, 1, 0, 1, 1, 0], { dtype: 'int32' });
    const ds = new TensorDataset(x, y);
    expect(ds.length).toBe(6);
    const [x3, y3] = ds.getItem(3);
    expect(values(x3)).toEqual([3, 30]);
    expect(y3.shape).toEqual([]);
    const fast = await collect(new DataLoader(ds, { batchSize: 4, shuffle: true, generator: new Generator(5) }));
    const slow = await collect(new DataLoader(ds, { batchSize: 4, shuffle: true, generator: new Generator(5), collate: (items) => defaultCollate(items) }));
    expect(fast.map((b) => b.map(values))).toEqual(slow.map((b) => b.map(values)));
    expect(fast[0][0].shape).toEqual([4, 2]);
    expect(fast[0][1].dtype).toBe('int32');
    expect(() => new TensorDataset(x, tensor([1, 2]))).toThrow('all tensors must have the same size in dimension 0, but tensor 0 has 6 and tensor 1 has 2');
  });

  it('batches an iterable dataset in order and refuses to shuffle it', async () => {
    const stream = CsvDataset.stream(`${sharedData()}/diabetes.csv`, { header: false, label: [-1] });
    const batches = await collect(new DataLoader(stream, { batchSize: 100 }));
    expect(batches.map((b) => b[0].shape[0])).toEqual([100, 100, 100, 100, 100, 100, 100, 59]);
    const counter: IterableDataset<number> = {
      async *[Symbol.asyncIterator]() {
        for (let i = 0; i < 5; i++) yield i;
      },
    };
    expect((await collect(new DataLoader(counter, { batchSize: 2, dropLast: true }))).map(values)).toEqual([
      [0, 1],
      [2, 3],
    ]);
    expect(() => new DataLoader(counter, { shuffle: true })).toThrow('shuffle needs a map-style Dataset');
    expect(() => new DataLoader(counter).length).toThrow('an IterableDataset has no known length');
    expect(() => new DataLoader(new Range(3), { batchSize: 0 })).toThrow('batchSize must be a positive integer, got 0');
  });
});

describe('tensor helpers', () => {
  it('turns char batches into int32 [batchSize, seqLength] tensors', () => {
    const { train } = charBatches(
      Int32Array.from({ length: 21 }, (_, i) => i),
      { batchSize: 2, seqLength: 3, valFrac: 0 },
    );
    const { x, y } = charBatchTensors(train.batchAt(1));
    expect(x.shape).toEqual([2, 3]);
    expect(x.dtype).toBe('int32');
    expect(x.tolistSync()).toEqual([
      [3, 4, 5],
      [12, 13, 14],
    ]);
    expect(y.tolistSync()).toEqual([
      [4, 5, 6],
      [13, 14, 15],
    ]);
  });
});
