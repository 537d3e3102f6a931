"""Safety limits on what the validator will read, so hostile input costs little time and memory."""

#: Largest qna.yaml accepted, in bytes; checked before decoding or parsing.
#: InstructLab's largest real leaves are a few hundred KiB.
MAX_FILE_BYTES = 1024 * 1024

#: Most YAML nodes a document may expand to once aliases are followed (billion-laughs guard).
MAX_NODES = 100_000

#: Deepest nesting of collections; real qna.yaml files nest about five levels.
#: libyaml's parser slows quadratically with flow nesting and PyYAML's C composer recurses on the C stack,
#: so depth is bounded before either sees the document.
MAX_DEPTH = 100
