/**
 * Environmental errors: the disk is full, read-only or failing, the cache folder cannot be written, the database
 * cannot grow. They are nobody's file's fault, so an indexing run stops on the first one with a plain message and
 * records nothing against the file it was working on (the next run, once space is freed, indexes it).
 */

/** errno codes that say something about the machine, not about the file being read. */
const ENV_ERRNO = new Set(['ENOSPC', 'EDQUOT', 'EIO', 'EROFS', 'EFBIG', 'EMFILE', 'ENFILE', 'ENOMEM', 'ENXIO', 'ESTALE']);
/** errno codes that are environmental when they concern the app's own files (cache, database), not a media file. */
const OWN_FILE_ERRNO = new Set([...ENV_ERRNO, 'EACCES', 'EPERM', 'ENOENT', 'ENOTDIR', 'EISDIR', 'EEXIST', 'ELOOP', 'ENAMETOOLONG', 'EBUSY', 'ETXTBSY']);

export class EnvironmentError extends Error {
  constructor(
    message: string,
    /** errno (ENOSPC …) or SQLite (SQLITE_FULL …) code. */
    readonly code: string,
    /** The file or folder the error happened on. */
    readonly place: string,
  ) {
    super(message);
    this.name = 'EnvironmentError';
  }
}

const errnoOf = (e: unknown): string | undefined => {
  const c = (e as { code?: unknown })?.code;
  return typeof c === 'string' ? c : undefined;
};

/** An errno from reading a media file that is about the machine (disk full, I/O error), not the file. */
export function isEnvironmentalErrno(e: unknown): boolean {
  const c = errnoOf(e);
  return c !== undefined && ENV_ERRNO.has(c);
}

/** SQLite result codes that mean the database file or its disk is the problem (libsql puts them in `code`). */
export function isEnvironmentalSqlite(e: unknown): boolean {
  const c = errnoOf(e);
  return c !== undefined && /^SQLITE_(FULL|IOERR|READONLY|CANTOPEN|NOMEM|CORRUPT|NOTADB|PERM|NOLFS|PROTOCOL)/.test(c);
}

function advice(code: string, place: string): string {
  if (/ENOSPC|EDQUOT|EFBIG|SQLITE_FULL/.test(code)) return `the disk holding ${place} is full (${code}); free some space and index again`;
  if (/EROFS|SQLITE_READONLY/.test(code)) return `${place} is on a read-only file system (${code})`;
  if (/EACCES|EPERM|SQLITE_PERM/.test(code)) return `no permission to write ${place} (${code}); check the folder's owner and permissions`;
  if (/EIO|SQLITE_IOERR/.test(code)) return `the disk reported an input/output error at ${place} (${code}); check the drive`;
  if (/EMFILE|ENFILE/.test(code)) return `the system ran out of open files (${code})`;
  if (/ENOMEM|SQLITE_NOMEM/.test(code)) return `the system ran out of memory (${code})`;
  if (/SQLITE_CORRUPT|SQLITE_NOTADB/.test(code)) return `the library database ${place} is damaged (${code})`;
  return `cannot use ${place} (${code})`;
}

/**
 * Wrap an error that happened on the app's own file or folder (`place`): database, thumbnail cache, export target.
 * `during` says what stopped (default: an indexing run, with what that means for the files).
 */
export function ownFileError(e: unknown, place: string, during?: string): EnvironmentError | null {
  if (e instanceof EnvironmentError) return e;
  const code = errnoOf(e);
  if (!code) return null;
  if (!OWN_FILE_ERRNO.has(code) && !isEnvironmentalSqlite(e)) return null;
  const text = during
    ? `${during}: ${advice(code, place)}`
    : `Indexing stopped: ${advice(code, place)}. No file was marked as failed; the files not yet indexed will be indexed by the next run.`;
  return new EnvironmentError(text, code, place);
}

/** Wrap an environmental error met while reading a media file (the file is not to blame). */
export function mediaReadError(e: unknown, file: string): EnvironmentError | null {
  if (e instanceof EnvironmentError) return e;
  if (!isEnvironmentalErrno(e)) return null;
  const code = errnoOf(e)!;
  return new EnvironmentError(`Indexing stopped: ${advice(code, file)}. No file was marked as failed.`, code, file);
}
