"""Fixtures: synthetic calls with real Mandarin speech (see synth_calls.py)."""

from __future__ import annotations

import pytest

from tests.audio.synth_calls import (
    AGENT_DB,
    CUSTOMER_DB,
    LEAK_DB,
    NOISE_SNR_DB,
    SynthCall,
    frame_f1,
    layout,
    tools_missing,
    white_noise,
    write_wav,
)
from tests.conftest import skip_unless_strict


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SynthCall]:
    """The calls: clean, noisy (white noise at 10 dB SNR), crosstalk (agent leaking into
    the customer's channel at −20 dB), mono (both parties mixed). Customer left, agent right."""
    reason = tools_missing()
    if reason:
        skip_unless_strict(reason)
    workdir = tmp_path_factory.mktemp("synth")
    turns, signal, duration = layout(workdir)
    agent, customer = signal["agent"], signal["customer"]
    n = len(agent)
    variants = {
        "clean": [customer, agent],
        "noisy": [customer + white_noise(n, CUSTOMER_DB - NOISE_SNR_DB, 1),
                  agent + white_noise(n, AGENT_DB - NOISE_SNR_DB, 2)],
        "crosstalk": [customer + agent * 10 ** (LEAK_DB / 20), agent],
        "mono": [customer + agent],
    }
    calls = {}
    for name, channels in variants.items():
        path = workdir / f"{name}.wav"
        write_wav(path, channels)
        calls[name] = SynthCall(path, turns, duration)
    return calls




@pytest.fixture(scope="session")
def f1():
    return frame_f1
