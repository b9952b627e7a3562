import * as tensorPkg from '@fackel/tensor';
import * as nnPkg from '@fackel/nn';
import * as optimPkg from '@fackel/optim';
import { describe, expect, it } from 'vitest';
import * as fackel from '../src/index.js';
import { data, getDefaultDevice, isGradEnabled, nn, optim, randn, tensor } from '../src/index.js';

/** What @fackel/tensor exports only for Fackel's own packages; the umbrella leaves it out. */
const TENSOR_INTERNALS = ['lstmCellBackward', 'lstmSequenceBackward', 'softmaxCrossEntropyBackward', 'adamStep_', 'shuffledRange'];

describe('fackel umbrella', () => {
  it('has the CPU device ready and autograd on, like torch', () => {
    expect(getDefaultDevice().name).toBe('cpu');
    expect(isGradEnabled()).toBe(true);
    const w = tensor([1], { requiresGrad: true });
    w.mul(3).sub(6).pow(2).sum().backward();
    expect(w.grad!.tolistSync()).toEqual([-18]);
  });

  it('exposes data, nn and optim as namespaces', () => {
    expect(typeof data.DataLoader).toBe('function');
    expect(nn.Linear).toBe(nnPkg.Linear);
    expect(optim.Adam).toBe(optimPkg.Adam);
    expect(typeof nn.init.kaimingUniform_).toBe('function');
  });

  it('trains a layer with nn and optim from the one import', () => {
    const layer = new nn.Linear(3, 1);
    const opt = new optim.Adam(layer.parameters(), { lr: 0.05 });
    const x = randn([16, 3]);
    const y = x.sum(1, true);
    const lossOf = (): number => new nn.MSELoss().forward(layer.forward(x), y).itemSync();
    const before = lossOf();
    for (let i = 0; i < 50; i++) {
      opt.zeroGrad();
      new nn.MSELoss().forward(layer.forward(x), y).backward();
      opt.step();
    }
    expect(lossOf()).toBeLessThan(before / 2);
  });

  it('exports torch.save / torch.load at the top level', () => {
    expect(fackel.save).toBe(nnPkg.save);
    expect(fackel.load).toBe(nnPkg.load);
    expect(nn.save).toBe(nnPkg.save);
  });

  it("exports nothing besides tensor's public API but the listed names", () => {
    // A new top-level export: add it here (and to the list in the module comment of src/index.ts).
    const OTHERS = [
      'enableAutograd',
      'grad',
      'defineFunction',
      'gradcheck',
      'sumTo',
      'CpuBackend',
      'setCpuThreads',
      'getCpuThreads',
      'nn',
      'optim',
      'data',
      'save',
      'load',
    ];
    const extra = Object.keys(fackel).filter((name) => !(name in tensorPkg));
    expect(extra.sort()).toEqual([...OTHERS].sort());
  });

  it("re-exports tensor's public API by name and none of its internals", () => {
    const umbrella = fackel as Record<string, unknown>;
    for (const name of TENSOR_INTERNALS) {
      expect(name in tensorPkg, `${name} is still exported by @fackel/tensor`).toBe(true);
      expect(name in umbrella, `${name} leaks through fackel`).toBe(false);
    }
    const missing = Object.keys(tensorPkg).filter(
      (name) => !TENSOR_INTERNALS.includes(name) && umbrella[name] !== (tensorPkg as Record<string, unknown>)[name],
    );
    // A new export of @fackel/tensor: add it to the list in src/index.ts, or to TENSOR_INTERNALS here.
    expect(missing).toEqual([]);
  });
});
