/**
 * The process-wide state of `@fackel/tensor`, shared by every copy of the package that is
 * loaded at once.
 *
 * Two copies appear as soon as the packages of an install disagree on a version (npm nests
 * `@fackel/tensor@0.1.1` under `@fackel/nn` while the application has `0.1.0`). Module-level
 * variables would then exist twice: the second copy would see no registered backend
 * ("unknown device 'cpu' (registered: none)"), no autograd engine, its own grad mode, `tidy`
 * scopes and default generator. So all of it lives in one object on `globalThis`, under the
 * registry symbol {@link STATE_KEY}; the first copy creates it, later copies join it.
 *
 * The object's layout has a version of its own, {@link STATE_FORMAT} (not the package
 * version): copies with the same format share it; a copy with another format refuses to load
 * with a message naming both copies. Any change to {@link SharedState}'s fields (added,
 * removed, or changed in meaning) must increase `STATE_FORMAT`.
 *
 * What is not shared: the garbage-collection safety net (each copy's `FinalizationRegistry`
 * accounts for the storages it created) and the classes themselves. Checks that must accept
 * objects of another copy use brands: `x instanceof Tensor` and `x instanceof Device` test a
 * brand through `Symbol.hasInstance`; the error classes do not (test `e.name` instead).
 */
import type { BackendFactory, Device } from './device.js';
import { FackelError } from './errors.js';
import type { AutogradEngine } from './grad-mode.js';
import type { Generator } from './random.js';
import type { Tensor } from './tensor.js';

/** @internal The `globalThis` key of the shared state. */
export const STATE_KEY: unique symbol = Symbol.for('fackel.tensor.state');

/** @internal The layout version of {@link SharedState}; copies share state only with the same format. */
export const STATE_FORMAT = 1;

/** @internal Everything of `@fackel/tensor` that must exist once per process. */
export interface SharedState {
  /** {@link STATE_FORMAT} of the copy that created the object. */
  readonly format: number;
  /** The module URL of the copy that created the object, for the incompatibility message. */
  readonly createdBy: string;
  /** device.ts: backend factories by device name. */
  readonly factories: Map<string, BackendFactory>;
  /** device.ts: initialised devices by name. */
  readonly devices: Map<string, Device>;
  /** device.ts: devices whose asynchronous backend is starting. */
  readonly pending: Map<string, Promise<Device>>;
  /** device.ts: where tensors go without a `device` option. */
  defaultDeviceName: string;
  /** grad-mode.ts: the installed autograd engine. */
  engine: AutogradEngine | null;
  /** grad-mode.ts: whether ops are recorded (false inside `noGrad`). */
  gradEnabled: boolean;
  /** scope.ts: the stack of open `tidy` scopes. */
  readonly scopes: Set<Tensor>[];
  /** debug.ts: debug mode. */
  debug: boolean;
  /** debug.ts: receives leak reports. */
  reporter: (message: string) => void;
  /** random.ts: the default generator (created by the first copy's random.ts). */
  defaultGenerator: Generator | null;
}

function attach(): SharedState {
  const g = globalThis as unknown as Record<symbol, unknown>;
  const existing = g[STATE_KEY] as Partial<SharedState> | undefined;
  if (existing !== undefined) {
    if (existing.format === STATE_FORMAT) return existing as SharedState;
    throw new FackelError(
      `two incompatible copies of @fackel/tensor are loaded: ${import.meta.url} (state format ${STATE_FORMAT}) ` +
        `and ${String(existing.createdBy ?? 'another copy')} (state format ${String(existing.format)}); ` +
        'install versions of the @fackel packages that fit together (update them together, then `npm dedupe`)',
    );
  }
  const state: SharedState = {
    format: STATE_FORMAT,
    createdBy: import.meta.url,
    factories: new Map(),
    devices: new Map(),
    pending: new Map(),
    defaultDeviceName: 'cpu',
    engine: null,
    gradEnabled: true,
    scopes: [],
    debug: typeof process !== 'undefined' && process.env?.FACKEL_DEBUG === '1',
    reporter: (m) => console.warn(m),
    defaultGenerator: null,
  };
  Object.defineProperty(g, STATE_KEY, { value: state, enumerable: false, writable: false, configurable: true });
  return state;
}

/** @internal The state of this process, shared with every other loaded copy of the package. */
export const shared: SharedState = attach();
