"""The workflow engine: graph validation now; node execution arrives with the rest of issue 4."""
