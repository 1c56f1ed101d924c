"""Changes between two versions by meaning: the comparison, its rendering, review suggestions and the merge driver."""
