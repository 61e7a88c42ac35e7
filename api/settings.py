"""Service settings, read from ``CXA_*`` environment variables through a cached dependency.

Tests build a :class:`Settings` themselves and pass it to :func:`api.main.create_app`, which
overrides :func:`get_settings` for the app's dependencies.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from analyzer.config import AnalysisConfig, make_config
from analyzer.errors import ConfigError
from analyzer.ingest import MAX_COMMENT_CHARS
from analyzer.ingest.limits import MAX_COLUMNS, MAX_METRICS, MAX_SEGMENTS

MB = 1024 * 1024
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")
"""The Host header values answered when ``CXA_ALLOWED_HOSTS`` is not set."""


class Settings(BaseSettings):
    """Options of ``cxa serve``; each one can be set by an environment variable ``CXA_<NAME>``.

    Attributes
    ----------
    api_key : SecretStr or None
        The key clients send in ``X-API-Key`` (``CXA_API_KEY``).
    api_key_file : Path or None
        A file holding the key on its first line (``CXA_API_KEY_FILE``); used when
        ``api_key`` is unset.
    insecure_local : bool
        Serve without a key; only allowed when bound to 127.0.0.1.
    db : Path
        The DuckDB store.
    data_dir : Path or None
        Folder for saved theme models (``<data_dir>/models/<run_id>``); defaults to the
        folder of ``db``.
    embedding, spacy_model, sentiment, use_cache :
        Model choices, as for ``cxa analyze``.
    max_upload_mb : int
        Largest accepted export upload.
    max_body_mb : int
        Largest accepted JSON body (``POST /v1/score``).
    max_comments, max_comment_chars : int
        Largest ``POST /v1/score`` batch and comment.
    max_columns, max_segments, max_metrics : int
        Most columns, segment columns and metric columns an uploaded export may have.
    allowed_hosts : list of str or None
        Host header values the service answers (``CXA_ALLOWED_HOSTS``, comma-separated;
        ``*.example.com`` matches subdomains, ``*`` any host). ``None``: localhost,
        127.0.0.1 and [::1] only, so a page of another site whose name resolves to this
        machine (DNS rebinding) gets no answer.
    retain_days : int or None
        Keep comment text this many days (``CXA_RETAIN_DAYS``); older text is purged at
        start and hourly, the figures stay. ``None`` keeps text.
    model_copies : int
        Sets of models loaded; requests and the background run each borrow one, so this
        is how many can use models at the same time (memory grows with it).
    db_lock_timeout : float
        Seconds to wait while another process (``cxa score``, say) holds the store file
        before a request fails with 503.
    """

    model_config = SettingsConfigDict(env_prefix="CXA_", extra="ignore")

    api_key: SecretStr | None = None
    api_key_file: Path | None = None
    insecure_local: bool = False
    db: Path = Path("cxa-out/cxa.duckdb")
    data_dir: Path | None = None
    embedding: str = "minilm"
    spacy_model: str = "en_core_web_sm"
    sentiment: str = "default"
    use_cache: bool = True
    max_upload_mb: int = Field(default=200, ge=1)
    max_body_mb: int = Field(default=32, ge=1)
    max_comments: int = Field(default=1000, ge=1)
    max_comment_chars: int = Field(default=MAX_COMMENT_CHARS, ge=1)
    model_copies: int = Field(default=2, ge=1, le=16)
    db_lock_timeout: float = Field(default=30.0, ge=0)
    max_columns: int = Field(default=MAX_COLUMNS, ge=1)
    max_segments: int = Field(default=MAX_SEGMENTS, ge=1)
    max_metrics: int = Field(default=MAX_METRICS, ge=1)
    allowed_hosts: Annotated[list[str] | None, NoDecode] = None

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _host_list(cls, value: Any) -> Any:
        """Accept ``"a.example, b.example"`` (the environment) as well as a list; bracket
        IPv6 addresses as the Host header does (``::1`` -> ``[::1]``)."""
        if isinstance(value, str):
            value = [part for part in value.replace(" ", ",").split(",") if part]
        if isinstance(value, list | tuple):
            value = [f"[{h}]" if ":" in h and not h.startswith("[") else h for h in value]
        return value

    @property
    def hosts(self) -> list[str]:
        """The Host header values answered (see ``allowed_hosts``)."""
        return list(self.allowed_hosts or LOOPBACK_HOSTS)

    retain_days: int | None = Field(default=None, ge=1)

    @property
    def models_root(self) -> Path:
        """Folder holding one saved theme model per run (and any copied-in model)."""
        return (self.data_dir or self.db.parent) / "models"

    @property
    def uploads_root(self) -> Path:
        """Folder holding uploaded exports until their run ends (kept across restarts)."""
        return (self.data_dir or self.db.parent) / "uploads"

    def analysis_config(self) -> AnalysisConfig:
        """The analysis options every run of this service uses."""
        return make_config(
            embedding=self.embedding,
            spacy_model=self.spacy_model,
            sentiment=self.sentiment,
            use_cache=self.use_cache,
            max_columns=self.max_columns,
            max_segments=self.max_segments,
            max_metrics=self.max_metrics,
        )

    def resolved_api_key(self) -> str | None:
        """The API key from ``api_key`` or ``api_key_file``; ``None`` when neither is set.

        Raises
        ------
        ConfigError
            The key file cannot be read or is empty.
        """
        if self.api_key is not None and self.api_key.get_secret_value().strip():
            return self.api_key.get_secret_value().strip()
        if self.api_key_file is None:
            return None
        try:
            lines = self.api_key_file.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ConfigError(
                f"Cannot read the API key file {self.api_key_file}: {exc.strerror}. "
                "Set CXA_API_KEY_FILE to a readable file holding the key on its first line."
            ) from exc
        key = lines[0].strip() if lines else ""
        if not key:
            raise ConfigError(
                f"The API key file {self.api_key_file} is empty; write the key on its first line."
            )
        return key


@lru_cache
def get_settings() -> Settings:
    """The settings of this process, read once from the environment."""
    return Settings()


__all__ = ["LOOPBACK_HOSTS", "MB", "Settings", "get_settings"]
