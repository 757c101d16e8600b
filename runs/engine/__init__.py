"""The workflow engine: graph validation, the node types, launching runs through the policy gate,
advancing them step by step (lease, step life cycle, the advance loop) and cancelling them."""
