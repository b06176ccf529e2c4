/**
 * Log records travel to the thread that writes the file: worker threads post theirs on a BroadcastChannel
 * that the process's main thread listens to (forwardWorkerLogs / receiveWorkerLogs); the worker protocols
 * themselves are untouched. (The engine utility process sends its records to Electron's main process over
 * its own channel, electron/engine-protocol.ts.)
 */
import { BroadcastChannel, isMainThread, threadId } from 'node:worker_threads';
import { addLogSink, emitLogRecord, type LogRecord } from '../domain/log';

const CHANNEL = 'molecule-log';

/** In a worker thread: send this thread's records to the process's main thread. `name` tags them. */
export function forwardWorkerLogs(name: string): void {
  if (isMainThread) return;
  const channel = new BroadcastChannel(CHANNEL);
  (channel as unknown as { unref?: () => void }).unref?.();
  addLogSink((r) => channel.postMessage({ ...r, origin: r.origin ?? `worker:${name}#${threadId}` }));
}

/** In a process's main thread: re-emit the workers' records to this thread's sinks. Returns a stop function. */
export function receiveWorkerLogs(): () => void {
  const channel = new BroadcastChannel(CHANNEL);
  (channel as unknown as { unref?: () => void }).unref?.();
  channel.onmessage = (e) => {
    const r = (e as { data?: unknown }).data as LogRecord;
    if (r && typeof r.message === 'string' && typeof r.level === 'string') emitLogRecord(r);
  };
  return () => channel.close();
}
