/**
 * A pack's name as the UI shows it. The committed test packs are named "TEST PACK — random weights, no semantic
 * meaning (IB_PP, 1024-d)" so the CLI's plain-text output can never hide it; in the UI a "Test pack" badge stands
 * next to the name, so the name keeps only what tells the packs apart ("IB_PP, 1024-d").
 */
export function packDisplayName(p: { name: string; isTestPack: boolean }): string {
  if (!p.isTestPack) return p.name;
  const inner = /^TEST PACK\b[^(]*\((.+)\)\s*$/i.exec(p.name)?.[1];
  return inner ?? (p.name.replace(/^TEST PACK\s*[—–-]?\s*/i, '') || p.name);
}
