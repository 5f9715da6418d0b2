"""Text from data or a link, made safe for Streamlit's markdown."""

from __future__ import annotations

import re


def md_escape(text: str) -> str:
    """Text shown literally inside Streamlit markdown (no formatting, links or HTML)."""
    return re.sub(r"([\\`*_{}\[\]()<>#+\-.!|~$])", r"\\\1", text)
