// Übung 3 in the page: the char-RNN of @fackel/charrnn (its browser entry, `@fackel/charrnn/model`)
// on a short German text, trained on random windows; and sampling, also from a checkpoint file
// that `fackel-charrnn train` wrote.
import { CharRNN, loadWeightsFile, sample } from '@fackel/charrnn/model';
import { CharVocab, textCorpus } from '@fackel/data';
import { CrossEntropyLoss } from '@fackel/nn';
import { Adam } from '@fackel/optim';
import { Generator, tensor } from '@fackel/tensor';
import { trainStep } from './step.js';

export class TextTrainer {
  readonly vocab: CharVocab;
  readonly model: CharRNN;
  private readonly encoded: Int32Array;
  private readonly optimizer: Adam;
  private readonly loss = new CrossEntropyLoss();
  private readonly gen: Generator;

  constructor(
    readonly text: string,
    options: { hiddenSize?: number; seed?: number } = {},
  ) {
    this.vocab = CharVocab.fromText(text);
    this.encoded = this.vocab.encode(text);
    const seed = options.seed ?? 0;
    this.model = new CharRNN(
      { vocabSize: this.vocab.size, hiddenSize: options.hiddenSize ?? 96, numLayers: 1, dropout: 0, embeddingSize: 0 },
      { generator: new Generator(seed) },
    );
    this.optimizer = new Adam(this.model.parameters(), { lr: 0.005 });
    this.gen = new Generator(seed + 1);
  }

  static async fetch(url = 'de.txt', options: { hiddenSize?: number; seed?: number } = {}): Promise<TextTrainer> {
    return new TextTrainer(await textCorpus(url), options);
  }

  async to(device: string): Promise<void> {
    await this.model.to(device);
  }

  /** One Adam step on `batchSize` random windows of `seqLength` characters; returns the loss. */
  async step(batchSize = 16, seqLength = 48): Promise<number> {
    const n = this.encoded.length - seqLength - 1;
    const x = new Int32Array(batchSize * seqLength);
    const y = new Int32Array(batchSize * seqLength);
    for (let b = 0; b < batchSize; b++) {
      const s = Math.floor(this.gen.random() * n);
      x.set(this.encoded.subarray(s, s + seqLength), b * seqLength);
      y.set(this.encoded.subarray(s + 1, s + seqLength + 1), b * seqLength);
    }
    const device = this.model.fc.weight.device;
    return trainStep(this.optimizer, () => {
      const [logits] = this.model.forward(tensor(x, { dtype: 'int32', device }).reshape([batchSize, seqLength]));
      return this.loss.forward(logits, tensor(y, { dtype: 'int32', device }));
    });
  }

  sample(prime: string, length: number, seed: number): Promise<string> {
    return sample(this.model, this.vocab, {
      prime: prime
        .split('')
        .filter((c) => this.vocab.has(c))
        .join(''),
      length,
      seed,
      temperature: 0.8,
    });
  }

  dispose(): void {
    this.optimizer.dispose();
    for (const p of this.model.parameters()) p.dispose();
  }
}

/** Samples from a checkpoint's weights file (a `File` the user picked). */
export async function sampleCheckpoint(file: Blob, prime: string, length = 200): Promise<{ text: string; description: string }> {
  const { model, vocab, config } = await loadWeightsFile(file);
  try {
    const usable = prime
      .split('')
      .filter((c) => vocab.has(c))
      .join('');
    const text = await sample(model, vocab, { prime: usable, length, seed: 1, temperature: 0.8 });
    return { text, description: `LSTM ${config.numLayers}×${config.hiddenSize}, ${vocab.size} characters` };
  } finally {
    for (const p of model.parameters()) p.dispose();
  }
}
