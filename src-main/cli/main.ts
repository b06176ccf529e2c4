/** The `molecule` command line (bundled to out/cli/molecule.js; bin/molecule.js forwards here). */
import { UsageError } from './args';
import type { CliIO } from './command';
import { COMMANDS } from './commands/index';

const io: CliIO = {
  out: (l) => process.stdout.write(l + '\n'),
  err: (l) => process.stderr.write(l + '\n'),
};

function help(): string {
  const w = Math.max(...COMMANDS.map((c) => c.name.length));
  return ['usage: molecule <command> [options]   (molecule help <command> for details)', '', ...COMMANDS.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`)].join('\n');
}

/** Runs the CLI and returns the exit code (never throws). */
export async function runCli(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    const c = rest[0] ? COMMANDS.find((x) => x.name === rest[0]) : undefined;
    io.out(c ? c.usage : help());
    return 0;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    io.err(`molecule: unknown command "${name}"\n${help()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(cmd.usage);
    return 0;
  }
  try {
    const run = await cmd.load();
    return await run(rest, io);
  } catch (e) {
    const msg = (e instanceof Error ? e.message : String(e)).replace(/\s*\n\s*/g, ' ');
    if (e instanceof UsageError) {
      io.err(`molecule ${name}: ${msg}\nusage: ${cmd.usage.split('\n')[0]}`);
      return 2;
    }
    io.err(`molecule ${name}: ${msg}`);
    if (process.env.MOLECULE_DEBUG && e instanceof Error && e.stack) io.err(e.stack);
    return 1;
  }
}

const code = await runCli(process.argv.slice(2));
// flush stdout before exiting (large JSON documents)
process.stdout.write('', () => process.exit(code));
