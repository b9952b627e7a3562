import type { Backend, BackendMemory } from './backend.js';
import type { DType } from './dtype.js';
import { itemSize } from './dtype.js';
import { reportLeak } from './debug.js';
import { DeviceError } from './errors.js';
import { shared } from './state.js';

/**
 * A device: a name and the backend that runs its kernels. Obtain one with `getDevice` or
 * `initDevice`; tensors carry theirs as `t.device`.
 *
 * @example
 * ```ts
 * import { getDevice } from '@fackel/tensor';
 * const cpu = getDevice('cpu');
 * console.log(cpu.name, cpu.backend.name);
 * ```
 */
export class Device {
  /**
   * `x instanceof Device` is true for a device made by any loaded copy of `@fackel/tensor`
   * (copies share their devices): it tests a brand, not the prototype chain.
   *
   * @example
   * ```ts
   * import { Device, getDevice } from '@fackel/tensor';
   * console.log(getDevice('cpu') instanceof Device); // true
   * ```
   */
  static [Symbol.hasInstance](value: unknown): value is Device {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class `instanceof` asks about (a subclass checks its own prototype chain)
    if (this !== Device) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[DEVICE_BRAND] === true;
  }

  /** Live (not disposed) tensors on this device. */
  liveTensors = 0;
  /** Live storages (buffers owned through tensors) on this device. */
  liveStorages = 0;
  /** Bytes held by those storages. */
  liveBytes = 0;
  /** Tensors that were garbage-collected without `dispose()` (their storage was returned by the safety net). */
  leakedTensors = 0;

  constructor(
    /** The name the backend was registered under (`'cpu'`, `'webgpu'`). */
    readonly name: string,
    /** The backend that owns this device's memory and runs its kernels. */
    readonly backend: Backend,
  ) {}

  /** Whether the backend stores this dtype. */
  supports(dtype: DType): boolean {
    return this.backend.dtypes.includes(dtype);
  }

  /** The device's name. */
  toString(): string {
    return this.name;
  }
}

const DEVICE_BRAND = Symbol.for('fackel.tensor.Device');
Object.defineProperty(Device.prototype, DEVICE_BRAND, { value: true });

/**
 * What the garbage-collection safety net needs once a storage is collected while tensors on it
 * were never disposed. It never references the `Storage` itself (that would keep it alive), and
 * it references the buffer only on backends that must be told to free it.
 */
interface Ledger {
  readonly device: Device;
  readonly dtype: DType;
  readonly size: number;
  /** Undisposed tensors (the creator plus its views) on the storage. */
  refs: number;
  /** The buffer, only where the backend has no `forget` (its buffers need an explicit release). */
  readonly buffer: unknown;
  /** In debug mode: the creating tensor (`[2, 3] float32 on 'cpu'`) and the stack where it was made. */
  readonly origin: { what: string; stack: string } | undefined;
}

// The safety net for storages the garbage collector collects while tensors on them were never
// disposed. It exists for memory the collector cannot free by itself: GPU buffers (the buffer is
// released to the backend here) and, in debug mode, to report every such tensor with where it was
// made. A CPU storage outside debug mode is not registered at all: its typed array is ordinary
// JavaScript memory that the collector frees together with the last tensor on it, at once and
// without waiting for the event loop (a registration would keep a record per storage alive until
// the loop yields, so a training loop that never yields would grow the heap).
const safetyNet = new FinalizationRegistry<Ledger>((l) => {
  const { device } = l;
  device.liveTensors -= l.refs;
  device.leakedTensors += l.refs;
  device.liveStorages--;
  device.liveBytes -= l.size * itemSize(l.dtype);
  if (l.buffer !== undefined) device.backend.release(l.buffer, l.dtype, l.size);
  else device.backend.forget?.(l.dtype, l.size);
  if (l.origin !== undefined) {
    const others = l.refs > 1 ? ` (and ${l.refs - 1} view(s) of it)` : '';
    reportLeak(`fackel: a tensor ${l.origin.what}${others} was garbage-collected without dispose(); it was created\n${l.origin.stack}`);
  }
});

/**
 * A buffer on a device with a reference count: a tensor and all its views share one
 * `Storage`; the buffer goes back to the backend when the last reference is released.
 * `version` counts in-place writes, so autograd can detect a saved tensor that changed.
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * const t = tensor([1, 2, 3]);
 * const v = t.reshape([3, 1]); // shares t's storage
 * ```
 */
export class Storage {
  /** Number of in-place writes so far (autograd compares it to detect changed saved tensors). */
  version = 0;
  /** References held, when the storage is not registered with the safety net (else in the ledger). */
  #refs = 1;
  /** The safety net's record, only for registered storages (no allocation for plain CPU storages). */
  readonly #ledger: Ledger | null;
  constructor(
    /** The device the buffer belongs to. */
    readonly device: Device,
    /** The backend's buffer handle (a typed array on the CPU, a GPU buffer on WebGPU). */
    readonly buffer: unknown,
    /** The element type. */
    readonly dtype: DType,
    /** Number of elements. */
    readonly size: number,
    /** In debug mode: the creating tensor (`[2, 3] float32 on 'cpu'`) and the stack where it was made, for the leak report. */
    origin?: { what: string; stack: string },
  ) {
    device.liveStorages++;
    device.liveBytes += size * itemSize(dtype);
    const collectable = typeof device.backend.forget === 'function';
    if (origin !== undefined || !collectable) {
      const ledger: Ledger = { device, dtype, size, refs: 1, buffer: collectable ? undefined : buffer, origin };
      this.#ledger = ledger;
      safetyNet.register(this, ledger, ledger);
    } else this.#ledger = null;
  }

  /** References held: the tensor that made it plus every undisposed view; the buffer is released at 0. */
  get refs(): number {
    return this.#ledger === null ? this.#refs : this.#ledger.refs;
  }

  /** Adds a reference (a new view of the storage). */
  retain(): void {
    if (this.#ledger === null) this.#refs++;
    else this.#ledger.refs++;
  }

  /** Drops a reference; the last one returns the buffer to the backend. */
  release(): void {
    const l = this.#ledger;
    let left: number;
    if (l === null) {
      if (this.#refs <= 0) return;
      left = --this.#refs;
    } else {
      if (l.refs <= 0) return;
      left = --l.refs;
    }
    if (left === 0) {
      if (l !== null) safetyNet.unregister(l);
      this.device.liveStorages--;
      this.device.liveBytes -= this.size * itemSize(this.dtype);
      this.device.backend.release(this.buffer, this.dtype, this.size);
    }
  }
}

/** Creates (possibly asynchronously) the backend for a device.
 * @example
 * ```ts
 * import type { BackendFactory } from '@fackel/tensor';
 * declare const f: BackendFactory;
 * ```
 */
export type BackendFactory = () => Backend | Promise<Backend>;

// The registry lives in the process-wide state (state.ts), shared with any other loaded copy
// of this package, so a backend registered through one copy serves tensors of all of them.
const { factories, devices, pending } = shared;

/**
 * Registers a backend under a device name. Registering a name again replaces the factory
 * (a device already initialised keeps its backend until `destroyDevice`).
 *
 * @example
 * ```ts
 * import { registerBackend } from '@fackel/tensor';
 * import { CpuBackend } from '@fackel/backend-cpu';
 * registerBackend('cpu', () => new CpuBackend());
 * ```
 */
export function registerBackend(name: string, factory: BackendFactory): void {
  factories.set(name, factory);
}

/** Names of the registered backends.
 * @example
 * ```ts
 * import { registeredBackends } from '@fackel/tensor';
 * console.log(registeredBackends()); // e.g. ['cpu', 'webgpu']
 * ```
 */
export function registeredBackends(): string[] {
  return [...factories.keys()];
}

/**
 * Initialises a device (once) and returns it. Needed before first use of an asynchronous
 * backend such as `webgpu`; `setDefaultDevice` calls it for you.
 *
 * @example
 * ```ts
 * import { initDevice } from '@fackel/tensor';
 * const gpu = await initDevice('webgpu');
 * ```
 */
export async function initDevice(name: string): Promise<Device> {
  const ready = devices.get(name);
  if (ready) return ready;
  let p = pending.get(name);
  if (!p) {
    const factory = factories.get(name);
    if (!factory) throw unknownDevice(name);
    p = Promise.resolve()
      .then(factory)
      .then((backend) => {
        const d = new Device(name, backend);
        devices.set(name, d);
        return d;
      })
      .finally(() => pending.delete(name));
    pending.set(name, p);
  }
  return p;
}

/**
 * The device of that name. A backend whose factory is synchronous (the CPU) is created on
 * first use; an asynchronous one must have been initialised with `initDevice` or
 * `setDefaultDevice` first.
 *
 * @example
 * ```ts
 * import { getDevice } from '@fackel/tensor';
 * const cpu = getDevice('cpu');
 * ```
 */
export function getDevice(name: string | Device): Device {
  if (name instanceof Device) return name;
  const ready = devices.get(name);
  if (ready) return ready;
  const factory = factories.get(name);
  if (!factory) throw unknownDevice(name);
  if (pending.has(name)) throw new DeviceError(`device '${name}' is still initialising: await initDevice('${name}') before using it`);
  let backend: Backend | Promise<Backend>;
  try {
    backend = factory();
  } catch (e) {
    throw new DeviceError(`device '${name}' could not be created: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (backend instanceof Promise) {
    // Keep the promise so a later initDevice reuses it instead of creating a second backend.
    // Nothing may be left unhandled: the caller gets the error below, and a failed start
    // (no package, no adapter) must not end the process later as an unhandled rejection; a
    // later initDevice then tries again and reports why it failed.
    const p = backend
      .then((b) => {
        const d = new Device(name, b);
        devices.set(name, d);
        return d;
      })
      .finally(() => pending.delete(name));
    p.catch(() => undefined);
    pending.set(name, p);
    throw new DeviceError(`device '${name}' needs asynchronous initialisation: call await initDevice('${name}') or await setDefaultDevice('${name}') first`);
  }
  const d = new Device(name, backend);
  devices.set(name, d);
  return d;
}

/**
 * Sets the device on which new tensors are created when no `device` option is given.
 *
 * @example
 * ```ts
 * import { setDefaultDevice } from '@fackel/tensor';
 * await setDefaultDevice('webgpu');
 * ```
 */
export async function setDefaultDevice(name: string): Promise<Device> {
  const d = await initDevice(name);
  shared.defaultDeviceName = name;
  return d;
}

/** The device new tensors go to by default (`cpu` unless changed).
 * @example
 * ```ts
 * import { getDefaultDevice } from '@fackel/tensor';
 * console.log(getDefaultDevice().name);
 * ```
 */
export function getDefaultDevice(): Device {
  return getDevice(shared.defaultDeviceName);
}

/**
 * Destroys a device's backend (releasing a GPU so that Node can exit) and forgets it.
 * Tensors still on it must not be used afterwards.
 *
 * @example
 * ```ts
 * import { destroyDevice } from '@fackel/tensor';
 * await destroyDevice('webgpu');
 * ```
 */
export async function destroyDevice(name: string): Promise<void> {
  const d = devices.get(name) ?? (pending.has(name) ? await pending.get(name)!.catch(() => undefined) : undefined);
  if (!d) return;
  devices.delete(name);
  if (shared.defaultDeviceName === name) shared.defaultDeviceName = 'cpu';
  await d.backend.destroy?.();
}

/** Memory statistics of a device: live tensors, storages and bytes, plus the backend's own report.
 * @example
 * ```ts
 * import { memory, tensor } from '@fackel/tensor';
 * const before = memory().tensors;
 * tensor([1, 2]);
 * console.log(memory().tensors - before); // 1
 * ```
 */
export interface MemoryInfo {
  /** The device's name. */
  device: string;
  /**
   * Tensors not disposed, views included. A tensor that is never disposed stays in this count:
   * on the CPU the garbage collector frees its memory without telling Fackel (except in debug
   * mode), on WebGPU the safety net subtracts it once the event loop has run its callback.
   */
  tensors: number;
  /** Storages not released: buffers held through undisposed tensors (views share one). Counted as `tensors` is. */
  storages: number;
  /** Bytes of those storages (an upper bound for the CPU, where undisposed memory may already be collected). */
  bytes: number;
  /**
   * Tensors the safety net found garbage-collected without `dispose()`: on WebGPU always, on the
   * CPU in debug mode (`setDebug(true)` or `FACKEL_DEBUG=1`, which also reports where they were made).
   */
  leaked: number;
  /** The backend's own report: its buffers and bytes, and what its reuse pool holds. */
  backend: BackendMemory;
}

/**
 * Reports live tensors, storages and bytes on a device (the default device if none given).
 *
 * @example
 * ```ts
 * import { memory } from '@fackel/tensor';
 * console.log(memory('cpu'));
 * ```
 */
export function memory(device?: string | Device): MemoryInfo {
  const d = device === undefined ? getDefaultDevice() : getDevice(device);
  return { device: d.name, tensors: d.liveTensors, storages: d.liveStorages, bytes: d.liveBytes, leaked: d.leakedTensors, backend: d.backend.memory() };
}

function unknownDevice(name: string): DeviceError {
  const known = [...factories.keys()];
  const hint =
    name === 'cpu'
      ? " Install @fackel/backend-cpu and call registerCpuBackend() (the 'fackel' package does this for you)."
      : name === 'webgpu'
        ? ' Install @fackel/backend-webgpu and call registerWebGPUBackend().'
        : '';
  return new DeviceError(`unknown device '${name}' (registered: ${known.length ? known.join(', ') : 'none'}).${hint}`);
}
