/**
 * How the UI words an engine error: the engine's message, led by what kind of trouble it is where the message
 * alone could mislead — an environmental error (disk full, permissions) must never read as the file's fault,
 * and a bug should say where its details are. The code comes over the wire (domain/errors.ts ERROR_CODES).
 */
import type { ErrorCode } from '../../../src-main/ipc/contract/contract';

const LEAD: Partial<Record<ErrorCode, string>> = {
  'disk-full': 'The disk is full (nothing is wrong with the file)',
  'permission-denied': 'The system refused access (permissions; nothing is wrong with the file)',
  'engine-down': 'The search engine is not running',
};
const TAIL: Partial<Record<ErrorCode, string>> = {
  internal: 'This is a bug: the log file (About → Report a problem) has the details.',
};

export function wordError(code: ErrorCode | null | undefined, message: string): string {
  const lead = code ? LEAD[code] : undefined;
  const tail = code ? TAIL[code] : undefined;
  let text = message.trim() || 'unknown error';
  if (lead && !text.toLowerCase().startsWith(lead.toLowerCase())) text = `${lead}: ${text}`;
  if (tail) text = `${text.replace(/[.]?$/, '.')} ${tail}`;
  return text;
}
