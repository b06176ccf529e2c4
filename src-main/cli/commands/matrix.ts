import { basename } from 'node:path';
import { fuse } from '../../space/components';
import { similarityMatrix } from '../../space/fusion';
import { UsageError, list, parseArgs } from '../args';
import type { CliIO } from '../command';
import { PACK_OPTIONS, factorsFrom, openFromArgs } from '../common';
import { TEST_PACK_LABEL, packHeader, packJson, providersJson } from '../output';

function table(title: string, rows: string[], cols: string[], m: number[][]): string[] {
  const w = Math.max(8, ...rows.map((r) => r.length));
  const cw = Math.max(8, ...cols.map((c) => Math.min(c.length, 24)));
  const lines = [title, ' '.repeat(w) + cols.map((c) => ' ' + c.slice(0, 24).padStart(cw)).join('')];
  m.forEach((row, i) => lines.push(rows[i]!.padEnd(w) + row.map((v) => ' ' + v.toFixed(4).padStart(cw)).join('')));
  return lines;
}

/** `molecule matrix` (help texts in commands/index.ts). */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs(argv, { ...PACK_OPTIONS, images: { kind: 'multi' }, audios: { kind: 'multi' }, texts: { kind: 'multi' }, json: { kind: 'boolean' } });
  const images = list(values.images);
  const audios = list(values.audios);
  const texts = list(values.texts);
  if (!images.length || !audios.length || !texts.length) throw new UsageError('matrix needs --images, --audios and --texts (at least one each)');
  const { preset, factors } = factorsFrom(values);
  const space = await openFromArgs(values);
  try {
    const img = (await space.embedImages(images)).map((c) => fuse(c, factors));
    const aud = (await space.embedAudios(audios)).map((c) => fuse(c, factors));
    const txt = (await space.embedTexts(texts)).map((c) => fuse(c, factors));
    const ai = similarityMatrix(aud, img);
    const at = similarityMatrix(aud, txt);
    const it = similarityMatrix(img, txt);
    if (values.json) {
      io.out(
        JSON.stringify({
          pack: packJson(space),
          providers: providersJson(space),
          preset,
          factors,
          inputs: { audios, images, texts },
          audio_x_image: ai,
          audio_x_text: at,
          image_x_text: it,
        }),
      );
    } else {
      const a = audios.map((f) => basename(f));
      const i = images.map((f) => basename(f));
      const tag = space.isTestPack ? ` [${TEST_PACK_LABEL}]` : '';
      io.out(packHeader(space));
      io.out(`factors: text ${factors.text}, audio ${factors.audio} (${preset}); softmax(10·cos), rows sum to 1`);
      for (const l of [
        ...table(`Audio x Image:${tag}`, a, i, ai.softmax),
        '',
        ...table(`Audio x Text:${tag}`, a, texts, at.softmax),
        '',
        ...table(`Image x Text:${tag}`, i, texts, it.softmax),
      ])
        io.out(l);
    }
    return 0;
  } finally {
    await space.close();
  }
}
