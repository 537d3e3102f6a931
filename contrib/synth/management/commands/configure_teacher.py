"""Registers or updates a teacher: an OpenAI-compatible server and model; keys stay in the environment."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from contrib.synth.exceptions import TeacherInvalid
from contrib.synth.services import teacher_configure


class Command(BaseCommand):
    help = (
        "Create or update teacher NAME. The API key is never stored: give --api-key-env, the NAME of an "
        "environment variable the workers have."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("name")
        parser.add_argument("--base-url", required=True, help="e.g. http://gpu-1:8000/v1 (vLLM), http://localhost:11434/v1 (Ollama)")
        parser.add_argument("--model", required=True)
        parser.add_argument("--api-key-env", default="", help="Name of the environment variable holding the key.")
        parser.add_argument("--api-key", help="Refused: keys are never stored; export it and use --api-key-env.")
        parser.add_argument("--max-concurrency", type=int, default=8, help="Requests in flight across all workers.")
        parser.add_argument("--timeout", type=float, default=60.0, help="Seconds per request.")

    def handle(self, *args: Any, name: str, base_url: str, model: str, api_key_env: str, api_key: str | None,
               max_concurrency: int, timeout: float, **options: Any) -> None:
        if api_key is not None:
            raise CommandError(
                "Seedbed never stores API keys. Export the key in the workers' environment, e.g. "
                "TEACHER_API_KEY=..., and pass --api-key-env TEACHER_API_KEY."
            )
        try:
            teacher = teacher_configure(name=name, base_url=base_url, model=model, api_key_env=api_key_env,
                                        max_concurrency=max_concurrency, timeout=timeout)
        except TeacherInvalid as exc:
            raise CommandError(str(exc)) from None
        key = f", key from ${teacher.api_key_env}" if teacher.api_key_env else ""
        self.stdout.write(self.style.SUCCESS(
            f"Teacher {teacher.name}: {teacher.model} at {teacher.base_url} "
            f"(max {teacher.max_concurrency} in flight, {teacher.timeout:g} s timeout{key})."
        ))
