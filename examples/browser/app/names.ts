// Übung 2B in the page: first name → gender with a character GRU (embedding → GRU → linear),
// trained on names.csv, which the build makes from @fackel/datasets' first-name lists.
import { readCsv } from '@fackel/data';
import { BCEWithLogitsLoss, Embedding, GRU, Linear, Module } from '@fackel/nn';
import { Adam } from '@fackel/optim';
import { Generator, noGrad, tensor, tidy, type Tensor } from '@fackel/tensor';
import { trainStep } from './step.js';

/** Names padded (at the front) or cut to this many letters. */
export const NAME_LENGTH = 10;

export interface NameData {
  names: string[];
  /** 1: male, 0: female. */
  labels: Float32Array;
  /** Letters (id = index + 1; 0 pads). */
  letters: string[];
}

export async function loadNames(url = 'names.csv'): Promise<NameData> {
  const table = await readCsv(url, { columns: ['name', 'gender'] });
  const names = table.rows.map((r) => r[0].toLowerCase());
  const labels = Float32Array.from(table.rows, (r) => (r[1] === 'm' ? 1 : 0));
  const letters = [...new Set(names.join(''))].sort();
  return { names, labels, letters };
}

export class NameClassifier extends Module<[Tensor], Tensor> {
  readonly embedding: Embedding;
  readonly rnn: GRU;
  readonly fc: Linear;
  constructor(vocabSize: number, generator: Generator) {
    super();
    this.embedding = new Embedding(vocabSize, 16, { generator });
    this.rnn = new GRU(16, 48, { batchFirst: true, generator });
    this.fc = new Linear(48, 1, { generator });
  }
  /** `ids` `[batch, NAME_LENGTH]` int32 → logits `[batch, 1]` (male). */
  forward(ids: Tensor): Tensor {
    const [, hN] = this.rnn.forward(this.embedding.forward(ids));
    return this.fc.forward(hN.select(0, 0));
  }
}

export class NamesTrainer {
  readonly model: NameClassifier;
  private readonly optimizer: Adam;
  private readonly loss = new BCEWithLogitsLoss();
  private readonly order: Generator;
  private readonly ids: Map<string, number>;
  readonly train: number[];
  readonly test: number[];
  private cursor = 0;

  constructor(
    readonly data: NameData,
    seed = 0,
  ) {
    const gen = new Generator(seed);
    this.ids = new Map(data.letters.map((c, i) => [c, i + 1]));
    this.model = new NameClassifier(data.letters.length + 1, gen);
    this.optimizer = new Adam(this.model.parameters(), { lr: 0.01 });
    this.order = new Generator(seed + 1);
    const perm = shuffled(data.names.length, this.order);
    const nTest = Math.floor(data.names.length / 5);
    this.test = perm.slice(0, nTest);
    this.train = perm.slice(nTest);
  }

  async to(device: string): Promise<void> {
    await this.model.to(device);
  }

  encode(names: readonly string[]): Tensor {
    const out = new Int32Array(names.length * NAME_LENGTH);
    names.forEach((n, r) => {
      const s = n.toLowerCase().slice(-NAME_LENGTH);
      for (let i = 0; i < s.length; i++) out[r * NAME_LENGTH + NAME_LENGTH - s.length + i] = this.ids.get(s[i]) ?? 0;
    });
    return tensor(out, { dtype: 'int32', device: this.model.fc.weight.device }).reshape([names.length, NAME_LENGTH]);
  }

  /** One Adam step on the next batch; returns its loss. */
  async step(batchSize = 64): Promise<number> {
    if (this.cursor + batchSize > this.train.length) this.cursor = 0;
    const batch = this.train.slice(this.cursor, this.cursor + batchSize);
    this.cursor += batchSize;
    const device = this.model.fc.weight.device;
    return trainStep(this.optimizer, () => {
      const y = tensor(
        Float32Array.from(batch, (i) => this.data.labels[i]),
        { device },
      ).reshape([batch.length, 1]);
      return this.loss.forward(this.model.forward(this.encode(batch.map((i) => this.data.names[i]))), y);
    });
  }

  /** P(male) for each name. */
  async predict(names: readonly string[]): Promise<Float32Array> {
    this.model.eval();
    const p = noGrad(() => tidy(() => this.model.forward(this.encode(names)).sigmoid()));
    const v = (await p.data()) as Float32Array;
    p.dispose();
    this.model.train();
    return v;
  }

  /** Share of the held-out names classified right. */
  async testAccuracy(): Promise<number> {
    const names = this.test.map((i) => this.data.names[i]);
    const p = await this.predict(names);
    let right = 0;
    this.test.forEach((i, k) => (right += (p[k] >= 0.5 ? 1 : 0) === this.data.labels[i] ? 1 : 0));
    return right / this.test.length;
  }

  dispose(): void {
    this.optimizer.dispose();
    for (const p of this.model.parameters()) p.dispose();
  }
}

function shuffled(n: number, gen: Generator): number[] {
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(gen.random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}
