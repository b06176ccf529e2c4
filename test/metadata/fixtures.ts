/** One folder with a file of each metadata kind (written by the tests), and what each must carry. */
import { join } from 'node:path';
import * as T from './tagged-media';

export const BWF_NAME = 'DOORWood_Creak Slow Old Barn_JD_FIELDLIB.wav';
export const UCS_ONLY_NAME = 'AMBUrbn_Night Street Hum_MS_CITYLIB.wav';

export async function writeMetadataLibrary(dir: string): Promise<Record<string, string>> {
  const p = (n: string) => join(dir, n);
  const files = {
    bwf: p(`doors/${BWF_NAME}`),
    ucs: p(`city/${UCS_ONLY_NAME}`),
    mp3: p('weather/thunder.mp3'),
    flac: p('water/creek.flac'),
    ogg: p('crowds/market.ogg'),
    jpeg: p('photos/harbour.jpg'),
    jpeg2: p('photos/far-away.jpg'),
  };
  T.writeBwf(files.bwf, {
    sampleRate: 48000, bits: 24, seconds: 2, seed: 1,
    bext: { description: 'Old barn door wood creak, slow hinge groan', originator: 'Zoom F8', originatorReference: 'ZF8-0042', originationDate: '2024-05-01', originationTime: '06:15:00', timeReference: 1036800000 },
    ixml: T.ixmlDoc({ project: 'Harbour Film', scene: '12A', take: '3', note: 'gulls overhead', user: { CATID: 'DOORWood', CATEGORY: 'DOORS', SUBCATEGORY: 'WOOD', FXNAME: 'Creak Slow', KEYWORDS: 'barn; hinge', DESIGNER: 'Jane Doe', MICROPHONE: 'MKH416', LIBRARY: 'Field Library' }, gps: '52.3701, -4.8833' }),
    info: { INAM: 'Barn door', IART: 'J. Doe', ICMT: 'recorded on a windy morning', IGNR: 'Foley', ICOP: 'CC BY 4.0' },
  });
  T.writeBwf(files.ucs, { sampleRate: 44100, bits: 16, seconds: 1.5, seed: 2, channels: 2 });
  T.writeMp3WithId3(files.mp3, { title: 'Thunder roll', artist: 'Storm Company', album: 'Weather Vol 2', comment: 'distant thunder rumbling over hills', genre: 'Ambience', txxx: { MOOD: 'ominous', RECORDIST: 'Pat Lee' } });
  T.writeFlacWithComments(files.flac, { TITLE: 'Creek', DESCRIPTION: 'babbling creek over stones', ARTIST: 'River Recordings', KEYWORDS: 'water, stream', MICROPHONE: 'MS pair' });
  T.writeOggWithComments(files.ogg, { TITLE: 'Market', COMMENT: 'busy market voices and stalls', GENRE: 'Crowd', LOCATION: '40.4168,-3.7038' });
  await T.writeJpegWithMeta(files.jpeg, { seed: 1, make: 'Fujifilm', model: 'X-T4', lens: 'XF23mmF2 R WR', date: '2024:05:01 06:20:00', lat: 52.3702, lon: -4.8831, title: 'Harbour at dawn', description: 'Fishing boats and gulls at the harbour wall', keywords: ['harbour', 'boats', 'gulls'] });
  await T.writeJpegWithMeta(files.jpeg2, { seed: 5, make: 'Canon', model: 'EOS R6', lens: 'RF50mm F1.8', date: '2024:05:01 06:25:00', lat: 40.4168, lon: -3.7038, title: 'Plaza', description: 'Sunny square in Madrid', keywords: ['square'], width: 48, height: 64 });
  return files;
}
