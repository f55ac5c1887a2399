"""Install the offline guard before any test module imports the SageMaker SDK."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import oracle_common  # noqa: E402

oracle_common.install_guard()
