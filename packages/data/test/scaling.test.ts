import { registerCpuBackend } from '@fackel/backend-cpu';
import { Generator, tensor } from '@fackel/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { CsvDataset, MapDataset, MinMaxScaler, StandardScaler, randomSplit, scalerFromJSON } from '../src/index.js';
import { sharedData } from '@fackel/testkit';

beforeAll(() => registerCpuBackend());

describe('StandardScaler', () => {
  it('learns per-column mean and population std, and scales rows', () => {
    const s = StandardScaler.fit([
      [1, 10, 5],
      [3, 30, 5],
    ]);
    expect(s.mean).toEqual([2, 20, 5]);
    expect(s.std).toEqual([1, 10, 0]);
    expect(Array.from(s.transform([3, 10, 7]))).toEqual([1, -1, 2]); // a constant column is only centred
    expect(Array.from(s.transform([1, 10, 5, 3, 30, 5]))).toEqual([-1, -1, 0, 1, 1, 0]);
    expect(Array.from(s.inverseTransform(s.transform([2.5, 12, 4])))).toEqual([2.5, 12, 4]);
    expect(() => s.transform([1, 2])).toThrow('the scaler was fitted on 3 features, but got 2 values');
  });

  it('is fitted on the training split only and travels as JSON', async () => {
    const ds = await CsvDataset.load(sharedData('diabetes.csv'), { header: false, label: [-1] });
    const [train, test] = randomSplit(ds, [0.8, 0.2], new Generator(0));
    const scaler = StandardScaler.fit(train);
    // the statistics are those of the training rows alone
    const mean0 = train.indices.reduce((a, i) => a + ds.features[i * 8], 0) / train.length;
    expect(scaler.mean[0]).toBeCloseTo(mean0, 10);
    const all = StandardScaler.fit(ds);
    expect(all.mean[0]).not.toBeCloseTo(mean0, 10);
    const scaledTrain = new MapDataset(train, ([x, y]) => [scaler.transform(x), y] as const);
    let sum = 0;
    for (let i = 0; i < scaledTrain.length; i++) sum += scaledTrain.getItem(i)[0][1];
    expect(Math.abs(sum / scaledTrain.length)).toBeLessThan(1e-5);
    expect(test.length).toBe(151);
    const restored = scalerFromJSON(JSON.stringify(scaler));
    expect(restored).toBeInstanceOf(StandardScaler);
    expect(restored.transform(ds.getItem(3)[0])).toEqual(scaler.transform(ds.getItem(3)[0]));
  });

  it('scales tensors along their last dimension', () => {
    const s = StandardScaler.fromStats([1, 2], [2, 4]);
    const x = tensor([
      [1, 2],
      [3, 10],
    ]);
    expect(s.transformTensor(x).tolistSync()).toEqual([
      [0, 0],
      [1, 2],
    ]);
    expect(() => s.transformTensor(tensor([1, 2, 3]))).toThrow('the last dimension must be 2');
  });

  it('rejects empty or non-finite training data', () => {
    expect(() => StandardScaler.fit([])).toThrow('cannot fit a scaler on no rows (the training split is empty)');
    expect(() => StandardScaler.fit([[1, NaN]])).toThrow('row 0, feature 1 is NaN; a scaler needs finite numbers');
    expect(() => StandardScaler.fit([[1, 2], [1]])).toThrow('row 1 has 1 features, but the first row has 2');
  });
});

describe('MinMaxScaler', () => {
  it('maps the training range to [0, 1] or a given range', () => {
    const s = MinMaxScaler.fit([
      [0, 5, 1],
      [10, 7, 1],
    ]);
    expect(Array.from(s.transform([5, 6, 1]))).toEqual([0.5, 0.5, 0]);
    const g = MinMaxScaler.fromStats([0], [199], [-1, 1]);
    expect(g.transform([148])[0]).toBeCloseTo(0.487437, 6); // the diabetes file's glucose scaling
    const json = g.toJSON();
    expect(json).toEqual({ type: 'MinMaxScaler', version: 1, min: [0], max: [199], range: [-1, 1] });
    expect(Array.from(scalerFromJSON(json).transform([199]))).toEqual([1]);
    expect(() => MinMaxScaler.fit([[1]], { range: [1, 0] })).toThrow('range must be [low, high] with low < high, got [1,0]');
    expect(() => scalerFromJSON({ type: 'Other', version: 1 } as never)).toThrow('unknown scaler type "Other"');
  });
});
