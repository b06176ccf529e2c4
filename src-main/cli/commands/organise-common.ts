import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Library, lastPackDir } from '../../library/library';
import { Organiser } from '../../organise/organiser';
import { UsageError, str, type ParsedArgs } from '../args';
import { openFromArgs } from '../common';

/** Opens an indexed library database (with the pack that indexed it, unless --pack) and its organiser. */
export async function openOrganiser(values: ParsedArgs['values']): Promise<{ lib: Library; org: Organiser }> {
  const db = str(values.db);
  if (!db) throw new UsageError('--db FILE is required');
  if (!existsSync(db)) throw new Error(`${db}: library database not found (run molecule index first)`);
  const pack = str(values.pack) ?? lastPackDir(db);
  if (!pack) throw new UsageError(`${db} has no pack recorded; give --pack DIR`);
  const lib = new Library({ openSpace: () => openFromArgs({ ...values, pack }), prepWorkers: 0 });
  await lib.open(resolve(db), pack);
  return { lib, org: new Organiser(lib) };
}
