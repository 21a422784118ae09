"""CDK entry point: `npx aws-cdk synth|deploy` (cdk.json runs it) or `make synth`."""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]  # the project's packages, then tickvault_cdk
# jsii warns on every start about Node 20's end of life; the CDK still runs on it.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from tickvault_cdk.stack import build_app  # noqa: E402

if __name__ == "__main__":
    # The CDK CLI says where to write (CDK_OUTDIR); run directly, write to cdk.out/.
    outdir = None if "CDK_OUTDIR" in os.environ else str(HERE.parent / "cdk.out")
    app, _ = build_app(outdir=outdir)
    app.synth()
