import { describe, expect, it } from 'vitest';
import { femaleFirstNames, maleFirstNames, mobyDick } from '../src/index.js';

describe('@fackel/datasets', () => {
  it('assembles Moby Dick with chapter headings, once', () => {
    const text = mobyDick();
    expect(text.startsWith('CONTENTS')).toBe(true);
    expect(text).toContain('CHAPTER 1. Loomings.\n\nCall me Ishmael.');
    expect(text.length).toBeGreaterThan(1_200_000);
    expect(mobyDick()).toBe(text);
  });

  it('returns the two name lists as they are, in fresh arrays', () => {
    const f = femaleFirstNames();
    const m = maleFirstNames();
    expect([f.length, m.length]).toEqual([4951, 3898]);
    expect(f[0]).toBe('Aaren');
    expect(f.every((s) => typeof s === 'string' && s.length > 0) && m.every((s) => typeof s === 'string' && s.length > 0)).toBe(true);
    f.pop();
    expect(femaleFirstNames().length).toBe(4951);
  });
});
