/** The runner's side of the worker protocol: spawns a worker process and sends it requests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { MARKER, type Reply, type Request } from './protocol.js';

type Pending = { resolve: (r: Reply) => void; reject: (e: Error) => void; timer: NodeJS.Timeout };
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type RequestBody = DistributiveOmit<Request, 'id'>;

/** How to start one worker. */
export interface WorkerCommand {
  /** Column label, e.g. `Fackel 2T`. */
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
}

/** A running worker process. */
export class WorkerClient {
  readonly name: string;
  #child: ChildProcess;
  #nextId = 1;
  #pending = new Map<number, Pending>();
  #stderrTail: string[] = [];
  #exited: string | null = null;
  #log: (m: string) => void;

  constructor(cmd: WorkerCommand, log: (m: string) => void) {
    this.name = cmd.name;
    this.#log = log;
    this.#child = spawn(cmd.command, cmd.args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...cmd.env } });
    createInterface({ input: this.#child.stdout! }).on('line', (line) => {
      if (!line.startsWith(MARKER)) {
        this.#noteStderr(line);
        return;
      }
      let r: Reply;
      try {
        r = JSON.parse(line.slice(MARKER.length)) as Reply;
      } catch {
        this.#noteStderr(line);
        return;
      }
      const p = this.#pending.get(r.id);
      if (p === undefined) return;
      this.#pending.delete(r.id);
      clearTimeout(p.timer);
      p.resolve(r);
    });
    createInterface({ input: this.#child.stderr! }).on('line', (line) => this.#noteStderr(line));
    this.#child.on('error', (e) => this.#fail(`could not start: ${e.message}`));
    this.#child.on('exit', (code, signal) => this.#fail(`exited (${signal ?? `code ${code}`})`));
    this.#child.stdin!.on('error', () => {});
  }

  #noteStderr(line: string): void {
    this.#stderrTail.push(line);
    if (this.#stderrTail.length > 20) this.#stderrTail.shift();
    if (process.env.FACKEL_BENCH_VERBOSE === '1') this.#log(`[${this.name}] ${line}`);
  }

  #fail(why: string): void {
    if (this.#exited !== null) return;
    const tail = this.#stderrTail.slice(-8).join('\n');
    this.#exited = `${this.name} ${why}${tail ? `\n${tail}` : ''}`;
    for (const p of this.#pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error(this.#exited));
    }
    this.#pending.clear();
  }

  /** Whether the process is gone (then every request fails). */
  get dead(): boolean {
    return this.#exited !== null;
  }

  /** Sends a request; rejects on `ok: false`, on the worker's exit, or after `timeoutMs`. */
  request(body: RequestBody, timeoutMs = 600_000): Promise<Reply> {
    if (this.#exited !== null) return Promise.reject(new Error(this.#exited));
    const id = this.#nextId++;
    return new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`${this.name}: no reply to '${body.op}' within ${Math.round(timeoutMs / 1000)} s`));
        this.kill();
      }, timeoutMs);
      this.#pending.set(id, {
        resolve: (r) => (r.ok ? resolve(r) : reject(new Error(`${this.name}: ${r.error ?? 'failed'}`))),
        reject,
        timer,
      });
      this.#child.stdin!.write(`${JSON.stringify({ ...body, id })}\n`);
    });
  }

  /** Asks the worker to exit, and kills it if it has not after a second. */
  async close(): Promise<void> {
    if (this.#exited !== null) return;
    const exited = new Promise<void>((r) => this.#child.once('exit', () => r()));
    try {
      await this.request({ op: 'exit' }, 5000);
    } catch {
      /* killed below */
    }
    const timer = setTimeout(() => this.kill(), 1000);
    await exited;
    clearTimeout(timer);
  }

  kill(): void {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGKILL');
  }
}
