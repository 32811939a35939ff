"""G.711 A-law and μ-law to 16-bit PCM, by 256-entry tables (ITU-T G.711).

`audioop` is deprecated (gone in Python 3.13); the two decoders are a few lines each.
"""

from __future__ import annotations

import numpy as np


def _ulaw(byte: int) -> int:
    u = ~byte & 0xFF
    magnitude = (((u & 0x0F) << 3) + 0x84) << ((u & 0x70) >> 4)
    return 0x84 - magnitude if u & 0x80 else magnitude - 0x84


def _alaw(byte: int) -> int:
    a = byte ^ 0x55
    magnitude = (a & 0x0F) << 4
    segment = (a & 0x70) >> 4
    if segment == 0:
        magnitude += 8
    else:
        magnitude = (magnitude + 0x108) << (segment - 1)
    return magnitude if a & 0x80 else -magnitude


ULAW = np.array([_ulaw(b) for b in range(256)], dtype=np.int16)
ALAW = np.array([_alaw(b) for b in range(256)], dtype=np.int16)


def decode_ulaw(data: bytes) -> np.ndarray:
    return ULAW[np.frombuffer(data, dtype=np.uint8)]


def decode_alaw(data: bytes) -> np.ndarray:
    return ALAW[np.frombuffer(data, dtype=np.uint8)]
