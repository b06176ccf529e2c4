import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Bundle the engine once (CLI, workers, bridge) so tests exercise the same files users run. */
export default function setup(): void {
  const script = fileURLToPath(new URL('../scripts/build-engine.mjs', import.meta.url));
  execFileSync(process.execPath, [script], { stdio: 'inherit', env: { ...process.env, QUIET_BUILD: '1' } });
}
