"""cdk-mlops drift check: streaming, mergeable data-drift and model-quality checks.

Runs as a SageMaker Processing job over endpoint data capture. See README.md
beside this package for the command-line contract.
"""

__version__ = "1.0.0"
