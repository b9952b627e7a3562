/**
 * A minimal WebAssembly binary emitter for the CPU backend's SIMD kernels: LEB128 numbers,
 * sections, and a `Code` builder with one method per instruction used. Kernels are assembled
 * from TypeScript at start-up (no toolchain, no binary blob in the repository), validated, and
 * self-checked before use. Add an instruction here when a kernel needs it (opcodes from the
 * WebAssembly core and SIMD specifications).
 */

/** Value type `i32`. */
export const I32 = 0x7f;
/** Value type `f32`. */
export const F32 = 0x7d;
/** Value type `v128`. */
export const V128 = 0x7b;
/** Block type of a block that yields nothing. */
export const VOID = 0x40;

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  let v = n >>> 0;
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}

/** Signed LEB128 (32-bit). */
export function sleb(n: number): number[] {
  const out: number[] = [];
  let v = n | 0;
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

/** An instruction sequence; each method appends one instruction and returns the builder. */
export class Code {
  readonly bytes: number[] = [];
  /** Appends raw bytes (an opcode and its immediates). */
  op(...b: number[]): this {
    for (const x of b) this.bytes.push(x);
    return this;
  }
  private simd(opcode: number, ...imm: number[]): this {
    return this.op(0xfd, ...uleb(opcode), ...imm);
  }
  get(i: number): this {
    return this.op(0x20, ...uleb(i));
  }
  set(i: number): this {
    return this.op(0x21, ...uleb(i));
  }
  tee(i: number): this {
    return this.op(0x22, ...uleb(i));
  }
  i32(v: number): this {
    return this.op(0x41, ...sleb(v));
  }
  f32(v: number): this {
    const b = new Uint8Array(new Float32Array([v]).buffer);
    return this.op(0x43, ...b);
  }
  add(): this {
    return this.op(0x6a);
  }
  sub(): this {
    return this.op(0x6b);
  }
  mul(): this {
    return this.op(0x6c);
  }
  and(): this {
    return this.op(0x71);
  }
  shl(): this {
    return this.op(0x74);
  }
  eqz(): this {
    return this.op(0x45);
  }
  eq(): this {
    return this.op(0x46);
  }
  ltS(): this {
    return this.op(0x48);
  }
  ltU(): this {
    return this.op(0x49);
  }
  geS(): this {
    return this.op(0x4e);
  }
  block(type = VOID): this {
    return this.op(0x02, type);
  }
  loop(type = VOID): this {
    return this.op(0x03, type);
  }
  if(type = VOID): this {
    return this.op(0x04, type);
  }
  else(): this {
    return this.op(0x05);
  }
  end(): this {
    return this.op(0x0b);
  }
  br(depth: number): this {
    return this.op(0x0c, ...uleb(depth));
  }
  brIf(depth: number): this {
    return this.op(0x0d, ...uleb(depth));
  }
  return(): this {
    return this.op(0x0f);
  }
  // memarg: alignment exponent (a hint; 0 = byte aligned is always valid), then offset
  f32Load(offset: number): this {
    return this.op(0x2a, 0, ...uleb(offset));
  }
  f32Store(offset: number): this {
    return this.op(0x38, 0, ...uleb(offset));
  }
  f32Add(): this {
    return this.op(0x92);
  }
  f32Sub(): this {
    return this.op(0x93);
  }
  f32Mul(): this {
    return this.op(0x94);
  }
  f32Div(): this {
    return this.op(0x95);
  }
  f32Max(): this {
    return this.op(0x97);
  }
  f32Ne(): this {
    return this.op(0x5c);
  }
  v128Load(offset: number): this {
    return this.simd(0x00, 0, ...uleb(offset));
  }
  v128Load32Splat(offset: number): this {
    return this.simd(0x09, 0, ...uleb(offset));
  }
  v128Store(offset: number): this {
    return this.simd(0x0b, 0, ...uleb(offset));
  }
  v128Zero(): this {
    return this.simd(0x0c, ...new Array<number>(16).fill(0));
  }
  f32x4Splat(): this {
    return this.simd(0x13);
  }
  f32x4Add(): this {
    return this.simd(0xe4);
  }
  f32x4Sub(): this {
    return this.simd(0xe5);
  }
  f32x4Mul(): this {
    return this.simd(0xe6);
  }
  f32x4Div(): this {
    return this.simd(0xe7);
  }
  f32x4Min(): this {
    return this.simd(0xe8);
  }
  f32x4Max(): this {
    return this.simd(0xe9);
  }
  /** `f32x4.pmin(a, b)` = `b < a ? b : a` lane-wise (one `minps`; a NaN `a` comes out as is). */
  f32x4Pmin(): this {
    return this.simd(0xea);
  }
  /** `f32x4.pmax(a, b)` = `a < b ? b : a` lane-wise (one `maxps`). */
  f32x4Pmax(): this {
    return this.simd(0xeb);
  }
  // Added for the vectorised math (wasm/math.ts) and the LSTM cell (wasm/lstm.ts).
  /** `v128.const` with 16 raw bytes (little-endian lanes). */
  v128Const(bytes: ArrayLike<number>): this {
    if (bytes.length !== 16) throw new RangeError(`v128Const: expected 16 bytes, got ${bytes.length}`);
    return this.simd(0x0c, ...Array.from(bytes));
  }
  /** `v128.const` with the float32 `v` in every lane. */
  f32x4Const(v: number): this {
    return this.v128Const(new Uint8Array(new Float32Array([v, v, v, v]).buffer));
  }
  /** `v128.const` with the 32-bit integer `v` in every lane. */
  i32x4Const(v: number): this {
    return this.v128Const(new Uint8Array(new Int32Array([v, v, v, v]).buffer));
  }
  f32x4ExtractLane(lane: number): this {
    return this.simd(0x1f, lane);
  }
  f32x4Eq(): this {
    return this.simd(0x41);
  }
  f32x4Ne(): this {
    return this.simd(0x42);
  }
  f32x4Lt(): this {
    return this.simd(0x43);
  }
  f32x4Gt(): this {
    return this.simd(0x44);
  }
  f32x4Le(): this {
    return this.simd(0x45);
  }
  f32x4Ge(): this {
    return this.simd(0x46);
  }
  v128Not(): this {
    return this.simd(0x4d);
  }
  v128And(): this {
    return this.simd(0x4e);
  }
  v128AndNot(): this {
    return this.simd(0x4f);
  }
  v128Or(): this {
    return this.simd(0x50);
  }
  v128Xor(): this {
    return this.simd(0x51);
  }
  v128Bitselect(): this {
    return this.simd(0x52);
  }
  v128AnyTrue(): this {
    return this.simd(0x53);
  }
  f32x4Nearest(): this {
    return this.simd(0x6a);
  }
  i32x4Shl(): this {
    return this.simd(0xab);
  }
  i32x4ShrS(): this {
    return this.simd(0xac);
  }
  i32x4Add(): this {
    return this.simd(0xae);
  }
  i32x4Sub(): this {
    return this.simd(0xb1);
  }
  f32x4Abs(): this {
    return this.simd(0xe0);
  }
  f32x4Neg(): this {
    return this.simd(0xe1);
  }
  f32x4Sqrt(): this {
    return this.simd(0xe3);
  }
  i32x4TruncSatF32x4S(): this {
    return this.simd(0xf8);
  }
  f32x4ConvertI32x4S(): this {
    return this.simd(0xfa);
  }
  // Relaxed SIMD (validates only where the runtime has it; see wasm/features.ts).
  /** `f32x4.relaxed_madd`: `a · b + c` on the stack `a b c`, fused or not (the runtime's choice). */
  f32x4RelaxedMadd(): this {
    return this.simd(0x105);
  }
}

/** A section: id, byte length, content. */
export function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

/** A length-prefixed UTF-8 name. */
export function name(s: string): number[] {
  const bytes = [...new TextEncoder().encode(s)];
  return [...uleb(bytes.length), ...bytes];
}

/** A function body for the code section: local declarations (`[count, type]` runs), the code, its size prefix. */
export function functionBody(locals: readonly (readonly [number, number])[], code: Code): number[] {
  const decl = [...uleb(locals.length), ...locals.flatMap(([n, t]) => [...uleb(n), t])];
  const body = [...decl, ...code.bytes];
  return [...uleb(body.length), ...body];
}

/**
 * The import section of a kernel module: the one shared memory `env.mem`, at least one page
 * and at most `maxPages` (limits flag 0x03 = shared, with a maximum).
 */
export function sharedMemoryImport(maxPages: number): number[] {
  return section(2, [1, ...name('env'), ...name('mem'), 0x02, 0x03, ...uleb(1), ...uleb(maxPages)]);
}

/** A module: the magic number and version 1, then `sections` in order. */
export function wasmModule(...sections: readonly number[][]): Uint8Array {
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...sections.flat()]);
}
