"""The taxonomy core: the tree of qna.yaml leaves, its immutable versions, and the InstructLab file format."""
