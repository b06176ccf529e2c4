import { fuse } from '../../space/components';
import type { EmbeddingComponents } from '../../space/types';
import { UsageError, list, parseArgs } from '../args';
import type { CliIO } from '../command';
import { PACK_OPTIONS, factorsFrom, openFromArgs } from '../common';
import { packHeader, packJson, providersJson } from '../output';

/** `molecule embed` (help texts in commands/index.ts). */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs(argv, {
    ...PACK_OPTIONS,
    image: { kind: 'multi' },
    audio: { kind: 'multi' },
    text: { kind: 'multi' },
    json: { kind: 'boolean' },
    components: { kind: 'boolean' },
  });
  const images = list(values.image);
  const audios = list(values.audio);
  const texts = list(values.text);
  if (images.length + audios.length + texts.length === 0) throw new UsageError('nothing to embed: give --image, --audio or --text');
  const { preset, factors } = factorsFrom(values);
  const space = await openFromArgs(values);
  try {
    const items: { modality: string; input: string; comp: EmbeddingComponents }[] = [];
    (await space.embedImages(images)).forEach((c, i) => items.push({ modality: 'image', input: images[i]!, comp: c }));
    (await space.embedAudios(audios)).forEach((c, i) => items.push({ modality: 'audio', input: audios[i]!, comp: c }));
    (await space.embedTexts(texts)).forEach((c, i) => items.push({ modality: 'text', input: texts[i]!, comp: c }));
    const rows = items.map((it) => ({ ...it, vector: fuse(it.comp, factors) }));
    if (values.json) {
      io.out(
        JSON.stringify({
          pack: packJson(space),
          providers: providersJson(space),
          preset,
          factors,
          items: rows.map((r) => ({
            modality: r.modality,
            input: r.input,
            vector: Array.from(r.vector),
            ...(values.components
              ? { factor: r.comp.factor, c: r.comp.c, base: Array.from(r.comp.base), expert: r.comp.expert ? Array.from(r.comp.expert) : null }
              : {}),
          })),
        }),
      );
    } else {
      io.out(packHeader(space));
      io.out(`factors: text ${factors.text}, audio ${factors.audio} (${preset})`);
      for (const r of rows) {
        const head = Array.from(r.vector.subarray(0, 4), (v) => v.toFixed(4)).join(', ');
        io.out(`${space.isTestPack ? '[TEST PACK] ' : ''}${r.modality}\t${r.input}\t${r.vector.length}-d\t[${head}, …]${r.comp.factor ? `\t(${r.comp.factor} factor, c=${r.comp.c.toFixed(4)})` : ''}`);
      }
    }
    return 0;
  } finally {
    await space.close();
  }
}
