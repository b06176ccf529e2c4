/** Help text shared by commands that open a pack (kept free of engine imports so `molecule help` stays light). */
export const PACK_USAGE = `  --pack DIR                 model pack folder (pack.json + ONNX + tokenizer files)
  --preset P                 versatile (text 0.1, audio 0.5; default) or at-expertise (text 0.5, audio 0.8)
  --text-factor F            custom text factor in [0, 1] (overrides the preset's)
  --audio-factor F           custom audio factor in [0, 1] (overrides the preset's)
  --cpu                      run on CPU only (also MOLECULE_FORCE_CPU=1)
  --providers LIST           execution providers to try in order, e.g. cuda,cpu (cpu is always last)
  --no-checksums             skip the sha256 check of the pack files`;
