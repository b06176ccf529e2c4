#!/usr/bin/env python3
"""Reference timings for `npm run bench -- preprocess`: the same preprocessing done by the reference
Python libraries (Debian bookworm: python3-torch 1.13, python3-torchaudio 0.13, python3-torchvision 0.14,
python3-pil 9.4). Prints one JSON object on stdout.

  image           PIL.Image.open().convert('RGB') + torchvision Resize(224, BICUBIC), CenterCrop(224),
                  ToTensor, Normalize (ImageBind's vision transform)
  imagebind_audio torchaudio.load + torchaudio.functional.resample(->16 kHz) + 3 clips x
                  (mean removal, torchaudio.compliance.kaldi.fbank 128 mel, pad to 204, Normalize)
  clap_fusion     torchaudio.load + channel mean + torchaudio.functional.resample(->48 kHz) + int16 round trip
                  + torchaudio MelSpectrogram(1024/480, 64 HTK mels 50-14000 Hz) + AmplitudeToDB
                  + fusion chunks and bilinear shrink. The reference (laion_clap) loads with librosa, which
                  resamples with python-soxr (libsoxr, HQ); neither is pip-installable here, so Debian's libsoxr0
                  is called through ctypes (the same C library and recipe); without it torchaudio's resampler
                  stands in.

usage: preprocess_ref.py --image F.jpg --audio F.wav [--tasks image,imagebind_audio,clap_fusion] [--images N]
       [--audio-repeats R] [--torch-threads T] [--dump DIR]
"""
import argparse
import json
import time

import numpy as np
import PIL
import torch
import torchaudio
import torchvision
from PIL import Image
from torchvision import transforms


def bench_images(path, n):
    tf = transforms.Compose([
        transforms.Resize(224, interpolation=transforms.InterpolationMode.BICUBIC),
        transforms.CenterCrop(224),
        transforms.ToTensor(),
        transforms.Normalize(mean=(0.48145466, 0.4578275, 0.40821073), std=(0.26862954, 0.26130258, 0.27577711)),
    ])
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        with open(path, "rb") as f:
            img = Image.open(f).convert("RGB")
        x = tf(img)
        assert tuple(x.shape) == (3, 224, 224)
        times.append(time.perf_counter() - t0)
    return times


def imagebind_audio(path):
    waveform, sr = torchaudio.load(path)
    if sr != 16000:
        waveform = torchaudio.functional.resample(waveform, orig_freq=sr, new_freq=16000)
    sr = 16000
    d = waveform.size(1) / sr
    m = max(d - 2.0, 0.0)
    clips = []
    for k in range(3):
        start = k * m / 2
        clip = waveform[:, int(start * sr):int((start + 2.0) * sr)]
        clip -= clip.mean()
        fbank = torchaudio.compliance.kaldi.fbank(
            clip, htk_compat=True, sample_frequency=sr, use_energy=False, window_type="hanning",
            num_mel_bins=128, dither=0.0, frame_length=25, frame_shift=10)
        fbank = fbank.transpose(0, 1)
        p = 204 - fbank.size(1)
        fbank = torch.nn.functional.pad(fbank, (0, p)) if p > 0 else fbank[:, :204]
        clips.append((fbank.unsqueeze(0) - (-4.268)) / 9.138)
    out = torch.stack(clips, 0)
    assert tuple(out.shape) == (3, 1, 128, 204)
    return out


_mel = None
_db = None


def _load_libsoxr():
    """librosa >= 0.10 resamples with python-soxr (libsoxr, quality HQ). Neither is pip-installable here, but
    Debian's libsoxr0 is the same C library: call its one-shot API through ctypes (the exact work librosa does)."""
    import ctypes
    try:
        lib = ctypes.CDLL("libsoxr.so.0")
    except OSError:
        return None

    class QualitySpec(ctypes.Structure):
        _fields_ = [("precision", ctypes.c_double), ("phase_response", ctypes.c_double), ("passband_end", ctypes.c_double),
                    ("stopband_begin", ctypes.c_double), ("e", ctypes.c_void_p), ("flags", ctypes.c_ulong)]

    class IoSpec(ctypes.Structure):
        _fields_ = [("itype", ctypes.c_int), ("otype", ctypes.c_int), ("scale", ctypes.c_double), ("e", ctypes.c_void_p),
                    ("flags", ctypes.c_ulong)]

    lib.soxr_quality_spec.restype = QualitySpec
    lib.soxr_quality_spec.argtypes = [ctypes.c_ulong, ctypes.c_ulong]
    lib.soxr_io_spec.restype = IoSpec
    lib.soxr_io_spec.argtypes = [ctypes.c_int, ctypes.c_int]
    lib.soxr_oneshot.restype = ctypes.c_char_p
    lib.soxr_oneshot.argtypes = [ctypes.c_double, ctypes.c_double, ctypes.c_uint, ctypes.c_void_p, ctypes.c_size_t,
                                 ctypes.POINTER(ctypes.c_size_t), ctypes.c_void_p, ctypes.c_size_t,
                                 ctypes.POINTER(ctypes.c_size_t), ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
    q, io = lib.soxr_quality_spec(4, 0), lib.soxr_io_spec(0, 0)  # SOXR_HQ; float32 in and out

    def resample(x, sr_in, sr_out):
        x = np.ascontiguousarray(x, dtype=np.float32)
        olen = int(len(x) * sr_out / sr_in + 1)
        y = np.zeros(olen, dtype=np.float32)
        done = ctypes.c_size_t(0)
        err = lib.soxr_oneshot(sr_in, sr_out, 1, x.ctypes.data, len(x), None, y.ctypes.data, olen, ctypes.byref(done),
                               ctypes.byref(io), ctypes.byref(q), None)
        if err is not None:
            raise RuntimeError(err.decode())
        return y[:done.value]

    return resample


_soxr = _load_libsoxr()
CLAP_RESAMPLER = ("libsoxr HQ via ctypes (what librosa/python-soxr run)" if _soxr
                  else "torchaudio.functional.resample (libsoxr0 not installed)")


def clap_fusion(path):
    global _mel, _db
    if _mel is None:
        _mel = torchaudio.transforms.MelSpectrogram(
            sample_rate=48000, n_fft=1024, win_length=1024, hop_length=480, center=True, pad_mode="reflect",
            power=2.0, norm=None, onesided=True, n_mels=64, f_min=50, f_max=14000, mel_scale="htk")
        _db = torchaudio.transforms.AmplitudeToDB(top_db=None)
    waveform, sr = torchaudio.load(path)
    x = waveform.mean(0)
    if sr != 48000:
        n48 = int(np.ceil(x.shape[0] * (48000 / sr)))
        if _soxr is not None:
            y = torch.from_numpy(_soxr(x.numpy(), sr, 48000))
        else:
            y = torchaudio.functional.resample(x, orig_freq=sr, new_freq=48000)
        x = torch.nn.functional.pad(y, (0, max(0, n48 - y.shape[0])))[:n48]
    x = (torch.clamp(x, -1, 1) * 32767).to(torch.int16).to(torch.float32) / 32767
    n, max_len = x.shape[0], 480000
    if n <= max_len:
        if n < max_len:
            x = x.repeat(max_len // n)
            x = torch.nn.functional.pad(x, (0, max_len - x.shape[0]))
        mel = _db(_mel(x)).T
        fused = torch.stack([mel] * 4, 0)
    else:
        mel = _db(_mel(x)).T
        T = mel.shape[0]
        parts = np.array_split(list(range(0, T - 1001 + 1)), 3)
        starts = [int(p[(len(p) - 1) // 2]) if len(p) else 0 for p in parts]
        shrink = torchvision.transforms.Resize(size=[1001, 64])(mel[None])[0]
        fused = torch.stack([shrink] + [mel[s:s + 1001] for s in starts], 0)
    assert tuple(fused.shape) == (4, 1001, 64)
    return fused


def bench_audio(fn, path, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn(path)
        times.append(time.perf_counter() - t0)
    return times


VISION_TF = transforms.Compose([
    transforms.Resize(224, interpolation=transforms.InterpolationMode.BICUBIC),
    transforms.CenterCrop(224),
    transforms.ToTensor(),
    transforms.Normalize(mean=(0.48145466, 0.4578275, 0.40821073), std=(0.26862954, 0.26130258, 0.27577711)),
])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--image", required=True)
    ap.add_argument("--audio", required=True)
    ap.add_argument("--tasks", default="image,imagebind_audio,clap_fusion")
    ap.add_argument("--images", type=int, default=8)
    ap.add_argument("--audio-repeats", type=int, default=3)
    ap.add_argument("--torch-threads", type=int, default=0, help="torch.set_num_threads (0 = leave torch's default)")
    ap.add_argument("--dump", default="", help="folder to write the reference tensors to (float32 little-endian)")
    a = ap.parse_args()
    if a.torch_threads > 0:
        torch.set_num_threads(a.torch_threads)
    tasks = a.tasks.split(",")
    info = torchaudio.info(a.audio)
    audio_sec = info.num_frames / info.sample_rate
    result = {
        "versions": {"torch": torch.__version__, "torchaudio": torchaudio.__version__,
                     "torchvision": torchvision.__version__, "pillow": PIL.__version__},
        "torch_threads": torch.get_num_threads(),
        "clap_resampler": CLAP_RESAMPLER,
    }
    # each task: one untimed warm-up run (lazy kernels, filterbanks) whose tensor can be dumped, then the timed runs
    if "image" in tasks:
        out = VISION_TF(Image.open(a.image).convert("RGB"))
        if a.dump:
            out.numpy().astype("<f4").tofile("%s/imagebind_vision.f32" % a.dump)
        t = bench_images(a.image, a.images)
        result["image"] = {"items": len(t), "seconds": sum(t), "per_item": t}
    if "imagebind_audio" in tasks:
        out = imagebind_audio(a.audio)
        if a.dump:
            out.numpy().astype("<f4").tofile("%s/imagebind_audio.f32" % a.dump)
        t = bench_audio(imagebind_audio, a.audio, a.audio_repeats)
        result["imagebind_audio"] = {"audio_seconds": audio_sec * len(t), "seconds": sum(t), "per_item": t}
    if "clap_fusion" in tasks:
        out = clap_fusion(a.audio)
        if a.dump:
            out.numpy().astype("<f4").tofile("%s/clap_fusion_mel.f32" % a.dump)
        t = bench_audio(clap_fusion, a.audio, a.audio_repeats)
        result["clap_fusion"] = {"audio_seconds": audio_sec * len(t), "seconds": sum(t), "per_item": t,
                                 "resampler": CLAP_RESAMPLER}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
