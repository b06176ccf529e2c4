/**
 * Stable error codes: what went wrong, in a word the UI can word (and later translate) and tests can assert,
 * independent of the message text. They cross every wire (Electron IPC, the engine process, the HTTP bridge)
 * as { code, message } (ipc/contract WireError).
 */
export const ERROR_CODES = [
  /** The request did not match the contract (a bug in the caller, or a hand-made request). */
  'validation',
  /** The caller may not do this (unknown frame, wrong token, cross-origin). */
  'forbidden',
  /** The item, collection, folder, pack or file named does not exist (any more). */
  'not-found',
  /** The name is taken, or the thing is built in and cannot be changed. */
  'conflict',
  /** No model pack is open, so the library cannot be used yet. */
  'no-pack',
  /** A model pack is broken or incomplete (manifest, checksums, ONNX signatures, tokenizer files). */
  'pack-invalid',
  /** A media file cannot be read as an image, sound or video (corrupt, truncated, unsupported). */
  'unsupported-media',
  /** A search expression does not parse (docs/QUERY-SYNTAX.md). */
  'query-syntax',
  /** The disk is full (or over quota). Never the file's fault. */
  'disk-full',
  /** The operating system refused access (permissions, read-only place). Never the file's fault. */
  'permission-denied',
  /** Downloading failed or was refused (network, licence not accepted, checksum). */
  'download',
  /** The engine process is not running (it crashed and is restarting, or could not start). */
  'engine-down',
  /** Anything else: a bug. The message says what happened; the log file has the details. */
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export function isErrorCode(x: unknown): x is ErrorCode {
  return typeof x === 'string' && (ERROR_CODES as readonly string[]).includes(x);
}

/** An error that knows its code (engine code throws these where the code is not implied by the class). */
export class CodedError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'CodedError';
  }
}
