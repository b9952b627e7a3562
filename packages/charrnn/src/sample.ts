import type { CharVocab } from '@fackel/data';
import { Generator, noGrad, tensor, tidy, type Tensor } from '@fackel/tensor';
import { maxInputLength, type CharModel } from './models.js';
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
export async function primeLogits(model: CharModel, vocab: CharVocab, text: string): Promise<Float32Array[]> {
  const ids = vocab.encode(text, { what: 'prime text' });
  const wasTraining = model.training;
  model.eval();
  const rows: Float32Array[] = [];
  let state: Tensor[] | undefined;
  try {
    for (const piece of pieces(ids, maxInputLength(model.config))) {
      const { logits, next } = feed(model, piece, state);
      state?.forEach((t) => t.dispose());
      state = next;
      const flat = Float32Array.from(await logits.data());
      logits.dispose();
      const v = vocab.size;
      for (let t = 0; t < piece.length; t++) rows.push(flat.slice(t * v, (t + 1) * v));
    }
    return rows;
  } finally {
    state?.forEach((t) => t.dispose());
    model.train(wasTraining);
  }
}

/** Ids in pieces of at most `max` (a transformer's context); one piece for the LSTM. */
function pieces(ids: Int32Array, max: number): Int32Array[] {
  if (ids.length <= max) return [ids];
  const out: Int32Array[] = [];
  for (let i = 0; i < ids.length; i += max) out.push(ids.subarray(i, Math.min(ids.length, i + max)));
  return out;
}

/** One forward call without gradients: the logits `[ids.length, vocab]` and the state after. */
function feed(model: CharModel, ids: Int32Array, state: Tensor[] | undefined): { logits: Tensor; next: Tensor[] } {
  const device = model.device;
  return noGrad(() =>
    tidy(() => {
      const x = tensor(ids, { dtype: 'int32', device }).reshape([1, ids.length]);
      const [logits, next] = model.forward(x, state);
      return { logits, next };
    }),
  );
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
export async function sample(model: CharModel, vocab: CharVocab, options: SampleOptions = {}): Promise<string> {
  const primeText = options.prime ?? '';
  const primeIds = vocab.encode(primeText, { what: 'prime text' });
  const silentNewline = primeIds.length === 0 && vocab.has('\n');
  const feedIds = silentNewline ? Int32Array.of(vocab.indexOf('\n')) : primeIds;
  const length = options.length ?? 200;
  const wasTraining = model.training;
  model.eval();
  let state: Tensor[] | undefined;
  const logitsFn = async (ids: Int32Array): Promise<ArrayLike<number>> => {
    let row: Tensor | undefined;
    for (const piece of pieces(ids, maxInputLength(model.config))) {
      const { logits, next } = feed(model, piece, state);
      state?.forEach((t: Tensor) => t.dispose());
      state = next;
      row?.dispose();
      row = noGrad(() => tidy(() => logits.select(0, piece.length - 1).contiguous()));
      logits.dispose();
    }
    if (row === undefined) throw new RangeError('sample: nothing to feed the model');
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
        const ch = vocab.chars[id];
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
