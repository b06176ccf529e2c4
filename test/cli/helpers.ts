import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../helpers/fixtures';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the built CLI (node bin/molecule.js …) as a user would. */
export function molecule(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [join(repoRoot, 'bin/molecule.js'), ...args], { cwd: repoRoot, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

export const demo = (f: string) => join(repoRoot, 'resources/demo', f);
export const IMAGES = ['BBQ.jpeg', 'toilet.jpeg', 'train.jpeg'].map(demo);
export const AUDIOS = ['BBQ.wav', 'toilet.wav', 'train.wav'].map(demo);
export const TEXTS = ['an audio of barbeque', 'an audio of toilet', 'an audio of train'];
export const PACKS = {
  ibpp: join(repoRoot, 'models/test-packs/ib-pp-test'),
  ft: join(repoRoot, 'models/test-packs/internvl-ib-ft-pp-test'),
};
