/**
 * Übung 2A (NN als Klasse) as a small library: a `Module` subclass with sigmoid layers
 * (8 → 6 → 4 → 1 by default), mean binary cross-entropy, plain SGD, trained on the Pima
 * diabetes data with a seeded train/test split. `main.ts` is the command line around it.
 *
 * @example
 * ```ts
 * import { trainDiabetes } from '@fackel/example-diabetes';
 * const run = await trainDiabetes({ seed: 0, epochs: 10_000 });
 * console.log(run.testAccuracy, run.majorityBaseline);
 * ```
 */
import { existsSync } from 'node:fs';
import { diabetes, DataLoader, TensorDataset } from '@fackel/data';
import { BCELoss, Linear, Module, ModuleList, Sigmoid } from '@fackel/nn';
import { SGD } from '@fackel/optim';
import { ge, Generator, indexSelect, noGrad, tensor, tidy, type Tensor } from 'fackel';
import { sharedDataDir, stratifiedSplit } from '@fackel/example-report';

/**
 * The network of the exercise as a class, PyTorch style: `Linear` layers each followed by a
 * sigmoid. With the default `hidden = [6, 4]` it is the workshop's model,
 * `sigmoid(layer_3(sigmoid(layer_2(sigmoid(layer_1(x))))))`; other lists try the slide's
 * questions "more layers?" (`[6, 6, 4]`) and "wider layers?" (`[16, 8]`).
 *
 * @example
 * ```ts
 * import { tensor } from 'fackel';
 * import { DiabetesNet } from '@fackel/example-diabetes';
 * const net = new DiabetesNet();                  // 8 → 6 → 4 → 1
 * const p = net.forward(tensor([[0, 0.5, 0.1, 0, 0, 0.2, -0.5, -0.4]])); // [1, 1], a probability
 * console.log(net.namedParameters().map(([n]) => n)); // layers.0.weight, layers.0.bias, …
 * ```
 */
export class DiabetesNet extends Module<[Tensor], Tensor> {
  readonly layers: ModuleList;
  readonly sigmoid = new Sigmoid();

  constructor(hidden: readonly number[] = [6, 4], options: { inputs?: number; generator?: Generator } = {}) {
    super();
    const sizes = [options.inputs ?? 8, ...hidden, 1];
    if (!hidden.every((h) => Number.isInteger(h) && h > 0)) throw new Error(`hidden layer sizes must be positive whole numbers, got [${hidden.join(', ')}]`);
    this.layers = new ModuleList(sizes.slice(1).map((out, i) => new Linear(sizes[i], out, { generator: options.generator })));
  }

  forward(x: Tensor): Tensor {
    let out = x;
    for (let i = 0; i < this.layers.length; i++) out = this.sigmoid.forward((this.layers.at(i) as Linear).forward(out));
    return out;
  }
}

/**
 * Settings of {@link trainDiabetes}. Everything is optional; the defaults are the workshop's.
 *
 * @example
 * ```ts
 * import type { DiabetesOptions } from '@fackel/example-diabetes';
 * const wider: DiabetesOptions = { hidden: [16, 8], epochs: 5000, batchSize: 32 };
 * ```
 */
export interface DiabetesOptions {
  /** Seeds the split, the initial weights and the mini-batch order (default 0). */
  seed?: number;
  /** Hidden layer sizes (default [6, 4]). */
  hidden?: readonly number[];
  /** SGD learning rate (default 0.1). */
  lr?: number;
  /** Passes over the training data (default 10 000, as the workshop; hunkim used 100). */
  epochs?: number;
  /** Mini-batch size through a DataLoader; `undefined` (default) = full batch, as the workshop. */
  batchSize?: number;
  /** Share of the rows held out for testing (default 0.2). */
  testFraction?: number;
  /** Record losses and accuracies every this many epochs (default: about 200 points per run). */
  logEvery?: number;
  /** Where `diabetes.csv` is (default: the workshop's shared data, else download). */
  dataRoot?: string;
  /**
   * A `diabetes.csv` to read instead (`--data`): that file only — no fallback to the shared
   * data or a download, and not checked against the original's hash, so an edited copy works.
   */
  dataFile?: string;
  /** Called after every recorded epoch. */
  onLog?: (entry: LogEntry) => void;
}

/**
 * One recorded point of the training curves.
 *
 * @example
 * ```ts
 * import type { LogEntry } from '@fackel/example-diabetes';
 * const e: LogEntry = { epoch: 100, trainLoss: 0.64, trainAccuracy: 0.65, testLoss: 0.65, testAccuracy: 0.64 };
 * ```
 */
export interface LogEntry {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  testLoss: number;
  testAccuracy: number;
}

/**
 * The outcome of {@link trainDiabetes}.
 *
 * @example
 * ```ts
 * import type { DiabetesResult } from '@fackel/example-diabetes';
 * declare const r: DiabetesResult;
 * console.log(`${(r.testAccuracy * 100).toFixed(2)} % vs ${(r.majorityBaseline * 100).toFixed(2)} %`);
 * ```
 */
export interface DiabetesResult {
  options: Required<Omit<DiabetesOptions, 'onLog' | 'batchSize' | 'dataRoot' | 'dataFile'>> & { batchSize: number | undefined };
  log: LogEntry[];
  trainLoss: number;
  trainAccuracy: number;
  testLoss: number;
  testAccuracy: number;
  /** Share of the majority class (1 = not diabetic) in the whole file: 65.35 %. */
  majorityBaseline: number;
  /** Share of the majority class in the test split (what always answering "not diabetic" scores there). */
  testMajority: number;
  /** `confusion[actual][predicted]` on the test split; index 0 = diabetic, 1 = not diabetic. */
  confusion: [[number, number], [number, number]];
  /** Share of test rows predicted as "not diabetic". */
  predictedPositiveShare: number;
  trainSize: number;
  testSize: number;
  parameters: number;
  /** Wall time of the training loop in milliseconds. */
  millis: number;
}

/**
 * Class names of the label column (it is inverted against UCI: 1 = not diabetic).
 *
 * @example
 * ```ts
 * import { CLASS_NAMES } from '@fackel/example-diabetes';
 * console.log(CLASS_NAMES[1]); // 'not diabetic'
 * ```
 */
export const CLASS_NAMES = Object.freeze(['diabetic', 'not diabetic'] as const);

/**
 * Trains {@link DiabetesNet} with mean BCE and SGD on a seeded, stratified train/test split of the Pima
 * data and evaluates it on the held-out rows. Full batch by default (the whole training split
 * is one step per epoch, as in the workshop); with `batchSize` a shuffling `DataLoader` feeds
 * mini-batches. Runs on the default device.
 *
 * @example
 * ```ts
 * import { trainDiabetes } from '@fackel/example-diabetes';
 * const quick = await trainDiabetes({ epochs: 100 });  // hunkim's 100 epochs: only the prior is learned
 * console.log(quick.predictedPositiveShare);           // 1: everybody is "not diabetic"
 * ```
 */
export async function trainDiabetes(options: DiabetesOptions = {}): Promise<DiabetesResult> {
  const seed = options.seed ?? 0;
  const hidden = options.hidden ?? [6, 4];
  const lr = options.lr ?? 0.1;
  const epochs = options.epochs ?? 10_000;
  const testFraction = options.testFraction ?? 0.2;
  const batchSize = options.batchSize;
  const logEvery = options.logEvery ?? Math.max(1, Math.round(epochs / 200));
  if (!(testFraction > 0 && testFraction < 1)) throw new Error(`the test fraction must lie between 0 and 1, got ${testFraction}`);
  if (!(Number.isInteger(epochs) && epochs >= 1)) throw new Error(`epochs must be a whole number ≥ 1, got ${epochs}`);
  if (!(lr > 0)) throw new Error(`the learning rate must be positive, got ${lr}`);
  if (batchSize !== undefined && !(Number.isInteger(batchSize) && batchSize >= 1))
    throw new Error(`the batch size must be a whole number ≥ 1, got ${batchSize}`);

  if (options.dataFile !== undefined && !existsSync(options.dataFile)) throw new Error(`--data ${options.dataFile}: no such file`);
  const ds =
    options.dataFile !== undefined
      ? await diabetes({ root: options.dataFile, download: false, verify: false })
      : await diabetes({ root: options.dataRoot ?? sharedDataDir() });
  const split = stratifiedSplit(ds.labels, testFraction, seed);
  const [xAll, yAll] = ds.toTensors();
  const pick = (t: Tensor, idx: readonly number[]): Tensor => tidy(() => indexSelect(t, 0, tensor(Int32Array.from(idx), { dtype: 'int32', device: t.device })));
  const xTrain = pick(xAll, split.train);
  const yTrain = pick(yAll, split.train);
  const xTest = pick(xAll, split.test);
  const yTest = pick(yAll, split.test);
  xAll.dispose();
  yAll.dispose();

  const generator = new Generator(seed);
  const model = new DiabetesNet(hidden, { generator });
  const criterion = new BCELoss(); // mean binary cross-entropy
  const optimizer = new SGD(model.parameters(), { lr });
  const loader =
    batchSize === undefined ? undefined : new DataLoader(new TensorDataset(xTrain, yTrain), { batchSize, shuffle: true, generator: new Generator(seed + 1) });

  // loss and accuracy of the current model on one split, without recording a graph
  const evaluate = async (x: Tensor, y: Tensor): Promise<{ loss: number; accuracy: number }> => {
    const [loss, acc] = noGrad(() =>
      tidy(() => {
        const p = model.forward(x);
        return [criterion.forward(p, y), ge(p, 0.5).float().eq(y).float().mean()];
      }),
    );
    const out = { loss: await loss.item(), accuracy: await acc.item() };
    loss.dispose();
    acc.dispose();
    return out;
  };

  const log: LogEntry[] = [];
  const started = performance.now();
  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      if (loader === undefined) {
        // one full-batch step: forward, loss, zero the gradients, backward, update
        tidy(() => {
          const loss = criterion.forward(model.forward(xTrain), yTrain);
          optimizer.zeroGrad();
          loss.backward();
          optimizer.step();
        });
      } else {
        for await (const [xb, yb] of loader) {
          tidy(() => {
            const loss = criterion.forward(model.forward(xb), yb);
            optimizer.zeroGrad();
            loss.backward();
            optimizer.step();
          });
          xb.dispose();
          yb.dispose();
        }
      }
      if (epoch % logEvery === 0 || epoch === epochs || epoch === 1) {
        const tr = await evaluate(xTrain, yTrain);
        const te = await evaluate(xTest, yTest);
        const entry = { epoch, trainLoss: tr.loss, trainAccuracy: tr.accuracy, testLoss: te.loss, testAccuracy: te.accuracy };
        log.push(entry);
        options.onLog?.(entry);
      }
    }
    const millis = performance.now() - started;

    // confusion matrix on the test split
    const probs = noGrad(() => model.forward(xTest));
    const p = await probs.data();
    const y = await yTest.data();
    probs.dispose();
    const confusion: [[number, number], [number, number]] = [
      [0, 0],
      [0, 0],
    ];
    for (let i = 0; i < y.length; i++) confusion[y[i] >= 0.5 ? 1 : 0][p[i] >= 0.5 ? 1 : 0]++;
    let positives = 0;
    for (let i = 0; i < ds.length; i++) positives += ds.labels[i];
    const last = log[log.length - 1];
    return {
      options: { seed, hidden, lr, epochs, testFraction, logEvery, batchSize },
      log,
      trainLoss: last.trainLoss,
      trainAccuracy: last.trainAccuracy,
      testLoss: last.testLoss,
      // exact counts (the logged accuracies are float32 means)
      testAccuracy: (confusion[0][0] + confusion[1][1]) / y.length,
      majorityBaseline: Math.max(positives, ds.length - positives) / ds.length,
      testMajority: Math.max(confusion[1][0] + confusion[1][1], confusion[0][0] + confusion[0][1]) / y.length,
      confusion,
      predictedPositiveShare: (confusion[0][1] + confusion[1][1]) / y.length,
      trainSize: split.train.length,
      testSize: split.test.length,
      parameters: model.numParameters(),
      millis,
    };
  } finally {
    for (const t of [xTrain, yTrain, xTest, yTest, ...model.parameters()]) t.dispose();
    optimizer.dispose();
  }
}
