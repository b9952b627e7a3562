/**
 * The Node side of the worker protocol ({@link ./protocol.ts}): reads requests from stdin,
 * answers on stdout behind the marker, and keeps every other output off stdout.
 */
import { createInterface } from 'node:readline';
import { MARKER, type CaseSpec, type Reply, type Request } from './protocol.js';

/** One prepared case: `run` is one timed sample. */
export interface Runner {
  run(): void;
  dispose(): void;
}

/** What a library's worker provides. */
export interface WorkerImpl {
  info(): Record<string, unknown>;
  setup(spec: CaseSpec): Runner | Promise<Runner>;
}

const gc = (globalThis as { gc?: () => void }).gc;

/** Peak resident set size of this process so far, in KiB. */
export function maxRssKB(): number {
  return process.resourceUsage().maxRSS;
}

/** Runs the request loop until stdin closes or `exit` arrives. */
export function serve(impl: WorkerImpl): void {
  // library banners and console output must not mix with protocol lines
  const toStderr = (...args: unknown[]): void => {
    process.stderr.write(`${args.map((a) => (typeof a === 'string' ? a : String(a))).join(' ')}\n`);
  };
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;

  const cases = new Map<string, Runner>();
  const reply = (r: Reply): void => {
    process.stdout.write(`${MARKER}${JSON.stringify(r)}\n`);
  };

  const handle = async (req: Request): Promise<Reply | 'exit'> => {
    switch (req.op) {
      case 'info':
        return { id: req.id, ok: true, info: impl.info() };
      case 'setup': {
        cases.get(req.key)?.dispose();
        cases.delete(req.key);
        cases.set(req.key, await impl.setup(req.spec));
        gc?.();
        return { id: req.id, ok: true };
      }
      case 'run': {
        const c = cases.get(req.key);
        if (c === undefined) throw new Error(`no case '${req.key}' (setup first)`);
        const times: number[] = [];
        for (let i = 0; i < req.samples; i++) {
          const t0 = performance.now();
          c.run();
          times.push(performance.now() - t0);
        }
        return { id: req.id, ok: true, times };
      }
      case 'dispose':
        cases.get(req.key)?.dispose();
        cases.delete(req.key);
        gc?.();
        return { id: req.id, ok: true };
      case 'memory': {
        gc?.();
        const baselineKB = maxRssKB();
        const c = await impl.setup(req.spec);
        for (let i = 0; i < req.steps; i++) c.run();
        const peakKB = maxRssKB();
        c.dispose();
        return { id: req.id, ok: true, baselineKB, peakKB };
      }
      case 'exit':
        return 'exit';
    }
  };

  // requests are handled strictly one after another
  let chain: Promise<void> = Promise.resolve();
  const rl = createInterface({ input: process.stdin, terminal: false });
  rl.on('line', (line) => {
    if (line.trim() === '') return;
    chain = chain.then(async () => {
      let req: Request;
      try {
        req = JSON.parse(line) as Request;
      } catch (e) {
        reply({ id: -1, ok: false, error: `bad request: ${(e as Error).message}` });
        return;
      }
      try {
        const r = await handle(req);
        if (r === 'exit') {
          reply({ id: req.id, ok: true });
          rl.close();
          process.exit(0);
        }
        reply(r);
      } catch (e) {
        reply({ id: req.id, ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
      }
    });
  });
  rl.on('close', () => {
    void chain.then(() => process.exit(0));
  });
}
