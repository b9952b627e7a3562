/**
 * Übung 2B (first name → gender) as a small library: the data and a seeded split, three
 * encodings of a name as a fixed-size vector for the 2A network, a character-level recurrent
 * classifier, and one training routine for each kind of model.
 *
 * @example
 * ```ts
 * import { loadNameData, splitNames, lastLettersEncoding, trainFeedForward } from '@fackel/example-names';
 * const split = splitNames(await loadNameData(), 0.2, 0);
 * const run = await trainFeedForward(lastLettersEncoding(3), split, { epochs: 10 });
 * console.log(run.testAccuracy);
 * ```
 */
import { DataLoader, names as readNames, permutation, TensorDataset } from '@fackel/data';
import { DiabetesNet } from '@fackel/example-diabetes';
import { sharedDataFile } from '@fackel/example-report';
import { BCELoss, BCEWithLogitsLoss, Embedding, GRU, Linear, LSTM, Module } from '@fackel/nn';
import { Adam, SGD } from '@fackel/optim';
import { Generator, noGrad, stack, tensor, tidy, type Tensor } from 'fackel';

/**
 * The two classes; a label is the index: 0 = female, 1 = male. Models output P(male).
 *
 * @example
 * ```ts
 * import { CLASSES } from '@fackel/example-names';
 * console.log(CLASSES[1]); // 'male'
 * ```
 */
export const CLASSES = Object.freeze(['female', 'male'] as const);

/**
 * Names with their labels (0 = female, 1 = male).
 *
 * @example
 * ```ts
 * import type { LabelledNames } from '@fackel/example-names';
 * const d: LabelledNames = { names: ['anna', 'lukas'], labels: Uint8Array.of(0, 1) };
 * ```
 */
export interface LabelledNames {
  /** Lower-case names. */
  names: string[];
  labels: Uint8Array;
}

/**
 * The whole data set and where it came from.
 *
 * @example
 * ```ts
 * import type { NameData } from '@fackel/example-names';
 * declare const d: NameData;
 * console.log(`${d.names.length} names from ${d.source}`);
 * ```
 */
export interface NameData extends LabelledNames {
  /** The CSV path, or `'stdlib'` for the npm name lists. */
  source: string;
}

/**
 * Lower-cases and trims a name, the form every encoding works on.
 *
 * @example
 * ```ts
 * import { normalizeName } from '@fackel/example-names';
 * normalizeName(' Quentin '); // 'quentin'
 * ```
 */
export function normalizeName(name: string): string {
  return name.trim().toLowerCase();
}

/**
 * Reads the names: `source` (a `name,gender[,births]` CSV), by default the workshop's
 * `shared/data/names.csv` (10 287 US first names with a 90 % majority sex), falling back to the
 * npm `@stdlib` name lists when that file is not there.
 *
 * @example
 * ```ts
 * import { loadNameData } from '@fackel/example-names';
 * const data = await loadNameData();
 * console.log(data.names.length, data.source); // 10287 …/shared/data/names.csv
 * ```
 */
export async function loadNameData(source?: string): Promise<NameData> {
  const from = source ?? sharedDataFile('names.csv') ?? 'stdlib';
  const records = await readNames({ source: from });
  return {
    names: records.map((r) => normalizeName(r.name)),
    labels: Uint8Array.from(records, (r) => (r.gender === 'm' ? 1 : 0)),
    source: from,
  };
}

/**
 * A seeded random split: the same seed gives the same test names on every run.
 *
 * @example
 * ```ts
 * import { splitNames } from '@fackel/example-names';
 * const { train, test } = splitNames({ names: ['a', 'b', 'c', 'd', 'e'], labels: new Uint8Array(5) }, 0.2, 0);
 * console.log(train.names.length, test.names.length); // 4 1
 * ```
 */
export function splitNames(data: LabelledNames, testFraction = 0.2, seed = 0): { train: LabelledNames; test: LabelledNames } {
  if (!(testFraction > 0 && testFraction < 1)) throw new Error(`the test fraction must lie between 0 and 1, got ${testFraction}`);
  const order = permutation(data.names.length, new Generator(seed));
  const nTest = Math.round(data.names.length * testFraction);
  const part = (idx: Int32Array): LabelledNames => ({ names: Array.from(idx, (i) => data.names[i]), labels: Uint8Array.from(idx, (i) => data.labels[i]) });
  return { train: part(order.subarray(nTest)), test: part(order.subarray(0, nTest)) };
}

/**
 * The share of the most frequent class: what always answering it scores.
 *
 * @example
 * ```ts
 * import { majorityShare } from '@fackel/example-names';
 * majorityShare(Uint8Array.of(0, 0, 1)); // 0.666…
 * ```
 */
export function majorityShare(labels: Uint8Array): number {
  let male = 0;
  for (const l of labels) male += l;
  return Math.max(male, labels.length - male) / labels.length;
}

// ---------------------------------------------------------------- encodings for the 2A network

/**
 * A way to turn a name into a fixed-size vector of numbers for a feed-forward network.
 *
 * @example
 * ```ts
 * import { lastLettersEncoding } from '@fackel/example-names';
 * const e = lastLettersEncoding(2);
 * console.log(e.size, e.encode(['anna']).length); // 56 56
 * ```
 */
export interface Encoding {
  /** Short name used on the command line and in the report (`naive`, `last3`, `ngrams`). */
  key: string;
  /** What it is, in words. */
  title: string;
  /** Numbers per name. */
  size: number;
  /** Row-major `[names.length, size]` features. */
  encode(names: readonly string[]): Float32Array;
}

const A = 'a'.charCodeAt(0);

/** 0–25 for a–z, 26 for anything else. */
function letterIndex(ch: string): number {
  const c = ch.charCodeAt(0) - A;
  return c >= 0 && c < 26 ? c : 26;
}

/**
 * The naive encoding that makes a name look like a row of the diabetes file: 8 numbers, the
 * first 8 letters as their position in the alphabet scaled into (0, 1] (a = 1/26 … z = 1; any
 * other character counts as z), and 0 where the name is shorter. Letters are treated as sizes ("z is bigger than a") and the end
 * of the name, which carries most of the signal, sits at a different place in every name.
 *
 * @example
 * ```ts
 * import { naiveEncoding } from '@fackel/example-names';
 * naiveEncoding().encode(['ada']); // [0.0385, 0.1538, 0.0385, 0, 0, 0, 0, 0]
 * ```
 */
export function naiveEncoding(length = 8): Encoding {
  return {
    key: 'naive',
    title: `naive: the first ${length} letters as numbers a = 1/26 … z = 1 (the 2A input format)`,
    size: length,
    encode(names) {
      const out = new Float32Array(names.length * length);
      names.forEach((name, r) => {
        for (let i = 0; i < Math.min(length, name.length); i++) out[r * length + i] = (Math.min(letterIndex(name[i]), 25) + 1) / 26;
      });
      return out;
    },
  };
}

/**
 * One-hot codes of the last `k` letters (a–z, "other", "no letter": 28 numbers per position),
 * the classic feature for this task: -a, -ie, -ne point to female names, -o, -n, -k to male ones.
 *
 * @example
 * ```ts
 * import { lastLettersEncoding } from '@fackel/example-names';
 * const x = lastLettersEncoding(1).encode(['anna']); // 28 numbers, a 1 at position 0 ('a')
 * ```
 */
export function lastLettersEncoding(k = 3): Encoding {
  const per = 28;
  return {
    key: `last${k}`,
    title: `last letters: one-hot codes of the last ${k} letters`,
    size: k * per,
    encode(names) {
      const out = new Float32Array(names.length * k * per);
      names.forEach((name, r) => {
        for (let j = 0; j < k; j++) {
          const pos = name.length - 1 - j;
          const sym = pos >= 0 ? letterIndex(name[pos]) : 27;
          out[r * k * per + j * per + sym] = 1;
        }
      });
      return out;
    },
  };
}

/** Every character n-gram (1 ≤ n ≤ maxN) of `^name$`. */
function ngramsOf(name: string, maxN: number): Set<string> {
  const s = `^${name}$`;
  const out = new Set<string>();
  for (let n = 1; n <= maxN; n++) for (let i = 0; i + n <= s.length; i++) out.add(s.slice(i, i + n));
  return out;
}

/**
 * A bag of character n-grams: for each n-gram of `^name$` (n = 1 … maxN, `^`/`$` mark the
 * start and the end) that occurs in at least `minCount` training names, a 1 when the name
 * contains it. It sees endings (`a$`, `na$`), beginnings (`^ch`) and inner pieces at once.
 *
 * @example
 * ```ts
 * import { ngramEncoding } from '@fackel/example-names';
 * const e = ngramEncoding(['anna', 'hanna', 'jonas', 'lukas'], { maxN: 2, minCount: 2 });
 * console.log(e.size); // the n-grams seen at least twice: 'a', 'n', 'a$', 'as', 's$', …
 * ```
 */
export function ngramEncoding(trainNames: readonly string[], options: { maxN?: number; minCount?: number } = {}): Encoding {
  const maxN = options.maxN ?? 3;
  const minCount = options.minCount ?? 3;
  const counts = new Map<string, number>();
  for (const name of trainNames) for (const g of ngramsOf(name, maxN)) counts.set(g, (counts.get(g) ?? 0) + 1);
  const vocab = [...counts.entries()]
    .filter(([, c]) => c >= minCount)
    .map(([g]) => g)
    .sort();
  const index = new Map(vocab.map((g, i) => [g, i]));
  return {
    key: 'ngrams',
    title: `character n-grams: which of the ${vocab.length} 1- to ${maxN}-grams of ^name$ (seen in ≥ ${minCount} training names) occur`,
    size: vocab.length,
    encode(names) {
      const out = new Float32Array(names.length * vocab.length);
      names.forEach((name, r) => {
        for (const g of ngramsOf(name, maxN)) {
          const i = index.get(g);
          if (i !== undefined) out[r * vocab.length + i] = 1;
        }
      });
      return out;
    },
  };
}

// ---------------------------------------------------------------- results

/**
 * One epoch of a model's training curve.
 *
 * @example
 * ```ts
 * import type { EpochLog } from '@fackel/example-names';
 * const e: EpochLog = { epoch: 3, loss: 0.41, testAccuracy: 0.83 };
 * ```
 */
export interface EpochLog {
  epoch: number;
  /** Mean training loss (binary cross-entropy) over the epoch's batches. */
  loss: number;
  testAccuracy: number;
}

/**
 * A trained model with its measurements.
 *
 * @example
 * ```ts
 * import type { ModelResult } from '@fackel/example-names';
 * declare const r: ModelResult;
 * const [pMale] = await r.predict(['Anna']);
 * ```
 */
export interface ModelResult {
  key: string;
  title: string;
  history: EpochLog[];
  testAccuracy: number;
  /** `confusion[actual][predicted]` on the test names; 0 = female, 1 = male. */
  confusion: [[number, number], [number, number]];
  parameters: number;
  millis: number;
  /** P(male) for each name (any case). */
  predict(names: readonly string[]): Promise<Float32Array>;
  /** Frees the model's tensors. */
  dispose(): void;
}

function confusionOf(labels: Uint8Array, pMale: Float32Array): [[number, number], [number, number]] {
  const m: [[number, number], [number, number]] = [
    [0, 0],
    [0, 0],
  ];
  labels.forEach((y, i) => m[y][pMale[i] >= 0.5 ? 1 : 0]++);
  return m;
}

function accuracyOf(labels: Uint8Array, pMale: Float32Array): number {
  let right = 0;
  labels.forEach((y, i) => (right += (pMale[i] >= 0.5 ? 1 : 0) === y ? 1 : 0));
  return right / labels.length;
}

/** Mean of a list of 0-d loss tensors, read back once; disposes them. */
async function meanOf(losses: Tensor[]): Promise<number> {
  if (losses.length === 0) return NaN;
  const m = noGrad(() => tidy(() => stack(losses).mean()));
  const v = await m.item();
  m.dispose();
  for (const l of losses) l.dispose();
  return v;
}

// ---------------------------------------------------------------- the 2A network on an encoding

/**
 * Settings of {@link trainFeedForward}.
 *
 * @example
 * ```ts
 * import type { FeedForwardOptions } from '@fackel/example-names';
 * const asIn2A: FeedForwardOptions = { hidden: [6, 4], optimizer: 'sgd', lr: 0.1, batchSize: undefined, epochs: 2000 };
 * ```
 */
export interface FeedForwardOptions {
  /** Hidden layer sizes of the 2A network (default [6, 4]). */
  hidden?: readonly number[];
  /** `'adam'` (default) or `'sgd'` (the 2A optimizer). */
  optimizer?: 'adam' | 'sgd';
  /** Default 0.01 for Adam, 0.1 for SGD. */
  lr?: number;
  /** Default 10. */
  epochs?: number;
  /** Mini-batch size (default 64); `undefined` with `fullBatch` for one step per epoch. */
  batchSize?: number;
  /** One step on all training names per epoch, as in 2A (default false). */
  fullBatch?: boolean;
  seed?: number;
  onEpoch?: (e: EpochLog) => void;
}

/**
 * Trains the 2A network (`DiabetesNet` from Übung 2A: sigmoid layers, mean BCE) on names
 * encoded by `encoding`, and measures it on the test names after every epoch.
 *
 * @example
 * ```ts
 * import { loadNameData, splitNames, ngramEncoding, trainFeedForward } from '@fackel/example-names';
 * const split = splitNames(await loadNameData(), 0.2, 0);
 * const run = await trainFeedForward(ngramEncoding(split.train.names), split, { hidden: [32], epochs: 8 });
 * console.log(run.testAccuracy); // ≈ 0.85
 * ```
 */
export async function trainFeedForward(
  encoding: Encoding,
  split: { train: LabelledNames; test: LabelledNames },
  options: FeedForwardOptions = {},
): Promise<ModelResult> {
  const seed = options.seed ?? 0;
  const kind = options.optimizer ?? 'adam';
  const lr = options.lr ?? (kind === 'adam' ? 0.01 : 0.1);
  const epochs = options.epochs ?? 10;
  const batchSize = options.fullBatch ? split.train.names.length : (options.batchSize ?? 64);
  const n = split.train.names.length;
  const xTrain = tensor(encoding.encode(split.train.names)).reshape([n, encoding.size]);
  const yTrain = tensor(Float32Array.from(split.train.labels)).reshape([n, 1]);
  const xTest = tensor(encoding.encode(split.test.names)).reshape([split.test.names.length, encoding.size]);
  const generator = new Generator(seed);
  const model = new DiabetesNet(options.hidden ?? [6, 4], { inputs: encoding.size, generator });
  const criterion = new BCELoss();
  const optimizer: Adam | SGD = kind === 'adam' ? new Adam(model.parameters(), { lr }) : new SGD(model.parameters(), { lr });
  const loader = new DataLoader(new TensorDataset(xTrain, yTrain), { batchSize, shuffle: true, generator: new Generator(seed + 1) });

  const probabilities = async (x: Tensor): Promise<Float32Array> => {
    model.eval();
    const p = noGrad(() => model.forward(x));
    const out = (await p.data()) as Float32Array;
    p.dispose();
    model.train();
    return out;
  };

  const history: EpochLog[] = [];
  const started = performance.now();
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const losses: Tensor[] = [];
    for await (const [xb, yb] of loader) {
      losses.push(
        tidy(() => {
          const loss = criterion.forward(model.forward(xb), yb);
          optimizer.zeroGrad();
          loss.backward();
          optimizer.step();
          return loss.detach();
        }),
      );
      xb.dispose();
      yb.dispose();
    }
    const entry = { epoch, loss: await meanOf(losses), testAccuracy: accuracyOf(split.test.labels, await probabilities(xTest)) };
    history.push(entry);
    options.onEpoch?.(entry);
  }
  const millis = performance.now() - started;
  const pTest = await probabilities(xTest);
  for (const t of [xTrain, yTrain, xTest]) t.dispose();
  optimizer.dispose();
  return {
    key: encoding.key,
    title: encoding.title,
    history,
    testAccuracy: accuracyOf(split.test.labels, pTest),
    confusion: confusionOf(split.test.labels, pTest),
    parameters: model.numParameters(),
    millis,
    async predict(names) {
      const list = names.map(normalizeName);
      const x = tensor(encoding.encode(list)).reshape([list.length, encoding.size]);
      const p = await probabilities(x);
      x.dispose();
      return p;
    },
    dispose() {
      for (const p of model.parameters()) p.dispose();
    },
  };
}

// ---------------------------------------------------------------- a character RNN

/**
 * Character ids for the recurrent model: 0 stands for a character never seen in training.
 *
 * @example
 * ```ts
 * import { NameVocab } from '@fackel/example-names';
 * const v = new NameVocab(['anna', 'bob']);
 * console.log(v.size, [...v.encode('nab')]); // 4 [2, 1, 3]
 * ```
 */
export class NameVocab {
  private readonly ids = new Map<string, number>();

  constructor(names: readonly string[]) {
    const chars = new Set<string>();
    for (const n of names) for (const c of n) chars.add(c);
    [...chars].sort().forEach((c, i) => this.ids.set(c, i + 1));
  }

  /**
   * Number of ids, the unknown id included.
   *
   * @example
   * ```ts
   * new NameVocab(['ab']).size; // 3: unknown, 'a', 'b'
   * ```
   */
  get size(): number {
    return this.ids.size + 1;
  }

  /**
   * The ids of a (lower-case) name's characters.
   *
   * @example
   * ```ts
   * new NameVocab(['ab']).encode('bax'); // Int32Array [2, 1, 0]
   * ```
   */
  encode(name: string): Int32Array {
    return Int32Array.from(name, (c) => this.ids.get(c) ?? 0);
  }
}

/**
 * A character-level recurrent classifier: each character becomes a learned vector
 * (`Embedding`), an LSTM or GRU reads the name letter by letter, and a `Linear` layer turns its
 * final hidden state into the logit of P(male).
 *
 * @example
 * ```ts
 * import { tensor } from 'fackel';
 * import { NameRNN } from '@fackel/example-names';
 * const net = new NameRNN(28, { cell: 'gru', hidden: 32 });
 * const logits = net.forward(tensor(Int32Array.of(1, 14, 14, 1), { dtype: 'int32' }).reshape([1, 4])); // [1, 1]
 * ```
 */
export class NameRNN extends Module<[Tensor], Tensor> {
  readonly embedding: Embedding;
  readonly rnn: LSTM | GRU;
  readonly fc: Linear;

  constructor(vocabSize: number, options: { cell?: 'lstm' | 'gru'; embedding?: number; hidden?: number; generator?: Generator } = {}) {
    super();
    const e = options.embedding ?? 16;
    const h = options.hidden ?? 64;
    this.embedding = new Embedding(vocabSize, e, { generator: options.generator });
    this.rnn =
      options.cell === 'gru'
        ? new GRU(e, h, { batchFirst: true, generator: options.generator })
        : new LSTM(e, h, { batchFirst: true, generator: options.generator });
    this.fc = new Linear(h, 1, { generator: options.generator });
  }

  /**
   * `ids`: `[batch, letters]` int32, all names of one length. Returns logits `[batch, 1]`.
   *
   * @example
   * ```ts
   * const p = net.forward(ids).sigmoid(); // P(male) per name
   * ```
   */
  forward(ids: Tensor): Tensor {
    const x = this.embedding.forward(ids);
    const hN = this.rnn instanceof LSTM ? this.rnn.forward(x)[1][0] : this.rnn.forward(x)[1];
    return this.fc.forward(hN.select(0, hN.shape[0] - 1));
  }
}

/** Name indices grouped by length, then cut into batches (so no batch needs padding). */
function lengthBatches(names: readonly string[], batchSize: number, generator?: Generator): number[][] {
  const byLength = new Map<number, number[]>();
  names.forEach((n, i) => {
    const l = Math.max(1, n.length);
    if (!byLength.has(l)) byLength.set(l, []);
    byLength.get(l)!.push(i);
  });
  const batches: number[][] = [];
  for (const l of [...byLength.keys()].sort((a, b) => a - b)) {
    let idx = byLength.get(l)!;
    if (generator) idx = Array.from(permutation(idx.length, generator), (k) => idx[k]);
    for (let s = 0; s < idx.length; s += batchSize) batches.push(idx.slice(s, s + batchSize));
  }
  if (!generator) return batches;
  return Array.from(permutation(batches.length, generator), (k) => batches[k]);
}

function idsTensor(vocab: NameVocab, names: readonly string[], batch: readonly number[]): Tensor {
  const len = Math.max(1, names[batch[0]].length);
  const ids = new Int32Array(batch.length * len);
  batch.forEach((i, r) => ids.set(names[i] === '' ? Int32Array.of(0) : vocab.encode(names[i]), r * len));
  return tensor(ids, { dtype: 'int32' }).reshape([batch.length, len]);
}

/**
 * Settings of {@link trainRnn}.
 *
 * @example
 * ```ts
 * import type { RnnOptions } from '@fackel/example-names';
 * const o: RnnOptions = { cell: 'gru', hidden: 64, epochs: 8 };
 * ```
 */
export interface RnnOptions {
  /** `'lstm'` (default) or `'gru'`. */
  cell?: 'lstm' | 'gru';
  /** Size of the character vectors (default 16). */
  embedding?: number;
  /** Hidden state size (default 64). */
  hidden?: number;
  /** Adam learning rate (default 0.005). */
  lr?: number;
  /** Default 6. */
  epochs?: number;
  /** Default 64. */
  batchSize?: number;
  seed?: number;
  onEpoch?: (e: EpochLog) => void;
}

/**
 * Trains a {@link NameRNN} with Adam and binary cross-entropy on the logits; batches hold names
 * of equal length, in a seeded random order.
 *
 * @example
 * ```ts
 * import { loadNameData, splitNames, trainRnn } from '@fackel/example-names';
 * const run = await trainRnn(splitNames(await loadNameData(), 0.2, 0));
 * console.log(run.testAccuracy); // ≈ 0.88
 * ```
 */
export async function trainRnn(split: { train: LabelledNames; test: LabelledNames }, options: RnnOptions = {}): Promise<ModelResult> {
  const seed = options.seed ?? 0;
  const cell = options.cell ?? 'lstm';
  const epochs = options.epochs ?? 6;
  const batchSize = options.batchSize ?? 64;
  const generator = new Generator(seed);
  const vocab = new NameVocab(split.train.names);
  const model = new NameRNN(vocab.size, { cell, embedding: options.embedding, hidden: options.hidden, generator });
  const criterion = new BCEWithLogitsLoss();
  const optimizer = new Adam(model.parameters(), { lr: options.lr ?? 0.005 });
  const order = new Generator(seed + 1);

  const probabilities = async (names: readonly string[]): Promise<Float32Array> => {
    model.eval();
    const out = new Float32Array(names.length);
    for (const batch of lengthBatches(names, 512)) {
      const p = noGrad(() => tidy(() => model.forward(idsTensor(vocab, names, batch)).sigmoid()));
      const v = await p.data();
      p.dispose();
      batch.forEach((i, r) => (out[i] = v[r]));
    }
    model.train();
    return out;
  };

  const history: EpochLog[] = [];
  const started = performance.now();
  const { names, labels } = split.train;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const losses: Tensor[] = [];
    for (const batch of lengthBatches(names, batchSize, order)) {
      losses.push(
        tidy(() => {
          const y = tensor(Float32Array.from(batch, (i) => labels[i])).reshape([batch.length, 1]);
          const loss = criterion.forward(model.forward(idsTensor(vocab, names, batch)), y);
          optimizer.zeroGrad();
          loss.backward();
          optimizer.step();
          return loss.detach();
        }),
      );
    }
    const entry = { epoch, loss: await meanOf(losses), testAccuracy: accuracyOf(split.test.labels, await probabilities(split.test.names)) };
    history.push(entry);
    options.onEpoch?.(entry);
  }
  const millis = performance.now() - started;
  const pTest = await probabilities(split.test.names);
  optimizer.dispose();
  return {
    key: cell,
    title: `character ${cell.toUpperCase()}: embedding ${model.embedding.embeddingDim} → ${cell.toUpperCase()} ${model.rnn.hiddenSize} → linear`,
    history,
    testAccuracy: accuracyOf(split.test.labels, pTest),
    confusion: confusionOf(split.test.labels, pTest),
    parameters: model.numParameters(),
    millis,
    predict: (list) => probabilities(list.map(normalizeName)),
    dispose() {
      for (const p of model.parameters()) p.dispose();
    },
  };
}
