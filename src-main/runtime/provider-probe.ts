/**
 * Which GPU execution providers can really be loaded on this machine: each one of the platform's list is
 * tried alone on a one-node ONNX model (Identity on a float tensor, built here as protobuf bytes), the way
 * sessions.ts falls back. The answer is cached for the process (a provider library does not appear later).
 */
import * as ort from 'onnxruntime-node';
import { platformProviders, type ProviderName } from './providers';

// A provider that cannot load is the expected answer here, not an error to print (MOLECULE_ORT_LOG shows it).
if (!process.env.MOLECULE_ORT_LOG) ort.env.logLevel = 'fatal';

export interface ProviderProbe {
  provider: ProviderName;
  ok: boolean;
  /** "loaded", or why not (not in this build of ONNX Runtime, the library that failed to load, …). */
  detail: string;
}

// ---- a minimal ONNX model: y = Identity(x), x,y float[1], opset 13 ----
function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}
const field = (no: number, wire: 0 | 2, body: number[] | number): number[] =>
  wire === 0 ? [...varint((no << 3) | 0), ...varint(body as number)] : [...varint((no << 3) | 2), ...varint((body as number[]).length), ...(body as number[])];
const text = (s: string) => [...Buffer.from(s, 'utf8')];
const valueInfo = (name: string) =>
  // ValueInfoProto{name=1, type=2: TypeProto{tensor_type=1: {elem_type=1 (FLOAT), shape=2: {dim=1: {dim_value=1}}}}}
  [...field(1, 2, text(name)), ...field(2, 2, field(1, 2, [...field(1, 0, 1), ...field(2, 2, field(1, 2, field(1, 0, 1)))]))];

/** ModelProto bytes of the probe model. */
export function identityModel(): Uint8Array {
  const node = [...field(1, 2, text('x')), ...field(2, 2, text('y')), ...field(4, 2, text('Identity'))];
  const graph = [...field(1, 2, node), ...field(2, 2, text('probe')), ...field(11, 2, valueInfo('x')), ...field(12, 2, valueInfo('y'))];
  const opset = [...field(1, 2, []), ...field(2, 0, 13)];
  return Uint8Array.from([...field(1, 0, 8), ...field(7, 2, graph), ...field(8, 2, opset)]);
}

let cached: Promise<ProviderProbe[]> | null = null;

/** GPU providers of this platform (CUDA, TensorRT; DirectML; CoreML), each tried once per process. */
export function probeGpuProviders(order: ProviderName[] = platformProviders()): Promise<ProviderProbe[]> {
  cached ??= (async () => {
    const built = new Map<string, boolean>();
    try {
      for (const b of ort.listSupportedBackends()) built.set(b.name, b.bundled);
    } catch {
      /* older binding: try them all */
    }
    const model = identityModel();
    const out: ProviderProbe[] = [];
    for (const provider of order.filter((p) => p !== 'cpu')) {
      if (built.size && !built.has(provider)) {
        out.push({ provider, ok: false, detail: 'not part of this build of ONNX Runtime' });
        continue;
      }
      try {
        const s = await ort.InferenceSession.create(model, { executionProviders: [provider] });
        await s.release().catch(() => undefined);
        out.push({ provider, ok: true, detail: 'loaded' });
      } catch (e) {
        const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 300);
        const missing = built.get(provider) === false && /not found|cannot open|Failed to load|shared library/i.test(msg);
        // Not shipped with onnxruntime-node by default: `npm run setup:cuda` fetches the CUDA 12 build (README "GPU").
        const hint = provider === 'cuda' ? ' (npm run setup:cuda, on a machine with an NVIDIA GPU)' : '';
        out.push({ provider, ok: false, detail: missing ? `not installed${hint}` : msg });
      }
    }
    return out;
  })();
  return cached;
}
