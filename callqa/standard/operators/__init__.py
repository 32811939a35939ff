"""The rule vocabulary: each module registers its operators with `@operator`."""

from callqa.standard.operators import events, meta, text, timing

__all__ = ["events", "meta", "text", "timing"]
