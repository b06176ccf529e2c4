// The repository stands on its own (issue 12): no tracked file points at the reference tree that sat beside
// it in the workplace where it was written (by a relative path up and over, or that place's absolute path);
// fixtures and docs are in the repository. The pattern is assembled so this file does not match itself.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/fixtures';

describe('self-contained repository', () => {
  it('no tracked file refers to the reference tree outside the repository', () => {
    const files = execFileSync('git', ['ls-files', '-z'], { cwd: repoRoot, encoding: 'utf8', maxBuffer: 64 << 20 }).split('\0').filter(Boolean);
    expect(files.length).toBeGreaterThan(100);
    const offenders: string[] = [];
    const dir = ['sha', 'red'].join('');
    const needle = new RegExp(`\\.\\.[/\\\\]${dir}\\b|/work/${dir}\\b`);
    for (const f of files) {
      let text: string;
      try {
        text = readFileSync(join(repoRoot, f), 'utf8');
      } catch {
        continue; // deleted in the work tree, or a submodule
      }
      if (text.includes('\0')) continue; // binary
      const line = text.split('\n').findIndex((l) => needle.test(l));
      if (line >= 0) offenders.push(`${f}:${line + 1}`);
    }
    expect(offenders).toEqual([]);
  });
});
