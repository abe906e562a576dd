"""Tests never write the user's atlas: every test session gets its own file."""

import os
import tempfile

os.environ.setdefault("NEUROMANIFOLD_ATLAS", os.path.join(tempfile.mkdtemp(prefix="nm-atlas-"), "atlas.sqlite"))
