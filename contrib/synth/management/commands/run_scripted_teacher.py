"""Runs the scripted OpenAI-compatible teacher (a test and demo tool, not a model)."""

from __future__ import annotations

import asyncio
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from contrib.synth.scripted import server


class Command(BaseCommand):
    help = server.HELP

    def add_arguments(self, parser: CommandParser) -> None:
        server.add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            asyncio.run(server.serve(server.options_from(options)))
        except KeyboardInterrupt:
            pass
