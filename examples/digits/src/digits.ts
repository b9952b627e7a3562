/**
 * PyTorchZeroToAll's CNN lesson on the UCI 8×8 handwritten digits, as a small library: two
 * convolutions with max pooling and a linear classifier ({@link DigitsCNN}), cross-entropy and
 * Adam, trained on a seeded, stratified 80/20 split. `main.ts` is the command line around it.
 *
 * @example
 * ```ts no-run
 * import { trainDigits } from '@fackel/example-digits';
 * const run = await trainDigits({ seed: 0 });
 * console.log(run.testAccuracy);
 * ```
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataLoader, TensorDataset } from '@fackel/data';
import { sharedDataDir, stratifiedSplit } from '@fackel/example-report';
import { Conv2d, CrossEntropyLoss, Flatten, Linear, MaxPool2d, Module, ReLU } from '@fackel/nn';
import { Adam } from '@fackel/optim';
import { Generator, getDefaultDevice, noGrad, stack, tensor, tidy, type Tensor } from 'fackel';

/**
 * The network: `conv1` (1 → `channels[0]`, 3×3, padding 1) → ReLU → 2×2 max pool (8×8 → 4×4),
 * `conv2` (→ `channels[1]`, 3×3, padding 1) → ReLU → 2×2 max pool (4×4 → 2×2), flatten, and
 * `fc`, a linear layer to the 10 digit scores (logits).
 *
 * @example
 * ```ts
 * import { zeros } from 'fackel';
 * import { DigitsCNN } from '@fackel/example-digits';
 * const net = new DigitsCNN();
 * console.log(net.forward(zeros([5, 1, 8, 8])).shape); // [5, 10]
 * ```
 */
export class DigitsCNN extends Module<[Tensor], Tensor> {
  readonly conv1: Conv2d;
  readonly conv2: Conv2d;
  readonly pool = new MaxPool2d(2);
  readonly relu = new ReLU();
  readonly flatten = new Flatten();
  readonly fc: Linear;

  constructor(channels: readonly [number, number] = [8, 16], options: { generator?: Generator } = {}) {
    super();
    if (!channels.every((c) => Number.isInteger(c) && c > 0)) throw new Error(`channel counts must be positive whole numbers, got [${channels.join(', ')}]`);
    this.conv1 = new Conv2d(1, channels[0], 3, { padding: 1, generator: options.generator });
    this.conv2 = new Conv2d(channels[0], channels[1], 3, { padding: 1, generator: options.generator });
    this.fc = new Linear(channels[1] * 2 * 2, 10, { generator: options.generator });
  }

  forward(x: Tensor): Tensor {
    const h1 = this.pool.forward(this.relu.forward(this.conv1.forward(x))); // [N, c1, 4, 4]
    const h2 = this.pool.forward(this.relu.forward(this.conv2.forward(h1))); // [N, c2, 2, 2]
    return this.fc.forward(this.flatten.forward(h2)); // [N, 10]
  }
}

/**
 * Settings of {@link trainDigits}; all optional.
 *
 * @example
 * ```ts
 * import type { DigitsOptions } from '@fackel/example-digits';
 * const wider: DigitsOptions = { channels: [16, 32], epochs: 20 };
 * ```
 */
export interface DigitsOptions {
  /** Seeds the split, the initial weights and the batch order (default 0). */
  seed?: number;
  /** Output channels of the two convolutions (default [8, 16]). */
  channels?: readonly [number, number];
  /** Adam learning rate (default 0.01). */
  lr?: number;
  /** Passes over the training images (default 15). */
  epochs?: number;
  /** Images per mini-batch (default 32). */
  batchSize?: number;
  /** Share of the images held out for testing (default 0.2). */
  testFraction?: number;
  /** The digits CSV (default: `digits.csv` in the workshop's shared data). */
  dataFile?: string;
  /** Called after every epoch. */
  onLog?: (entry: DigitsLogEntry) => void;
}

/**
 * One point of the training curves (after an epoch).
 *
 * @example
 * ```ts
 * import type { DigitsLogEntry } from '@fackel/example-digits';
 * const e: DigitsLogEntry = { epoch: 1, trainLoss: 1.2, trainAccuracy: 0.7, testLoss: 1.1, testAccuracy: 0.72 };
 * ```
 */
export interface DigitsLogEntry {
  epoch: number;
  /** Mean cross-entropy over the epoch's mini-batches (while the weights moved). */
  trainLoss: number;
  /** Share of the epoch's training images classified right as their batch was trained. */
  trainAccuracy: number;
  testLoss: number;
  testAccuracy: number;
}

/**
 * A test image the trained network got wrong.
 *
 * @example
 * ```ts
 * import type { Misclassified } from '@fackel/example-digits';
 * const m: Misclassified = { row: 12, label: 3, predicted: 8, pixels: new Array(64).fill(0) };
 * ```
 */
export interface Misclassified {
  /** Row of the CSV (0-based). */
  row: number;
  label: number;
  predicted: number;
  /** The 64 pixels (0–16), row-major. */
  pixels: number[];
}

/**
 * The outcome of {@link trainDigits}.
 *
 * @example
 * ```ts
 * import type { DigitsResult } from '@fackel/example-digits';
 * declare const r: DigitsResult;
 * console.log(`${(r.testAccuracy * 100).toFixed(2)} %`);
 * ```
 */
export interface DigitsResult {
  options: Required<Omit<DigitsOptions, 'onLog' | 'dataFile'>>;
  log: DigitsLogEntry[];
  trainLoss: number;
  trainAccuracy: number;
  testLoss: number;
  testAccuracy: number;
  /** `confusion[actual][predicted]` on the test images. */
  confusion: number[][];
  /** The wrongly classified test images. */
  misclassified: Misclassified[];
  trainSize: number;
  testSize: number;
  parameters: number;
  /** Wall time of the training loop in milliseconds. */
  millis: number;
  /** The device it ran on. */
  device: string;
}

/**
 * The digits data: `images` `[n][64]` (0–16) and `labels` (0–9), read from the CSV.
 *
 * @example
 * ```ts no-run
 * import { loadDigits } from '@fackel/example-digits';
 * const { images, labels } = loadDigits();
 * console.log(images.length, labels[0]); // 1797 0
 * ```
 */
export function loadDigits(file: string = join(sharedDataDir(), 'digits.csv')): { images: number[][]; labels: number[] } {
  if (!existsSync(file)) throw new Error(`${file}: no such file (the UCI digits, see shared/data/README.md)`);
  const images: number[][] = [];
  const labels: number[] = [];
  const lines = readFileSync(file, 'utf8').split('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const v = line.split(',').map(Number);
    if (v.length !== 65 || v.some((x) => !Number.isInteger(x)))
      throw new Error(`${file}:${i + 1}: expected 64 pixels and a label (65 integers), got ${v.length} fields`);
    const label = v[64];
    if (label < 0 || label > 9) throw new Error(`${file}:${i + 1}: the label must be a digit 0–9, got ${label}`);
    images.push(v.slice(0, 64));
    labels.push(label);
  });
  return { images, labels };
}

/**
 * Trains {@link DigitsCNN} with cross-entropy and Adam on mini-batches of a seeded, stratified
 * split of the digits and evaluates it on the held-out images after every epoch. Pixels are
 * scaled to 0–1. Runs on the default device.
 *
 * @example
 * ```ts no-run
 * import { trainDigits } from '@fackel/example-digits';
 * const run = await trainDigits({ seed: 1, epochs: 5 });
 * console.log(run.testAccuracy, run.misclassified.length);
 * ```
 */
export async function trainDigits(options: DigitsOptions = {}): Promise<DigitsResult> {
  const seed = options.seed ?? 0;
  const channels = options.channels ?? [8, 16];
  const lr = options.lr ?? 0.01;
  const epochs = options.epochs ?? 15;
  const batchSize = options.batchSize ?? 32;
  const testFraction = options.testFraction ?? 0.2;
  if (!(testFraction > 0 && testFraction < 1)) throw new Error(`the test fraction must lie between 0 and 1, got ${testFraction}`);
  if (!(Number.isInteger(epochs) && epochs >= 1)) throw new Error(`epochs must be a whole number ≥ 1, got ${epochs}`);
  if (!(lr > 0)) throw new Error(`the learning rate must be positive, got ${lr}`);
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new Error(`the batch size must be a whole number ≥ 1, got ${batchSize}`);

  const { images, labels } = loadDigits(options.dataFile);
  const split = stratifiedSplit(labels, testFraction, seed);
  const device = getDefaultDevice();
  const toX = (rows: readonly number[]): Tensor => {
    const host = new Float32Array(rows.length * 64);
    rows.forEach((r, i) => images[r].forEach((p, j) => (host[i * 64 + j] = p / 16)));
    return tensor(host, { device }).reshape([rows.length, 1, 8, 8]);
  };
  const toY = (rows: readonly number[]): Tensor => tensor(Int32Array.from(rows.map((r) => labels[r])), { dtype: 'int32', device });
  const xTrain = toX(split.train);
  const yTrain = toY(split.train);
  const xTest = toX(split.test);
  const yTest = toY(split.test);

  const model = new DigitsCNN(channels, { generator: new Generator(seed) });
  await model.to(device);
  const criterion = new CrossEntropyLoss();
  const optimizer = new Adam(model.parameters(), { lr });
  const loader = new DataLoader(new TensorDataset(xTrain, yTrain), { batchSize, shuffle: true, generator: new Generator(seed + 1) });

  // loss, accuracy and predictions on one split, without recording a graph
  const evaluate = async (x: Tensor, y: Tensor): Promise<{ loss: number; accuracy: number; predicted: Int32Array | Float32Array }> => {
    const [loss, pred] = noGrad(() =>
      tidy(() => {
        const logits = model.forward(x);
        return [criterion.forward(logits, y), logits.argmax(1)];
      }),
    );
    const predicted = (await pred.data()) as Int32Array;
    const truth = await y.data();
    let right = 0;
    for (let i = 0; i < predicted.length; i++) if (predicted[i] === truth[i]) right++;
    const out = { loss: await loss.item(), accuracy: right / predicted.length, predicted };
    loss.dispose();
    pred.dispose();
    return out;
  };

  const log: DigitsLogEntry[] = [];
  const started = performance.now();
  try {
    model.train();
    for (let epoch = 1; epoch <= epochs; epoch++) {
      // the training curves are the means over the epoch's batches (summed on the device, read once)
      const sums: Tensor[] = [];
      for await (const [xb, yb] of loader) {
        sums.push(
          tidy(() => {
            const logits = model.forward(xb!);
            const loss = criterion.forward(logits, yb!);
            optimizer.zeroGrad();
            loss.backward();
            optimizer.step();
            const n = yb!.shape[0];
            return stack([loss.detach().mul(n), logits.detach().argmax(1).eq(yb!).float().sum()]);
          }),
        );
        xb!.dispose();
        yb!.dispose();
      }
      const totals = tidy(() => stack(sums).sum(0));
      for (const t of sums) t.dispose();
      const [lossSum, right] = Array.from(await totals.data());
      totals.dispose();
      model.eval();
      const te = await evaluate(xTest, yTest);
      model.train();
      const entry = {
        epoch,
        trainLoss: lossSum! / split.train.length,
        trainAccuracy: right! / split.train.length,
        testLoss: te.loss,
        testAccuracy: te.accuracy,
      };
      log.push(entry);
      options.onLog?.(entry);
    }
    const millis = performance.now() - started;
    model.eval();
    const final = await evaluate(xTest, yTest);
    const confusion = Array.from({ length: 10 }, () => new Array<number>(10).fill(0));
    const misclassified: Misclassified[] = [];
    split.test.forEach((row, i) => {
      const label = labels[row];
      const predicted = final.predicted[i];
      confusion[label][predicted]++;
      if (predicted !== label) misclassified.push({ row, label, predicted, pixels: images[row] });
    });
    const last = log[log.length - 1];
    return {
      options: { seed, channels, lr, epochs, batchSize, testFraction },
      log,
      trainLoss: last.trainLoss,
      trainAccuracy: last.trainAccuracy,
      testLoss: last.testLoss,
      testAccuracy: final.accuracy,
      confusion,
      misclassified,
      trainSize: split.train.length,
      testSize: split.test.length,
      parameters: model.numParameters(),
      millis,
      device: device.name,
    };
  } finally {
    for (const t of [xTrain, yTrain, xTest, yTest, ...model.parameters()]) t.dispose();
    optimizer.dispose();
  }
}
