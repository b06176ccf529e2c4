/**
 * ONNX Runtime sessions: one per model file, created lazily on first use, shared by every caller (cache by
 * absolute path + provider order), released after an idle timeout. Each session records which execution
 * provider it got and why (ProviderInfo), for the CLI and the UI.
 */
import { resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { ProviderInfo } from '../domain/types';
import { logger } from '../domain/log';
import { providerOrder, type ProviderName, type ProviderOptions } from './providers';

// ORT's native logger prints every failed provider load to stderr; the failure is recorded in ProviderInfo.
if (!process.env.MOLECULE_ORT_LOG) ort.env.logLevel = 'fatal';

export class ModelLoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelLoadError';
  }
}

export interface SessionHandle {
  session: ort.InferenceSession;
  info: ProviderInfo;
}

interface Entry {
  key: string;
  file: string;
  pending: Promise<SessionHandle>;
  handle?: SessionHandle;
  busy: number;
  timer?: NodeJS.Timeout;
}

export interface SessionPoolOptions extends ProviderOptions {
  /** Release a session after this long without runs (ms). Default 120 s; 0 = never. */
  idleMs?: number;
  /** Intra-op threads per session (default: ORT's choice). */
  threads?: number;
}

const log = logger('provider');

/** Providers that failed to load once in this process are not retried for every session. */
const providerFailures = new Map<ProviderName, string>();

async function createWithFallback(file: string, label: string, order: ProviderName[], threads?: number): Promise<SessionHandle> {
  const tried: ProviderInfo['tried'] = [];
  for (const provider of order) {
    const known = providerFailures.get(provider);
    if (known) {
      tried.push({ provider, error: known });
      continue;
    }
    try {
      const t0 = performance.now();
      const session = await ort.InferenceSession.create(file, {
        executionProviders: [provider],
        graphOptimizationLevel: 'all',
        ...(threads ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {}),
      });
      tried.push({ provider });
      const failed = tried.filter((t) => t.error);
      const note =
        failed.length === 0
          ? `${provider} (first choice)`
          : `${provider} after ${failed.map((t) => `${t.provider} failed: ${t.error}`).join('; ')}`;
      const loadMs = Math.round(performance.now() - t0);
      // each provider's own error was logged once, when it failed; here only which one this session got
      log.info(`${label}: ${provider} (${failed.length ? `after ${failed.map((t) => t.provider).join(', ')} failed` : 'first choice'}), loaded in ${loadMs} ms`);
      return { session, info: { encoder: label, provider, tried, note, loadMs } };
    } catch (e) {
      const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
      tried.push({ provider, error: msg });
      log.warn(`${label}: the ${provider} execution provider failed: ${msg}`);
      // A provider that cannot be loaded at all fails the same way for every file; a model error does not.
      if (provider !== 'cpu' && /shared library|backend not found|not supported|not available|Failed to load/i.test(msg)) {
        providerFailures.set(provider, msg);
      }
      if (provider === 'cpu') {
        log.error(`${label}: ${file} cannot be loaded by ONNX Runtime: ${msg}`);
        throw new ModelLoadError(`${file}: cannot be loaded by ONNX Runtime: ${msg}`);
      }
    }
  }
  throw new ModelLoadError(`${file}: no execution provider could load it (${tried.map((t) => `${t.provider}: ${t.error}`).join('; ')})`);
}

export class SessionPool {
  private readonly entries = new Map<string, Entry>();
  private readonly order: ProviderName[];
  private readonly idleMs: number;

  constructor(private readonly opts: SessionPoolOptions = {}) {
    this.order = providerOrder(opts);
    this.idleMs = opts.idleMs ?? 120_000;
  }

  get providerOrder(): readonly ProviderName[] {
    return this.order;
  }

  /**
   * The session for `file` (created on first call). `validate` runs once on a new session; if it returns
   * issues the session is released and a ModelLoadError with the first issue is thrown.
   */
  async acquire(file: string, label: string, validate?: (s: ort.InferenceSession) => string[]): Promise<SessionHandle> {
    const abs = resolve(file);
    const key = `${abs}|${this.order.join(',')}`;
    let entry = this.entries.get(key);
    if (!entry) {
      const e: Entry = { key, file: abs, busy: 0, pending: undefined as unknown as Promise<SessionHandle> };
      e.pending = createWithFallback(abs, label, this.order, this.opts.threads).then(async (h) => {
        const issues = validate ? validate(h.session) : [];
        if (issues.length) {
          await h.session.release().catch(() => undefined);
          throw new ModelLoadError(issues[0]! + (issues.length > 1 ? ` (+${issues.length - 1} more)` : ''));
        }
        e.handle = h;
        return h;
      });
      e.pending.catch(() => this.entries.delete(key));
      this.entries.set(key, e);
      entry = e;
    }
    const h = await entry.pending;
    this.touch(entry);
    return h;
  }

  /** Run `file` on a batch of feeds; the session stays alive while runs are in flight. */
  async run(
    file: string,
    label: string,
    feeds: Record<string, ort.Tensor>,
    validate?: (s: ort.InferenceSession) => string[],
  ): Promise<{ outputs: ort.InferenceSession.ReturnType; info: ProviderInfo }> {
    const h = await this.acquire(file, label, validate);
    const entry = this.entries.get(`${resolve(file)}|${this.order.join(',')}`);
    if (entry) {
      entry.busy++;
      if (entry.timer) clearTimeout(entry.timer);
    }
    try {
      const outputs = await h.session.run(feeds);
      return { outputs, info: h.info };
    } catch (e) {
      throw new Error(`${label} (${file}): inference failed: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      if (entry) {
        entry.busy--;
        this.touch(entry);
      }
    }
  }

  /** ProviderInfo of every live session. */
  infos(): ProviderInfo[] {
    return [...this.entries.values()].filter((e) => e.handle).map((e) => e.handle!.info);
  }

  /** Number of live (created, not released) sessions. */
  get size(): number {
    return [...this.entries.values()].filter((e) => e.handle).length;
  }

  private touch(e: Entry): void {
    if (e.timer) clearTimeout(e.timer);
    if (this.idleMs <= 0 || e.busy > 0) return;
    e.timer = setTimeout(() => void this.releaseEntry(e), this.idleMs);
    e.timer.unref();
  }

  private async releaseEntry(e: Entry): Promise<void> {
    if (e.busy > 0 || this.entries.get(e.key) !== e) return;
    this.entries.delete(e.key);
    if (e.timer) clearTimeout(e.timer);
    if (e.handle) await e.handle.session.release().catch(() => undefined);
  }

  private refs = 0;
  /** Users of a shared pool: the last release() closes every session. */
  retain(): void {
    this.refs++;
  }
  async release(): Promise<void> {
    if (--this.refs <= 0) {
      this.refs = 0;
      await this.close();
    }
  }

  async close(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    for (const e of all) {
      if (e.timer) clearTimeout(e.timer);
      const h = e.handle ?? (await e.pending.catch(() => undefined));
      if (h) await h.session.release().catch(() => undefined);
    }
  }
}

const shared = new Map<string, SessionPool>();

/** A process-wide pool per provider configuration, so spaces over the same pack share sessions. */
export function sharedSessionPool(opts: SessionPoolOptions = {}): SessionPool {
  const key = `${providerOrder(opts).join(',')}|${opts.idleMs ?? ''}|${opts.threads ?? ''}`;
  let p = shared.get(key);
  if (!p) shared.set(key, (p = new SessionPool(opts)));
  return p;
}

/** Forget cached provider failures (tests). */
export function resetProviderFailures(): void {
  providerFailures.clear();
}

export { ort };
