/**
 * Logging for every layer: `const log = logger('index'); log.warn('…')`. Records go to the sinks the process
 * registered — the run's log file (runtime/log-file.ts) in the app and the bridge, the parent process or
 * thread in the engine process and the worker threads (runtime/log-forward.ts) — and nowhere when none is
 * registered (tests, the CLI). Pure: no Node built-ins, so any layer may log.
 */

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LogRecord {
  /** ms since epoch */
  time: number;
  level: LogLevel;
  /** What area wrote it: 'pack', 'provider', 'index', 'engine', 'main', … */
  scope: string;
  message: string;
  /** Which process or thread it came from ('main', 'engine', 'bridge', 'worker:library-prep', …), set on forwarding. */
  origin?: string;
}

export type LogSink = (record: LogRecord) => void;

const sinks = new Set<LogSink>();

/** Registers a sink; returns the function that removes it. */
export function addLogSink(sink: LogSink): () => void {
  sinks.add(sink);
  return () => sinks.delete(sink);
}

/** Sends an already-made record (e.g. one forwarded from another process) to this process's sinks. */
export function emitLogRecord(record: LogRecord): void {
  for (const s of sinks) {
    try {
      s(record);
    } catch {
      /* a broken sink must never break the caller */
    }
  }
}

/** The message of an error, with its stack for unexpected ones (not for the engine's own, worded errors). */
export function describeError(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const code = (e as { code?: unknown }).code;
  const head = `${e.name}: ${e.message}${typeof code === 'string' ? ` (${code})` : ''}`;
  return e.name === 'Error' || e.name === 'TypeError' || e.name === 'RangeError' || e.name === 'ReferenceError' ? (e.stack ?? head) : head;
}

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string, error?: unknown): void;
  error(message: string, error?: unknown): void;
}

export function logger(scope: string): Logger {
  const emit = (level: LogLevel, message: string, error?: unknown) => {
    if (sinks.size === 0) return;
    emitLogRecord({ time: Date.now(), level, scope, message: error === undefined ? message : `${message}: ${describeError(error)}` });
  };
  return {
    debug: (m) => emit('debug', m),
    info: (m) => emit('info', m),
    warn: (m, e) => emit('warn', m, e),
    error: (m, e) => emit('error', m, e),
  };
}
