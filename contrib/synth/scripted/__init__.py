"""A scripted OpenAI-compatible teacher for tests and the labelled demo; never a production teacher."""
