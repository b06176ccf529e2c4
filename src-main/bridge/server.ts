/**
 * The browser bridge: the same typed API as Electron IPC, over HTTP + server-sent events on 127.0.0.1,
 * with a random token on every request (x-molecule-token header, `token` query parameter, or the
 * HttpOnly cookie set when the page is opened with ?token=…). Serves the built renderer (out/renderer)
 * and library media / thumbnails with the same root checks and byte ranges as the Electron protocol.
 *
 *   node out/bridge/server.js --port 0 --data-dir DIR [--pack DIR] [--renderer DIR] [--workers N] [--trash-dir DIR]
 *
 * --trash-dir is for tests only: "Move to Trash" then moves files into DIR instead of the user's system trash.
 *   → prints {"url": "http://127.0.0.1:PORT/?token=…#token=…", "token": "…", "port": PORT} on stdout
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, unlinkSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { findRepoRoot } from '../runtime/repo-root';
import { EngineHandlers, JsonSettingsStore } from '../ipc/server/handlers';
import { ValidationError, MAX_UPLOAD_BASE64, type EventName, type EventMap, type WireError } from '../ipc/contract/contract';
import { toWireError } from '../ipc/server/wire-error';
import { logger } from '../domain/log';
import { openRunLog } from '../runtime/log-file';
import { receiveWorkerLogs } from '../runtime/log-forward';
import { MediaPathError, decodeMediaUrlPath, resolveAllowedFile, resolveAllowedMedia } from '../ipc/server/media-paths';
import { openMedia } from '../ipc/server/media-serve';

const log = logger('bridge');

/** HTTP status per error code (the body carries the code itself; 422 = understood but not possible now). */
const HTTP_STATUS: Partial<Record<WireError['code'], number>> = {
  validation: 400,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  'no-pack': 409,
  'engine-down': 503,
  internal: 500,
};

export const BRIDGE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export interface BridgeOptions {
  port?: number;
  dataDir: string;
  packDir?: string;
  rendererDir?: string;
  appRoot?: string;
  prepWorkers?: number;
  token?: string;
  /** Tests only: trashed files are moved here instead of the system trash. */
  trashDir?: string;
}

/** A stand-in for the system trash (tests): moves the file into `dir`, never overwriting. */
export function folderTrasher(dir: string): (path: string) => Promise<void> {
  return async (path) => {
    mkdirSync(dir, { recursive: true });
    const ext = extname(path);
    const stem = basename(path, ext);
    let target = join(dir, stem + ext);
    for (let i = 2; existsSync(target); i++) target = join(dir, `${stem} (${i})${ext}`);
    try {
      renameSync(path, target);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
      copyFileSync(path, target);
      unlinkSync(path);
    }
  };
}

export interface Bridge {
  url: string;
  token: string;
  port: number;
  handlers: EngineHandlers;
  close(): Promise<void>;
}

function parseArgs(argv: string[]): BridgeOptions {
  const get = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const dataDir = get('--data-dir');
  if (!dataDir) throw new Error('--data-dir DIR is required');
  const port = Number(get('--port') ?? 0);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0..65535`);
  const workers = get('--workers');
  return {
    port,
    dataDir: resolve(dataDir),
    packDir: get('--pack') ? resolve(get('--pack')!) : undefined,
    rendererDir: get('--renderer') ? resolve(get('--renderer')!) : undefined,
    prepWorkers: workers !== undefined ? Number(workers) : undefined,
    trashDir: get('--trash-dir') ? resolve(get('--trash-dir')!) : undefined,
  };
}

const STATIC_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

export async function startBridge(o: BridgeOptions): Promise<Bridge> {
  const appRoot = o.appRoot ?? findRepoRoot();
  const rendererDir = o.rendererDir ?? join(appRoot, 'out', 'renderer');
  const token = o.token ?? randomBytes(24).toString('base64url');
  const tokenBuf = Buffer.from(token);
  const version = (JSON.parse(readFileSync(join(appRoot, 'package.json'), 'utf8')) as { version: string }).version;

  const clients = new Set<ServerResponse>();
  const emit = <E extends EventName>(event: E, payload: EventMap[E]) => {
    const line = `data: ${JSON.stringify({ event, payload })}\n\n`;
    for (const c of clients) c.write(line);
  };
  // this run's log file, beside the data (its worker threads' records arrive on the log channel)
  const runLog = openRunLog({ dir: join(o.dataDir, 'logs'), origin: 'bridge' });
  const stopWorkerLogs = receiveWorkerLogs();
  const handlers = new EngineHandlers({
    logFile: runLog.path,
    shell: 'bridge',
    version,
    dataDir: o.dataDir,
    appRoot,
    settings: new JsonSettingsStore(join(o.dataDir, 'settings.json')),
    emit,
    defaultPackDir: o.packDir,
    prepWorkers: o.prepWorkers,
    trasher: o.trashDir ? folderTrasher(o.trashDir) : undefined,
  });
  await handlers.init();

  let port = 0;
  const tokenOk = (req: IncomingMessage, url: URL): boolean => {
    const cookie = /(?:^|;\s*)molecule_token=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    const given = (req.headers['x-molecule-token'] as string | undefined) ?? url.searchParams.get('token') ?? cookie ?? '';
    const b = Buffer.from(given);
    return b.length === tokenBuf.length && timingSafeEqual(b, tokenBuf);
  };

  const sendJson = (res: ServerResponse, status: number, body: unknown) => {
    const s = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(s) });
    res.end(s);
  };

  const readBody = async (req: IncomingMessage): Promise<string> => {
    const limit = MAX_UPLOAD_BASE64 + 4096;
    const chunks: Buffer[] = [];
    let n = 0;
    for await (const c of req) {
      n += (c as Buffer).length;
      if (n > limit) throw new ValidationError(`request body is larger than ${limit} bytes`);
      chunks.push(c as Buffer);
    }
    return Buffer.concat(chunks).toString('utf8');
  };

  const serveStatic = async (res: ServerResponse, pathname: string, setCookie: boolean) => {
    let rel = pathname === '/' ? '/index.html' : pathname;
    let file: string;
    try {
      rel = decodeURIComponent(rel);
      file = await resolveAllowedFile(resolve(join(rendererDir, rel)), [rendererDir]);
    } catch {
      res.writeHead(404).end('not found');
      return;
    }
    const ext = file.slice(file.lastIndexOf('.'));
    const headers: Record<string, string> = {
      'content-type': STATIC_TYPES[ext] ?? 'application/octet-stream',
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-cache',
    };
    if (ext === '.html') {
      headers['content-security-policy'] = BRIDGE_CSP;
      headers['referrer-policy'] = 'no-referrer';
    }
    if (setCookie) headers['set-cookie'] = `molecule_token=${token}; HttpOnly; SameSite=Strict; Path=/`;
    res.writeHead(200, headers);
    res.end(readFileSync(file));
  };

  const server = createServer(async (req, res) => {
    try {
      // Only our own origin: refuse other Host headers (DNS rebinding) and cross-origin API calls.
      const host = req.headers.host ?? '';
      if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) {
        res.writeHead(421).end('wrong host');
        return;
      }
      const origin = req.headers.origin;
      if (origin && origin !== `http://127.0.0.1:${port}` && origin !== `http://localhost:${port}`) {
        sendJson(res, 403, { error: { code: 'forbidden', message: 'cross-origin request refused' } satisfies WireError });
        return;
      }
      const url = new URL(req.url ?? '/', `http://${host}`);
      if (!tokenOk(req, url)) {
        if (url.pathname.startsWith('/api/')) sendJson(res, 401, { error: { code: 'forbidden', message: 'missing or wrong token' } satisfies WireError });
        else res.writeHead(401, { 'content-type': 'text/plain' }).end('Molecule Space bridge: open the URL printed at start-up (it carries the token).');
        return;
      }

      if (url.pathname.startsWith('/api/invoke/')) {
        if (req.method !== 'POST') {
          res.writeHead(405).end();
          return;
        }
        let channel: string;
        try {
          channel = decodeURIComponent(url.pathname.slice('/api/invoke/'.length));
        } catch {
          // a malformed percent-escape (e.g. /api/invoke/%E0%A4%A) is the client's error, not the server's
          sendJson(res, 400, { error: { code: 'validation', message: 'malformed percent-escape in the channel name' } satisfies WireError });
          return;
        }
        let payload: unknown;
        try {
          const raw = await readBody(req);
          payload = raw ? JSON.parse(raw) : {};
        } catch (e) {
          sendJson(res, 400, { error: { code: 'validation', message: e instanceof ValidationError ? e.message : 'request body is not valid JSON' } satisfies WireError });
          return;
        }
        try {
          const result = await handlers.handle(channel, payload);
          sendJson(res, 200, { result: result ?? null });
        } catch (e) {
          const error = toWireError(e);
          if (error.code === 'internal') log.error(`${channel} failed`, e);
          sendJson(res, HTTP_STATUS[error.code] ?? 422, { error });
        }
        return;
      }

      if (url.pathname === '/api/events') {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
        res.write(': connected\n\n');
        clients.add(res);
        const ping = setInterval(() => res.write(': ping\n\n'), 15000);
        req.on('close', () => {
          clearInterval(ping);
          clients.delete(res);
        });
        return;
      }

      if (url.pathname.startsWith('/media/')) {
        try {
          // The raw request path, not the URL-normalised one, so dot segments are seen and refused.
          const rawPath = (req.url ?? '').split('?')[0]!;
          const requested = decodeMediaUrlPath(rawPath.slice('/media'.length));
          const file = await resolveAllowedMedia(requested, await handlers.allowedMediaRoots());
          const reply = await openMedia(file, req.headers.range);
          res.writeHead(reply.status, reply.headers);
          if (reply.body && req.method !== 'HEAD') await pipeline(reply.body, res);
          else res.end();
        } catch (e) {
          const status = e instanceof MediaPathError ? e.status : 500;
          if (!res.headersSent) res.writeHead(status, { 'content-type': 'text/plain' });
          res.end(e instanceof Error ? e.message : 'error');
        }
        return;
      }

      if (req.method === 'GET' || req.method === 'HEAD') {
        await serveStatic(res, url.pathname, url.searchParams.has('token'));
        return;
      }
      res.writeHead(405).end();
    } catch (e) {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(e instanceof Error ? e.message : 'error');
    }
  });

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(o.port ?? 0, '127.0.0.1', () => ok());
  });
  const addr = server.address();
  port = typeof addr === 'object' && addr ? addr.port : 0;
  const url = `http://127.0.0.1:${port}/?token=${encodeURIComponent(token)}#token=${encodeURIComponent(token)}`;

  return {
    url,
    token,
    port,
    handlers,
    async close() {
      for (const c of clients) c.end();
      clients.clear();
      await new Promise<void>((ok) => server.close(() => ok()));
      server.closeAllConnections();
      await handlers.close();
      stopWorkerLogs();
      runLog.close();
    },
  };
}

const isMain = process.argv[1] && /bridge[\\/]server\.(js|ts)$/.test(process.argv[1]);
if (isMain) {
  (async () => {
    const opts = parseArgs(process.argv.slice(2));
    const bridge = await startBridge(opts);
    process.stdout.write(JSON.stringify({ url: bridge.url, token: bridge.token, port: bridge.port }) + '\n');
    const stop = async () => {
      await bridge.close().catch(() => {});
      process.exit(0);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    process.on('unhandledRejection', (reason) => log.error('unhandled rejection', reason));
    process.on('uncaughtException', (e) => {
      log.error('uncaught exception', e);
      process.stderr.write(`molecule bridge: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    });
  })().catch((e) => {
    process.stderr.write(`molecule bridge: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
