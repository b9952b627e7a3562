import type { Backend, BackendMemory } from './backend.js';
import type { DType } from './dtype.js';
import { itemSize } from './dtype.js';
import { DeviceError } from './errors.js';

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
  /** References held: the tensor that made it plus every view; the buffer is released at 0. */
  refs = 1;
  /** Number of in-place writes so far (autograd compares it to detect changed saved tensors). */
  version = 0;
  constructor(
    /** The device the buffer belongs to. */
    readonly device: Device,
    /** The backend's buffer handle (a typed array on the CPU, a GPU buffer on WebGPU). */
    readonly buffer: unknown,
    /** The element type. */
    readonly dtype: DType,
    /** Number of elements. */
    readonly size: number,
  ) {
    device.liveStorages++;
    device.liveBytes += size * itemSize(dtype);
  }

  /** Adds a reference (a new view of the storage). */
  retain(): void {
    this.refs++;
  }

  /** Drops a reference; the last one returns the buffer to the backend. */
  release(): void {
    if (this.refs <= 0) return;
    if (--this.refs === 0) {
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

const factories = new Map<string, BackendFactory>();
const devices = new Map<string, Device>();
const pending = new Map<string, Promise<Device>>();
let defaultDeviceName = 'cpu';

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
  const backend = factory();
  if (backend instanceof Promise) {
    // Keep the promise so a later initDevice reuses it instead of creating a second backend.
    const p = backend.then((b) => {
      const d = new Device(name, b);
      devices.set(name, d);
      return d;
    });
    p.catch(() => undefined);
    pending.set(name, p.finally(() => pending.delete(name)));
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
  defaultDeviceName = name;
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
  return getDevice(defaultDeviceName);
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
  if (defaultDeviceName === name) defaultDeviceName = 'cpu';
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
  /** Live (not disposed) tensors, views included. */
  tensors: number;
  /** Live storages: buffers held through tensors (views share one). */
  storages: number;
  /** Bytes held by those storages. */
  bytes: number;
  /** Tensors collected without `dispose()` so far (`setDebug(true)` reports where they were made). */
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
        ? " Install @fackel/backend-webgpu and call registerWebGPUBackend()."
        : '';
  return new DeviceError(`unknown device '${name}' (registered: ${known.length ? known.join(', ') : 'none'}).${hint}`);
}
