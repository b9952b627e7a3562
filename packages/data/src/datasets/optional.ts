import type * as Datasets from '@fackel/datasets';

/** The optional package with the large data (Moby Dick, the name lists). */
const PACKAGE = '@fackel/datasets';

/**
 * Loads `@fackel/datasets` on demand (it is an optional peer: `fackel` and `@fackel/data` do not
 * install its 160 packages). When it is not installed, the error says which package to install
 * for `what` (e.g. `textCorpus('moby-dick')`).
 */
export async function loadDatasets(what: string): Promise<typeof Datasets> {
  const specifier: string = PACKAGE; // not a literal: bundlers and type checkers must not require it
  try {
    return (await import(specifier)) as typeof Datasets;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const missing =
      (err?.code === 'ERR_MODULE_NOT_FOUND' || /Cannot find (package|module)|Failed to (load|resolve)/.test(String(err?.message))) &&
      String(err?.message).includes(PACKAGE);
    if (!missing) throw e;
    throw new Error(`${what} needs the optional package ${PACKAGE}, which is not installed: install it with \`npm install ${PACKAGE}\``, { cause: e });
  }
}
