import { describe, expect, it } from 'vitest';
import { CpuBackend, registerCpuBackend } from '@fackel/backend-cpu';
import { enableAutograd } from '@fackel/autograd';
import { getDevice, noGrad, ones, randn, registerBackend, tensor, tidy, zeros, type Tensor } from '@fackel/tensor';
import { Dropout, LSTM, Linear, Module, ModuleDict, ModuleList, Parameter, ReLU, Sequential, Sigmoid, StateDictError, isParameter } from '../src/index.js';

registerCpuBackend();
registerBackend('second', () => new CpuBackend()); // a second device, to test moving between devices
enableAutograd();

class Net extends Module<[Tensor], Tensor> {
  fc1 = new Linear(8, 6);
  act = new Sigmoid();
  fc2 = new Linear(6, 1);
  forward(x: Tensor): Tensor {
    return this.fc2.forward(this.act.forward(this.fc1.forward(x))).sigmoid();
  }
}

class CharRNN extends Module<[Tensor], Tensor> {
  lstm = new LSTM(65, 128, { numLayers: 2, dropout: 0.5, batchFirst: true });
  dropout = new Dropout(0.5);
  fc = new Linear(128, 65);
  forward(x: Tensor): Tensor {
    return this.fc.forward(this.dropout.forward(this.lstm.forward(x)[0]));
  }
}

/** Two linear layers sharing one weight (`b.weight` is `a.weight`), with a buffer `steps` when asked. */
class Tied extends Module {
  a = new Linear(3, 3);
  b = new Linear(3, 3);
  constructor(withBuffer = false) {
    super();
    this.b.weight = this.a.weight;
    if (withBuffer) this.registerBuffer('steps', zeros([1]));
  }
  forward(x: Tensor): Tensor {
    return this.b.forward(this.a.forward(x));
  }
}

describe('Parameter', () => {
  it('marks a tensor: same object, a leaf that requires grad, recognised by instanceof', () => {
    const t = zeros([2]);
    const p = new Parameter(t);
    expect(p).toBe(t);
    expect(p.requiresGrad).toBe(true);
    expect(p instanceof Parameter).toBe(true);
    expect(zeros([1]) instanceof Parameter).toBe(false);
    expect(isParameter(p)).toBe(true);
    expect(new Parameter(zeros([1], { dtype: 'int32' }), false).requiresGrad).toBe(false);
    expect(() => new Parameter(zeros([1], { dtype: 'int32' }))).toThrow('Parameter: only floating-point tensors can require gradients, got int32');
    expect(() => new Parameter([1, 2] as unknown as Tensor)).toThrow('Parameter: expected a Tensor, got an array (wrap it with tensor(...))');
  });

  it('outlives tidy scopes and detaches a recorded tensor', () => {
    let kept: Tensor | null = null;
    tidy(() => {
      kept = new Parameter(ones([2]));
    });
    expect(kept!.isDisposed).toBe(false);
    const x = ones([2], { requiresGrad: true });
    const y = x.mul(2);
    const q = new Parameter(y);
    expect(q).not.toBe(y);
    expect(q.isLeaf).toBe(true);
  });
});

describe('Module registration and traversal', () => {
  it('registers children and parameters by property assignment with PyTorch dotted names', () => {
    const net = new Net();
    expect(net.namedParameters().map(([n]) => n)).toEqual(['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']);
    expect(net.namedChildren().map(([n]) => n)).toEqual(['fc1', 'act', 'fc2']);
    expect(net.children().length).toBe(3);
    expect(net.namedModules().map(([n, m]) => `${n}:${m.constructor.name}`)).toEqual([':Net', 'fc1:Linear', 'act:Sigmoid', 'fc2:Linear']);
    expect(net.modules().length).toBe(4);
    expect(net.parameters().length).toBe(4);
    expect(net.numParameters()).toBe(8 * 6 + 6 + 6 + 1);
    expect(net.forward(randn([4, 8])).shape).toEqual([4, 1]);
    expect(net.call(randn([4, 8])).shape).toEqual([4, 1]);
  });

  it('gives the char-RNN exactly the keys of the PyTorch checkpoint', () => {
    expect(Object.keys(new CharRNN().stateDict())).toEqual([
      'lstm.weight_ih_l0',
      'lstm.weight_hh_l0',
      'lstm.bias_ih_l0',
      'lstm.bias_hh_l0',
      'lstm.weight_ih_l1',
      'lstm.weight_hh_l1',
      'lstm.bias_ih_l1',
      'lstm.bias_hh_l1',
      'fc.weight',
      'fc.bias',
    ]);
  });

  it('lists a shared parameter once in parameters() but under every name in the state dict', () => {
    const m = new Tied();
    expect(m.namedParameters().map(([n]) => n)).toEqual(['a.weight', 'a.bias', 'b.bias']);
    expect(Object.keys(m.stateDict())).toEqual(['a.weight', 'a.bias', 'b.weight', 'b.bias']);
  });

  it('handles buffers, persistent or not, and explicit registration', () => {
    class WithBuffers extends Module {
      declare running: Tensor;
      declare scratchpad: Tensor;
      lin = new Linear(2, 2);
      constructor() {
        super();
        this.registerBuffer('running', zeros([2]));
        this.registerBuffer('scratchpad', ones([1]), false);
        this.registerParameter('scale', new Parameter(ones([1])));
      }
      forward(x: Tensor): Tensor {
        return x;
      }
    }
    const m = new WithBuffers();
    expect(m.namedBuffers().map(([n]) => n)).toEqual(['running', 'scratchpad']);
    expect(m.buffers().length).toBe(2);
    expect(Object.keys(m.stateDict())).toEqual(['scale', 'running', 'lin.weight', 'lin.bias']);
    expect(m.running.shape).toEqual([2]);
    expect(() => m.registerParameter('x', zeros([1]))).toThrow(
      "WithBuffers.registerParameter: 'x' must be a Parameter (wrap the tensor: new Parameter(t)) or null",
    );
    expect(() => m.registerBuffer('a.b', zeros([1]))).toThrow("WithBuffers.registerBuffer: the name 'a.b' must not contain '.'");
    expect(m.getSubmodule('lin')).toBe(m.lin);
    expect(() => m.getSubmodule('lin.x')).toThrow("getSubmodule: Linear at 'lin' has no submodule 'x' (it has: none)");
  });

  it('switches train/eval recursively and applies functions children first', () => {
    const m = new CharRNN();
    expect(m.modules().every((x) => x.training)).toBe(true);
    m.eval();
    expect(m.modules().every((x) => !x.training)).toBe(true);
    m.train();
    expect(m.dropout.training).toBe(true);
    const order: string[] = [];
    m.apply((x) => order.push(x.constructor.name));
    expect(order).toEqual(['LSTM', 'Dropout', 'Linear', 'CharRNN']);
    m.requiresGrad_(false);
    expect(m.parameters().every((p) => !p.requiresGrad)).toBe(true);
    expect(m.numParameters(true)).toBe(0);
  });

  it('zeroGrad clears (default) or zeroes gradients', () => {
    const net = new Net();
    net
      .forward(randn([3, 8]))
      .sum()
      .backward();
    expect(net.parameters().every((p) => p.grad !== null)).toBe(true);
    net.zeroGrad(false);
    expect(Array.from(net.fc1.bias!.grad!.dataSync()).every((v) => v === 0)).toBe(true);
    net.zeroGrad();
    expect(net.parameters().every((p) => p.grad === null)).toBe(true);
  });

  it('casts floating-point parameters with to(dtype) and moves them with await to(device)', async () => {
    const net = new Net();
    const w = Array.from(net.fc1.weight.dataSync());
    net.double();
    expect(net.parameters().every((p) => p.dtype === 'float64' && p.requiresGrad && isParameter(p))).toBe(true);
    expect(Array.from(net.fc1.weight.dataSync())).toEqual(w);
    net.float();
    expect(net.fc1.weight.dtype).toBe('float32');
    const same = net.fc1.weight;
    expect(await net.to('cpu')).toBe(net);
    expect(net.fc1.weight).toBe(same);
    expect(await net.to(getDevice('cpu'))).toBe(net);
  });

  it('moves parameters, gradients and buffers to another device, keeping sharing and marks', async () => {
    const m = new Tied(true);
    m.a.bias!.requiresGrad_(false);
    m.forward(randn([2, 3]))
      .sum()
      .backward();
    const oldWeight = m.a.weight;
    const values = Array.from(oldWeight.dataSync());
    const grad = Array.from(oldWeight.grad!.dataSync());
    await m.to('second');
    expect(m.parameters().every((p) => p.device.name === 'second' && isParameter(p))).toBe(true);
    expect(m.buffers()[0].device.name).toBe('second');
    expect(m.b.weight).toBe(m.a.weight);
    expect(m.a.bias!.requiresGrad).toBe(false);
    expect(Array.from(m.a.weight.dataSync())).toEqual(values);
    expect(m.a.weight.grad!.device.name).toBe('second');
    expect(Array.from(m.a.weight.grad!.dataSync())).toEqual(grad);
    expect(oldWeight.isDisposed).toBe(true); // documented: the old tensors are released
    expect(m.forward(randn([2, 3], { device: 'second' })).device.name).toBe('second');
    // a state dict on the CPU loads into the module on the other device
    const fresh = new Tied(true);
    m.loadStateDict(fresh.stateDict());
    expect(Array.from(m.a.weight.dataSync())).toEqual(Array.from(fresh.a.weight.dataSync()));
  });
});

describe('containers', () => {
  it('Sequential chains modules and names them 0, 1, … (or by key)', () => {
    const s = new Sequential(new Linear(8, 6), new ReLU(), new Linear(6, 1));
    expect(s.forward(randn([2, 8])).shape).toEqual([2, 1]);
    expect(Object.keys(s.stateDict())).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    expect(s.length).toBe(3);
    expect(s.at(-1)).toBeInstanceOf(Linear);
    expect([...s].length).toBe(3);
    s.append(new Sigmoid());
    expect(s.namedChildren().map(([n]) => n)).toEqual(['0', '1', '2', '3']);
    expect(s.slice(0, 2).length).toBe(2);
    const named = new Sequential({ hidden: new Linear(2, 3), act: new ReLU() });
    expect(Object.keys(named.stateDict())).toEqual(['hidden.weight', 'hidden.bias']);
    expect(() => new Sequential(new Linear(2, 2), 5 as unknown as Module)).toThrow('Sequential: argument 1: expected a Module, got number');
    expect(() => s.at(7)).toThrow('Sequential.at: index 7 is out of range for 4 modules');
    expect(s.toString()).toBe(
      'Sequential(\n  (0): Linear(inFeatures=8, outFeatures=6, bias=true)\n  (1): ReLU()\n  (2): Linear(inFeatures=6, outFeatures=1, bias=true)\n  (3): Sigmoid()\n)',
    );
  });

  it('ModuleList registers its items and is not callable', () => {
    const l = new ModuleList([new Linear(2, 2), new Linear(2, 2)]);
    l.append(new Linear(2, 1));
    l.insert(0, new ReLU());
    expect(l.length).toBe(4);
    expect(l.namedParameters().map(([n]) => n)).toEqual(['1.weight', '1.bias', '2.weight', '2.bias', '3.weight', '3.bias']);
    expect(() => l.forward()).toThrow('ModuleList has no forward(): it only holds modules; iterate over it in your own forward');
    class Stack extends Module {
      layers = new ModuleList([new Linear(3, 3), new Linear(3, 3)]);
      forward(x: Tensor): Tensor {
        for (const layer of this.layers) x = (layer as Linear).forward(x);
        return x;
      }
    }
    expect(Object.keys(new Stack().stateDict())).toEqual(['layers.0.weight', 'layers.0.bias', 'layers.1.weight', 'layers.1.bias']);
  });

  it('ModuleDict keeps insertion order, even for numeric-looking keys', () => {
    const d = new ModuleDict({ b: new Linear(1, 1) });
    d.set('10', new Linear(1, 1)).set('2', new ReLU());
    expect([...d.keys()]).toEqual(['b', '10', '2']);
    expect(Object.keys(d.stateDict())).toEqual(['b.weight', 'b.bias', '10.weight', '10.bias']);
    expect(() => d.get('zz')).toThrow("ModuleDict.get: no module under 'zz' (keys: b, 10, 2)");
    expect(d.pop('2')).toBeInstanceOf(ReLU);
    expect(d.size).toBe(2);
  });
});

describe('state dicts', () => {
  it('returns detached views sharing storage, owned by the caller', () => {
    const fc = new Linear(2, 2);
    const sd = fc.stateDict();
    expect(sd.weight).not.toBe(fc.weight);
    expect(sd.weight!.requiresGrad).toBe(false);
    noGrad(() => sd.weight!.fill_(3));
    expect(Array.from(fc.weight.dataSync())).toEqual([3, 3, 3, 3]);
    sd.weight!.dispose();
    expect(fc.weight.isDisposed).toBe(false);
    expect(fc.stateDict({ keepVars: true }).weight).toBe(fc.weight);
  });

  it('loads in place (optimizers keep their references), converting dtype', () => {
    const a = new Net();
    const b = new Net();
    const w = b.fc1.weight;
    expect(b.loadStateDict(a.stateDict())).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(b.fc1.weight).toBe(w);
    expect(Array.from(b.fc1.weight.dataSync())).toEqual(Array.from(a.fc1.weight.dataSync()));
    const sd64 = Object.fromEntries(Object.entries(a.stateDict()).map(([k, v]) => [k, v.double()]));
    b.loadStateDict(new Map(Object.entries(sd64)));
    expect(b.fc1.weight.dtype).toBe('float32');
  });

  it('a strict load lists every missing and unexpected key and every shape mismatch, and copies nothing', () => {
    const net = new Net();
    const before = Array.from(net.fc1.weight.dataSync());
    const sd: Record<string, Tensor> = {
      'fc1.weight': zeros([6, 8]),
      'fc1.bias': zeros([5]),
      'fc2.weight': zeros([1, 6]),
      'fc3.weight': zeros([1]),
      extra: zeros([1]),
    };
    let err: unknown;
    try {
      net.loadStateDict(sd);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StateDictError);
    expect((err as Error).message).toBe(
      'Error(s) in loading state_dict for Net:\n' +
        '\tMissing key(s) in state_dict: "fc2.bias".\n' +
        '\tUnexpected key(s) in state_dict: "fc3.weight", "extra".\n' +
        '\tsize mismatch for fc1.bias: copying a param with shape [5] from checkpoint, the shape in current model is [6].',
    );
    expect((err as StateDictError).missingKeys).toEqual(['fc2.bias']);
    expect(Array.from(net.fc1.weight.dataSync())).toEqual(before);
    // non-strict: loads what fits, reports the rest; shape mismatches still fail
    delete sd['fc1.bias'];
    expect(net.loadStateDict(sd, { strict: false })).toEqual({ missingKeys: ['fc1.bias', 'fc2.bias'], unexpectedKeys: ['fc3.weight', 'extra'] });
    expect(Array.from(net.fc1.weight.dataSync()).every((v) => v === 0)).toBe(true);
    expect(() => net.loadStateDict({ 'fc1.weight': zeros([8, 6]) }, { strict: false })).toThrow(
      'size mismatch for fc1.weight: copying a param with shape [8,6] from checkpoint, the shape in current model is [6,8]',
    );
    expect(() => net.loadStateDict(null as unknown as Record<string, Tensor>)).toThrow(
      'Net.loadStateDict: expected an object or Map of name → Tensor, got null',
    );
  });
});

describe('printing', () => {
  it('prints the tree and a summary with parameter counts', () => {
    const m = new CharRNN();
    expect(m.toString()).toBe(
      'CharRNN(\n' +
        '  (lstm): LSTM(65, 128, numLayers=2, batchFirst=true, dropout=0.5)\n' +
        '  (dropout): Dropout(p=0.5)\n' +
        '  (fc): Linear(inFeatures=128, outFeatures=65, bias=true)\n' +
        ')',
    );
    const s = m.summary();
    expect(s).toContain('lstm.weight_ih_l0');
    expect(s).toMatch(/lstm\.weight_hh_l1\s+param\s+\[512,128\]\s+float32\s+cpu\s+65,536/);
    const total = 4 * 128 * (65 + 128 + 2) + 4 * 128 * (128 + 128 + 2) + 128 * 65 + 65;
    expect(m.numParameters()).toBe(total);
    expect(s).toContain(`Total parameters: ${total.toLocaleString('en-US')} (trainable ${total.toLocaleString('en-US')}, frozen 0)`);
    expect(tensor([1]).shape).toEqual([1]);
  });
});
