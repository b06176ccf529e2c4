/**
 * Any error thrown while answering a request → the { code, message } that crosses the wire. The engine's error
 * classes map to codes here (the contract knows only the codes); environmental errors (disk full, permissions)
 * get their own codes so the UI never blames a file for them.
 */
import { CodedError, isErrorCode, type ErrorCode } from '../../domain/errors';
import { ValidationError } from '../contract/validate';
import type { WireError } from '../contract/contract';
import { PackError } from '../../pack/manifest';
import { DownloadError } from '../../pack/fetch/errors';
import { ModelLoadError } from '../../runtime/sessions';
import { QuerySyntaxError } from '../../search/query-parser';
import { MediaError } from '../../space/open-space';
import { BadMediaError } from '../../library/media-probe';
import { TokenizerFileError } from '../../preprocess/text/hf-tokenizer';
import { MediaPathError } from './media-paths';
import { EnvironmentError } from '../../runtime/env-error';

/** Node's errno codes that describe the machine, not the file. */
const ERRNO: Record<string, ErrorCode> = {
  ENOSPC: 'disk-full',
  EDQUOT: 'disk-full',
  EACCES: 'permission-denied',
  EPERM: 'permission-denied',
  EROFS: 'permission-denied',
  ENOENT: 'not-found',
};

export function errorCodeOf(e: unknown): ErrorCode {
  if (e instanceof ValidationError) return 'validation';
  if (e instanceof CodedError) return e.code;
  if (e instanceof QuerySyntaxError) return 'query-syntax';
  if (e instanceof PackError || e instanceof ModelLoadError || e instanceof TokenizerFileError) return 'pack-invalid';
  if (e instanceof MediaError || e instanceof BadMediaError) return 'unsupported-media';
  if (e instanceof DownloadError) return 'download';
  if (e instanceof EnvironmentError) {
    if (/ENOSPC|EDQUOT|EFBIG|SQLITE_FULL/.test(e.code)) return 'disk-full';
    if (/EACCES|EPERM|EROFS|READONLY|SQLITE_PERM/.test(e.code)) return 'permission-denied';
  }
  if (e instanceof MediaPathError) return e.status === 404 ? 'not-found' : 'forbidden';
  const errno = (e as { code?: unknown } | null)?.code;
  if (typeof errno === 'string' && ERRNO[errno]) return ERRNO[errno]!;
  // an error that already crossed a wire (e.g. from the engine process) keeps its code
  if (isErrorCode(errno)) return errno;
  return 'internal';
}

export function toWireError(e: unknown): WireError {
  return { code: errorCodeOf(e), message: e instanceof Error ? e.message : String(e) };
}

/** The error a caller gets back for a WireError (message and code kept; `name` says which side refused). */
export function fromWireError(w: WireError): Error & { code: ErrorCode } {
  return Object.assign(new Error(w.message), { name: w.code === 'validation' ? 'ValidationError' : 'EngineError', code: w.code });
}
