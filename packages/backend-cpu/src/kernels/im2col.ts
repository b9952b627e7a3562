// im2col / col2im over contiguous float buffers: the data movement of convolution and pooling
// (the products run through the backend's matmul). Row r = ci·kh·kw + i·kw + j of the columns
// holds tap (i, j) of channel ci for every output position oy·ow + ox.
import type { Im2colParams } from '@fackel/tensor';

type Floats = Float32Array | Float64Array;

/** Fills `out` (`[n, c·kh·kw, oh·ow]`) with the windows of `x` (`[n, c, h, w]`, contiguous from `offset`). */
export function im2colKernel(x: ArrayLike<number>, offset: number, p: Im2colParams, out: Floats): void {
  const { n, c, h, w, kh, kw, dh, dw, sh, sw, pt, pl, oh, ow, padValue } = p;
  const l = oh * ow;
  let o = 0;
  for (let b = 0; b < n; b++) {
    for (let ci = 0; ci < c; ci++) {
      const plane = offset + (b * c + ci) * h * w;
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          const dx = j * dw - pl;
          // output columns ox whose input column ox·sw + dx lies inside [0, w)
          const oxLo = dx >= 0 ? 0 : Math.min(ow, Math.ceil(-dx / sw));
          const oxHi = Math.max(oxLo, Math.min(ow, Math.floor((w - 1 - dx) / sw) + 1));
          for (let oy = 0; oy < oh; oy++) {
            const y = oy * sh + i * dh - pt;
            const row = o + oy * ow;
            if (y < 0 || y >= h) {
              out.fill(padValue, row, row + ow);
              continue;
            }
            if (oxLo > 0) out.fill(padValue, row, row + oxLo);
            const src = plane + y * w + dx;
            if (sw === 1) {
              for (let ox = oxLo; ox < oxHi; ox++) out[row + ox] = x[src + ox];
            } else {
              for (let ox = oxLo; ox < oxHi; ox++) out[row + ox] = x[src + ox * sw];
            }
            if (oxHi < ow) out.fill(padValue, row + oxHi, row + ow);
          }
          o += l;
        }
      }
    }
  }
}

/** Adds the columns `cols` (`[n, c·kh·kw, oh·ow]`, contiguous from `offset`) into the zeroed image `out` (`[n, c, h, w]`). */
export function col2imKernel(cols: ArrayLike<number>, offset: number, p: Im2colParams, out: Floats): void {
  const { n, c, h, w, kh, kw, dh, dw, sh, sw, pt, pl, oh, ow } = p;
  const l = oh * ow;
  let o = offset;
  for (let b = 0; b < n; b++) {
    for (let ci = 0; ci < c; ci++) {
      const plane = (b * c + ci) * h * w;
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          const dx = j * dw - pl;
          const oxLo = dx >= 0 ? 0 : Math.min(ow, Math.ceil(-dx / sw));
          const oxHi = Math.max(oxLo, Math.min(ow, Math.floor((w - 1 - dx) / sw) + 1));
          for (let oy = 0; oy < oh; oy++) {
            const y = oy * sh + i * dh - pt;
            if (y < 0 || y >= h) continue;
            const row = o + oy * ow;
            const dst = plane + y * w + dx;
            for (let ox = oxLo; ox < oxHi; ox++) out[dst + ox * sw] += cols[row + ox];
          }
          o += l;
        }
      }
    }
  }
}
