/**
 * Fuzz worker process: builds the samples once, then runs the cases the parent sends ({ k }) one at a time and
 * answers { k, outcome, target, detail }. It is a process, not a thread, so an abort, a native crash or running out
 * of memory kills only it; the parent counts that case and starts a new worker.
 */
import sharp from 'sharp';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { caseSeed, mutateBytes, mutateText, Rng, targetOf } from './mutate';
import { TARGETS, type Ctx } from './targets';

export type Outcome = 'result' | 'named' | 'unnamed';
export interface CaseReply {
  k: number;
  outcome: Outcome;
  target: string;
  detail: string;
}

/** The input of case k: the mutant of one of the target's samples. */
export function caseInput(
  seed: number, k: number, samples: (Uint8Array | string)[], all: (Uint8Array | string)[],
  fields: (s: Uint8Array) => import('./mutate').Field[] = () => [], fixup?: (b: Uint8Array) => Uint8Array,
): Uint8Array | string {
  const rng = new Rng(caseSeed(seed, k) ^ 0x5bd1e995);
  const sample = rng.pick(samples);
  if (typeof sample === 'string') return mutateText(rng, sample, all.filter((x): x is string => typeof x === 'string'));
  const mutant = mutateBytes(rng, sample, all.filter((x): x is Uint8Array => typeof x !== 'string'), fields(sample));
  return fixup && rng.next() < 0.5 ? fixup(mutant) : mutant;
}

async function main(): Promise<void> {
  sharp.cache(false);
  sharp.concurrency(1);
  const root = process.env.MOLECULE_FUZZ_ROOT!;
  const seed = Number(process.env.MOLECULE_FUZZ_SEED);
  const enabled = (process.env.MOLECULE_FUZZ_TARGETS ?? '').split(',').filter(Boolean).map(Number);
  const tmp = mkdtempSync(join(tmpdir(), 'molecule-fuzz-'));
  process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
  const ctx: Ctx = { root, tmp };
  const samples = await Promise.all(TARGETS.map((t) => t.samples(ctx)));
  const everything = samples.flat();
  process.on('message', async (m: { k: number; save?: string } | { checkSamples: true }) => {
    if ('checkSamples' in m) {
      // every unmutated sample must run to a result: mutants start from valid inputs
      const bad: { target: string; sample: number; error: string }[] = [];
      for (const ti of enabled) {
        const t = TARGETS[ti]!;
        for (const [i, sample] of samples[ti]!.entries()) {
          try {
            await t.run(sample, ctx);
          } catch (e) {
            bad.push({ target: t.name, sample: i, error: e instanceof Error ? e.message : String(e) });
          }
        }
      }
      process.send!({ samples: enabled.map((ti) => ({ target: TARGETS[ti]!.name, count: samples[ti]!.length })), bad });
      return;
    }
    const ti = targetOf(seed, m.k, enabled);
    const t = TARGETS[ti]!;
    let reply: CaseReply;
    try {
      const input = caseInput(seed, m.k, samples[ti]!, everything, t.fields, t.fixup);
      if (m.save) writeFileSync(m.save, input);
      const detail = await t.run(input, ctx);
      reply = { k: m.k, outcome: 'result', target: t.name, detail };
    } catch (e) {
      const named = t.named.some((c) => e instanceof c);
      const text = e instanceof Error ? `${e.name}: ${e.message}` : `thrown non-Error: ${String(e)}`;
      reply = { k: m.k, outcome: named ? 'named' : 'unnamed', target: t.name, detail: text.slice(0, 500) + (named ? '' : `\n${(e as Error)?.stack?.split('\n').slice(1, 6).join('\n') ?? ''}`) };
    }
    process.send!(reply);
  });
  process.send!({ ready: true });
}

if (process.send) {
  main().catch((e) => {
    process.stderr.write(`fuzz child failed to start: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(3);
  });
}
