"""One module per vLLM subsystem; each declares TARGETS (data) and the hooks they use."""
