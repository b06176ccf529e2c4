/**
 * The command table: add a command by writing commands/<name>.ts (exporting `run`) and listing it here with its help
 * texts. A command's module is imported only when that command runs, so `molecule help`, `--help` and unknown
 * commands don't load onnxruntime, sharp or libsql (the CLI bundle is code-split; scripts/build-engine.mjs).
 */
import type { CliCommand } from '../command';
import { PREPROCESS_KINDS } from '../../preprocess/kinds';
import { PACK_USAGE } from '../usage';

export const COMMANDS: CliCommand[] = [
  {
    name: 'pack',
    summary: 'verify, list, import, download model packs; which pack suits this machine',
    usage: `molecule pack verify DIR [--json] [--no-onnx]   validate pack.json, sha256 of every file, ONNX signatures
molecule pack list [DIR…] [--json]              packs under models/, models/test-packs/ and the user pack folder
molecule pack import DIR [--dest ROOT] [--replace]  verify, then copy into the user pack folder (atomic)
molecule pack get SOURCE [--dest ROOT] [--accept-licence] [--replace] [--json] [--quiet]
                                                download a pack: SOURCE is a Hugging Face repository org/name[@revision]
                                                (endpoint $HF_ENDPOINT, token $HF_TOKEN) or the https address of a pack.json
                                                with its files beside it. Shows name, space, size, licence and source first;
                                                the licence must be accepted (prompt, or --accept-licence). Resumable: Ctrl-C
                                                or a broken connection keeps the partial files, the same command resumes.
                                                Every file is sha256-verified; proxies from HTTPS_PROXY/HTTP_PROXY/NO_PROXY
molecule pack discard ID [--dest ROOT]          delete a partial download
molecule pack recommend [--dest ROOT] [--json]  which space class and fp16/fp32 suit this machine (memory, disk, GPU), and why`,
    load: async () => (await import('./pack')).run,
  },
  {
    name: 'embed',
    summary: 'embed images, audios and texts into the pack\'s space (fused vectors for a preset or custom factors)',
    usage: `molecule embed --pack DIR [--preset P] [--text-factor F --audio-factor F] [--image FILE]… [--audio FILE]… [--text STR]… [--json] [--components]
${PACK_USAGE}
  --image/--audio/--text     inputs (each option may be repeated or take several values)
  --json                     one JSON document: {"pack", "providers", "factors", "items":[{"modality","input","vector"}]}
  --components               also print base, expert, c and factor per item (JSON only)`,
    load: async () => (await import('./embed')).run,
  },
  {
    name: 'matrix',
    summary: 'row-wise softmax(10·cos) matrices Audio×Image, Audio×Text, Image×Text (FreeBind README layout)',
    usage: `molecule matrix --pack DIR [--preset P] --images F… --audios F… --texts S… [--json]
${PACK_USAGE}
  --json                     {"pack","providers","factors","inputs","audio_x_image":{"softmax","cosine"},…}`,
    load: async () => (await import('./matrix')).run,
  },
  {
    name: 'preprocess',
    summary: 'compute one encoder input tensor (raw little-endian float32) for a file or text',
    usage: `molecule preprocess --kind K (--file PATH | --text STR) [--out FILE]
  K: ${PREPROCESS_KINDS.join(', ')}
  prints one JSON line {"kind","shape", + "longer" for clap_fusion_mel, "ids","eot_index" for imagebind_tokens}
  --out FILE   write the tensor as raw little-endian float32 (C order), via a temporary file + rename`,
    load: async () => (await import('./preprocess')).run,
  },
  {
    name: 'index',
    summary: 'index folders of images, sounds and videos into a library database (incremental; progress on stderr, summary JSON on stdout)',
    usage: `molecule index FOLDER… --db FILE --pack DIR [--workers N] [--batch N] [--quiet] [--no-wait]
  FOLDER…                    folders to add as library roots and (re)index recursively
  --db FILE                  library database (created if missing; thumbnails go to FILE.thumbs/)
  --pack DIR                 model pack folder
  --workers N                preprocessing worker threads (default: one per core, at most 8; 0 = none)
  --batch N                  items per encoder run (default 8)
  --quiet                    no progress lines on stderr
  --no-wait                  if another index run (the app, another molecule index) holds the library, exit 1 at
                             once naming it, instead of waiting for it to finish
  --cpu, --providers LIST, --no-checksums   as for other pack commands
stdout: {"db","pack","indexed","unchanged","skipped","failed","removed","elapsedSec","failures":[{"path","reason"}]}
  (+ "error" when the run stopped: disk full, cache unwritable, library held by another run; exit status 1)`,
    load: async () => (await import('./library-index')).run,
  },
  {
    name: 'search',
    summary: 'search a library database by text, image, sound, item or a combined query (see docs/QUERY-SYNTAX.md)',
    usage: `molecule search --db FILE (--text STR | --image F | --audio F | --item ID | --query EXPR) [--in image|audio|video|all] [-k N] [--min-score S] [--preset P | --text-factor F --audio-factor F] [--folder DIR] [--from DATE] [--to DATE] [--min-duration S] [--max-duration S] [--words-balance B] [--pack DIR] [--json]
  --query EXPR               e.g. '"train" + ./station.jpg - 0.5*"people"', 'door wood creak -metal cat:DOOR' (docs/QUERY-SYNTAX.md)
  --text STR                 words and meaning: the words are looked up in names, folders, metadata and tags too
  --words-balance B          fusion balance, 0 = meaning only … 1 = words only (default 0.5)
  --in                       target modality (default all)
  -k N                       results (default 20)
  --min-score S              cutoff on the meaning score (items found by words are kept)
  --folder DIR               only items with a path under DIR
  --from/--to DATE           item date range (ISO date or ms since epoch; EXIF date, else file mtime)
  --min-duration/--max-duration S   audio length bounds in seconds
  --pack DIR                 model pack (default: the pack that last indexed the database)
  --json                     {"pack","factors","results":[{"rank","itemId","path","modality","score","cosine","why":{"words":{"field","segments":[{"text","hit"}]},"meaning","wordsRank","meaningRank"}}]};
                             modality image, audio or video; a moment hit (recordings, videos) adds "start","end" (seconds),
                             "track" (frames, sound or both) and "clip":{"startSec","endSec"}`,
    load: async () => (await import('./search')).run,
  },
  {
    name: 'export-region',
    summary: 'write a span of a library sound as a WAV (source rate and depth, bext + iXML; never overwrites)',
    usage: `molecule export-region --db FILE --item ID --start S --end E --out FILE.wav [--description TEXT] [--json]
  --start/--end S            the region in seconds
  --out FILE.wav             an existing file is never replaced: "FILE (2).wav" … is used instead
  --description TEXT         bext description (default "<source name> <start>-<end> s")
  --json                     {"source","path","sampleRate","channels","bitsPerSample","float","startFrame","frames","from","timeReference"}`,
    load: async () => (await import('./export-region')).run,
  },
  {
    name: 'tag',
    summary: 'zero-shot tags for every library item from a label vocabulary (audioset, esc50, photo, or a user vocabulary)',
    usage: `molecule tag --db FILE --vocab NAME [--top N] [--threshold T] [--preset P | --text-factor F --audio-factor F] [--pack DIR] [--json]
  --vocab NAME               audioset (632 AudioSet classes), esc50, photo, or a user vocabulary id
  --top N                    labels per item (default 5)
  --threshold T              minimum cosine for a suggestion (default: none)
  --json                     {"pack","vocab","factors","items":[{"itemId","path","labels":[{"labelId","name","score"}],"categories":[…],"confirmed":[…]}]}`,
    load: async () => (await import('./tag')).run,
  },
  {
    name: 'duplicates',
    summary: 'exact duplicates (same content) and near-duplicate groups (similar vectors) in a library database',
    usage: `molecule duplicates --db FILE [--threshold T] [--margin M] [--pack DIR] [--json]
  --threshold T              cosine above which two items are candidate near-duplicates (default 0.92)
  --margin M                 how far a group must stand out from its nearest outsider (default 0.02)
  --json                     {"pack","exact":[{"itemId","paths"}],"near":[{"modality","cohesion","separation","items":[{"itemId","path"}]}]}
Nothing is deleted; the app moves chosen files to the system trash.`,
    load: async () => (await import('./duplicates')).run,
  },
];
