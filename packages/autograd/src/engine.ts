// The tape: records one Node per op whose inputs require grad, and walks the graph backward
// once in topological order.
import {
  FackelError,
  Tensor,
  fmtShape,
  keep,
  noGrad,
  onesLike,
  tidy,
  zeros,
  type AutogradEngine,
  type BackwardOptions,
  type GradFn,
  type RecordedInput,
} from '@fackel/tensor';
import type { GradContext, GradRule, InputMeta } from './rule.js';
import { RULES, sumTo } from './rules.js';

/** Where an input's gradient goes: the node that produced it, or a leaf tensor. */
type Edge = { node: Node; leaf?: undefined } | { leaf: Tensor; node?: undefined } | null;

interface Saved {
  tensor: Tensor;
  version: number;
}

const backwardNames = new Map<string, string>();

/** `'mul'` → `'MulBackward'` (cached: op names are few). */
function backwardName(op: string): string {
  let name = backwardNames.get(op);
  if (name === undefined) {
    name = `${op.charAt(0).toUpperCase()}${op.slice(1)}Backward`;
    if (backwardNames.size < 4096) backwardNames.set(op, name);
  }
  return name;
}

/** Whether `x` is a tensor (the brand `instanceof Tensor` tests, without the call). */
function isTensor(x: unknown): x is Tensor {
  return typeof x === 'object' && x !== null && (x as { isTensor?: unknown }).isTensor === true;
}

/**
 * A recorded op in the autograd graph (what `t.gradFn` holds). `name` reads like PyTorch's
 * (`'MulBackward'`); `nextFunctions` lists the nodes of its inputs.
 *
 * @example
 * ```ts
 * import { tensor } from '@fackel/tensor';
 * const y = tensor([2], { requiresGrad: true }).mul(3);
 * console.log(y.gradFn?.name); // 'MulBackward'
 * ```
 */
export class Node implements GradFn {
  /** `${Op}Backward`, as PyTorch names its nodes (`'MulBackward'`), or a custom function's name. */
  readonly name: string;
  /** @internal */ readonly edges: Edge[];
  /** @internal Saved inputs: tensors (aliases) with their versions, or the scalar operands themselves. */ savedInputs: (Saved | number | null)[] | null;
  /** @internal */ savedOutput: Saved | null;
  /** @internal */ saved: Saved[];
  /** @internal */ released = false;
  /**
   * @internal The output, held only after `retainGrad()` asked for its gradient. A node
   * never references its output otherwise: no `WeakRef` per op, whose target V8 keeps alive
   * until the current job ends, so a training loop that never yields would grow the heap.
   */
  retained: Tensor | null = null;
  /** @internal */ readonly outputMeta: InputMeta;

  constructor(
    /** The recorded op's name (`'mul'`), the key of its rule in {@link RULES}. */
    readonly op: string,
    /** The gradient rule that runs for this node in backward. */
    readonly rule: GradRule,
    inputs: readonly RecordedInput[],
    output: Tensor,
    /** The op's non-tensor arguments (dims, keepdim, …) as the rule reads them. */
    readonly attrs: Readonly<Record<string, unknown>>,
    /** Shape and dtype of each input (null for scalar operands). */
    readonly meta: readonly (InputMeta | null)[],
    extraSaved: readonly Tensor[] = [],
  ) {
    this.name = backwardName(op);
    const n = inputs.length;
    const want = rule.saveInputs;
    this.edges = new Array<Edge>(n);
    this.savedInputs = new Array<Saved | number | null>(n);
    for (let i = 0; i < n; i++) {
      const x = inputs[i];
      const t = isTensor(x);
      this.edges[i] = !t || !x.requiresGrad ? null : x.gradFn instanceof Node ? { node: x.gradFn } : { leaf: x };
      this.savedInputs[i] = typeof x === 'number' ? x : t && want?.includes(i) ? save(x) : null;
    }
    this.savedOutput = rule.saveOutput ? save(output) : null;
    this.saved = extraSaved.length === 0 ? [] : extraSaved.map(save);
    this.outputMeta = { shape: output.shape, dtype: output.dtype };
  }

  /** The nodes (or null for leaves and inputs without grad) this node sends gradients to. */
  get nextFunctions(): (GradFn | null)[] {
    return this.edges.map((e) => e?.node ?? null);
  }

  /** @internal Frees the saved tensors. */
  release(): void {
    if (this.released) return;
    this.released = true;
    for (const s of this.savedInputs ?? []) if (s !== null && typeof s !== 'number') s.tensor.dispose();
    this.savedOutput?.tensor.dispose();
    for (const s of this.saved) s.tensor.dispose();
    this.savedInputs = null;
    this.savedOutput = null;
    this.saved = [];
  }
}

function save(t: Tensor): Saved {
  const alias = keep(t.detach());
  return { tensor: alias, version: t.version };
}

function checkVersion(node: Node, s: Saved | null): Tensor | null {
  if (s === null) return null;
  if (s.tensor.version !== s.version) {
    throw new FackelError(
      `backward: one of the tensors needed for gradient computation (${fmtShape(s.tensor.shape)} ${s.tensor.dtype}, saved by ${node.name}) has been modified by an in-place operation: it is at version ${s.tensor.version}; expected version ${s.version}. Use the out-of-place form of the operation, or clone() the tensor first`,
    );
  }
  return s.tensor;
}

/** Options of the internal backward walk. */
interface Walk {
  retainGraph: boolean;
  /** Capture gradients of these tensors instead of accumulating into leaves (functional `grad`). */
  capture: Map<Tensor, Tensor | null> | null;
}

function describeRoot(t: Tensor): string {
  const op = t.nonDifferentiableOp;
  if (op) return `backward: the tensor was produced by '${op}', which is not differentiable, so no gradient can flow through it`;
  return 'backward: the tensor does not require grad and has no gradFn: none of the tensors it was computed from requires grad (set requiresGrad: true on the inputs), or it was computed inside noGrad';
}

class Engine implements AutogradEngine {
  record(op: string, inputs: readonly RecordedInput[], output: Tensor, attrs: Readonly<Record<string, unknown>>): void {
    const custom = attrs.rule as GradRule | undefined;
    const rule = custom ?? RULES[op];
    if (!rule) throw new FackelError(`autograd: op '${op}' has no gradient rule (this is a bug in Fackel; please report it)`);
    const meta = inputs.map((x) => (isTensor(x) ? { shape: x.shape, dtype: x.dtype } : null));
    const extra = (attrs.saved as Tensor[] | undefined) ?? [];
    const node = new Node(typeof attrs.name === 'string' ? attrs.name : op, rule, inputs, output, attrs, meta, extra);
    output.requiresGrad = true;
    output.gradFn = node;
  }

  backward(root: Tensor, gradient: Tensor | undefined, options: BackwardOptions): void {
    runBackward([root], gradient === undefined ? [undefined] : [gradient], { retainGraph: options.retainGraph ?? false, capture: null });
  }

  retainGrad(t: Tensor): void {
    if (t.gradFn instanceof Node) t.gradFn.retained = t;
  }
}

/** @internal The graph walk shared by `backward` and `grad`. */
export function runBackward(roots: readonly Tensor[], grads: readonly (Tensor | undefined)[], walk: Walk): void {
  noGrad(() => {
    const pending = new Map<Node, Tensor>();
    const leafGrads = new Map<Tensor, Tensor>();
    // Gradient buffers this walk allocated itself and may therefore update in place; any
    // other pending gradient may share storage with a tensor a rule passed through.
    const owned = new Set<Tensor>();
    const addTo = <K>(map: Map<K, Tensor>, key: K, g: Tensor): void => {
      const prev = map.get(key);
      if (prev === undefined) map.set(key, g);
      else if (owned.has(prev)) {
        prev.add_(g);
        g.dispose();
      } else {
        const sum = keep(prev.add(g));
        owned.add(sum);
        prev.dispose();
        g.dispose();
        map.set(key, sum);
      }
    };
    const bufferFor = <K>(map: Map<K, Tensor>, key: K, meta: InputMeta, like: Tensor): Tensor => {
      let buf = map.get(key);
      if (buf === undefined) buf = keep(zeros(meta.shape, { dtype: meta.dtype, device: like.device }));
      else if (!owned.has(buf)) {
        const copy = keep(buf.clone());
        buf.dispose();
        buf = copy;
      } else return buf;
      owned.add(buf);
      map.set(key, buf);
      return buf;
    };

    // Non-leaf tensors whose gradient `grad()` asked for, by the node that produced them.
    const captureByNode = new Map<Node, Tensor>();
    if (walk.capture !== null) for (const t of walk.capture.keys()) if (t.gradFn instanceof Node) captureByNode.set(t.gradFn, t);

    roots.forEach((root, i) => {
      root._live('backward');
      if (!root.requiresGrad) throw new FackelError(describeRoot(root));
      let g = grads[i];
      if (g === undefined) {
        if (root.numel() !== 1) {
          throw new FackelError(
            `backward: grad can be implicitly created only for scalar outputs; this tensor has shape ${fmtShape(root.shape)}, so pass a gradient of that shape: t.backward(gradient)`,
          );
        }
        g = keep(onesLike(root));
      } else {
        if (!(g instanceof Tensor)) throw new FackelError('backward: gradient must be a tensor');
        if (g.shape.length !== root.shape.length || g.shape.some((s, k) => s !== root.shape[k])) {
          throw new FackelError(`backward: gradient has shape ${fmtShape(g.shape)} but the tensor has shape ${fmtShape(root.shape)}`);
        }
        if (g.device !== root.device) throw new FackelError(`backward: gradient is on '${g.device.name}' but the tensor is on '${root.device.name}'`);
        g = keep(g.to(root.dtype).contiguous());
      }
      if (root.gradFn instanceof Node) addTo(pending, root.gradFn, g);
      else addTo(leafGrads, root, g);
    });

    // Topological order by an iterative depth-first search (no recursion limit on long chains).
    const order: Node[] = [];
    const visited = new Set<Node>();
    for (const start of pending.keys()) {
      if (visited.has(start)) continue;
      const stack: [Node, number][] = [[start, 0]];
      visited.add(start);
      while (stack.length > 0) {
        const top = stack[stack.length - 1];
        const [node, i] = top;
        if (i < node.edges.length) {
          top[1] = i + 1;
          const e = node.edges[i];
          if (e?.node && !visited.has(e.node)) {
            visited.add(e.node);
            stack.push([e.node, 0]);
          }
        } else {
          stack.pop();
          order.push(node);
        }
      }
    }
    order.reverse();

    for (const node of order) {
      const g = pending.get(node);
      pending.delete(node);
      if (g === undefined) continue;
      if (node.released) {
        g.dispose();
        throw new FackelError(
          `backward: trying to backward through the graph a second time (through ${node.name}); its saved tensors were freed after the first backward. Pass { retainGraph: true } to the first backward if you need to call it twice`,
        );
      }
      const captured = captureByNode.get(node);
      if (captured !== undefined) walk.capture!.set(captured, keep(g.clone()));
      const out = node.retained;
      if (out?.retainsGrad && out.gradFn === node && walk.capture === null) accumulate(out, g);
      const ctx: GradContext = {
        inputs: (node.savedInputs ?? []).map((s) => (typeof s === 'number' ? s : checkVersion(node, s))),
        output: checkVersion(node, node.savedOutput),
        attrs: node.attrs,
        meta: node.meta,
        needs: node.edges.map((e) => e !== null),
        saved: node.saved.map((s) => checkVersion(node, s)!),
      };
      const scatter = node.rule.scatter;
      const edge = node.edges[0];
      if (scatter !== undefined && node.edges.length === 1 && edge) {
        const target = edge.node ? bufferFor(pending, edge.node, node.meta[0]!, g) : bufferFor(leafGrads, edge.leaf!, node.meta[0]!, g);
        tidy(() => scatter(target, g.dtype === target.dtype ? g : g.to(target.dtype), ctx));
        g.dispose();
        if (!walk.retainGraph) node.release();
        continue;
      }
      const inputGrads = tidy(() => {
        const raw = node.rule.backward(g, ctx);
        return node.edges.map((e, i) => (e === null || !raw[i] ? null : conform(node, i, raw[i])));
      });
      g.dispose();
      if (!walk.retainGraph) node.release();
      node.edges.forEach((e, i) => {
        const gi = inputGrads[i];
        if (!gi) return;
        keep(gi);
        if (e?.node) addTo(pending, e.node, gi);
        else if (e?.leaf) addTo(leafGrads, e.leaf, gi);
        else gi.dispose();
      });
    }

    for (const [leaf, g] of leafGrads) {
      if (walk.capture !== null) {
        if (walk.capture.has(leaf)) walk.capture.set(leaf, g);
        else g.dispose();
      } else {
        accumulate(leaf, g);
        g.dispose();
      }
    }
  });
}

/** Sums a rule's gradient to the input's shape and checks shape and dtype. */
function conform(node: Node, i: number, g: Tensor): Tensor {
  const meta = node.meta[i]!;
  let out = sumTo(g, meta.shape);
  if (out.shape.length !== meta.shape.length || out.shape.some((s, k) => s !== meta.shape[k])) {
    throw new FackelError(
      `autograd: ${node.name} returned a gradient of shape ${fmtShape(g.shape)} for input ${i} of shape ${fmtShape(meta.shape)} (a bug in its gradient rule)`,
    );
  }
  if (out.dtype !== meta.dtype) out = out.to(meta.dtype);
  return out.contiguous();
}

/** Adds `g` into `t.grad` (in place when a gradient exists). */
function accumulate(t: Tensor, g: Tensor): void {
  if (t.grad === null || t.grad.isDisposed) {
    t.grad = keep(g.clone());
  } else {
    if (t.grad.shape.length !== g.shape.length || t.grad.shape.some((s, k) => s !== g.shape[k])) {
      throw new FackelError(`backward: existing .grad has shape ${fmtShape(t.grad.shape)} but the new gradient has shape ${fmtShape(g.shape)}`);
    }
    t.grad.add_(g);
  }
}

/** The single engine instance that `enableAutograd` installs. */
export const engine: AutogradEngine = new Engine();
