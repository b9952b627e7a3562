import { stat } from 'node:fs/promises';
import { CORPORA, DataFormatError, textCorpus } from '@fackel/data';
import { FackelError } from '@fackel/tensor';
import { absoluteInputs, fileKind, sha256Hex, type CheckpointMeta } from './checkpoint.js';
import { TrainingDataError } from './errors.js';

/** The largest text file read for training (the text becomes a string and an id array). */
const MAX_TEXT_BYTES = 256 * 1024 * 1024;

/** Checks an input before reading it: a regular file (a FIFO or /dev/zero never blocks or floods), of sensible size. */
async function checkInputFile(path: string): Promise<void> {
  let st;
  try {
    st = await stat(path);
  } catch (e) {
    if (CORPORA.some((name) => name === path)) return; // a corpus name, not a file
    const code = e instanceof Error && 'code' in e && typeof e.code === 'string' ? e.code : undefined;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (code ?? (e instanceof Error ? e.message : String(e)));
    throw new TrainingDataError(`cannot read --input ${path}: ${why}`);
  }
  if (!st.isFile()) {
    throw new TrainingDataError(`--input ${path} is ${fileKind(st)}; give a regular text file (UTF-8)`);
  }
  if (st.size > MAX_TEXT_BYTES) {
    throw new TrainingDataError(
      `--input ${path} is ${st.size.toLocaleString('en-US')} bytes, more than the limit of ${MAX_TEXT_BYTES.toLocaleString('en-US')} bytes for a training text`,
    );
  }
}

/**
 * The text a run trains on, and where it came from ({@link TrainPlan}'s `text`).
 *
 * @example
 * ```ts no-run
 * import { Trainer } from '@fackel/charrnn';
 * const plan = await new Trainer({ text: 'hello world', maxSteps: 1 }).settings();
 * console.log(plan.text.corpus, plan.text.sha256().length); // null 64
 * ```
 */
export interface TrainingText {
  /** The text itself. */
  text: string;
  /** The input files (absolute), or null. */
  inputs: string[] | null;
  /** The named corpus, or null. */
  corpus: string | null;
  /** SHA-256 (hex) of the text, computed once on first use (the resume check and every checkpoint). */
  sha256(): string;
}

/** A {@link TrainingText} whose hash is computed on first use. */
function trainingText(text: string, inputs: string[] | null, corpus: string | null): TrainingText {
  let hash: string | undefined;
  return { text, inputs, corpus, sha256: () => (hash ??= sha256Hex(text)) };
}

/**
 * Reads the training text: the `text` option, else the `inputs` (the checkpoint's inputs or
 * corpus when resuming without them), else the corpus `corpus`.
 */
export async function loadText(o: { text?: string; inputs?: string[] }, fromCkpt: CheckpointMeta['data'] | undefined, corpus: string): Promise<TrainingText> {
  if (o.text !== undefined) {
    if (typeof o.text !== 'string' || o.text.length === 0) throw new TrainingDataError('the training text is empty');
    return trainingText(o.text, null, null);
  }
  let inputs = o.inputs && o.inputs.length > 0 ? o.inputs : null;
  let name: string | null = null;
  if (!inputs && fromCkpt) {
    if (fromCkpt.inputs) inputs = fromCkpt.inputs;
    else if (fromCkpt.corpus) name = fromCkpt.corpus;
  }
  const read = async (p: string): Promise<string> => {
    try {
      return await textCorpus(p);
    } catch (e) {
      if (e instanceof DataFormatError || e instanceof FackelError) throw e;
      throw new TrainingDataError(e instanceof Error ? e.message : String(e));
    }
  };
  if (inputs) {
    for (const p of inputs) await checkInputFile(p);
    const texts: string[] = [];
    for (const p of inputs) texts.push(await read(p));
    return trainingText(texts.join('\n'), absoluteInputs(inputs), null);
  }
  name ??= corpus;
  return trainingText(await read(name), null, name);
}

/** Control characters other than tab, newline, vertical tab, form feed and carriage return, and U+FFFD. */
export function binaryLooking(text: string): string | null {
  let count = 0;
  const seen = new Map<number, number>();
  const n = Math.min(text.length, 1 << 20); // a sample is enough
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if ((c < 32 && c !== 9 && c !== 10 && c !== 11 && c !== 12 && c !== 13) || c === 127 || c === 0xfffd) {
      count++;
      seen.set(c, (seen.get(c) ?? 0) + 1);
    }
  }
  if (count === 0 || (count / n < 0.01 && !seen.has(0))) return null;
  const top = [...seen.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([c]) => `U+${c.toString(16).toUpperCase().padStart(4, '0')}`);
  return `the text looks binary, not like text: ${((100 * count) / n).toFixed(count / n < 0.001 ? 3 : 1)}% of its characters are control characters (${top.join(', ')}); is the input a text file?`;
}
