/**
 * Fidelity tests that run a reference tool (Debian's Python with Pillow, torchvision, torchaudio, regex, …)
 * never pass silently: when the tool is missing they FAIL, saying what to install; only the explicit opt-out
 * MOLECULE_SKIP_REFERENCE=1 (or the older MOLECULE_NO_PYTHON=1) skips them, and then vitest's summary counts
 * them as skipped. CI installs every tool (scripts/install-and-test.sh), so there they all run.
 * docs/REFERENCE.md §10.5.
 */
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, it } from 'vitest';

/** The interpreter with Debian's python3-torch, python3-pil … (MOLECULE_PYTHON overrides). */
export const PYTHON = process.env.MOLECULE_PYTHON ?? '/usr/bin/python3';

/** Set by the user to run without the reference tools (their tests are then skipped, and counted so). */
export const referenceOptOut = process.env.MOLECULE_SKIP_REFERENCE === '1' || process.env.MOLECULE_NO_PYTHON === '1';

export interface PythonNeed {
  /** Modules the Python must import, e.g. ['PIL'] or ['torch', 'torchaudio']. */
  modules: string[];
  /** The Debian packages that provide them (named in the failure message). */
  apt: string[];
}

const cache = new Map<string, string | null>();

/** Why the reference tool cannot run here, or null when it can. */
export function pythonMissing(need: PythonNeed): string | null {
  const key = need.modules.join(',');
  if (!cache.has(key)) {
    const r = spawnSync(PYTHON, ['-c', need.modules.map((m) => `import ${m}`).join('; ')], { encoding: 'utf8' });
    cache.set(
      key,
      r.error
        ? `${PYTHON} cannot be run (${r.error.message})`
        : r.status === 0
          ? null
          : `${PYTHON} cannot import ${need.modules.join(', ')}: ${(r.stderr || '').trim().split('\n').pop() ?? ''}`,
    );
  }
  const why = cache.get(key)!;
  return why && `${why}. Install ${need.apt.join(' ')} (apt-get install ${need.apt.join(' ')}; scripts/install-and-test.sh does it), or set MOLECULE_SKIP_REFERENCE=1 to skip the reference comparisons.`;
}

/** True when the tool is there (so module-level setup that calls it may run). */
export function pythonAvailable(need: PythonNeed): boolean {
  return !referenceOptOut && pythonMissing(need) === null;
}

function assertTool(need: PythonNeed): void {
  const why = pythonMissing(need);
  if (why) throw new Error(`reference tool missing: ${why}`);
}

/** A describe block comparing with a reference tool: fails without the tool, skipped only on the opt-out. */
export function describeWithPython(name: string, need: PythonNeed, body: () => void): void {
  describe.skipIf(referenceOptOut)(name, () => {
    beforeAll(() => assertTool(need));
    // always one test, so a block whose cases come from the tool (none without it) still reports the failure
    it(`reference tool: ${PYTHON} with ${need.modules.join(', ')}`, () => assertTool(need));
    body();
  });
}

/** One test comparing with a reference tool (same rule as describeWithPython). */
export function itWithPython(name: string, need: PythonNeed, body: () => void | Promise<void>, timeout?: number): void {
  it.skipIf(referenceOptOut)(
    name,
    async () => {
      assertTool(need);
      await body();
    },
    timeout,
  );
}

export const PIL: PythonNeed = { modules: ['PIL', 'numpy'], apt: ['python3-pil', 'python3-numpy'] };
export const TORCHVISION: PythonNeed = { modules: ['PIL', 'numpy', 'torch', 'torchvision'], apt: ['python3-pil', 'python3-numpy', 'python3-torch', 'python3-torchvision'] };
export const TORCHAUDIO: PythonNeed = { modules: ['numpy', 'torch', 'torchaudio'], apt: ['python3-numpy', 'python3-torch', 'python3-torchaudio'] };
export const PY_REGEX: PythonNeed = { modules: ['regex'], apt: ['python3-regex'] };
