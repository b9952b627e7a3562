/**
 * Übung 3 (Textgenerierung) as a small library: build a training text from the workshop's
 * texts (as its `exercise_3.py` joined the `tx_*` files), train a character LSTM with
 * `@fackel/charrnn`, and sample from it. `main.ts` is the command line around it.
 *
 * @example
 * ```ts
 * import { buildCorpus, trainTextgen } from '@fackel/example-textgen';
 * const corpus = await buildCorpus('de');
 * const run = await trainTextgen(corpus);
 * console.log(run.valLoss, '<', run.entropy, run.samples[0].text);
 * ```
 */
import { basename } from 'node:path';
import { sample as sampleText, train, type HistoryPoint, type TrainEvent, type TrainResult } from '@fackel/charrnn';
import { CORPORA, textCorpus } from '@fackel/data';
import { sharedDataFile } from '@fackel/example-report';

/**
 * The workshop's public-domain texts by set: the German ones (the workshop trained on its
 * German texts), the English ones, both, and karpathy's tiny Shakespeare.
 *
 * @example
 * ```ts
 * import { TEXT_SETS } from '@fackel/example-textgen';
 * console.log(TEXT_SETS.de); // ['tx_DE_1_Schneewitchen.txt', …]
 * ```
 */
export const TEXT_SETS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  de: Object.freeze(['tx_DE_1_Schneewitchen.txt', 'tx_DE_3_Der_Erlkoenig.txt', 'tx_DE_4_Oh_Tannenbaum.txt']),
  en: Object.freeze(['tx_EN_4_Mark_Twain_A_Ghost_Story.txt', 'tx_EN_5_Sleeping_Beauty.txt', 'tx_EN_6_The_Ugly_Ducking.txt']),
  all: Object.freeze([
    'tx_DE_1_Schneewitchen.txt',
    'tx_DE_3_Der_Erlkoenig.txt',
    'tx_DE_4_Oh_Tannenbaum.txt',
    'tx_EN_4_Mark_Twain_A_Ghost_Story.txt',
    'tx_EN_5_Sleeping_Beauty.txt',
    'tx_EN_6_The_Ugly_Ducking.txt',
  ]),
  shakespeare: Object.freeze(['tinyshakespeare.txt']),
});

/**
 * A training text and where it came from.
 *
 * @example
 * ```ts
 * import type { Corpus } from '@fackel/example-textgen';
 * const c: Corpus = { text: 'O Tannenbaum', sources: ['tx_DE_4_Oh_Tannenbaum.txt'], label: 'de' };
 * ```
 */
export interface Corpus {
  text: string;
  /** The file names (or corpus names) joined into it. */
  sources: string[];
  /** What was asked for (`de`, `en`, a path, …). */
  label: string;
  /** Set when the asked-for texts were missing and a fallback was used instead. */
  note?: string;
}

/**
 * Joins texts into one training text with a newline between them, as the workshop's
 * `exercise_3.py` built `training_file.txt`. `spec` is a set name of {@link TEXT_SETS}
 * (default `de`), a known corpus (`moby-dick`, installed from npm), or file paths separated by
 * commas. When the workshop's shared data is not there, a set falls back to `moby-dick`.
 *
 * @example
 * ```ts
 * import { buildCorpus } from '@fackel/example-textgen';
 * const de = await buildCorpus('de');                       // 18 612 characters, 70 distinct
 * const own = await buildCorpus('poem.txt,letters.txt');
 * ```
 */
export async function buildCorpus(spec = 'de'): Promise<Corpus> {
  const set = TEXT_SETS[spec];
  if (set !== undefined) {
    const paths = textSetPaths(spec);
    if (paths === undefined) {
      const text = await textCorpus('moby-dick');
      return {
        text,
        sources: ['moby-dick'],
        label: spec,
        note: `the workshop's texts (shared/data) were not found, so the npm corpus moby-dick is used instead`,
      };
    }
    const texts = await Promise.all(paths.map((p) => textCorpus(p)));
    return { text: texts.join('\n'), sources: [...set], label: spec };
  }
  if ((CORPORA as readonly string[]).includes(spec)) return { text: await textCorpus(spec), sources: [spec], label: spec };
  const files = spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (files.length === 0) throw new Error('no texts given: use de, en, all, shakespeare, moby-dick or file paths separated by commas');
  const texts = await Promise.all(files.map((f) => textCorpus(f)));
  return { text: texts.join('\n'), sources: files.map((f) => basename(f)), label: spec };
}

/**
 * The entropy of the text's character frequencies in nats per character: the loss of a model
 * that knows only how often each character occurs. A char-RNN has learned something about
 * order (which letter follows which) once its validation loss is below this.
 *
 * @example
 * ```ts
 * import { unigramEntropy } from '@fackel/example-textgen';
 * unigramEntropy('abab'); // ln 2 ≈ 0.693
 * ```
 */
export function unigramEntropy(text: string): number {
  const counts = new Map<string, number>();
  let n = 0;
  for (const c of text) {
    counts.set(c, (counts.get(c) ?? 0) + 1);
    n++;
  }
  let h = 0;
  for (const k of counts.values()) h -= (k / n) * Math.log(k / n);
  return h;
}

/**
 * The model and training settings of {@link trainTextgen}, as `@fackel/charrnn` names them.
 *
 * @example
 * ```ts
 * import { TEXTGEN_DEFAULTS, type TextgenSettings } from '@fackel/example-textgen';
 * const bigger: TextgenSettings = { ...TEXTGEN_DEFAULTS, rnnSize: 256 };
 * ```
 */
export interface TextgenSettings {
  rnnSize: number;
  numLayers: number;
  batchSize: number;
  seqLength: number;
  numEpochs: number;
  learningRate: number;
  dropout: number;
  gradClip: number;
  seed: number;
  printEvery: number;
  valEvery: number;
}

/**
 * The example's training settings: the workshop's model (2 LSTM layers of 128, dropout 0.5,
 * Adam 0.002, clipping at 5), with batches sized for short texts (16 streams of 50
 * characters instead of 50 × 50, which do not fit an 18 000-character text) and 6 epochs, so
 * the default run takes well under a minute on a laptop.
 *
 * @example
 * ```ts
 * import { TEXTGEN_DEFAULTS } from '@fackel/example-textgen';
 * console.log(TEXTGEN_DEFAULTS.numEpochs); // 6
 * ```
 */
export const TEXTGEN_DEFAULTS: Readonly<TextgenSettings> = Object.freeze({
  rnnSize: 128,
  numLayers: 2,
  batchSize: 16,
  seqLength: 50,
  numEpochs: 6,
  learningRate: 0.002,
  dropout: 0.5,
  gradClip: 5,
  seed: 1,
  printEvery: 10,
  valEvery: 20,
});

/**
 * Settings of {@link trainTextgen}; the defaults are {@link TEXTGEN_DEFAULTS}.
 *
 * @example
 * ```ts
 * import type { TextgenOptions } from '@fackel/example-textgen';
 * const longer: TextgenOptions = { numEpochs: 50, prime: 'Der König', temperatures: [0.5, 1] };
 * ```
 */
export interface TextgenOptions extends Partial<TextgenSettings> {
  /** Stop after this many minutes, with what has been learned so far. */
  maxMinutes?: number | null;
  /** Where to write checkpoints (for `fackel-charrnn sample`); default: none. */
  saveDir?: string | null;
  device?: 'cpu' | 'webgpu';
  /** The text each sample starts with (default `'Der '` when its characters occur in the text). */
  prime?: string;
  /** Characters to sample (default 300). */
  length?: number;
  /** One sample per temperature (default [0.5, 0.8, 1]). */
  temperatures?: readonly number[];
  /** Keep only the k most likely characters when sampling (0: all). */
  topK?: number;
  onEvent?: (e: TrainEvent) => void;
}

/**
 * What {@link trainTextgen} returns.
 *
 * @example
 * ```ts
 * import type { TextgenResult } from '@fackel/example-textgen';
 * declare const r: TextgenResult;
 * console.log(r.valLoss! < r.entropy ? 'learned more than letter frequencies' : 'not yet');
 * ```
 */
export interface TextgenResult {
  corpus: Corpus;
  /** Unigram entropy of the corpus, nats per character. */
  entropy: number;
  /** The charrnn run (model, vocabulary, history, settings). */
  train: TrainResult;
  history: HistoryPoint[];
  /** The last validation loss (nats per character). */
  valLoss: number | undefined;
  bestValLoss: number | undefined;
  samples: { temperature: number; prime: string; text: string }[];
  /** Warnings from the trainer (e.g. batch sizes reduced for a very short text). */
  warnings: string[];
  /** Frees the model's tensors. */
  dispose(): void;
}

/**
 * Trains a character LSTM on the corpus with `@fackel/charrnn` (the last 10 % of the text is
 * validation) and samples from it at a few temperatures. A text too short for the batch
 * sizes is trained with smaller batches (charrnn's `shrink`) instead of failing the way
 * pytorch-charRNN did on the workshop's short German texts.
 *
 * @example
 * ```ts
 * import { buildCorpus, trainTextgen } from '@fackel/example-textgen';
 * const run = await trainTextgen(await buildCorpus('en'), { numEpochs: 20, prime: 'The ' });
 * for (const s of run.samples) console.log(`T = ${s.temperature}: ${s.text}`);
 * run.dispose();
 * ```
 */
export async function trainTextgen(corpus: Corpus, options: TextgenOptions = {}): Promise<TextgenResult> {
  const s: TextgenSettings = {
    ...TEXTGEN_DEFAULTS,
    ...Object.fromEntries(Object.entries(options).filter(([k, v]) => k in TEXTGEN_DEFAULTS && v !== undefined)),
  };
  const warnings: string[] = [];
  const result = await train({
    text: corpus.text,
    saveDir: options.saveDir ?? null,
    report: false,
    rnnSize: s.rnnSize,
    numLayers: s.numLayers,
    batchSize: s.batchSize,
    seqLength: s.seqLength,
    numEpochs: s.numEpochs,
    learningRate: s.learningRate,
    dropout: s.dropout,
    gradClip: s.gradClip,
    seed: s.seed,
    printEvery: s.printEvery,
    valEvery: s.valEvery,
    maxMinutes: options.maxMinutes ?? null,
    device: options.device ?? 'cpu',
    sampleLength: 0,
    shrink: true,
    onEvent: (e) => {
      if (e.type === 'warning') warnings.push(e.message);
      options.onEvent?.(e);
    },
  });
  const wanted = options.prime ?? 'Der ';
  const prime = [...wanted].every((c) => result.vocab.has(c)) ? wanted : '';
  const samples: TextgenResult['samples'] = [];
  for (const temperature of options.temperatures ?? [0.5, 0.8, 1]) {
    const text = await sampleText(result.model, result.vocab, { prime, length: options.length ?? 300, temperature, topK: options.topK ?? 0, seed: s.seed });
    samples.push({ temperature, prime, text });
  }
  return {
    corpus,
    entropy: unigramEntropy(corpus.text),
    train: result,
    history: result.history,
    valLoss: result.lastValLoss,
    bestValLoss: result.bestValLoss,
    samples,
    warnings,
    dispose() {
      for (const p of result.model.parameters()) p.dispose();
    },
  };
}

/**
 * The paths of a text set in the workshop's shared data, or `undefined` when it is missing.
 *
 * @example
 * ```ts
 * import { textSetPaths } from '@fackel/example-textgen';
 * console.log(textSetPaths('de')?.[0]); // …/shared/data/tx_DE_1_Schneewitchen.txt
 * ```
 */
export function textSetPaths(name: string): string[] | undefined {
  const set = TEXT_SETS[name];
  if (set === undefined) return undefined;
  const paths = set.map((f) => sharedDataFile(f));
  return paths.every((p) => p !== undefined) ? (paths as string[]) : undefined;
}
