"""Enumerations of the taxonomy core."""

from django.db import models


class LeafKind(models.TextChoices):
    FREEFORM_SKILL = "freeform_skill", "Freeform skill"
    GROUNDED_SKILL = "grounded_skill", "Grounded skill"
    KNOWLEDGE = "knowledge", "Knowledge"


class VersionOrigin(models.TextChoices):
    IMPORT = "import", "Import"
    MERGE = "merge", "Merge of a submission"
    REMOVAL = "removal", "Removal"


class Root(models.TextChoices):
    COMPOSITIONAL_SKILLS = "compositional_skills", "Compositional skills"
    KNOWLEDGE = "knowledge", "Knowledge"
    FOUNDATIONAL_SKILLS = "foundational_skills", "Foundational skills"


#: Roots whose leaves contributors may not change; only imports by maintainers touch them.
READ_ONLY_ROOTS = frozenset({Root.FOUNDATIONAL_SKILLS.value})
