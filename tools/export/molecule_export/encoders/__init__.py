"""Export wrappers around the official models: each is an nn.Module whose forward has exactly the pack signature
(docs/ARCHITECTURE.md) and returns L2-normalised embeddings. NOT runnable here (no weights, no network); they are
written against the public sources listed in each module and exercised only on a machine with the checkpoints."""
