/**
 * A malicious or broken pack (issue 15, items 3, 4 and 7): every file the app reads from a pack is a regular file
 * under a size limit before it is read (a FIFO hung `pack verify`/`pack list`, a symlink to /dev/zero made `pack
 * import` abort at 16.8 GB), pack.json nested too deep is a validation error naming the field, and `pack import`
 * copies bytes — never links — verifies the copy and renames it into place. CLI runs are guarded (time, memory).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { createHash } from 'node:crypto';
import { runGuarded } from '../../fuzz/guard';
import { repoRoot } from '../helpers/fixtures';
import { PACK, tempDir } from '../library/helpers';

const CLI = join(repoRoot, 'out', 'cli', 'molecule.js');
const { dir, cleanup } = tempDir('hostile-pack');
const LIMITS = { timeoutMs: 60_000, maxRssMb: 1024 };
afterAll(cleanup);

const cli = (...args: string[]) => runGuarded(process.execPath, [CLI, ...args], LIMITS);
const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

/** A copy of the test pack; `edit` breaks it. */
function packCopy(name: string, edit: (d: string) => void): string {
  const d = join(dir, name);
  cpSync(PACK, d, { recursive: true });
  edit(d);
  return d;
}

describe('pack.json that is not a regular file, too large or too deep', () => {
  const cases: [string, (d: string) => void, RegExp][] = [
    ['a FIFO', (d) => (unlinkSync(join(d, 'pack.json')), execFileSync('mkfifo', [join(d, 'pack.json')])), /pack\.json: a FIFO \(named pipe\), not a regular file/],
    ['a symlink to /dev/zero', (d) => (unlinkSync(join(d, 'pack.json')), symlinkSync('/dev/zero', join(d, 'pack.json'))), /pack\.json: a character device, not a regular file/],
    ['2 MiB of JSON', (d) => writeFileSync(join(d, 'pack.json'), JSON.stringify({ pad: 'x'.repeat(2 * 2 ** 20) })), /pack\.json: file too large: 2\.0 MiB \(limit 1\.0 MiB\)/],
    [
      'nested 100 000 levels deep',
      (d) => {
        const m = JSON.parse(readFileSync(join(d, 'pack.json'), 'utf8'));
        writeFileSync(join(d, 'pack.json'), JSON.stringify({ ...m, encoders: { deep: 'X' } }).replace('"X"', '['.repeat(100_000) + ']'.repeat(100_000)));
      },
      /pack\.json: encoders\.deep(\[0\]){62} is nested deeper than 64 levels of arrays\/objects/,
    ],
  ];
  for (const [what, edit, reason] of cases) {
    it(`${what}: verify, list and import end quickly with the reason`, { timeout: 200_000 }, async () => {
      const d = packCopy(what.replace(/\W+/g, '-'), edit);
      const v = await cli('pack', 'verify', d, '--no-onnx');
      expect(v.killed, `verify killed (${v.killed}) at ${v.peakRssMb} MB`).toBeNull();
      expect(v.status).toBe(1);
      expect(v.stderr).toMatch(reason);
      expect(v.stderr).not.toMatch(/Maximum call stack|bad_alloc/);
      const l = await cli('pack', 'list', dirname(d), '--json');
      expect(l.killed, `list killed (${l.killed})`).toBeNull();
      expect(l.status, l.stderr).toBe(0);
      const listed = JSON.parse(l.stdout) as { invalid: { dir: string; error: string }[] };
      expect(listed.invalid.find((x) => x.dir === d)?.error).toMatch(reason);
      const i = await cli('pack', 'import', d, '--dest', join(dir, `dest-${what.replace(/\W+/g, '-')}`));
      expect(i.killed, `import killed (${i.killed}) at ${i.peakRssMb} MB`).toBeNull();
      expect(i.status).toBe(1);
      expect(i.stderr).toMatch(reason);
      for (const r of [v, l, i]) expect(r.peakRssMb).toBeLessThan(512);
      rmSync(d, { recursive: true, force: true });
    });
  }
});

describe('listed pack files that are not regular files', () => {
  it('a tokenizer.json linked to /dev/zero: verify names it; loading the pack for a text query fails naming it', { timeout: 120_000 }, async () => {
    const d = packCopy('tok-zero', (d) => {
      const t = join(d, 'tokenizers', 'roberta', 'tokenizer.json');
      unlinkSync(t);
      symlinkSync('/dev/zero', t);
    });
    const v = await cli('pack', 'verify', d, '--no-onnx');
    expect(v.killed).toBeNull();
    expect(v.stderr).toMatch(/tokenizers\/roberta\/tokenizer\.json: a character device, not a regular file/);
    const e = await cli('embed', '--pack', d, '--text', 'a dog', '--no-checksums', '--json');
    expect(e.killed, `embed killed (${e.killed}) at ${e.peakRssMb} MB`).toBeNull();
    expect(e.status).not.toBe(0);
    expect(e.stderr).toMatch(/tokenizer\.json: a character device, not a regular file/);
  });
});

describe('pack import copies bytes, never links', () => {
  it('a pack whose files are links into a blob store (a Hugging Face cache) installs as regular files, verified', { timeout: 120_000 }, async () => {
    // snapshot/<files> → ../../blobs/<sha256>, like huggingface_hub's cache
    const root = join(dir, 'hf-cache');
    const blobs = join(root, 'blobs');
    const snap = join(root, 'snapshots', 'abc123');
    mkdirSync(blobs, { recursive: true });
    const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]));
    for (const f of walk(PACK)) {
      const rel = relative(PACK, f);
      const blob = join(blobs, sha(f));
      cpSync(f, blob);
      mkdirSync(dirname(join(snap, rel)), { recursive: true });
      symlinkSync(relative(dirname(join(snap, rel)), blob), join(snap, rel));
    }
    const dest = join(dir, 'installed');
    const r = await cli('pack', 'import', snap, '--dest', dest, '--json');
    expect(r.status, r.stderr).toBe(0);
    const installed = JSON.parse(r.stdout).installedDir as string;
    for (const f of walk(installed)) {
      expect(lstatSync(f).isSymbolicLink(), `${f} is a link`).toBe(false);
      expect(statSync(f).isFile()).toBe(true);
    }
    // the installed pack does not change when the blob store does
    const manifest = readFileSync(join(installed, 'pack.json'));
    for (const b of readdirSync(blobs)) writeFileSync(join(blobs, b), 'changed after import');
    expect(readFileSync(join(installed, 'pack.json')).equals(manifest)).toBe(true);
    const v = await cli('pack', 'verify', installed, '--no-onnx');
    expect(v.status, v.stderr).toBe(0);
  });

  it('a listed file linked to /dev/zero or to a FIFO is refused; nothing is left in the packs folder', { timeout: 120_000 }, async () => {
    const dest = join(dir, 'dest-links');
    for (const [name, make] of [
      ['zero', (t: string) => symlinkSync('/dev/zero', t)],
      ['fifo', (t: string) => execFileSync('mkfifo', [t])],
    ] as const) {
      const d = packCopy(`link-${name}`, (d) => {
        const t = join(d, 'imagebind_vision.onnx');
        unlinkSync(t);
        make(t);
      });
      const r = await cli('pack', 'import', d, '--dest', dest);
      expect(r.killed, `import killed (${r.killed}) at ${r.peakRssMb} MB`).toBeNull();
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/imagebind_vision\.onnx: a (character device|FIFO \(named pipe\)), not a regular file/);
      const ls = existsSync(dest) ? readdirSync(dest) : [];
      expect(ls.filter((n) => !n.startsWith('.')), 'nothing installed').toEqual([]);
      expect(ls.filter((n) => n.includes('importing')), 'no temporary folder left').toEqual([]);
    }
  });
});
