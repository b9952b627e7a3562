import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CharVocab, VocabularyError, charBatches, minTextLength } from '../src/index.js';
import { sharedData } from '@fackel/testkit';

describe('CharVocab', () => {
  it('orders characters by code point, whatever order the text has', () => {
    const v = CharVocab.fromText('hello world');
    expect(v.chars).toEqual([' ', 'd', 'e', 'h', 'l', 'o', 'r', 'w']);
    expect(Array.from(v.encode('hold'))).toEqual([3, 5, 4, 1]);
    expect(CharVocab.fromText('dlrow olleh').chars).toEqual(v.chars);
    // code point order, not UTF-16 code unit order: U+FF01 comes before U+1F600
    const w = CharVocab.fromText('😀！a\nä ');
    expect(w.chars).toEqual(['\n', ' ', 'a', 'ä', '！', '😀']);
    expect(w.size).toBe(6);
    expect(Array.from(w.encode('ä😀a'))).toEqual([3, 5, 2]);
    expect(w.decode(w.encode('😀 ！\n'))).toBe('😀 ！\n');
  });

  it('gives the documented vocabulary for the three German texts', () => {
    const text = ['tx_DE_1_Schneewitchen.txt', 'tx_DE_3_Der_Erlkoenig.txt', 'tx_DE_4_Oh_Tannenbaum.txt']
      .map((f) => readFileSync(sharedData(f), 'utf8'))
      .join('\n');
    const v = CharVocab.fromText(text);
    expect(v.size).toBe(70);
    expect(v.encode(text).length).toBe(18612);
    expect(v.chars.slice(0, 3)).toEqual(['\n', ' ', '!']);
    expect(v.decode(v.encode(text))).toBe(text);
  });

  it('keeps an explicit order with fromChars, and rejects duplicates', () => {
    const v = CharVocab.fromChars('cab');
    expect(Array.from(v.encode('abc'))).toEqual([1, 2, 0]);
    expect(() => CharVocab.fromChars('abca')).toThrow('the character "a" (U+0061) appears twice in the vocabulary (positions 0 and 3)');
    expect(() => CharVocab.fromChars(['ab'])).toThrow('vocabulary entry 0 must be a single character');
  });

  it('round-trips through JSON', () => {
    const v = CharVocab.fromText('Grüße, 🌍!\n');
    const json = JSON.stringify(v);
    const back = CharVocab.fromJSON(json);
    expect(back.chars).toEqual(v.chars);
    expect(CharVocab.fromJSON(JSON.parse(json)).encode('üß')).toEqual(v.encode('üß'));
    expect(() => CharVocab.fromJSON({ type: 'Other' } as never)).toThrow('CharVocab.fromJSON expects');
  });

  it('lists the characters of a text or prime string that are outside the vocabulary', () => {
    const v = CharVocab.fromText('abc ');
    expect(v.missing('a bad cab')).toEqual([{ char: 'd', codePoint: 100, count: 1, firstIndex: 4 }]);
    let err: unknown;
    try {
      v.encode('Cab\tcäbä', { what: 'prime string' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(VocabularyError);
    const e = err as VocabularyError;
    expect(e.missing.map((m) => m.char)).toEqual(['C', '\t', 'ä']);
    expect(e.message).toBe(
      'the prime string has 3 characters that are not in the vocabulary (4 characters): ' +
        '"C" (U+0043) ×1, first at 0; tab (U+0009) ×1, first at 3; "ä" (U+00E4) ×2, first at 5. ' +
        'Remove or replace them, or build the vocabulary from a text that contains them.',
    );
    expect(() => v.encode('xyz')).toThrow(/^the text has 3 characters/);
    expect(Array.from(v.encode('a-b', { onUnknown: 'skip' }))).toEqual([1, 2]);
    expect(() => v.decode([0, 4])).toThrow('id 4 at position 1 is not a character id of this vocabulary (ids are 0 to 3)');
  });
});

describe('charBatches', () => {
  const ids = Int32Array.from({ length: 21 }, (_, i) => i);

  it('cuts the text into batchSize streams of seqLength windows, targets shifted by one', () => {
    const { train, val, batchSize, seqLength, warning } = charBatches(ids, { batchSize: 2, seqLength: 3, valFrac: 0 });
    expect([batchSize, seqLength, warning]).toEqual([2, 3, undefined]);
    expect(train.length).toBe(3); // floor((21 - 1) / 6)
    expect(val.length).toBe(0);
    const rows = (a: Int32Array) => [Array.from(a.subarray(0, 3)), Array.from(a.subarray(3, 6))];
    // rows are the contiguous pieces 0..8 and 9..17 of the text
    expect(rows(train.batchAt(0).x)).toEqual([
      [0, 1, 2],
      [9, 10, 11],
    ]);
    expect(rows(train.batchAt(0).y)).toEqual([
      [1, 2, 3],
      [10, 11, 12],
    ]);
    expect(rows(train.batchAt(1).x)).toEqual([
      [3, 4, 5],
      [12, 13, 14],
    ]);
    expect(rows(train.batchAt(1).y)).toEqual([
      [4, 5, 6],
      [13, 14, 15],
    ]);
    expect(rows(train.batchAt(2).x)).toEqual([
      [6, 7, 8],
      [15, 16, 17],
    ]);
    // the last target of each row is the true next character (pytorch-charRNN would wrap to 0 and 9)
    expect(rows(train.batchAt(2).y)).toEqual([
      [7, 8, 9],
      [16, 17, 18],
    ]);
    expect([...train].map((b) => b.x[0])).toEqual([0, 3, 6]);
    expect([...train.batches(2)].map((b) => b.x[0])).toEqual([6]);
    expect(() => train.batchAt(3)).toThrow('batch index 3 is out of range: this stream has 3 batches (0 to 2)');
  });

  it('keeps the last valFrac of the text for validation', () => {
    const text = Int32Array.from({ length: 40 }, (_, i) => i);
    const { train, val } = charBatches(text, { batchSize: 2, seqLength: 3, valFrac: 0.25 });
    expect(train.data.length).toBe(30);
    expect(Array.from(val.data)).toEqual([30, 31, 32, 33, 34, 35, 36, 37, 38, 39]);
    expect(train.length).toBe(4);
    expect(val.length).toBe(1);
    expect(Array.from(val.batchAt(0).x)).toEqual([30, 31, 32, 33, 34, 35]);
    expect(Array.from(val.batchAt(0).y)).toEqual([31, 32, 33, 34, 35, 36]);
  });

  it('states the minimum length when the text is too short', () => {
    expect(minTextLength({ batchSize: 2, seqLength: 3, valFrac: 0 })).toBe(7);
    expect(minTextLength({ batchSize: 2, seqLength: 3, valFrac: 0.5 })).toBe(14);
    expect(minTextLength({ batchSize: 2, seqLength: 3 })).toBe(70); // valFrac 0.1: floor(70 * 0.1) = 7
    expect(minTextLength({ batchSize: 64, seqLength: 100 })).toBe(64010);
    const short = Int32Array.from({ length: 69 }, (_, i) => i % 5);
    expect(() => charBatches(short, { batchSize: 2, seqLength: 3 })).toThrow(
      'the text is too short for batchSize 2 and seqLength 3: it has 69 characters, but one training batch and one validation batch (valFrac 0.1) ' +
        'each need batchSize × seqLength + 1 = 7 characters, so the text needs at least 70 characters. ' +
        'Use a longer text, smaller batchSize or seqLength, or pass shrink: true to reduce them automatically, or a different valFrac.',
    );
    expect(charBatches(Int32Array.from({ length: 70 }), { batchSize: 2, seqLength: 3 }).val.length).toBe(1);
    expect(() => charBatches(Int32Array.of(1, 2, 3), { batchSize: 1, seqLength: 1, valFrac: 0.5 })).toThrow(
      '(even batchSize 1 and seqLength 1 need 4 characters)',
    );
  });

  it('shrinks the sizes on request and says so', () => {
    const text = Int32Array.from({ length: 577 }, (_, i) => i % 42); // O Tannenbaum's length
    const r = charBatches(text, { batchSize: 10, seqLength: 50, shrink: true });
    // the validation tail has floor(57.7) = 57 characters, so batchSize * seqLength <= 56
    expect([r.batchSize, r.seqLength]).toEqual([1, 50]);
    expect(r.val.length).toBe(1);
    expect(r.train.length).toBe(10);
    expect(r.warning).toBe(
      'the text (577 characters) is too short for batchSize 10 and seqLength 50 (it needs 5010); using batchSize 1 and seqLength 50 instead',
    );
    const r2 = charBatches(text, { batchSize: 4, seqLength: 100, shrink: true });
    expect([r2.batchSize, r2.seqLength]).toEqual([1, 56]);
    const r3 = charBatches(text, { batchSize: 30, seqLength: 5, shrink: true });
    expect([r3.batchSize, r3.seqLength]).toEqual([11, 5]);
  });

  it('rejects bad sizes', () => {
    expect(() => charBatches(ids, { batchSize: 0, seqLength: 3 })).toThrow('batchSize must be an integer >= 1, got 0');
    expect(() => charBatches(ids, { batchSize: 1, seqLength: 2.5 })).toThrow('seqLength must be an integer >= 1, got 2.5');
    expect(() => charBatches(ids, { batchSize: 1, seqLength: 2, valFrac: 1 })).toThrow('valFrac must be a number in [0, 1), got 1');
  });
});
