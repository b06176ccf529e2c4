"""Reference data for the image tests, made with Pillow 9.4 (and torchvision when present).

usage: image-pillow-gen.py <mode> <out_dir>
  resize   : random/hard-edged RGB inputs and Pillow's BICUBIC resize of them (raw RGB bytes)
  formats  : one small image saved in many formats/modes and Pillow's convert('RGB') of each file
  pipeline : PNG inputs and the torchvision ImageBind tensor + a numpy CLIPImageProcessor (InternVL) tensor
Writes <out_dir>/manifest.json describing what it wrote.
"""
import io
import json
import os
import struct
import sys
import zlib

import numpy as np
from PIL import Image

mode, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(20261128)


def pattern(kind, w, h):
    y, x = np.mgrid[0:h, 0:w]
    if kind == "noise":
        return rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    if kind == "checker":
        c = ((x // 1 + y // 1) % 2 * 255).astype(np.uint8)
        return np.stack([c, 255 - c, c], -1)
    if kind == "blocks":
        bs = max(1, min(w, h) // 5)
        cols = rng.integers(0, 256, (h // bs + 1, w // bs + 1, 3), dtype=np.uint8)
        return cols[y // bs, x // bs]
    if kind == "stripes":
        c = (((x // 3) % 2) * 255).astype(np.uint8)
        return np.stack([c, c // 2, 255 - c], -1)
    if kind == "grad":
        return np.stack([(x * 255 // max(w - 1, 1)), (y * 255 // max(h - 1, 1)), ((x + y) % 256)], -1).astype(np.uint8)
    raise ValueError(kind)


def png_chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)


def write_png(path, w, h, color_type, bit_depth, rows):
    raw = b"".join(b"\0" + r for r in rows)
    ihdr = struct.pack(">IIBBBBB", w, h, bit_depth, color_type, 0, 0, 0)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", zlib.compress(raw)) + png_chunk(b"IEND", b""))


def write_bmp(path, w, h, bits, pixel_rows_bottom_up, palette=None, compression=0, masks=None, top_down=False):
    """Minimal BITMAPINFOHEADER writer (rows already packed, without padding)."""
    stride = ((w * bits + 31) // 32) * 4
    data = b"".join(r + b"\0" * (stride - len(r)) for r in pixel_rows_bottom_up)
    pal = b"".join(bytes([b, g, r, 0]) for (r, g, b) in (palette or []))
    extra = b"".join(struct.pack("<I", m) for m in masks) if masks else b""
    off = 14 + 40 + len(extra) + len(pal)
    hdr = struct.pack("<IiiHHIIiiII", 40, w, -h if top_down else h, 1, bits, compression, len(data), 2835, 2835, len(palette or []), 0)
    with open(path, "wb") as f:
        f.write(b"BM" + struct.pack("<IHHI", off + len(data), 0, 0, off) + hdr + extra + pal + data)


manifest = []

if mode == "resize":
    cases = [
        ("noise", 7, 3, 224, 96), ("noise", 7, 3, 522, 224), ("checker", 50, 40, 280, 224), ("blocks", 300, 1000, 224, 746),
        ("noise", 229, 224, 200, 224), ("stripes", 335, 224, 224, 150), ("noise", 640, 427, 335, 224), ("grad", 1, 1, 5, 3),
        ("checker", 1000, 7, 3, 200), ("noise", 31, 17, 31, 9), ("noise", 17, 31, 9, 31), ("blocks", 4000, 30, 298, 224),
        ("noise", 97, 13, 224, 29), ("stripes", 225, 224, 224, 224), ("noise", 224, 225, 224, 224), ("noise", 300, 200, 301, 199),
    ]
    for i, (kind, w, h, ow, oh) in enumerate(cases):
        a = pattern(kind, w, h)
        r = np.asarray(Image.fromarray(a, "RGB").resize((ow, oh), Image.BICUBIC))
        a.tofile(os.path.join(out, f"in_{i}.raw"))
        r.tofile(os.path.join(out, f"out_{i}.raw"))
        manifest.append({"i": i, "kind": kind, "w": w, "h": h, "ow": ow, "oh": oh})

elif mode == "formats":
    w, h = 37, 23
    rgb = pattern("noise", w, h)
    rgb[:6, :6] = pattern("checker", 6, 6)
    base = Image.fromarray(rgb, "RGB")
    alpha = rng.integers(0, 256, (h, w), dtype=np.uint8)
    alpha[::3] = 0
    rgba = Image.fromarray(np.dstack([rgb, alpha]), "RGBA")
    gray = base.convert("L")
    la = Image.fromarray(np.dstack([np.asarray(gray), alpha]), "LA")
    pal = base.quantize(64)
    files = []

    def save(name, im, **kw):
        im.save(os.path.join(out, name), **kw)
        files.append((name, True))

    save("rgb.png", base)
    save("rgba_alpha0.png", rgba)
    save("gray.png", gray)
    save("la.png", la)
    save("bilevel.png", gray.convert("1"))
    save("palette.png", pal)
    save("palette_trns.png", pal, transparency=5)
    save("rgb_trns.png", base, transparency=tuple(int(v) for v in rgb[0, 0]))
    g16 = rng.integers(0, 65536, (h, w), dtype=np.uint16)
    g16[0, :10] = np.arange(10) * 30  # some values below 256 (Pillow keeps them, clamps the rest)
    write_png(os.path.join(out, "gray16.png"), w, h, 0, 16, [g16[y].astype(">u2").tobytes() for y in range(h)])
    files.append(("gray16.png", True))
    for ct, ch, name in ((2, 3, "rgb16.png"), (6, 4, "rgba16.png"), (4, 2, "la16.png")):
        v = rng.integers(0, 65536, (h, w, ch), dtype=np.uint16)
        write_png(os.path.join(out, name), w, h, ct, 16, [v[y].astype(">u2").tobytes() for y in range(h)])
        files.append((name, True))
    g4 = rng.integers(0, 16, (h, w), dtype=np.uint8)
    rows = []
    for y in range(h):
        r = g4[y].tolist() + [0]
        rows.append(bytes((r[i] << 4) | r[i + 1] for i in range(0, w, 2)))
    write_png(os.path.join(out, "gray4bit.png"), w, h, 0, 4, rows)
    files.append(("gray4bit.png", True))
    save("first_frame.gif", pal, transparency=3)
    save("interlaced.gif", pal, interlace=True)
    gif_gray = Image.fromarray(np.asarray(gray), "L")
    save("gray.gif", gif_gray)
    frames = [pal, Image.fromarray(pattern("blocks", w, h), "RGB").quantize(16)]
    frames[0].save(os.path.join(out, "animated.gif"), save_all=True, append_images=frames[1:], duration=100, loop=0)
    files.append(("animated.gif", True))
    save("lossless.webp", base, lossless=True)
    save("lossless_alpha.webp", rgba, lossless=True, exact=True)
    save("lossy.webp", base, quality=80)
    save("rgb.tif", base)
    save("rgb_lzw.tif", base, compression="tiff_lzw")
    save("rgba.tif", rgba)
    save("gray.tif", gray)
    Image.fromarray(g16, "I;16").save(os.path.join(out, "gray16.tif"))
    files.append(("gray16.tif", True))
    save("cmyk.tif", base.convert("CMYK"))
    save("rgb.jpg", base, quality=90)
    save("rgb_progressive_420.jpg", base, quality=75, progressive=True, subsampling=2)
    save("gray.jpg", gray, quality=90)
    save("cmyk.jpg", base.convert("CMYK"), quality=90)
    save("rgb24.bmp", base)
    save("rgba32.bmp", rgba)
    save("palette8.bmp", pal)
    save("gray8.bmp", gray)
    save("bilevel.bmp", gray.convert("1"))
    # Variants Pillow reads but does not write: 4-bit palette, 16-bit 5-5-5, 32-bit BITFIELDS, top-down.
    idx4 = rng.integers(0, 16, (h, w), dtype=np.uint8)
    pal16 = [tuple(int(c) for c in rng.integers(0, 256, 3)) for _ in range(16)]
    rows4 = []
    for y in range(h - 1, -1, -1):
        r = idx4[y].tolist() + [0]
        rows4.append(bytes((r[i] << 4) | r[i + 1] for i in range(0, w, 2)))
    write_bmp(os.path.join(out, "palette4.bmp"), w, h, 4, rows4, palette=pal16)
    files.append(("palette4.bmp", True))
    v555 = rng.integers(0, 1 << 15, (h, w), dtype=np.uint16)
    write_bmp(os.path.join(out, "rgb555.bmp"), w, h, 16, [v555[y].astype("<u2").tobytes() for y in range(h - 1, -1, -1)])
    files.append(("rgb555.bmp", True))
    v565 = rng.integers(0, 1 << 16, (h, w), dtype=np.uint16)
    write_bmp(os.path.join(out, "rgb565.bmp"), w, h, 16, [v565[y].astype("<u2").tobytes() for y in range(h - 1, -1, -1)], compression=3, masks=(0xF800, 0x7E0, 0x1F))
    files.append(("rgb565.bmp", True))
    bgrx = np.dstack([rgb[..., ::-1], alpha])
    write_bmp(os.path.join(out, "bitfields32.bmp"), w, h, 32, [bgrx[y].tobytes() for y in range(h - 1, -1, -1)], compression=3, masks=(0xFF0000, 0xFF00, 0xFF))
    files.append(("bitfields32.bmp", True))
    write_bmp(os.path.join(out, "topdown24.bmp"), w, h, 24, [rgb[y, :, ::-1].tobytes() for y in range(h)], top_down=True)
    files.append(("topdown24.bmp", True))
    # An image whose EXIF says "rotate": Pillow ignores it.
    exif = Image.Exif()
    exif[0x0112] = 6
    save("exif_rot6.jpg", base, quality=90, exif=exif.tobytes())
    # Embedded ICC profiles are not applied by Pillow's convert('RGB').
    from PIL import ImageCms
    lab_icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()
    srgb_icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    save("rgb_icc_srgb.jpg", base, quality=90, icc_profile=srgb_icc)
    save("rgb_icc_srgb.png", base, icc_profile=srgb_icc)
    save("rgb_icc_odd.png", base, icc_profile=lab_icc)
    # A PNG with a .jpg name: Pillow goes by content.
    base.save(os.path.join(out, "png_named.jpg"), format="PNG")
    files.append(("png_named.jpg", True))
    for name, _ in files:
        im = Image.open(os.path.join(out, name))
        c = np.asarray(im.convert("RGB"))
        c.tofile(os.path.join(out, name + ".rgb"))
        manifest.append({"file": name, "mode": im.mode, "w": c.shape[1], "h": c.shape[0]})

elif mode == "pipeline":
    import torchvision.transforms as T

    tv = T.Compose([
        T.Resize(224, interpolation=T.InterpolationMode.BICUBIC),
        T.CenterCrop(224),
        T.ToTensor(),
        T.Normalize(mean=(0.48145466, 0.4578275, 0.40821073), std=(0.26862954, 0.26130258, 0.27577711)),
    ])
    sizes = [("noise", 7, 3), ("checker", 229, 224), ("blocks", 335, 224), ("noise", 224, 335), ("stripes", 640, 427),
             ("noise", 224, 224), ("grad", 1000, 300), ("noise", 225, 227), ("blocks", 301, 1001)]
    for i, (kind, w, h) in enumerate(sizes):
        a = pattern(kind, w, h)
        name = f"p_{i}_{w}x{h}.png"
        Image.fromarray(a, "RGB").save(os.path.join(out, name))
        im = Image.open(os.path.join(out, name)).convert("RGB")
        tv(im).numpy().astype("<f4").tofile(os.path.join(out, name + ".imagebind.f32"))
        # CLIPImageProcessor (transformers 4.30) semantics, written out with numpy: shortest edge 224 (Pillow
        # bicubic), floor centre crop, rescale in float64 then float32, normalise in float32.
        short, long_ = (w, h) if w <= h else (h, w)
        nl = int(224 * long_ / short)
        size = (224, nl) if w <= h else (nl, 224)
        r = np.asarray(im.resize(size, Image.BICUBIC))
        top, left = (r.shape[0] - 224) // 2, (r.shape[1] - 224) // 2
        c = r[top:top + 224, left:left + 224]
        x = (c * (1 / 255)).astype(np.float32)
        x = (x - np.array([0.485, 0.456, 0.406], dtype=np.float32)) / np.array([0.229, 0.224, 0.225], dtype=np.float32)
        x.transpose(2, 0, 1).astype("<f4").tofile(os.path.join(out, name + ".internvl.f32"))
        manifest.append({"file": name, "w": w, "h": h, "resized": list(size), "internvl_crop": [left, top]})

with open(os.path.join(out, "manifest.json"), "w") as f:
    json.dump(manifest, f)
