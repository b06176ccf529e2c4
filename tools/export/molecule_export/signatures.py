"""Encoder and projector signatures of a pack (docs/ARCHITECTURE.md, "Encoder signatures in a pack").

Mirrors ENCODER_SPECS in models/test-packs/generate.py (the pack format's reference generator) so that the
manifest entries this exporter writes are identical in shape to the ones the app's validator accepts.
"""

OPSET = 14
MODES = ["mix", "A", "T", "V", "AT", "AV", "TV"]
PRESETS = {"versatile": {"text": 0.1, "audio": 0.5}, "at-expertise": {"text": 0.5, "audio": 0.8}}

# id: (inputs [(name, dtype, shape)], output (name, shape), preprocessing id, batch axis name)
ENCODER_SPECS = {
    "imagebind_vision": ([("image", "float32", ["B", 3, 224, 224])], ("embedding", ["B", 1024]), "imagebind_vision", "B"),
    "imagebind_text": ([("tokens", "int64", ["B", 77])], ("embedding", ["B", 1024]), "imagebind_tokens", "B"),
    "imagebind_audio": ([("clips", "float32", ["N", 1, 128, 204])], ("embedding", ["N", 1024]), "imagebind_audio", "N"),
    "imagebind_ft_audio": ([("clips", "float32", ["N", 1, 128, 204])], ("embedding", ["N", 1024]), "imagebind_audio", "N"),
    "clap_general_audio": ([("mel_fusion", "float32", ["B", 4, 1001, 64]), ("longer", "bool", ["B"])],
                           ("embedding", ["B", 512]), "clap_fusion_mel", "B"),
    "clap_general_text": ([("input_ids", "int64", ["B", 77]), ("attention_mask", "int64", ["B", 77])],
                          ("embedding", ["B", 512]), "roberta_tokens", "B"),
    "clap_music_audio": ([("waveform", "float32", ["B", 480000])], ("embedding", ["B", 512]), "clap_nonfusion_waveform", "B"),
    "clap_music_text": ([("input_ids", "int64", ["B", 77]), ("attention_mask", "int64", ["B", 77])],
                        ("embedding", ["B", 512]), "roberta_tokens", "B"),
    "internvl_vision": ([("image", "float32", ["B", 3, 224, 224])], ("embedding", ["B", 768]), "internvl_vision", "B"),
    "internvl_text": ([("input_ids", "int64", ["B", 80])], ("embedding", ["B", 768]), "internvl_tokens", "B"),
}

IB_ENCODERS = ["imagebind_vision", "imagebind_text", "imagebind_audio"]
CLAP_ENCODERS = ["clap_general_audio", "clap_general_text", "clap_music_audio", "clap_music_text"]
INTERNVL_ENCODERS = ["internvl_vision", "internvl_text"]

# The six space classes (PREPROCESSING.md §7.3 with the readings of §7.4): encoders, projector families
# (name -> (in, out)), roles (how the app wires the families) and dimension.
SPACES = {
    "imagebind": {
        "space": "ImageBind", "dim": 1024, "encoders": IB_ENCODERS, "projectors": {}, "roles": {},
    },
    "ib-pp": {
        "space": "IB_PP", "dim": 1024, "encoders": IB_ENCODERS + CLAP_ENCODERS,
        "projectors": {"IB_PP_G_Proj": (512, 1024), "IB_PP_M_Proj": (512, 1024)},
        "roles": {"combination": {"general": "IB_PP_G_Proj", "music": "IB_PP_M_Proj"}},
    },
    "internvl-ib": {
        "space": "InternVL_IB", "dim": 768, "encoders": IB_ENCODERS + INTERNVL_ENCODERS,
        "projectors": {"InternVL_IB_Proj": (1024, 768)},
        "roles": {"displacement": "InternVL_IB_Proj"},
    },
    "internvl-ib-pp": {
        "space": "InternVL_IB_PP", "dim": 768, "encoders": IB_ENCODERS + INTERNVL_ENCODERS + CLAP_ENCODERS,
        "projectors": {"InternVL_IB_Proj": (1024, 768), "InternVL_IB_PP_G_Proj": (512, 768), "InternVL_IB_PP_M_Proj": (512, 768)},
        "roles": {"combination": {"general": "InternVL_IB_PP_G_Proj", "music": "InternVL_IB_PP_M_Proj"},
                  "displacement": "InternVL_IB_Proj"},
    },
    "internvl-ib-ft": {
        "space": "InternVL_IB_FT", "dim": 768,
        "encoders": ["imagebind_vision", "imagebind_text", "imagebind_ft_audio"] + INTERNVL_ENCODERS,
        "projectors": {"InternVL_IB_Proj": (1024, 768), "InternVL_IB_FT_audio_head": (1024, 768)},
        "roles": {"displacement": "InternVL_IB_Proj", "ftAudioHead": "InternVL_IB_FT_audio_head"},
    },
    "internvl-ib-ft-pp": {
        "space": "InternVL_IB_FT_PP", "dim": 768,
        "encoders": ["imagebind_vision", "imagebind_text", "imagebind_ft_audio"] + INTERNVL_ENCODERS + CLAP_ENCODERS,
        "projectors": {"InternVL_IB_Proj": (1024, 768), "InternVL_IB_FT_audio_head": (1024, 768),
                       "InternVL_IB_FTPP_G_Proj": (512, 768), "InternVL_IB_FTPP_M_Proj": (512, 768)},
        "roles": {"combination": {"general": "InternVL_IB_FTPP_G_Proj", "music": "InternVL_IB_FTPP_M_Proj"},
                  "displacement": "InternVL_IB_Proj", "ftAudioHead": "InternVL_IB_FT_audio_head"},
    },
}


def raw_dim(encoder_id):
    return ENCODER_SPECS[encoder_id][1][1][1]
