#!/usr/bin/env python3
"""Regenerate the decoder test files in this folder (needs ffmpeg and sox; run by hand, not in CI).

The signal is defined with basic float64 arithmetic only (no sin/cos), so
test/preprocess/audio-formats.test.ts recomputes the identical integer samples:

  par(u)  = 16·u·(0.5 − u) for u < 0.5, else −16·(u − 0.5)·(1 − u)        (parabolic "sine", |par| ≤ 1)
  v_c(i)  = 0.5·par((i mod p1_c)/p1_c) + 0.25·par((i mod p2_c)/p2_c)
  s16     = floor(v · 32767 + 0.5)          8-bit source: s8 = floor(v · 127 + 0.5), stored as s8·256

manifest.json lists every file with its rate, channel periods, frame count and expected kind.
"""
import json, math, os, shutil, struct, subprocess, tempfile, wave

HERE = os.path.dirname(os.path.abspath(__file__))


def par(u):
    return 16 * u * (0.5 - u) if u < 0.5 else -16 * (u - 0.5) * (1 - u)


def value(i, p1, p2):
    return 0.5 * par((i % p1) / p1) + 0.25 * par((i % p2) / p2)


def write_source(path, rate, periods, frames, scale):
    """PCM16 WAV with the python wave module (exact integer samples)."""
    data = bytearray()
    for i in range(frames):
        for p1, p2 in periods:
            q = math.floor(value(i, p1, p2) * scale + 0.5)
            data += struct.pack('<h', q * (256 if scale == 127 else 1))
    with wave.open(path, 'wb') as w:
        w.setnchannels(len(periods))
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(data))


def run(*cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def ffmpeg(src, dst, *args):
    run('ffmpeg', '-y', '-hide_banner', '-loglevel', 'error', '-i', src, *args, os.path.join(HERE, dst))


def sox(src, dst, *args):
    run('sox', '-D', src, *args, os.path.join(HERE, dst))


STEREO = [[109, 37], [73, 29]]
SIX = [[97 + 12 * c, 31 + 4 * c] for c in range(6)]
LOSSLESS_FRAMES = 2000  # 0.125 s at 16 kHz
LOSSY_FRAMES = 24000  # 0.5 s at 48 kHz

files = []
tmp = tempfile.mkdtemp()
try:
    s16 = os.path.join(tmp, 's16.wav')
    s8 = os.path.join(tmp, 's8.wav')
    six = os.path.join(tmp, 'six.wav')
    lossy = os.path.join(tmp, 'lossy.wav')
    write_source(s16, 16000, STEREO, LOSSLESS_FRAMES, 32767)
    write_source(s8, 16000, STEREO, LOSSLESS_FRAMES, 127)
    write_source(six, 16000, SIX, LOSSLESS_FRAMES, 32767)
    write_source(lossy, 48000, STEREO, LOSSY_FRAMES, 32767)

    def add(name, src_scale, periods, rate, frames, kind, note):
        files.append(dict(file=name, rate=rate, periods=periods, frames=frames, scale=src_scale, kind=kind, note=note))

    ffmpeg(s16, 'wav-s16.wav', '-c:a', 'pcm_s16le')
    add('wav-s16.wav', 32767, STEREO, 16000, LOSSLESS_FRAMES, 'exact', 'ffmpeg pcm_s16le (with LIST chunk)')
    sox(s16, 'wav-s24.wav', '-b', '24')
    add('wav-s24.wav', 32767, STEREO, 16000, LOSSLESS_FRAMES, 'exact', 'sox 24-bit')
    sox(s16, 'wav-s32.wav', '-b', '32', '-e', 'signed-integer')
    add('wav-s32.wav', 32767, STEREO, 16000, LOSSLESS_FRAMES, 'exact', 'sox 32-bit int')
    ffmpeg(s16, 'wav-f32.wav', '-c:a', 'pcm_f32le')
    add('wav-f32.wav', 32767, STEREO, 16000, LOSSLESS_FRAMES, 'exact', 'ffmpeg 32-bit float')
    ffmpeg(s16, 'wav-f64.wav', '-c:a', 'pcm_f64le')
    add('wav-f64.wav', 32767, STEREO, 16000, LOSSLESS_FRAMES, 'exact', 'ffmpeg 64-bit float')
    ffmpeg(s8, 'wav-u8.wav', '-c:a', 'pcm_u8')
    add('wav-u8.wav', 127, STEREO, 16000, LOSSLESS_FRAMES, 'exact', 'ffmpeg 8-bit unsigned')
    sox(six, 'wav-s16-6ch.wav')
    add('wav-s16-6ch.wav', 32767, SIX, 16000, LOSSLESS_FRAMES, 'exact', 'sox 6 channels (WAVE_FORMAT_EXTENSIBLE)')
    ffmpeg(s16, 'flac-s16.flac', '-c:a', 'flac')
    add('flac-s16.flac', 32767, STEREO, 16000, LOSSLESS_FRAMES, 'exact', 'ffmpeg flac')
    sox(s16, 'flac-s24.flac', '-b', '24')
    add('flac-s24.flac', 32767, STEREO, 16000, LOSSLESS_FRAMES, 'exact24', 'sox flac 24-bit')

    ffmpeg(lossy, 'mp3-64k.mp3', '-c:a', 'libmp3lame', '-b:a', '64k')
    add('mp3-64k.mp3', 32767, STEREO, 48000, LOSSY_FRAMES, 'lossy', 'libmp3lame 64 kbit/s')
    ffmpeg(lossy, 'vorbis-q2.ogg', '-c:a', 'libvorbis', '-q:a', '2')
    add('vorbis-q2.ogg', 32767, STEREO, 48000, LOSSY_FRAMES, 'lossy', 'libvorbis q2')
    ffmpeg(lossy, 'opus-48k.opus', '-c:a', 'libopus', '-b:a', '48k')
    add('opus-48k.opus', 32767, STEREO, 48000, LOSSY_FRAMES, 'lossy', 'libopus 48 kbit/s')
    ffmpeg(lossy, 'aac-96k.m4a', '-c:a', 'aac', '-b:a', '96k')
    add('aac-96k.m4a', 32767, STEREO, 48000, LOSSY_FRAMES, 'lossy', 'ffmpeg aac 96 kbit/s in M4A')
    # What ffmpeg's own decoders make of the lossy files: length, SNR against the source and the RMS of
    # each 2000-frame block per channel, so the test can hold audio-decode to ffmpeg without storing PCM.
    for f in files:
        if f['kind'] != 'lossy':
            continue
        raw = subprocess.run(['ffmpeg', '-hide_banner', '-loglevel', 'error', '-i', os.path.join(HERE, f['file']), '-f', 'f32le', '-'],
                             check=True, capture_output=True).stdout
        pcm = struct.unpack('<%df' % (len(raw) // 4), raw)
        nch = len(f['periods'])
        n = len(pcm) // nch
        sig = err = 0.0
        blocks = [[] for _ in range(nch)]
        for c, (p1, p2) in enumerate(f['periods']):
            for b0 in range(0, f['frames'], 2000):
                acc = 0.0
                for i in range(b0, min(b0 + 2000, f['frames'], n)):
                    x = pcm[i * nch + c]
                    r = math.floor(value(i, p1, p2) * 32767 + 0.5) / 32768
                    acc += x * x
                    sig += r * r
                    err += (x - r) ** 2
                blocks[c].append(round(math.sqrt(acc / 2000), 6))
        f['ffmpeg_decode'] = dict(frames=n, snr_db=round(10 * math.log10(sig / err), 3), block_rms=blocks)
finally:
    shutil.rmtree(tmp)

versions = {
    'ffmpeg': subprocess.run(['ffmpeg', '-version'], capture_output=True, text=True).stdout.split('\n')[0],
    'sox': subprocess.run(['sox', '--version'], capture_output=True, text=True).stdout.strip(),
}
with open(os.path.join(HERE, 'manifest.json'), 'w') as f:
    json.dump({'generated_by': 'generate.py', 'tools': versions, 'files': files}, f, separators=(',', ':'))
    f.write('\n')
