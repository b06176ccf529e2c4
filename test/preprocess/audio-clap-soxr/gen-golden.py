# Golden outputs of libsoxr's HQ recipe for test/preprocess/audio-clap-soxr.test.ts.
# Run with Debian's python3-numpy and libsoxr0 (0.1.3; the same output python-soxr 1.1.0 gives,
# which made the fixtures): /usr/bin/python3 gen-golden.py
import ctypes, numpy as np

lib = ctypes.CDLL('libsoxr.so.0')
class QualitySpec(ctypes.Structure):
    _fields_ = [('precision', ctypes.c_double), ('phase_response', ctypes.c_double), ('passband_end', ctypes.c_double),
                ('stopband_begin', ctypes.c_double), ('e', ctypes.c_void_p), ('flags', ctypes.c_ulong)]
class IoSpec(ctypes.Structure):
    _fields_ = [('itype', ctypes.c_int), ('otype', ctypes.c_int), ('scale', ctypes.c_double), ('e', ctypes.c_void_p), ('flags', ctypes.c_ulong)]
lib.soxr_quality_spec.restype = QualitySpec
lib.soxr_quality_spec.argtypes = [ctypes.c_ulong, ctypes.c_ulong]
lib.soxr_io_spec.restype = IoSpec
lib.soxr_io_spec.argtypes = [ctypes.c_int, ctypes.c_int]
lib.soxr_oneshot.restype = ctypes.c_char_p
lib.soxr_oneshot.argtypes = [ctypes.c_double, ctypes.c_double, ctypes.c_uint, ctypes.c_void_p, ctypes.c_size_t,
                             ctypes.POINTER(ctypes.c_size_t), ctypes.c_void_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_size_t),
                             ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
SOXR_HQ, SOXR_FLOAT32_I = 4, 0

def soxr_hq(x, sr_in, sr_out):
    x = np.ascontiguousarray(x, dtype=np.float32)
    olen = int(len(x) * sr_out / sr_in + 1)
    y = np.zeros(olen, dtype=np.float32)
    done = ctypes.c_size_t(0)
    q, io = lib.soxr_quality_spec(SOXR_HQ, 0), lib.soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I)
    err = lib.soxr_oneshot(sr_in, sr_out, 1, x.ctypes.data, len(x), None, y.ctypes.data, olen, ctypes.byref(done),
                           ctypes.byref(io), ctypes.byref(q), None)
    assert err is None, err
    return y[:done.value]

rng = np.random.default_rng(20261128)
for sr in [8000, 11025, 12000, 22050, 24000, 37800, 88200, 96000, 44101, 192000]:
    n = int(sr * 0.2) + 3
    t = np.arange(n) / sr
    # decaying noise + a tone at 0.45·sr (near the pass-band edge) + a chirp + a DC step
    x = (0.25 * rng.standard_normal(n) * np.exp(-6 * t) + 0.3 * np.sin(2 * np.pi * 0.45 * sr * t)
         + 0.2 * np.sin(2 * np.pi * (100 + 0.2 * sr * t / 0.2) * t) + 0.1 * (t > 0.1)).astype(np.float32)
    x.astype('<f4').tofile(f'in-{sr}.f32')
    soxr_hq(x, sr, 48000).astype('<f4').tofile(f'out-{sr}.f32')
