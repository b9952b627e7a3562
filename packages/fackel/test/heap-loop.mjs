// Child process of heap.test.ts, run with --expose-gc from the built packages: trains a model in
// a loop that never yields to the event loop and prints how much the JS heap grew.
// Usage: node --expose-gc heap-loop.mjs <mlp|lstm> <tidy|plain> <steps>
import { randint, randn, tidy, memory } from '../../tensor/dist/index.js';
import '../dist/index.js'; // the umbrella: CPU backend registered, autograd on
import { CrossEntropyLoss, LSTM, Linear, MSELoss, ReLU, Sequential } from '../../nn/dist/index.js';
import { Adam } from '../../optim/dist/index.js';

const [mode, scoping, stepsArg] = process.argv.slice(2);
const steps = Number(stepsArg);
let step;
if (mode === 'mlp') {
  // the workshop's Pima network
  const model = new Sequential(new Linear(8, 6), new ReLU(), new Linear(6, 4), new ReLU(), new Linear(4, 1));
  const opt = new Adam(model.parameters(), { lr: 0.01 });
  const x = randn([64, 8]);
  const y = randn([64, 1]);
  const lossFn = new MSELoss();
  step = () => {
    opt.zeroGrad();
    lossFn.forward(model.forward(x), y).backward();
    opt.step();
  };
} else if (mode === 'lstm') {
  const lstm = new LSTM(16, 32, { numLayers: 2 });
  const head = new Linear(32, 16);
  const opt = new Adam([...lstm.parameters(), ...head.parameters()], { lr: 0.01 });
  const x = randn([20, 4, 16]);
  const y = randint(0, 16, [80]);
  const lossFn = new CrossEntropyLoss();
  step = () => {
    opt.zeroGrad();
    const [out] = lstm.forward(x);
    lossFn.forward(head.forward(out.reshape([80, 32])), y).backward();
    opt.step();
  };
} else {
  throw new Error(`unknown mode ${mode}`);
}
const run = scoping === 'tidy' ? () => tidy(step) : step;

for (let i = 0; i < 200; i++) run(); // warm-up: compiled code and caches reach their size
globalThis.gc();
const before = process.memoryUsage().heapUsed;
for (let i = 0; i < steps; i++) run(); // never yields: no await, no timer
globalThis.gc();
const after = process.memoryUsage().heapUsed;
process.stdout.write(`${JSON.stringify({ mode, scoping, steps, growthBytes: after - before, tensors: memory().tensors })}\n`);
