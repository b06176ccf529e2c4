/**
 * The WebAssembly SIMD float64 DSP module of the audio paths (CLAP and Kaldi fbank): FFTs (the soxr port's
 * overlap-save convolution, the CLAP mel frames and the Kaldi fbank frames), the complex spectrum product,
 * the soxr port's direct poly-phase loop, and the mel frame's window product, power unpacking and sparse
 * filterbank. Complex numbers are stored interleaved (re, im) as one f64x2 lane pair, so every radix-2
 * butterfly is a handful of vector ops and no stage needs lane shuffles except the swap in the complex
 * product. Forward transforms are decimation in frequency (natural order in, bit-reversed out), inverse
 * ones decimation in time (bit-reversed in, natural out): a convolution never permutes, and the mel's
 * real-input unpacking reads the bit-reversed spectrum through an index table.
 *
 * Twiddles are precomputed in float64 by JS (Math.cos/sin), the arithmetic is IEEE float64 like the JS
 * fallbacks (fft.ts, soxr/soxr-hq.ts, clap-mel.ts), so results differ from them only by the order of
 * roundings (≈1e-16 relative; the float32 CLAP outputs measured identical, test/preprocess/audio-clap-wasm).
 * Radix-2 stages are fused in pairs (radix-2², the same operations with half the passes over memory).
 * Float32 lanes would double the width but libsoxr-level float32 rounding in both the soxr stages and the
 * FFT would eat into the ≤ 2e-6 libsoxr match; float64 keeps the port's measured deviations unchanged.
 * The module is assembled here from its instructions (no build step, no binary blob, no imports); where
 * WebAssembly SIMD is missing audioDspWasm() returns null and callers use the JS code.
 */

import { addTo, buildModule, compileModule, F64, I32, op, V128, Wasm, whileLess, type Locals, type WasmMemory } from '../../runtime/wasm/assembler';

const { get, set, i32Const, i32Add, i32Sub, i32Mul, i32Shl, i32ShrU, i32LtU, i32GeU, i32GtU, i32Eq, i32Ctz, i32And, i32Load } = op;
const { f64Load, f64Store, f64Const, f64Add, f64Mul, v128Load, v128Store, v128Zero, f64x2Const, f64x2Add, f64x2Sub, f64x2Mul, f64x2ExtractLane } = op;
/** shuffle(a, a): [a.lane1, a.lane0] */
const SWAP64 = op.i8x16Shuffle([8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7]);

/** Twiddle w = (wr, wi) stored as two vectors [wr, wr], [−wi, wi]: z·w = z·[wr,wr] + swap(z)·[−wi,wi]. */
const cmulBy = (z: number, pt: number) => [...get(z), ...get(pt), ...v128Load(0), ...f64x2Mul, ...get(z), ...get(z), ...SWAP64, ...get(pt), ...v128Load(16), ...f64x2Mul, ...f64x2Add];

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
  const setPtrs = [...get(S), ...get(K), ...i32Add, ...set(PA), ...get(PA), ...get(HB), ...i32Add, ...set(PB)];
  if (fused) setPtrs.push(...get(PB), ...get(HB), ...i32Add, ...set(PC), ...get(PC), ...get(HB), ...i32Add, ...set(PD));
  // entry h + k; fused passes also 2h + k and 2h + k + h
  const setTw = [...get(HB), ...get(K), ...i32Add, ...i32Const(1), ...i32Shl, ...get(TW), ...i32Add, ...set(PT)];
  if (fused) setTw.push(...get(PT), ...get(HB), ...i32Const(1), ...i32Shl, ...i32Add, ...set(PT2), ...get(PT2), ...get(HB), ...i32Const(1), ...i32Shl, ...i32Add, ...set(PT3));
  const kInner = [
    ...get(DATA), ...set(S),
    ...whileLess(S, END, [...i32Const(0), ...set(K), ...whileLess(K, HB, [...setPtrs, ...setTw, ...butterfly, ...addTo(K, i32Const(16))]), ...addTo(S, get(STEP))]),
  ];
  const kOuter = [
    ...i32Const(0), ...set(K),
    ...whileLess(K, HB, [...setTw, ...get(DATA), ...set(S), ...whileLess(S, END, [...setPtrs, ...butterfly, ...addTo(S, get(STEP))]), ...addTo(K, i32Const(16))]),
  ];
  // if (hb >= 16·32) k inner else k outer
  return [...get(HB), ...i32Const(16 * 32), ...i32GeU, ...op.if, ...kInner, ...op.else, ...kOuter, ...op.end];
}

const sub = (x: number, y: number) => [...get(x), ...get(y), ...f64x2Sub];
const add = (x: number, y: number) => [...get(x), ...get(y), ...f64x2Add];
const loadTo = (p: number, v: number) => [...get(p), ...v128Load(), ...set(v)];

/** The forward / inverse transforms: radix-2 stages fused in pairs (radix-2²), one plain stage when log2 n is odd. */
function transforms(): { fwd: number[]; inv: number[] } {
  // radix-2 DIF: a' = a + b, b' = (a − b)·w
  const difBfly = [...loadTo(PA, VA), ...loadTo(PB, VB), ...get(PA), ...add(VA, VB), ...v128Store(), ...sub(VA, VB), ...set(VT), ...get(PB), ...cmulBy(VT, PT), ...v128Store()];
  // radix-2 DIT: t = b·w, a' = a + t, b' = a − t
  const ditBfly = [...get(PB), ...v128Load(), ...set(VB), ...cmulBy(VB, PT), ...set(VT), ...loadTo(PA, VA), ...get(PA), ...add(VA, VT), ...v128Store(), ...get(PB), ...sub(VA, VT), ...v128Store()];
  // fused DIF over a, b, c, d = x[i], x[i+h], x[i+2h], x[i+3h]: stage 2h on (a,c) [w 2h+k], (b,d) [w 2h+k+h],
  // then stage h on (a,b), (c,d) [w h+k] — the same operations as two radix-2 DIF stages
  const difFused = [
    ...loadTo(PA, VA), ...loadTo(PB, VB), ...loadTo(PC, VC), ...loadTo(PD, VD),
    ...sub(VA, VC), ...set(VT), ...add(VA, VC), ...set(VA), ...cmulBy(VT, PT2), ...set(VC),
    ...sub(VB, VD), ...set(VT), ...add(VB, VD), ...set(VB), ...cmulBy(VT, PT3), ...set(VD),
    ...get(PA), ...add(VA, VB), ...v128Store(), ...sub(VA, VB), ...set(VT), ...get(PB), ...cmulBy(VT, PT), ...v128Store(),
    ...get(PC), ...add(VC, VD), ...v128Store(), ...sub(VC, VD), ...set(VT), ...get(PD), ...cmulBy(VT, PT), ...v128Store(),
  ];
  // fused DIT: stage h on (a,b), (c,d) [w h+k], then stage 2h on (a,c) [w 2h+k], (b,d) [w 2h+k+h]
  const ditFused = [
    ...loadTo(PA, VA), ...loadTo(PB, VB), ...loadTo(PC, VC), ...loadTo(PD, VD),
    ...cmulBy(VB, PT), ...set(VT), ...sub(VA, VT), ...set(VB), ...add(VA, VT), ...set(VA),
    ...cmulBy(VD, PT), ...set(VT), ...sub(VC, VT), ...set(VD), ...add(VC, VT), ...set(VC),
    ...cmulBy(VC, PT2), ...set(VT), ...get(PA), ...add(VA, VT), ...v128Store(), ...get(PC), ...sub(VA, VT), ...v128Store(),
    ...cmulBy(VD, PT3), ...set(VT), ...get(PB), ...add(VB, VT), ...v128Store(), ...get(PD), ...sub(VB, VT), ...v128Store(),
  ];
  const prologue = [...get(N), ...i32Const(4), ...i32Shl, ...set(NB), ...get(NB), ...get(DATA), ...i32Add, ...set(END)];
  const step = (mult: number) => [...get(HB), ...i32Const(mult), ...i32Shl, ...set(STEP)];
  // forward: fused passes with quarter span hb = nb/4, nb/16, … ≥ 16; then a plain stage if hb stopped at 8
  const fwd = [
    ...prologue, ...get(NB), ...i32Const(2), ...i32ShrU, ...set(HB),
    ...op.block, ...op.loop, ...get(HB), ...i32Const(16), ...i32LtU, ...op.brIf(1),
    ...step(2), ...passLoops(difFused, true), ...get(HB), ...i32Const(2), ...i32ShrU, ...set(HB),
    ...op.br(0), ...op.end, ...op.end,
    ...get(HB), ...i32Const(8), ...i32Eq, ...op.if, ...i32Const(16), ...set(HB), ...step(1), ...passLoops(difBfly, false), ...op.end,
  ];
  // inverse: a plain stage first when log2 n is odd, then fused passes with quarter span 16·4^j while 4·hb ≤ nb
  const inv = [
    ...prologue, ...i32Const(16), ...set(HB),
    ...get(N), ...i32Ctz, ...i32Const(1), ...i32And, ...op.if, ...step(1), ...passLoops(ditBfly, false), ...i32Const(32), ...set(HB), ...op.end,
    ...op.block, ...op.loop, ...get(HB), ...i32Const(2), ...i32Shl, ...get(NB), ...i32GtU, ...op.brIf(1),
    ...step(2), ...passLoops(ditFused, true), ...get(HB), ...i32Const(2), ...i32Shl, ...set(HB),
    ...op.br(0), ...op.end, ...op.end,
  ];
  return { fwd, inv };
}

/** The module bytes (exported for tests). */
export function buildAudioDspWasm(): Uint8Array {
  const { fwd, inv } = transforms();
  // cmul(dst, src, filt, n): dst[k] = src[k]·filt[k], filt entries in the 32-byte twiddle form
  const [DST, SRC, FLT, CN, CEND, Z] = [0, 1, 2, 3, 4, 5];
  const cmul = [
    ...get(CN), ...i32Const(4), ...i32Shl, ...get(SRC), ...i32Add, ...set(CEND),
    ...whileLess(SRC, CEND, [
      ...get(SRC), ...v128Load(), ...set(Z),
      ...get(DST), ...cmulBy(Z, FLT), ...v128Store(),
      ...addTo(DST, i32Const(16)), ...addTo(SRC, i32Const(16)), ...addTo(FLT, i32Const(32)),
    ]),
  ];
  // poly(x, taps, lag, out, count, L, dN, dR, r, nHi, kpb): the direct poly-phase loop of soxr/soxr-hq.ts runStage
  // (phase r, newest input nHi advancing by M/L per output); taps per phase padded with zeros to kpb bytes
  const [PX, PTAPS, PLAG, POUT, PCOUNT, PL, PDN, PDR, PR, PNHI, PKPB, PEND, PTP, PXP, PQ, PACC] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
  const poly = [
    ...get(PCOUNT), ...i32Const(3), ...i32Shl, ...get(POUT), ...i32Add, ...set(PEND),
    ...whileLess(POUT, PEND, [
      ...get(PR), ...get(PKPB), ...i32Mul, ...get(PTAPS), ...i32Add, ...set(PTP),
      ...get(PNHI), ...get(PR), ...i32Const(2), ...i32Shl, ...get(PLAG), ...i32Add, ...i32Load(), ...i32Sub, ...i32Const(3), ...i32Shl, ...get(PX), ...i32Add, ...set(PXP),
      ...v128Zero, ...set(PACC), ...i32Const(0), ...set(PQ),
      // two tap pairs per iteration (kpb a multiple of 32), still one accumulator in tap order
      ...whileLess(PQ, PKPB, [
        ...get(PACC), ...get(PTP), ...get(PQ), ...i32Add, ...v128Load(), ...get(PXP), ...get(PQ), ...i32Add, ...v128Load(), ...f64x2Mul, ...f64x2Add,
        ...get(PTP), ...get(PQ), ...i32Add, ...v128Load(16), ...get(PXP), ...get(PQ), ...i32Add, ...v128Load(16), ...f64x2Mul, ...f64x2Add, ...set(PACC),
        ...addTo(PQ, i32Const(32)),
      ]),
      ...get(POUT), ...get(PACC), ...f64x2ExtractLane(0), ...get(PACC), ...f64x2ExtractLane(1), ...f64Add, ...f64Store(),
      ...addTo(POUT, i32Const(8)), ...addTo(PNHI, get(PDN)), ...addTo(PR, get(PDR)),
      ...get(PR), ...get(PL), ...i32GeU, ...op.if, ...get(PR), ...get(PL), ...i32Sub, ...set(PR), ...addTo(PNHI, i32Const(1)), ...op.end,
    ]),
  ];
  // mulw(dst, a, b, bytes): dst = a ⊙ b, float64, bytes a multiple of 16 (the mel frame's window)
  const [WD, WA, WB, WN] = [0, 1, 2, 3];
  const mulw = [
    ...get(WN), ...get(WA), ...i32Add, ...set(WN),
    ...whileLess(WA, WN, [
      ...get(WD), ...get(WA), ...v128Load(), ...get(WB), ...v128Load(), ...f64x2Mul, ...v128Store(),
      ...addTo(WD, i32Const(16)), ...addTo(WA, i32Const(16)), ...addTo(WB, i32Const(16)),
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
    ...get(MTOP), ...i32Const(1), ...i32Add, ...set(MEND), ...i32Const(1), ...set(MK),
    ...whileLess(MK, MEND, [
      ...get(MD), ...get(MK), ...i32Const(3), ...i32Shl, ...get(MIDX), ...i32Add, ...i32Load(), ...i32Add, ...set(MPA),
      ...get(MD), ...get(MK), ...i32Const(3), ...i32Shl, ...get(MIDX), ...i32Add, ...i32Load(4), ...i32Add, ...set(MPB),
      ...get(MPA), ...v128Load(), ...set(MA),
      ...get(MPB), ...v128Load(), ...f64x2Const(1, -1), ...f64x2Mul, ...set(MB), // conj Z_{h−k}
      ...get(MA), ...get(MB), ...f64x2Sub, ...f64x2Const(0.5, 0.5), ...f64x2Mul, ...set(MDD),
      ...get(MDD), ...get(MDD), ...SWAP64, ...f64x2Const(1, -1), ...f64x2Mul, ...set(MO), // odd part [or, oi]
      ...get(MK), ...i32Const(5), ...i32Shl, ...get(MPTW), ...i32Add, ...set(MPP),
      ...get(MA), ...get(MB), ...f64x2Add, ...f64x2Const(0.5, 0.5), ...f64x2Mul, // even part
      ...cmulBy(MO, MPP), ...f64x2Add, ...set(MX),
      ...get(MPOW), ...get(MK), ...i32Const(3), ...i32Shl, ...i32Add,
      ...get(MX), ...f64x2ExtractLane(0), ...get(MX), ...f64x2ExtractLane(0), ...f64Mul, ...get(MX), ...f64x2ExtractLane(1), ...get(MX), ...f64x2ExtractLane(1), ...f64Mul, ...f64Add,
      ...f64Store(),
      ...addTo(MK, i32Const(1)),
    ]),
    ...i32Const(0), ...set(MK),
    ...whileLess(MK, MNB, [
      ...get(MFC), ...get(MK), ...i32Const(3), ...i32Shl, ...i32Add, ...i32Load(), ...i32Const(3), ...i32Shl, ...get(MPOW), ...i32Add, ...set(MPP),
      ...get(MFC), ...get(MK), ...i32Const(3), ...i32Shl, ...i32Add, ...i32Load(4), ...i32Const(3), ...i32Shl, ...get(MPP), ...i32Add, ...set(MEND),
      ...f64Const(0), ...set(ME),
      ...whileLess(MPP, MEND, [
        ...get(ME), ...get(MPP), ...f64Load(), ...get(MW), ...f64Load(), ...f64Mul, ...f64Add, ...set(ME),
        ...addTo(MPP, i32Const(8)), ...addTo(MW, i32Const(8)),
      ]),
      ...get(MOUT), ...get(MK), ...i32Const(3), ...i32Shl, ...i32Add, ...get(ME), ...f64Store(),
      ...addTo(MK, i32Const(1)),
    ]),
  ];
  // pack2(dst, a, b, n): dst[i] = (a[i], b[i]) for i < n (n even): two real float64 runs into complex samples
  const [KD, KA, KB, KN, KV, KW] = [0, 1, 2, 3, 4, 5];
  const pack2 = [
    ...get(KN), ...i32Const(3), ...i32Shl, ...get(KA), ...i32Add, ...set(KN),
    ...whileLess(KA, KN, [
      ...get(KA), ...v128Load(), ...set(KV), ...get(KB), ...v128Load(), ...set(KW),
      ...get(KD), ...get(KV), ...get(KW), ...op.i8x16Shuffle([0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23]), ...v128Store(),
      ...get(KD), ...get(KV), ...get(KW), ...op.i8x16Shuffle([8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31]), ...v128Store(16),
      ...addTo(KD, i32Const(32)), ...addTo(KA, i32Const(16)), ...addTo(KB, i32Const(16)),
    ]),
  ];
  const pack2Locals: Locals = [[2, V128]];
  // scatter(dst, src, n, srcStride, dstStride): n float64 copied with byte strides
  const [SD, SS, SN, SSS, SDS] = [0, 1, 2, 3, 4];
  const scatterBody = [
    ...i32Const(0), ...set(5),
    ...whileLess(5, SN, [
      ...get(SD), ...get(SS), ...f64Load(), ...f64Store(),
      ...addTo(SD, get(SDS)), ...addTo(SS, get(SSS)), ...addTo(5, i32Const(1)),
    ]),
  ];
  const scatterLocals: Locals = [[1, I32]];
  // int16rt(dst, src, pairs): dst[i] = fl32(trunc(fl32(clamp(fl32(src[i]), −1, 1)·32767)) / 32767), float64 in,
  // float32 out, two samples per step (CLAP's int16 round trip)
  const f32x4c = op.f32x4Splat4Const;
  const [RD, RS, RN, RV] = [0, 1, 2, 3];
  const int16rt = [
    ...get(RN), ...i32Const(4), ...i32Shl, ...get(RS), ...i32Add, ...set(RN),
    ...whileLess(RS, RN, [
      ...get(RS), ...v128Load(), ...op.f32x4DemoteF64x2Zero,
      ...f32x4c(1), ...op.f32x4Min, ...f32x4c(-1), ...op.f32x4Max,
      ...f32x4c(32767), ...op.f32x4Mul, ...op.i32x4TruncSatF32x4S,
      ...op.f64x2ConvertLowI32x4S, ...f64x2Const(32767, 32767), ...op.f64x2Div, ...op.f32x4DemoteF64x2Zero, ...set(RV),
      ...get(RD), ...get(RV), ...op.v128Store64Lane(0),
      ...addTo(RD, i32Const(8)), ...addTo(RS, i32Const(16)),
    ]),
  ];
  const int16rtLocals: Locals = [[1, V128]];
  // melframes(x, frames, hop, frame, win, tw, top, idx, ptw, pow, fc, w, eout): for each frame t the window
  // product of x + t·hop (bytes), the 512-point forward transform and melbins into eout + t·512 — the
  // per-frame calls of clap-mel.ts in one loop (64 mel bands, 1024 samples)
  const [FX, FN, FHOP, FFR, FWIN, FTW, FTOP, FIDX, FPTW, FPOW, FFC, FW, FOUT, FT] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];
  const call = op.call;
  const melframes = [
    ...i32Const(0), ...set(FT),
    ...whileLess(FT, FN, [
      ...get(FFR), ...get(FX), ...get(FWIN), ...i32Const(8 * 1024), ...call(4), // mulw
      ...get(FFR), ...i32Const(512), ...get(FTW), ...call(0), // fwd
      ...get(FFR), ...get(FTOP), ...get(FIDX), ...get(FPTW), ...get(FPOW), ...i32Const(64), ...get(FFC), ...get(FW), ...get(FOUT), ...call(5), // melbins
      ...addTo(FX, get(FHOP)), ...addTo(FOUT, i32Const(8 * 64)), ...addTo(FT, i32Const(1)),
    ]),
  ];
  const melframesLocals: Locals = [[1, I32]];
  const fftLocals: Locals = [[13, I32], [5, V128]];
  const mulwLocals: Locals = [];
  const melLocals: Locals = [[5, I32], [5, V128], [1, F64]];
  const polyLocals: Locals = [[4, I32], [1, V128]];
  const cmulLocals: Locals = [[1, I32], [1, V128]];
  const p = (n: number) => new Array<number>(n).fill(I32);
  return buildModule({
    functions: [
      { name: 'fwd', params: p(3), locals: fftLocals, body: fwd },
      { name: 'inv', params: p(3), locals: fftLocals, body: inv },
      { name: 'cmul', params: p(4), locals: cmulLocals, body: cmul },
      { name: 'poly', params: p(11), locals: polyLocals, body: poly },
      { name: 'mulw', params: p(4), locals: mulwLocals, body: mulw },
      { name: 'melbins', params: p(9), locals: melLocals, body: melbins },
      { name: 'pack2', params: p(4), locals: pack2Locals, body: pack2 },
      { name: 'scatter', params: p(5), locals: scatterLocals, body: scatterBody },
      { name: 'int16rt', params: p(3), locals: int16rtLocals, body: int16rt },
      { name: 'melframes', params: p(13), locals: melframesLocals, body: melframes },
    ],
    memory: { export: 'mem' },
  });
}

// ---- JS side ----------------------------------------------------------------------------------------------
type Fft = (data: number, n: number, tw: number) => void;
type Cmul = (dst: number, src: number, filt: number, n: number) => void;
type Mulw = (dst: number, a: number, b: number, bytes: number) => void;
type MelBins = (data: number, top: number, idx: number, ptw: number, pow: number, nb: number, fc: number, w: number, eout: number) => void;
type Poly = (x: number, taps: number, lag: number, out: number, count: number, L: number, dN: number, dR: number, r: number, nHi: number, kpb: number) => void;

export interface AudioDspWasm {
  /** forward DIF in place: natural-order input at byte offset `data`, bit-reversed output */
  fwd: Fft;
  /** inverse DIT in place (no 1/n): bit-reversed input, natural-order output */
  inv: Fft;
  /** dst = src ⊙ filt, complex, filt in the 32-byte-per-entry form of `writeFactors` */
  cmul: Cmul;
  /**
   * out[j] = Σ_q taps[r][q]·x[nHi − lag[r] + q] (float64, byte offsets, taps per phase kpb bytes — a multiple
   * of 32 — lag int32),
   * then nHi += dN, r += dR, and r ≥ L wraps with nHi + 1 — the direct loop of soxr/soxr-hq.ts's runStage
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
let instance: AudioDspWasm | null | undefined;

/** Disable (or re-enable) the WebAssembly path, for tests comparing it with the JS fallback. */
let forcedOff = false;
export function setAudioDspWasmEnabled(on: boolean): void {
  forcedOff = !on;
}

/** The per-thread WebAssembly instance, or null where WebAssembly SIMD is unavailable (or disabled). */
export function audioDspWasm(): AudioDspWasm | null {
  if (forcedOff) return null;
  if (instance !== undefined) return instance;
  try {
    if (compiled === undefined) compiled = compileModule(buildAudioDspWasm());
    if (!compiled || !Wasm) return (instance = null);
    const ex = new Wasm.Instance(compiled, {}).exports;
    const mem = ex.mem as WasmMemory;
    const k: AudioDspWasm = {
      fwd: ex.fwd as Fft,
      inv: ex.inv as Fft,
      cmul: ex.cmul as Cmul,
      poly: ex.poly as Poly,
      mulw: ex.mulw as Mulw,
      melbins: ex.melbins as MelBins,
      pack2: ex.pack2 as Mulw,
      scatter: ex.scatter as AudioDspWasm['scatter'],
      int16rt: ex.int16rt as Fft,
      melframes: ex.melframes as AudioDspWasm['melframes'],
      f64: new Float64Array(mem.buffer),
      reserve(bytes: number) {
        const have = mem.buffer.byteLength;
        if (bytes > have) mem.grow(Math.ceil((bytes - have) / 65536));
        if (k.f64.buffer !== mem.buffer) k.f64 = new Float64Array(mem.buffer);
        return k.f64;
      },
    };
    instance = k;
  } catch {
    instance = null;
  }
  return instance;
}

/**
 * Write n complex factors (re[k], im[k]) at float64 index `at` in the WebAssembly module's 32-byte form
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

/** Tables for the real-input power spectrum of an n-point real frame on WebAssembly (fwd of n/2 points + melbins). */
export interface RealSpectrumTables {
  /** forward twiddles of the n/2-point transform, factor form */
  tw: Float64Array;
  /** per bin k ≤ top: byte offsets (from the frame) of Z_k and Z_{n/2−k} in the bit-reversed output */
  idx: Int32Array;
  /** W_n^k for k ≤ top, factor form */
  ptw: Float64Array;
}

/** The tables `melbins` needs for bins 1…top of a real frame of n samples (n a power of two, top < n/2). */
export function realSpectrumTables(n: number, top: number): RealSpectrumTables {
  const half = n / 2;
  const tw = new Float64Array(4 * half);
  writeTwiddles(tw, 0, half, false);
  const br = bitReverseTable(half);
  const idx = new Int32Array(2 * (top + 1));
  const wr = new Float64Array(top + 1);
  const wi = new Float64Array(top + 1);
  for (let k = 0; k <= top; k++) {
    idx[2 * k] = 16 * br[k]!;
    idx[2 * k + 1] = 16 * br[(half - k) % half]!;
    wr[k] = Math.cos((2 * Math.PI * k) / n);
    wi[k] = -Math.sin((2 * Math.PI * k) / n);
  }
  const ptw = new Float64Array(4 * (top + 1));
  writeFactors(ptw, 0, wr, wi, top + 1);
  return { tw, idx, ptw };
}
