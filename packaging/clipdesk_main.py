"""Entry point of the standalone build: exactly what the `clipdesk` command runs."""

import multiprocessing
import os
import sys

if __name__ == "__main__":
    from clipdesk.childproc import run_child

    if run_child(sys.argv):  # a decoder or the index process, started by clipdesk itself (childproc.py)
        sys.exit(0)
    multiprocessing.freeze_support()  # torch and tokenizers may start helper processes
    bundle = getattr(sys, "_MEIPASS", None)
    # A model folder bundled at build time (CLIPDESK_BUNDLE_MODEL) is used unless the user names another.
    if bundle and os.path.isdir(os.path.join(bundle, "model")) and not os.environ.get("CLIPDESK_MODEL"):
        os.environ["CLIPDESK_MODEL"] = os.path.join(bundle, "model")
    from clipdesk.cli.main import main

    sys.exit(main())
