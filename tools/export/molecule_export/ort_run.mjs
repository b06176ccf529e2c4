// Runs ONNX graphs with the app's own ONNX Runtime (onnxruntime-node from the Molecule Space checkout), for the
// exporter's checks when Python's onnxruntime is not installed, and for --check always (the runtime the app uses).
//   node ort_run.mjs APP_DIR JOB.json
// JOB: {"runs": [{"graph": path, "feeds": [{"name", "dtype": float32|int64|bool, "shape", "file"}], "out": path}]}
// Each feed file holds raw little-endian values (bool: one byte each); the first output is written as raw float32
// to `out`, and its shape printed as one JSON line per run on stdout.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const [appDir, jobPath] = process.argv.slice(2);
const ort = createRequire(join(appDir, 'package.json'))('onnxruntime-node');
ort.env.logLevel = 'error';
const job = JSON.parse(readFileSync(jobPath, 'utf8'));
const sessions = new Map();
for (const run of job.runs) {
  let s = sessions.get(run.graph);
  if (!s) {
    s = await ort.InferenceSession.create(run.graph, { executionProviders: ['cpu'] });
    sessions.set(run.graph, s);
  }
  const feeds = {};
  for (const f of run.feeds) {
    const buf = readFileSync(f.file);
    const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength).slice();
    const data = f.dtype === 'float32' ? new Float32Array(bytes.buffer)
      : f.dtype === 'int64' ? new BigInt64Array(bytes.buffer)
      : f.dtype === 'bool' ? bytes
      : null;
    if (!data) throw new Error(`unsupported dtype ${f.dtype}`);
    feeds[f.name] = new ort.Tensor(f.dtype, data, f.shape);
  }
  const out = await s.run(feeds);
  const y = out[s.outputNames[0]];
  const arr = y.data instanceof Float32Array ? y.data : Float32Array.from(y.data);
  writeFileSync(run.out, Buffer.from(arr.buffer, arr.byteOffset, arr.byteLength));
  process.stdout.write(JSON.stringify({ out: run.out, shape: y.dims }) + '\n');
}
for (const s of sessions.values()) await s.release();
