/**
 * A small file system for disk-full and read-only tests. As root (CI and this workplace) a real tmpfs is mounted:
 * `mount -t tmpfs -o size=…` gives true ENOSPC / SQLITE_FULL, and `remount,ro` true EROFS. Where mounting is refused
 * (not root, or a sandbox without CAP_SYS_ADMIN) the tests fall back to an equivalent: the process under test runs
 * with RLIMIT_FSIZE (`prlimit --fsize`), so a file write past the limit fails with EFBIG — the error SQLite also maps
 * to SQLITE_FULL — and read-only is a folder without write permission (which only a non-root user can feel).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';

export type SmallFsMode = 'tmpfs' | 'rlimit';

export interface SmallFs {
  mode: SmallFsMode;
  dir: string;
  /** Command prefix for a child process that must feel the limit (rlimit mode), [] in tmpfs mode. */
  prefix: string[];
  /** Give the file system more room ("free some space"). */
  grow(bytes: number): void;
  readOnly(on: boolean): void;
  unmount(): void;
}

const run = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8' });

/** Mount a tmpfs of `bytes` at `dir` (created), or fall back to RLIMIT_FSIZE of `bytes` for child processes. */
export function smallFs(dir: string, bytes: number): SmallFs {
  mkdirSync(dir, { recursive: true });
  const canMount = process.getuid?.() === 0 && !process.env.MOLECULE_TEST_NO_MOUNT && run('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir]).status === 0;
  if (canMount) {
    let mounted = true;
    return {
      mode: 'tmpfs',
      dir,
      prefix: [],
      grow: (b) => void run('mount', ['-o', `remount,size=${b}`, dir]),
      readOnly: (on) => void run('mount', ['-o', `remount,${on ? 'ro' : 'rw'}`, dir]),
      unmount: () => {
        if (mounted) run('umount', ['-l', dir]);
        mounted = false;
      },
    };
  }
  let limit = bytes;
  const fs: SmallFs = {
    mode: 'rlimit',
    dir,
    prefix: ['prlimit', `--fsize=${limit}`, '--'],
    grow: (b) => {
      limit = b;
      fs.prefix = ['prlimit', `--fsize=${limit}`, '--'];
    },
    readOnly: (on) => void run('chmod', [on ? 'a-w' : 'u+w', dir]),
    unmount: () => undefined,
  };
  return fs;
}
