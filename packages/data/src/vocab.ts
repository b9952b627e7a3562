/**
 * A character missing from a vocabulary, as listed by {@link VocabularyError}.
 *
 * @example
 * ```ts
 * import type { MissingChar } from '@fackel/data';
 * const m: MissingChar = { char: 'é', codePoint: 0xe9, count: 2, firstIndex: 17 };
 * ```
 */
export interface MissingChar {
  /** The character (one Unicode code point). */
  char: string;
  /** Its code point. */
  codePoint: number;
  /** How often it occurs in the text. */
  count: number;
  /** Index (in code points) of its first occurrence. */
  firstIndex: number;
}

/** `'é' (U+00E9)`, with invisible characters spelled out. */
function showChar(ch: string): string {
  const cp = ch.codePointAt(0)!;
  const hex = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  const named: Record<string, string> = {
    '\n': 'newline',
    '\r': 'carriage return',
    '\t': 'tab',
    ' ': 'space',
    '\u00a0': 'no-break space',
    '\ufeff': 'byte-order mark',
  };
  if (named[ch]) return `${named[ch]} (${hex})`;
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return `control character ${hex}`;
  return `${JSON.stringify(ch)} (${hex})`;
}

/**
 * Thrown when a text (or a prime string for sampling) has characters that the vocabulary
 * does not know. The message lists them with their code points, counts and first positions;
 * `missing` has the same list.
 *
 * @example
 * ```ts
 * import { CharVocab, VocabularyError } from '@fackel/data';
 * const vocab = CharVocab.fromText('Strasse');
 * try {
 *   vocab.encode('Straße', { what: 'prime string' });
 * } catch (e) {
 *   if (e instanceof VocabularyError) console.log(e.missing.map((m) => m.char)); // ['ß']
 * }
 * ```
 */
export class VocabularyError extends Error {
  /** `'VocabularyError'`. */
  override name = 'VocabularyError';
  constructor(
    /** The characters outside the vocabulary, in order of first occurrence. */
    readonly missing: readonly MissingChar[],
    what: string,
    vocabSize: number,
  ) {
    const shown = missing.slice(0, 20).map((m) => `${showChar(m.char)} ×${m.count}, first at ${m.firstIndex}`);
    const more = missing.length > 20 ? `, and ${missing.length - 20} more` : '';
    super(
      `the ${what} has ${missing.length} character${missing.length === 1 ? '' : 's'} that ${missing.length === 1 ? 'is' : 'are'} not in the vocabulary ` +
        `(${vocabSize} characters): ${shown.join('; ')}${more}. ` +
        `Remove or replace them, or build the vocabulary from a text that contains them.`,
    );
  }
}

/**
 * The JSON form of a {@link CharVocab}, for checkpoints.
 *
 * @example
 * ```ts
 * import type { CharVocabJSON } from '@fackel/data';
 * const j: CharVocabJSON = { type: 'CharVocab', version: 1, chars: ['\n', ' ', 'a', 'b'] };
 * ```
 */
export interface CharVocabJSON {
  /** Always `'CharVocab'`. */
  type: 'CharVocab';
  /** Format version (1). */
  version: 1;
  /** The characters in index order. */
  chars: string[];
}

/**
 * A character vocabulary: each distinct character (Unicode code point) of a text gets an
 * integer id. {@link CharVocab.fromText} orders the characters **by code point** (so `'\n'`
 * (U+000A) < `' '` (U+0020) < `'A'` < `'a'` < `'ä'`), which makes the mapping a function of
 * the set of characters alone: the same text gives the same ids in every process and on every
 * machine, unlike the iteration order of a hash-ordered set. {@link CharVocab.fromChars} keeps
 * an explicit order instead. `toJSON`/`fromJSON` carry it in a checkpoint.
 *
 * @example
 * ```ts
 * import { CharVocab } from '@fackel/data';
 * const vocab = CharVocab.fromText('hello world');
 * vocab.chars;                       // [' ', 'd', 'e', 'h', 'l', 'o', 'r', 'w']
 * const ids = vocab.encode('hold');  // Int32Array [3, 5, 4, 1]
 * vocab.decode(ids);                 // 'hold'
 * ```
 */
export class CharVocab {
  /** The characters in id order: `chars[id]` is the character with that id. */
  readonly chars: readonly string[];
  private readonly ids: Map<string, number>;

  private constructor(chars: string[]) {
    this.chars = Object.freeze(chars);
    this.ids = new Map(chars.map((c, i) => [c, i]));
  }

  /**
   * The vocabulary of a text: its distinct code points sorted by code point value.
   *
   * @example
   * ```ts
   * import { CharVocab } from '@fackel/data';
   * CharVocab.fromText('bab\n').chars; // ['\n', 'a', 'b']
   * ```
   */
  static fromText(text: string): CharVocab {
    if (typeof text !== 'string') throw new TypeError(`CharVocab.fromText expects a string, got ${typeof text}`);
    const seen = new Set<number>();
    for (let i = 0; i < text.length; i++) {
      const cp = text.codePointAt(i)!;
      if (cp > 0xffff) i++;
      seen.add(cp);
    }
    if (seen.size === 0) throw new TypeError('cannot build a vocabulary from an empty text');
    const cps = [...seen].sort((a, b) => a - b);
    return new CharVocab(cps.map((cp) => String.fromCodePoint(cp)));
  }

  /**
   * A vocabulary with exactly these characters in this order (a string is split into code
   * points). Duplicates are an error.
   *
   * @example
   * ```ts
   * import { CharVocab } from '@fackel/data';
   * CharVocab.fromChars('abc').encode('cab'); // Int32Array [2, 0, 1]
   * ```
   */
  static fromChars(chars: string | Iterable<string>): CharVocab {
    const list = typeof chars === 'string' ? [...chars] : [...chars];
    if (list.length === 0) throw new TypeError('a vocabulary needs at least one character');
    const seen = new Map<string, number>();
    list.forEach((c, i) => {
      if (typeof c !== 'string' || [...c].length !== 1) {
        throw new TypeError(`vocabulary entry ${i} must be a single character (one code point), got ${JSON.stringify(c)}`);
      }
      const prev = seen.get(c);
      if (prev !== undefined) throw new TypeError(`the character ${showChar(c)} appears twice in the vocabulary (positions ${prev} and ${i})`);
      seen.set(c, i);
    });
    return new CharVocab(list);
  }

  /**
   * Rebuilds a vocabulary from {@link CharVocab.toJSON}'s output (or its JSON text).
   *
   * @example
   * ```ts
   * import { CharVocab } from '@fackel/data';
   * const vocab = CharVocab.fromText('hello world');
   * const same = CharVocab.fromJSON(JSON.parse(JSON.stringify(vocab)));
   * ```
   */
  static fromJSON(json: CharVocabJSON | string): CharVocab {
    const j = (typeof json === 'string' ? JSON.parse(json) : json) as Partial<CharVocabJSON>;
    if (typeof j !== 'object' || j === null || j.type !== 'CharVocab') {
      throw new TypeError('CharVocab.fromJSON expects the object that vocab.toJSON() returned ({ type: "CharVocab", version: 1, chars: [...] })');
    }
    if (j.version !== 1) throw new TypeError(`unsupported CharVocab version ${String(j.version)} (this library reads version 1)`);
    if (!Array.isArray(j.chars)) throw new TypeError('CharVocab JSON has no chars array');
    return CharVocab.fromChars(j.chars);
  }

  /** Number of characters. */
  get size(): number {
    return this.chars.length;
  }

  /**
   * Whether the vocabulary contains a character.
   *
   * @example
   * ```ts
   * import { CharVocab } from '@fackel/data';
   * const vocab = CharVocab.fromText('hello world');
   * vocab.has('x'); // false
   * ```
   */
  has(char: string): boolean {
    return this.ids.has(char);
  }

  /**
   * The id of one character (throws if absent).
   *
   * @example
   * ```ts
   * import { CharVocab } from '@fackel/data';
   * CharVocab.fromText('ab').indexOf('b'); // 1
   * ```
   */
  indexOf(char: string): number {
    const id = this.ids.get(char);
    if (id === undefined) throw new VocabularyError([{ char, codePoint: char.codePointAt(0) ?? 0, count: 1, firstIndex: 0 }], 'character', this.size);
    return id;
  }

  /**
   * The characters of `text` that are not in the vocabulary (empty if none), in order of
   * first occurrence.
   *
   * @example
   * ```ts
   * import { CharVocab } from '@fackel/data';
   * CharVocab.fromText('abc').missing('cab!').map((m) => m.char); // ['!']
   * ```
   */
  missing(text: string): MissingChar[] {
    const out = new Map<string, MissingChar>();
    let k = 0;
    for (const ch of text) {
      if (!this.ids.has(ch)) {
        const m = out.get(ch);
        if (m) m.count++;
        else out.set(ch, { char: ch, codePoint: ch.codePointAt(0)!, count: 1, firstIndex: k });
      }
      k++;
    }
    return [...out.values()];
  }

  /**
   * Encodes a text as ids (one per code point). A character outside the vocabulary throws a
   * {@link VocabularyError} listing all of them; `what` names the text in that message
   * (`'prime string'`, `'validation text'`, …), and `onUnknown: 'skip'` drops them instead.
   *
   * @example
   * ```ts
   * import { CharVocab } from '@fackel/data';
   * const vocab = CharVocab.fromText('hello world');
   * const prime = 'low';
   * const ids = vocab.encode(prime, { what: 'prime string' }); // Int32Array [4, 5, 7]
   * ```
   */
  encode(text: string, options: { what?: string; onUnknown?: 'error' | 'skip' } = {}): Int32Array {
    if (typeof text !== 'string') throw new TypeError(`encode expects a string, got ${typeof text}`);
    const out = new Int32Array(text.length); // code points <= UTF-16 units
    let n = 0;
    let bad = false;
    for (let i = 0; i < text.length; i++) {
      const cp = text.codePointAt(i)!;
      const ch = cp > 0xffff ? text.slice(i, i + 2) : text[i];
      if (cp > 0xffff) i++;
      const id = this.ids.get(ch);
      if (id === undefined) bad = true;
      else out[n++] = id;
    }
    if (bad && (options.onUnknown ?? 'error') === 'error') {
      throw new VocabularyError(this.missing(text), options.what ?? 'text', this.size);
    }
    return n === out.length ? out : out.slice(0, n);
  }

  /**
   * Decodes ids back to text. An id outside `0..size-1` is a `RangeError`.
   *
   * @example
   * ```ts
   * import { CharVocab } from '@fackel/data';
   * const vocab = CharVocab.fromText('hello world');
   * vocab.decode([3, 5, 4, 1]); // 'hold'
   * ```
   */
  decode(ids: ArrayLike<number> | Iterable<number>): string {
    const arr = Array.from(ids as Iterable<number>);
    let s = '';
    for (let i = 0; i < arr.length; i++) {
      const id = arr[i];
      const ch = Number.isInteger(id) ? this.chars[id] : undefined;
      if (ch === undefined) {
        throw new RangeError(`id ${id} at position ${i} is not a character id of this vocabulary (ids are 0 to ${this.size - 1})`);
      }
      s += ch;
    }
    return s;
  }

  /** The JSON form (see {@link CharVocabJSON}); `JSON.stringify(vocab)` uses it. */
  toJSON(): CharVocabJSON {
    return { type: 'CharVocab', version: 1, chars: [...this.chars] };
  }
}
