/**
 * WebAssembly SIMD float64 kernels for the CLAP path: FFTs (the soxr port's overlap-save convolution and
 * the mel frames), the complex spectrum product, the soxr port's direct poly-phase loop, and the mel
 * frame's window product, power unpacking and sparse filterbank. Complex numbers are stored interleaved (re, im) as one f64x2 lane pair, so every radix-2
 * butterfly is a handful of vector ops and no stage needs lane shuffles except the swap in the complex
 * product. Forward transforms are decimation in frequency (natural order in, bit-reversed out), inverse
 * ones decimation in time (bit-reversed in, natural out): a convolution never permutes, and the mel's
 * real-input unpacking reads the bit-reversed spectrum through an index table.
 *
 * Twiddles are precomputed in float64 by JS (Math.cos/sin), the arithmetic is IEEE float64 like the JS
 * fallbacks (clap-fft.ts, soxr-hq.ts, clap-mel.ts), so results differ from them only by the order of
 * roundings (≈1e-16 relative; the float32 CLAP outputs measured identical, test/preprocess/audio-clap-wasm).
 * Radix-2 stages are fused in pairs (radix-2², the same operations with half the passes over memory).
 * Float32 lanes would double the width but libsoxr-level float32 rounding in both the soxr stages and the
 * FFT would eat into the ≤ 2e-6 libsoxr match; float64 keeps the port's measured deviations unchanged.
 * The module is assembled here from its instructions (no build step, no binary blob, no imports); where
 * WebAssembly SIMD is missing fftKernel() returns null and callers use the JS code.
 */

// ---- a minimal assembler for the instructions used ----------------------------------------------------
function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const str = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];

const I32 = 0x7f;
const V128 = 0x7b;
const get = (i: number) => [0x20, ...uleb(i)];
const set = (i: number) => [0x21, ...uleb(i)];
const i32c = (v: number) => [0x41, ...sleb(v)];
const I32_ADD = [0x6a];
const I32_SHL = [0x74];
const I32_SHR_U = [0x76];
const I32_LT_U = [0x49];
const I32_GE_U = [0x4f];
const simd = (code: number, ...imm: number[]) => [0xfd, ...uleb(code), ...imm];
const load = (offset = 0) => simd(0x00, 0x04, ...uleb(offset));
const store = (offset = 0) => simd(0x0b, 0x04, ...uleb(offset));
const F64X2_ADD = simd(0xf0);
const F64X2_SUB = simd(0xf1);
const F64X2_MUL = simd(0xf2);
const V128_ZERO = simd(0x0c, ...new Array(16).fill(0));
const lane64 = (l: number) => simd(0x21, l);
const F64_ADD = [0xa0];
const f64store = (offset = 0) => [0x39, 0x03, ...uleb(offset)];
const i32load = (offset = 0) => [0x28, 0x02, ...uleb(offset)];
const I32_SUB = [0x6b];
const I32_MUL = [0x6c];
const F64 = 0x7c;
const f64load = (offset = 0) => [0x2b, 0x03, ...uleb(offset)];
const F64_MUL = [0xa2];
const f64c = (v: number) => [0x44, ...new Uint8Array(Float64Array.of(v).buffer)];
const f64x2c = (a: number, b: number) => simd(0x0c, ...new Uint8Array(Float64Array.of(a, b).buffer));
/** shuffle(a, a): [a.lane1, a.lane0] */
const SWAP64 = simd(0x0d, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7);

/** `while (a < b) { body }` */
const whileLt = (a: number, b: number, body: number[]) => [0x02, 0x40, 0x03, 0x40, ...get(a), ...get(b), ...I32_GE_U, 0x0d, 1, ...body, 0x0c, 0, 0x0b, 0x0b];
const addTo = (v: number, ...expr: number[]) => [...get(v), ...expr, ...I32_ADD, ...set(v)];

/** Twiddle w = (wr, wi) stored as two vectors [wr, wr], [−wi, wi]: z·w = z·[wr,wr] + swap(z)·[−wi,wi]. */
const cmulBy = (z: number, pt: number) => [...get(z), ...get(pt), ...load(0), ...F64X2_MUL, ...get(z), ...get(z), ...SWAP64, ...get(pt), ...load(16), ...F64X2_MUL, ...F64X2_ADD];

/**
 * Locals shared by both transforms: 0 data, 1 n, 2 tw (params); i32 3 hb (span in bytes), 4 end,
 * 5 s (group start), 6 k (offset in group), 7 pa, 8 pb, 9 pt (twiddle), 10 step (group size in bytes),
 * 11 nb (n·16), 12 pc, 13 pd, 14 pt2, 15 pt3; v128 16 a, 17 b, 18 c, 19 d, 20 t.
 * Twiddle entry h + k (h = half-size, k < h) = W_{2h}^k sits at tw + 32·(h + k) = tw + 2·(hb + k).
 * Small spans run the k loop outside (twiddles loaded once per k), large ones inside.
 */
const [DATA, N, TW, HB, END, S, K, PA, PB, PT, STEP, NB, PC, PD, PT2, PT3, VA, VB, VC, VD, VT] = [
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
];
function passLoops(butterfly: number[], fused: boolean): number[] {
  const setPtrs = [...get(S), ...get(K), ...I32_ADD, ...set(PA), ...get(PA), ...get(HB), ...I32_ADD, ...set(PB)];
  if (fused) setPtrs.push(...get(PB), ...get(HB), ...I32_ADD, ...set(PC), ...get(PC), ...get(HB), ...I32_ADD, ...set(PD));
  // entry h + k; fused passes also 2h + k and 2h + k + h
  const setTw = [...get(HB), ...get(K), ...I32_ADD, ...i32c(1), ...I32_SHL, ...get(TW), ...I32_ADD, ...set(PT)];
  if (fused) setTw.push(...get(PT), ...get(HB), ...i32c(1), ...I32_SHL, ...I32_ADD, ...set(PT2), ...get(PT2), ...get(HB), ...i32c(1), ...I32_SHL, ...I32_ADD, ...set(PT3));
  const kInner = [
    ...get(DATA), ...set(S),
    ...whileLt(S, END, [...i32c(0), ...set(K), ...whileLt(K, HB, [...setPtrs, ...setTw, ...butterfly, ...addTo(K, ...i32c(16))]), ...addTo(S, ...get(STEP))]),
  ];
  const kOuter = [
    ...i32c(0), ...set(K),
    ...whileLt(K, HB, [...setTw, ...get(DATA), ...set(S), ...whileLt(S, END, [...setPtrs, ...butterfly, ...addTo(S, ...get(STEP))]), ...addTo(K, ...i32c(16))]),
  ];
  // if (hb >= 16·32) k inner else k outer
  return [...get(HB), ...i32c(16 * 32), ...I32_GE_U, 0x04, 0x40, ...kInner, 0x05, ...kOuter, 0x0b];
}

const sub = (x: number, y: number) => [...get(x), ...get(y), ...F64X2_SUB];
const add = (x: number, y: number) => [...get(x), ...get(y), ...F64X2_ADD];
const loadTo = (p: number, v: number) => [...get(p), ...load(), ...set(v)];

/** The forward / inverse transforms: radix-2 stages fused in pairs (radix-2²), one plain stage when log2 n is odd. */
function transforms(): { fwd: number[]; inv: number[] } {
  // radix-2 DIF: a' = a + b, b' = (a − b)·w
  const difBfly = [...loadTo(PA, VA), ...loadTo(PB, VB), ...get(PA), ...add(VA, VB), ...store(), ...sub(VA, VB), ...set(VT), ...get(PB), ...cmulBy(VT, PT), ...store()];
  // radix-2 DIT: t = b·w, a' = a + t, b' = a − t
  const ditBfly = [...get(PB), ...load(), ...set(VB), ...cmulBy(VB, PT), ...set(VT), ...loadTo(PA, VA), ...get(PA), ...add(VA, VT), ...store(), ...get(PB), ...sub(VA, VT), ...store()];
  // fused DIF over a, b, c, d = x[i], x[i+h], x[i+2h], x[i+3h]: stage 2h on (a,c) [w 2h+k], (b,d) [w 2h+k+h],
  // then stage h on (a,b), (c,d) [w h+k] — the same operations as two radix-2 DIF stages
  const difFused = [
    ...loadTo(PA, VA), ...loadTo(PB, VB), ...loadTo(PC, VC), ...loadTo(PD, VD),
    ...sub(VA, VC), ...set(VT), ...add(VA, VC), ...set(VA), ...cmulBy(VT, PT2), ...set(VC),
    ...sub(VB, VD), ...set(VT), ...add(VB, VD), ...set(VB), ...cmulBy(VT, PT3), ...set(VD),
    ...get(PA), ...add(VA, VB), ...store(), ...sub(VA, VB), ...set(VT), ...get(PB), ...cmulBy(VT, PT), ...store(),
    ...get(PC), ...add(VC, VD), ...store(), ...sub(VC, VD), ...set(VT), ...get(PD), ...cmulBy(VT, PT), ...store(),
  ];
  // fused DIT: stage h on (a,b), (c,d) [w h+k], then stage 2h on (a,c) [w 2h+k], (b,d) [w 2h+k+h]
  const ditFused = [
    ...loadTo(PA, VA), ...loadTo(PB, VB), ...loadTo(PC, VC), ...loadTo(PD, VD),
    ...cmulBy(VB, PT), ...set(VT), ...sub(VA, VT), ...set(VB), ...add(VA, VT), ...set(VA),
    ...cmulBy(VD, PT), ...set(VT), ...sub(VC, VT), ...set(VD), ...add(VC, VT), ...set(VC),
    ...cmulBy(VC, PT2), ...set(VT), ...get(PA), ...add(VA, VT), ...store(), ...get(PC), ...sub(VA, VT), ...store(),
    ...cmulBy(VD, PT3), ...set(VT), ...get(PB), ...add(VB, VT), ...store(), ...get(PD), ...sub(VB, VT), ...store(),
  ];
  const prologue = [...get(N), ...i32c(4), ...I32_SHL, ...set(NB), ...get(NB), ...get(DATA), ...I32_ADD, ...set(END)];
  const step = (mult: number) => [...get(HB), ...i32c(mult), ...I32_SHL, ...set(STEP)];
  // forward: fused passes with quarter span hb = nb/4, nb/16, … ≥ 16; then a plain stage if hb stopped at 8
  const fwd = [
    ...prologue, ...get(NB), ...i32c(2), ...I32_SHR_U, ...set(HB),
    0x02, 0x40, 0x03, 0x40, ...get(HB), ...i32c(16), ...I32_LT_U, 0x0d, 1,
    ...step(2), ...passLoops(difFused, true), ...get(HB), ...i32c(2), ...I32_SHR_U, ...set(HB),
    0x0c, 0, 0x0b, 0x0b,
    ...get(HB), ...i32c(8), 0x46, 0x04, 0x40, ...i32c(16), ...set(HB), ...step(1), ...passLoops(difBfly, false), 0x0b, // i32.eq
  ];
  // inverse: a plain stage first when log2 n is odd, then fused passes with quarter span 16·4^j while 4·hb ≤ nb
  const inv = [
    ...prologue, ...i32c(16), ...set(HB),
    ...get(N), 0x68, ...i32c(1), 0x71, 0x04, 0x40, ...step(1), ...passLoops(ditBfly, false), ...i32c(32), ...set(HB), 0x0b, // i32.ctz, i32.and
    0x02, 0x40, 0x03, 0x40, ...get(HB), ...i32c(2), ...I32_SHL, ...get(NB), 0x4b, 0x0d, 1, // i32.gt_u
    ...step(2), ...passLoops(ditFused, true), ...get(HB), ...i32c(2), ...I32_SHL, ...set(HB),
    0x0c, 0, 0x0b, 0x0b,
  ];
  return { fwd, inv };
}

/** The module bytes (exported for tests). */
export function buildFftWasm(): Uint8Array {
  const { fwd, inv } = transforms();
  // cmul(dst, src, filt, n): dst[k] = src[k]·filt[k], filt entries in the 32-byte twiddle form
  const [DST, SRC, FLT, CN, CEND, Z] = [0, 1, 2, 3, 4, 5];
  const cmul = [
    ...get(CN), ...i32c(4), ...I32_SHL, ...get(SRC), ...I32_ADD, ...set(CEND),
    ...whileLt(SRC, CEND, [
      ...get(SRC), ...load(), ...set(Z),
      ...get(DST), ...cmulBy(Z, FLT), ...store(),
      ...addTo(DST, ...i32c(16)), ...addTo(SRC, ...i32c(16)), ...addTo(FLT, ...i32c(32)),
    ]),
  ];
  // poly(x, taps, lag, out, count, L, dN, dR, r, nHi, kpb): the direct poly-phase loop of soxr-hq.ts runStage
  // (phase r, newest input nHi advancing by M/L per output); taps per phase padded with zeros to kpb bytes
  const [PX, PTAPS, PLAG, POUT, PCOUNT, PL, PDN, PDR, PR, PNHI, PKPB, PEND, PTP, PXP, PQ, PACC] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
  const poly = [
    ...get(PCOUNT), ...i32c(3), ...I32_SHL, ...get(POUT), ...I32_ADD, ...set(PEND),
    ...whileLt(POUT, PEND, [
      ...get(PR), ...get(PKPB), ...I32_MUL, ...get(PTAPS), ...I32_ADD, ...set(PTP),
      ...get(PNHI), ...get(PR), ...i32c(2), ...I32_SHL, ...get(PLAG), ...I32_ADD, ...i32load(), ...I32_SUB, ...i32c(3), ...I32_SHL, ...get(PX), ...I32_ADD, ...set(PXP),
      ...V128_ZERO, ...set(PACC), ...i32c(0), ...set(PQ),
      // two tap pairs per iteration (kpb a multiple of 32), still one accumulator in tap order
      ...whileLt(PQ, PKPB, [
        ...get(PACC), ...get(PTP), ...get(PQ), ...I32_ADD, ...load(), ...get(PXP), ...get(PQ), ...I32_ADD, ...load(), ...F64X2_MUL, ...F64X2_ADD,
        ...get(PTP), ...get(PQ), ...I32_ADD, ...load(16), ...get(PXP), ...get(PQ), ...I32_ADD, ...load(16), ...F64X2_MUL, ...F64X2_ADD, ...set(PACC),
        ...addTo(PQ, ...i32c(32)),
      ]),
      ...get(POUT), ...get(PACC), ...lane64(0), ...get(PACC), ...lane64(1), ...F64_ADD, ...f64store(),
      ...addTo(POUT, ...i32c(8)), ...addTo(PNHI, ...get(PDN)), ...addTo(PR, ...get(PDR)),
      ...get(PR), ...get(PL), ...I32_GE_U, 0x04, 0x40, ...get(PR), ...get(PL), ...I32_SUB, ...set(PR), ...addTo(PNHI, ...i32c(1)), 0x0b,
    ]),
  ];
  // mulw(dst, a, b, bytes): dst = a ⊙ b, float64, bytes a multiple of 16 (the mel frame's window)
  const [WD, WA, WB, WN] = [0, 1, 2, 3];
  const mulw = [
    ...get(WN), ...get(WA), ...I32_ADD, ...set(WN),
    ...whileLt(WA, WN, [
      ...get(WD), ...get(WA), ...load(), ...get(WB), ...load(), ...F64X2_MUL, ...store(),
      ...addTo(WD, ...i32c(16)), ...addTo(WA, ...i32c(16)), ...addTo(WB, ...i32c(16)),
    ]),
  ];
  // melbins(data, top, idx, ptw, pow, nb, fc, w, eout): the real-input unpacking of clap-mel.ts (power of
  // bins 1…top from the bit-reversed packed spectrum at data; idx: int32 byte offsets of Z_k and Z_{h−k},
  // ptw: W_n^k in factor form) and then the sparse mel filterbank (fc: int32 first bin / count per band,
  // w: the weights back to back) into eout[0…nb)
  const [MD, MTOP, MIDX, MPTW, MPOW, MNB, MFC, MW, MOUT, MK, MPA, MPB, MEND, MPP, MA, MB, MDD, MO, MX, ME] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19,
  ];
  const melbins = [
    ...get(MTOP), ...i32c(1), ...I32_ADD, ...set(MEND), ...i32c(1), ...set(MK),
    ...whileLt(MK, MEND, [
      ...get(MD), ...get(MK), ...i32c(3), ...I32_SHL, ...get(MIDX), ...I32_ADD, ...i32load(), ...I32_ADD, ...set(MPA),
      ...get(MD), ...get(MK), ...i32c(3), ...I32_SHL, ...get(MIDX), ...I32_ADD, ...i32load(4), ...I32_ADD, ...set(MPB),
      ...get(MPA), ...load(), ...set(MA),
      ...get(MPB), ...load(), ...f64x2c(1, -1), ...F64X2_MUL, ...set(MB), // conj Z_{h−k}
      ...get(MA), ...get(MB), ...F64X2_SUB, ...f64x2c(0.5, 0.5), ...F64X2_MUL, ...set(MDD),
      ...get(MDD), ...get(MDD), ...SWAP64, ...f64x2c(1, -1), ...F64X2_MUL, ...set(MO), // odd part [or, oi]
      ...get(MK), ...i32c(5), ...I32_SHL, ...get(MPTW), ...I32_ADD, ...set(MPP),
      ...get(MA), ...get(MB), ...F64X2_ADD, ...f64x2c(0.5, 0.5), ...F64X2_MUL, // even part
      ...cmulBy(MO, MPP), ...F64X2_ADD, ...set(MX),
      ...get(MPOW), ...get(MK), ...i32c(3), ...I32_SHL, ...I32_ADD,
      ...get(MX), ...lane64(0), ...get(MX), ...lane64(0), ...F64_MUL, ...get(MX), ...lane64(1), ...get(MX), ...lane64(1), ...F64_MUL, ...F64_ADD,
      ...f64store(),
      ...addTo(MK, ...i32c(1)),
    ]),
    ...i32c(0), ...set(MK),
    ...whileLt(MK, MNB, [
      ...get(MFC), ...get(MK), ...i32c(3), ...I32_SHL, ...I32_ADD, ...i32load(), ...i32c(3), ...I32_SHL, ...get(MPOW), ...I32_ADD, ...set(MPP),
      ...get(MFC), ...get(MK), ...i32c(3), ...I32_SHL, ...I32_ADD, ...i32load(4), ...i32c(3), ...I32_SHL, ...get(MPP), ...I32_ADD, ...set(MEND),
      ...f64c(0), ...set(ME),
      ...whileLt(MPP, MEND, [
        ...get(ME), ...get(MPP), ...f64load(), ...get(MW), ...f64load(), ...F64_MUL, ...F64_ADD, ...set(ME),
        ...addTo(MPP, ...i32c(8)), ...addTo(MW, ...i32c(8)),
      ]),
      ...get(MOUT), ...get(MK), ...i32c(3), ...I32_SHL, ...I32_ADD, ...get(ME), ...f64store(),
      ...addTo(MK, ...i32c(1)),
    ]),
  ];
  // pack2(dst, a, b, n): dst[i] = (a[i], b[i]) for i < n (n even): two real float64 runs into complex samples
  const [KD, KA, KB, KN, KV, KW] = [0, 1, 2, 3, 4, 5];
  const pack2 = [
    ...get(KN), ...i32c(3), ...I32_SHL, ...get(KA), ...I32_ADD, ...set(KN),
    ...whileLt(KA, KN, [
      ...get(KA), ...load(), ...set(KV), ...get(KB), ...load(), ...set(KW),
      ...get(KD), ...get(KV), ...get(KW), ...simd(0x0d, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23), ...store(),
      ...get(KD), ...get(KV), ...get(KW), ...simd(0x0d, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31), ...store(16),
      ...addTo(KD, ...i32c(32)), ...addTo(KA, ...i32c(16)), ...addTo(KB, ...i32c(16)),
    ]),
  ];
  const pack2Locals = [[...uleb(2), V128]];
  // scatter(dst, src, n, srcStride, dstStride): n float64 copied with byte strides
  const [SD, SS, SN, SSS, SDS] = [0, 1, 2, 3, 4];
  const scatterBody = [
    ...i32c(0), ...set(5),
    ...whileLt(5, SN, [
      ...get(SD), ...get(SS), ...f64load(), ...f64store(),
      ...addTo(SD, ...get(SDS)), ...addTo(SS, ...get(SSS)), ...addTo(5, ...i32c(1)),
    ]),
  ];
  const scatterLocals = [[...uleb(1), I32]];
  // int16rt(dst, src, pairs): dst[i] = fl32(trunc(fl32(clamp(fl32(src[i]), −1, 1)·32767)) / 32767), float64 in,
  // float32 out, two samples per step (CLAP's int16 round trip)
  const f32x4c = (v: number) => simd(0x0c, ...new Uint8Array(Float32Array.of(v, v, v, v).buffer));
  const [RD, RS, RN, RV] = [0, 1, 2, 3];
  const int16rt = [
    ...get(RN), ...i32c(4), ...I32_SHL, ...get(RS), ...I32_ADD, ...set(RN),
    ...whileLt(RS, RN, [
      ...get(RS), ...load(), ...simd(0x5e), // f32x4.demote_f64x2_zero
      ...f32x4c(1), ...simd(0xe8), ...f32x4c(-1), ...simd(0xe9), // f32x4.min, f32x4.max
      ...f32x4c(32767), ...simd(0xe6), ...simd(0xf8), // f32x4.mul, i32x4.trunc_sat_f32x4_s
      ...simd(0xfe), ...f64x2c(32767, 32767), ...simd(0xf3), ...simd(0x5e), ...set(RV), // f64x2.convert_low_i32x4_s, f64x2.div, demote
      ...get(RD), ...get(RV), ...simd(0x5b, 0x03, 0x00, 0x00), // v128.store64_lane 0
      ...addTo(RD, ...i32c(8)), ...addTo(RS, ...i32c(16)),
    ]),
  ];
  const int16rtLocals = [[...uleb(1), V128]];
  // melframes(x, frames, hop, frame, win, tw, top, idx, ptw, pow, fc, w, eout): for each frame t the window
  // product of x + t·hop (bytes), the 512-point forward transform and melbins into eout + t·512 — the
  // per-frame calls of clap-mel.ts in one loop (64 mel bands, 1024 samples)
  const [FX, FN, FHOP, FFR, FWIN, FTW, FTOP, FIDX, FPTW, FPOW, FFC, FW, FOUT, FT] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];
  const call = (i: number) => [0x10, ...uleb(i)];
  const melframes = [
    ...i32c(0), ...set(FT),
    ...whileLt(FT, FN, [
      ...get(FFR), ...get(FX), ...get(FWIN), ...i32c(8 * 1024), ...call(4), // mulw
      ...get(FFR), ...i32c(512), ...get(FTW), ...call(0), // fwd
      ...get(FFR), ...get(FTOP), ...get(FIDX), ...get(FPTW), ...get(FPOW), ...i32c(64), ...get(FFC), ...get(FW), ...get(FOUT), ...call(5), // melbins
      ...addTo(FX, ...get(FHOP)), ...addTo(FOUT, ...i32c(8 * 64)), ...addTo(FT, ...i32c(1)),
    ]),
  ];
  const melframesLocals = [[...uleb(1), I32]];
  const fftLocals = [[...uleb(13), I32], [...uleb(5), V128]];
  const mulwLocals: number[][] = [];
  const melLocals = [[...uleb(5), I32], [...uleb(5), V128], [...uleb(1), F64]];
  const polyLocals = [[...uleb(4), I32], [...uleb(1), V128]];
  const cmulLocals = [[...uleb(1), I32], [...uleb(1), V128]];
  const fn = (locals: number[][], body: number[]) => {
    const f = [...vec(locals), ...body, 0x0b];
    return [...uleb(f.length), ...f];
  };
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, ...vec([[I32], [I32], [I32]]), 0x00], [0x60, ...vec([[I32], [I32], [I32], [I32]]), 0x00], [0x60, ...vec(new Array(11).fill([I32])), 0x00], [0x60, ...vec(new Array(9).fill([I32])), 0x00], [0x60, ...vec(new Array(5).fill([I32])), 0x00], [0x60, ...vec(new Array(13).fill([I32])), 0x00]])),
    ...section(3, vec([[0x00], [0x00], [0x01], [0x02], [0x01], [0x03], [0x01], [0x04], [0x00], [0x05]])),
    ...section(5, vec([[0x00, ...uleb(1)]])),
    ...section(7, vec([
      [...str('fwd'), 0x00, 0x00],
      [...str('inv'), 0x00, 0x01],
      [...str('cmul'), 0x00, 0x02],
      [...str('poly'), 0x00, 0x03],
      [...str('mulw'), 0x00, 0x04],
      [...str('melbins'), 0x00, 0x05],
      [...str('pack2'), 0x00, 0x06],
      [...str('scatter'), 0x00, 0x07],
      [...str('int16rt'), 0x00, 0x08],
      [...str('melframes'), 0x00, 0x09],
      [...str('mem'), 0x02, 0x00],
    ])),
    ...section(10, vec([fn(fftLocals, fwd), fn(fftLocals, inv), fn(cmulLocals, cmul), fn(polyLocals, poly), fn(mulwLocals, mulw), fn(melLocals, melbins), fn(pack2Locals, pack2), fn(scatterLocals, scatterBody), fn(int16rtLocals, int16rt), fn(melframesLocals, melframes)])),
  ];
  return new Uint8Array(bytes);
}

// ---- JS side ----------------------------------------------------------------------------------------------
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (m: object, imports: object) => { exports: Record<string, unknown> };
  validate(bytes: Uint8Array): boolean;
}
const Wasm: WasmApi | undefined = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

type Fft = (data: number, n: number, tw: number) => void;
type Cmul = (dst: number, src: number, filt: number, n: number) => void;
type Mulw = (dst: number, a: number, b: number, bytes: number) => void;
type MelBins = (data: number, top: number, idx: number, ptw: number, pow: number, nb: number, fc: number, w: number, eout: number) => void;
type Poly = (x: number, taps: number, lag: number, out: number, count: number, L: number, dN: number, dR: number, r: number, nHi: number, kpb: number) => void;

export interface FftKernel {
  /** forward DIF in place: natural-order input at byte offset `data`, bit-reversed output */
  fwd: Fft;
  /** inverse DIT in place (no 1/n): bit-reversed input, natural-order output */
  inv: Fft;
  /** dst = src ⊙ filt, complex, filt in the 32-byte-per-entry form of `writeFactors` */
  cmul: Cmul;
  /**
   * out[j] = Σ_q taps[r][q]·x[nHi − lag[r] + q] (float64, byte offsets, taps per phase kpb bytes — a multiple
   * of 32 — lag int32),
   * then nHi += dN, r += dR, and r ≥ L wraps with nHi + 1 — the direct loop of soxr-hq.ts's runStage
   */
  poly: Poly;
  /** dst = a ⊙ b over `bytes` bytes of float64 (a multiple of 16) */
  mulw: Mulw;
  /**
   * CLAP mel bins of one frame: power |X_k|² (k = 1…top) unpacked from the bit-reversed packed spectrum
   * at `data` (idx: int32 byte offsets of Z_k and Z_{h−k} per k; ptw: W_n^k in factor form) into pow,
   * then the sparse filterbank (fc: int32 first bin and count per band; w: weights back to back) into
   * eout[0…nb); the same float64 operations in the same order as the JS code of clap-mel.ts
   */
  melbins: MelBins;
  /** dst[i] = (a[i], b[i]) for i < n (n even): two runs of real float64 samples as complex samples */
  pack2: Mulw;
  /** n float64 copied from src to dst, advancing by the given byte strides */
  scatter: (dst: number, src: number, n: number, srcStride: number, dstStride: number) => void;
  /**
   * CLAP's int16 round trip fl32(trunc(fl32(clamp(fl32(x), −1, 1)·32767)) / 32767) of 2·pairs float64 at
   * src into float32 at dst
   */
  int16rt: Fft;
  /**
   * For each of `frames` frames at x + t·hop (bytes): mulw with the window, fwd (512 points), melbins with
   * 64 bands into eout + t·512 bytes — the interior frames of clap-mel.ts in one call
   */
  melframes: (x: number, frames: number, hop: number, frame: number, win: number, tw: number, top: number, idx: number, ptw: number, pow: number, fc: number, w: number, eout: number) => void;
  /** float64 view of the whole memory (refreshed by `reserve`) */
  f64: Float64Array;
  /** make the memory at least `bytes` long; returns the (possibly new) float64 view */
  reserve(bytes: number): Float64Array;
}

let compiled: object | null | undefined;
let kernel: FftKernel | null | undefined;

/** Disable (or re-enable) the WebAssembly path, for tests comparing it with the JS fallback. */
let forcedOff = false;
export function setWasmFftEnabled(on: boolean): void {
  forcedOff = !on;
}

/** The per-thread kernel instance, or null where WebAssembly SIMD is unavailable (or disabled). */
export function fftKernel(): FftKernel | null {
  if (forcedOff) return null;
  if (kernel !== undefined) return kernel;
  try {
    if (compiled === undefined) {
      const bytes = buildFftWasm();
      compiled = Wasm && Wasm.validate(bytes) ? new Wasm.Module(bytes) : null;
    }
    if (!compiled || !Wasm) return (kernel = null);
    const ex = new Wasm.Instance(compiled, {}).exports;
    const mem = ex.mem as WasmMemory;
    const k: FftKernel = {
      fwd: ex.fwd as Fft,
      inv: ex.inv as Fft,
      cmul: ex.cmul as Cmul,
      poly: ex.poly as Poly,
      mulw: ex.mulw as Mulw,
      melbins: ex.melbins as MelBins,
      pack2: ex.pack2 as Mulw,
      scatter: ex.scatter as FftKernel['scatter'],
      int16rt: ex.int16rt as Fft,
      melframes: ex.melframes as FftKernel['melframes'],
      f64: new Float64Array(mem.buffer),
      reserve(bytes: number) {
        const have = mem.buffer.byteLength;
        if (bytes > have) mem.grow(Math.ceil((bytes - have) / 65536));
        if (k.f64.buffer !== mem.buffer) k.f64 = new Float64Array(mem.buffer);
        return k.f64;
      },
    };
    kernel = k;
  } catch {
    kernel = null;
  }
  return kernel;
}

/**
 * Write n complex factors (re[k], im[k]) at float64 index `at` in the kernel's 32-byte form
 * [re, re], [−im, im]; with `conj` the conjugates.
 */
export function writeFactors(f64: Float64Array, at: number, re: ArrayLike<number>, im: ArrayLike<number>, n: number, conj = false): void {
  const s = conj ? -1 : 1;
  for (let k = 0; k < n; k++) {
    const o = at + 4 * k;
    const r = re[k]!;
    const i = s * im[k]!;
    f64[o] = r;
    f64[o + 1] = r;
    f64[o + 2] = -i;
    f64[o + 3] = i;
  }
}

/**
 * Twiddle table for size n (n entries; entry h + k = W_{2h}^k = e^{∓iπk/h}, sign − forward, + inverse),
 * written at float64 index `at` (4 float64 per entry).
 */
export function writeTwiddles(f64: Float64Array, at: number, n: number, inverse: boolean): void {
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  re[0] = 1;
  for (let h = 1; h < n; h <<= 1) {
    for (let k = 0; k < h; k++) {
      // the same angles the JS plan uses (2πk/(2h) via its table of W_n)
      re[h + k] = Math.cos((Math.PI * k) / h);
      im[h + k] = -Math.sin((Math.PI * k) / h);
    }
  }
  writeFactors(f64, at, re, im, n, inverse);
}

/** Bit reversal of log2(n) bits for every index below n. */
export function bitReverseTable(n: number): Uint32Array {
  let bits = 0;
  while (1 << bits < n) bits++;
  const t = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    let r = 0;
    for (let b = 0; b < bits; b++) if (i & (1 << b)) r |= 1 << (bits - 1 - b);
    t[i] = r;
  }
  return t;
}
