"""Schemathesis hooks for scripts/ci/api-contract.sh: request bodies for /v1/enhance that are real raws, often
enough that the success path (200 with an image) is exercised and checked, not only the 4xx answers.

SID_CONTRACT_RAWS names the raw files (os.pathsep-separated): a synthetic DNG from `sid sample` and small real
camera files from ../shared when present.
"""
import os

from hypothesis import strategies as st
import schemathesis

_raws = [open(path, "rb").read() for path in os.environ.get("SID_CONTRACT_RAWS", "").split(os.pathsep) if path]

# Mostly real raws, sometimes arbitrary bytes (which must get a 4xx, never a 5xx).
_bodies = st.one_of(st.sampled_from(_raws), st.sampled_from(_raws), st.sampled_from(_raws),
                    st.binary(max_size=4096)) if _raws else st.binary(max_size=4096)

schemathesis.openapi.media_type("application/octet-stream", _bodies)
