export { ClipTokenizer, CONTEXT_LENGTH, SOT_ID, EOT_ID, bytesToUnicode, defaultBpePath, pretokenize, type ClipEncoding } from './clip-tokenizer';
export { cleanText, collapseWhitespace, fixText, fixEncoding, looksLikeMojibake, pyLower, pyStrip } from './text-clean';
export { htmlUnescape } from './html-unescape';
export {
  loadRobertaTokenizer,
  loadInternVLTokenizer,
  toInt64,
  ROBERTA_LENGTH,
  INTERNVL_LENGTH,
  INTERNVL_PREFIX,
  type PackTokenizer,
  type TextIds,
} from './hf-tokenizer';
