/**
 * JSON from outside the app (pack.json, tokenizer.json, settings) with its nesting depth bounded before it is
 * parsed. JSON.parse itself copes with deep nesting, but everything that walks the value afterwards (validators,
 * JSON.stringify, structured clone over IPC) recurses and dies with "Maximum call stack size exceeded"; a scan of
 * the text refuses such a document up front with the path of the field where it gets too deep.
 */
import { LIMITS } from '../domain/limits';

export class JsonDepthError extends Error {
  constructor(
    readonly what: string,
    readonly path: string,
    readonly depth: number,
  ) {
    super(`${what}: ${path || 'the document'} is nested deeper than ${depth} levels of arrays/objects`);
    this.name = 'JsonDepthError';
  }
}

/** Throws JsonDepthError if `text` nests arrays/objects deeper than maxDepth (strings and escapes respected). */
export function checkJsonDepth(text: string, what: string, maxDepth: number = LIMITS.json.maxDepth): void {
  // per open container: its kind, the key being read (objects) or the element index (arrays)
  const stack: { array: boolean; key: string; index: number }[] = [];
  let lastString = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // a string: read to its closing quote (keys are short; values are skipped without copying)
      const start = i + 1;
      for (i = start; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
      lastString = i - start <= 200 ? text.slice(start, i) : '';
    } else if (c === 0x3a) {
      const top = stack[stack.length - 1];
      if (top && !top.array) top.key = lastString;
    } else if (c === 0x2c) {
      const top = stack[stack.length - 1];
      if (top?.array) top.index++;
    } else if (c === 0x5b || c === 0x7b) {
      if (stack.length >= maxDepth) throw new JsonDepthError(what, pathOf(stack), maxDepth);
      stack.push({ array: c === 0x5b, key: '', index: 0 });
    } else if (c === 0x5d || c === 0x7d) {
      stack.pop();
    }
  }
}

function pathOf(stack: { array: boolean; key: string; index: number }[]): string {
  let p = '';
  for (const s of stack) p += s.array ? `[${s.index}]` : p ? `.${s.key}` : s.key;
  return p;
}

/** JSON.parse after checkJsonDepth. Syntax errors come from JSON.parse (SyntaxError). */
export function parseJsonBounded(text: string, what: string, maxDepth: number = LIMITS.json.maxDepth): unknown {
  checkJsonDepth(text, what, maxDepth);
  return JSON.parse(text);
}
