"""Audio analysis: a call recording → speech segments per role with levels.

    from callqa.audio import analyze, analyze_call
    features = analyze("rec/c-0001.wav", {"customer": 0, "agent": 1})
    call = analyze_call(call, base_dir="calls/")      # fills call.audio.features

`timeline` holds the derived signals (dead air after answer, silences, overlaps with who
started second, talk ratio, levels and level jumps) the timing checkpoints need.
"""

from callqa.audio.analysis import (
    Analysis,
    AnalysisOptions,
    analyze,
    analyze_call,
    analyze_recording,
    default_channels,
)
from callqa.audio.segments import Smoothing
from callqa.audio.vad import VadOptions
from callqa.audio.wav import AudioError, Recording, read_wav

__all__ = [
    "Analysis", "AnalysisOptions", "AudioError", "Recording", "Smoothing", "VadOptions",
    "analyze", "analyze_call", "analyze_recording", "default_channels", "read_wav",
]
