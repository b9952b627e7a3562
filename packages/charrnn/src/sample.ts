import type { CharVocab } from '@fackel/data';
import { Generator, noGrad, tensor, tidy, type Tensor } from '@fackel/tensor';
import type { CharRNN, LSTMState } from './model.js';
import { generateIds, type SamplingOptions } from './sampling.js';

/**
 * Options of {@link sample}.
 *
 * @example
 * ```ts
 * import type { SampleOptions } from '@fackel/charrnn';
 * const o: SampleOptions = { prime: 'The ', length: 300, temperature: 0.8, topK: 10, seed: 7 };
 * ```
 */
export interface SampleOptions extends SamplingOptions {
  /**
   * Text fed to the model before sampling; it starts the output. Every character must be in
   * the vocabulary (a `VocabularyError` lists those that are not). Empty or omitted: the
   * model is primed with a newline when the vocabulary has one (not part of the output),
   * otherwise the first character is drawn uniformly.
   */
  prime?: string;
  /** Characters to generate after the prime (default 200). */
  length?: number;
  /** Seed of the sampling generator (default 0): the same seed gives the same text. */
  seed?: number;
  /** The generator to draw from instead of a fresh seeded one. */
  generator?: Generator;
  /** Called with the prime and then each generated character as soon as it exists (streaming). */
  onText?: (text: string) => void | Promise<void>;
}

/**
 * The logits the model gives after reading a text (one row per character of `text`: row
 * `t` scores the character after `text[t]`), from the zero state, in eval mode. Used to
 * compare with PyTorch.
 *
 * @example
 * ```ts
 * import type { CharVocab } from '@fackel/data';
 * import { primeLogits, type CharRNN } from '@fackel/charrnn';
 * declare const model: CharRNN;
 * declare const vocab: CharVocab;
 * const rows = await primeLogits(model, vocab, 'From afar'); // Float32Array[] of vocab.size
 * ```
 */
export async function primeLogits(model: CharRNN, vocab: CharVocab, text: string): Promise<Float32Array[]> {
  const ids = vocab.encode(text, { what: 'prime text' });
  const wasTraining = model.training;
  model.eval();
  try {
    const device = model.fc.weight.device;
    const logits = noGrad(() =>
      tidy(() => {
        const x = tensor(ids, { dtype: 'int32', device }).reshape([1, ids.length]);
        const [l] = model.forward(x);
        return l;
      }),
    );
    const flat = Float32Array.from(await logits.data());
    logits.dispose();
    const v = vocab.size;
    return Array.from({ length: ids.length }, (_, t) => flat.slice(t * v, (t + 1) * v));
  } finally {
    model.train(wasTraining);
  }
}

/**
 * Generates text with a trained model: feeds the prime, then draws each next character
 * from the temperature-scaled (and, with `topK`, truncated) distribution and feeds it
 * back. Runs in eval mode (no dropout) without gradients; the model's mode is restored
 * afterwards. Returns the prime followed by the generated characters.
 *
 * @example
 * ```ts
 * import { loadModel, sample } from '@fackel/charrnn';
 * const { model, vocab } = await loadModel('save');
 * const text = await sample(model, vocab, { prime: 'Call me ', length: 200, seed: 1, onText: (s) => { process.stdout.write(s); } });
 * ```
 */
export async function sample(model: CharRNN, vocab: CharVocab, options: SampleOptions = {}): Promise<string> {
  const primeText = options.prime ?? '';
  const primeIds = vocab.encode(primeText, { what: 'prime text' });
  const silentNewline = primeIds.length === 0 && vocab.has('\n');
  const feedIds = silentNewline ? Int32Array.of(vocab.indexOf('\n')) : primeIds;
  const length = options.length ?? 200;
  const device = model.fc.weight.device;
  const wasTraining = model.training;
  model.eval();
  let state: LSTMState | undefined;
  const logitsFn = async (ids: Int32Array): Promise<ArrayLike<number>> => {
    const { row, next } = noGrad(() =>
      tidy(() => {
        const x = tensor(ids, { dtype: 'int32', device }).reshape([1, ids.length]);
        const [logits, nxt] = model.forward(x, state);
        return { row: logits.select(0, ids.length - 1).contiguous(), next: nxt };
      }),
    );
    state?.forEach((t: Tensor) => t.dispose());
    state = next;
    const data = await row.data();
    row.dispose();
    return data;
  };
  let out = primeText;
  try {
    if (primeText !== '') await options.onText?.(primeText);
    const ids = await generateIds(logitsFn, {
      vocabSize: vocab.size,
      prime: feedIds,
      length,
      temperature: options.temperature,
      topK: options.topK,
      generator: options.generator ?? new Generator(options.seed ?? 0),
      onId: async (id) => {
        const ch = vocab.chars[id]!;
        out += ch;
        await options.onText?.(ch);
      },
    });
    void ids;
  } finally {
    state?.forEach((t: Tensor) => t.dispose());
    model.train(wasTraining);
  }
  return out;
}
