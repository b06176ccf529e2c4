/** A smart collection's rule in plain words ("The 6 best matches for “dog barking” among sounds"). */
import type { SmartRule } from '../../../src-main/ipc/contract/contract';
import { baseName } from './format';

/** `"train" + image:"/x/station.jpg" - item:12` → `“train” + station.jpg − item 12` */
function humanQuery(q: string): string {
  return q
    .replace(/(?:image|audio):"((?:[^"\\]|\\.)*)"/g, (_, p: string) => baseName(p.replace(/\\(.)/g, '$1')))
    .replace(/item:(\d+)/g, 'item $1')
    .replace(/"((?:[^"\\]|\\.)*)"/g, (_, t: string) => `“${t.replace(/\\(.)/g, '$1')}”`)
    .replace(/ - /g, ' − ');
}

export function describeRule(rule: SmartRule | null | undefined): string {
  if (!rule) return '';
  const parts: string[] = [];
  const s = rule.search;
  if (s) {
    const what = s.text
      ? `“${s.text}”`
      : s.query
        ? humanQuery(s.query)
        : s.itemId !== undefined
          ? `item ${s.itemId}`
          : s.imagePath
            ? `the photo ${baseName(s.imagePath)}`
            : s.audioPath
              ? `the sound ${baseName(s.audioPath)}`
              : 'the saved query';
    const among = s.in === 'audio' ? ' among the sounds' : s.in === 'image' ? ' among the photos' : s.in === 'video' ? ' among the videos' : '';
    parts.push(`the ${s.k ?? 50} best matches for ${what}${among}`);
  }
  const f = rule.filters;
  if (f) {
    const kind = f.modality === 'audio' ? 'sounds' : f.modality === 'image' ? 'photos' : f.modality === 'video' ? 'videos' : s ? '' : 'everything';
    const where = [f.root ? 'in one folder' : '', f.dateFrom || f.dateTo ? 'within a date range' : ''].filter(Boolean).join(' ');
    const filter = [kind, where].filter(Boolean).join(' ');
    if (filter) parts.push(s ? `only ${filter}` : filter);
  }
  const text = parts.join(', ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}
