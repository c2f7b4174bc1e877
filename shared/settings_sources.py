"""Where every setting is read from, for every settings model (pydantic-settings underneath).

A setting is a field of a `CarepaySettings` model declared with `setting("VARIABLE", default)`. It is
read, first found wins, from:
1. the environment variable VARIABLE;
2. the file named by VARIABLE_FILE (any setting, meant for secrets: `CAREPAY_AUTH_SECRET_FILE=/run/...`);
3. the file VARIABLE in the directory CAREPAY_SECRETS_DIR (a mounted Kubernetes or Docker secret).
Otherwise it keeps its default. Rules:
- An empty variable or file counts as not given (the default applies).
- VARIABLE and VARIABLE_FILE both given is refused: which should win would be a guess.
- A VARIABLE_FILE that cannot be read, or a CAREPAY_SECRETS_DIR that is not a directory, is refused.
- A file's content loses surrounding whitespace (the newline a secret file usually ends with).
- A field without a variable (a service's name and port, given by code) is never read from outside.
- A setting that cannot be read or is invalid is refused naming its variable; its value is shown only
  when the setting is not a secret (`setting(..., secret=True)`: never printed, logged or repr'd).
"""
from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Self

from pydantic import Field, ValidationError
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

SECRETS_DIR = "CAREPAY_SECRETS_DIR"
FILE_SUFFIX = "_FILE"

# The environment the sources read: os.environ unless a caller gives its own (`reading(env)`, `read(env)`).
_ENVIRON: ContextVar[Mapping[str, str] | None] = ContextVar("carepay_settings_environ", default=None)
_CURRENT: dict[tuple, Any] = {}  # CarepaySettings.current(): settings by what they were read from


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one setting: the variable and why (never a secret's value)."""

    variable: str
    why: str

    def __str__(self) -> str:
        return f"{self.variable}: {self.why}"


class SettingError(ValueError):
    """Settings that cannot be read, each named by its variable, never by a value."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(map(str, problems)))
        self.problems = problems


def environ() -> Mapping[str, str]:
    given = _ENVIRON.get()
    return os.environ if given is None else given


@contextmanager
def reading(env: Mapping[str, str] | None) -> Iterator[None]:
    """Read settings from `env` instead of os.environ within the block (None: what is read already)."""
    token = _ENVIRON.set(_ENVIRON.get() if env is None else env)
    try:
        yield
    finally:
        _ENVIRON.reset(token)


def _read_file(path: Path, where: str) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except UnicodeDecodeError:
        raise SettingError([Problem(where, f"{path} is not UTF-8 text")]) from None
    except OSError as exc:
        raise SettingError([Problem(where, f"cannot read {path} ({exc.strerror or type(exc).__name__})")]) from None


def raw(name: str) -> str | None:
    """What setting `name` is given as, before any default: from the variable, its _FILE or the secrets
    directory (in that order); "" when the variable is set but empty and no file gives it; None when
    nothing gives it. SettingError, naming the variable, for the cases the module refuses."""
    env = environ()
    value = env.get(name)
    file_name = env.get(name + FILE_SUFFIX)
    if value and file_name:
        raise SettingError([Problem(name, f"{name} and {name}{FILE_SUFFIX} are both set: give one of them")])
    if value:
        return value
    if file_name:
        return _read_file(Path(file_name), name + FILE_SUFFIX)
    directory = env.get(SECRETS_DIR)
    if directory:
        if not Path(directory).is_dir():
            raise SettingError([Problem(SECRETS_DIR, f"{directory} is not a directory")])
        path = Path(directory) / name
        if path.is_file():
            return _read_file(path, name)
    return value


class SecretSettings(PydanticBaseSettingsSource):
    """A settings source of secret fields read as every setting is (`raw`: the variable, its _FILE, then the
    secrets directory), for models with their own prefix: a subclass names `variables` (field -> variable).
    SettingError, naming the variable, for what `raw` refuses."""

    variables: ClassVar[Mapping[str, str]] = {}

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # unused: __call__ reads every field itself

    def __call__(self) -> dict[str, Any]:
        return {field: value for field, name in self.variables.items() if (value := raw(name))}


def setting(variable: str, default: Any = ..., *, secret: bool = False, **constraints: Any) -> Any:
    """A field read from environment variable `variable` (or its files); a secret is never shown."""
    return Field(default, validation_alias=variable, repr=not secret,
                 json_schema_extra={"secret": True} if secret else None, **constraints)


def variable_of(field: FieldInfo) -> str | None:
    return field.validation_alias if isinstance(field.validation_alias, str) else None


def is_secret(field: FieldInfo | None) -> bool:
    return isinstance(field and field.json_schema_extra, dict) and field.json_schema_extra.get("secret") is True


class NamedVariables(PydanticBaseSettingsSource):
    """Each field from its own variable, through `raw`; every field that cannot be read is named at once."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        name = variable_of(field)
        return (raw(name) or None) if name else None, name or field_name, False

    def __call__(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        refused: list[Problem] = []
        for field_name, field in self.settings_cls.model_fields.items():
            try:
                value, key, _ = self.get_field_value(field, field_name)
                if value is not None:
                    found[key] = self.prepare_field_value(field_name, field, value, False)
            except SettingError as exc:
                refused += [p for p in exc.problems if p not in refused]
            except ValueError:  # a complex (JSON) setting that is not JSON; its text may be a secret's
                refused.append(Problem(variable_of(field) or field_name, "is not valid JSON"))
        if refused:
            raise SettingError(refused)
        return found


def problems_of(model: type[BaseSettings], exc: ValidationError) -> list[Problem]:
    """Each error of `exc` as the variable it is about and why; the value only when not a secret."""
    by_variable = {variable_of(f) or name: f for name, f in model.model_fields.items()}
    problems = []
    for error in exc.errors(include_url=False):
        where = str(error["loc"][0]) if error["loc"] else model.__name__
        inside = ".".join(map(str, error["loc"][1:]))  # a key of a JSON setting
        why = (f"{inside}: " if inside else "") + error["msg"].removeprefix("Value error, ")
        field = by_variable.get(where)
        if field is not None and not is_secret(field) and isinstance(error.get("input"), str):
            why += f" (got {error['input']!r})"
        problems.append(Problem(where, why))
    return problems


class CarepaySettings(BaseSettings):
    """Base of every settings model: fields from their variables only (module docstring), frozen."""

    model_config = SettingsConfigDict(frozen=True, case_sensitive=True, extra="forbid")

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
                                   env_settings: PydanticBaseSettingsSource,
                                   dotenv_settings: PydanticBaseSettingsSource,
                                   file_secret_settings: PydanticBaseSettingsSource,
                                   ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, NamedVariables(settings_cls)

    @classmethod
    def problems(cls, env: Mapping[str, str] | None = None, **given: Any) -> list[Problem]:
        """Every setting of this model that cannot be read or is invalid (empty when it reads): those that
        cannot be read are set aside and the rest read again, so one unreadable file hides nothing else."""
        with reading(env):
            rest = dict(environ())
        found: list[Problem] = []
        while True:
            try:
                with reading(rest):
                    cls(**given)
                return found
            except ValidationError as exc:
                return found + problems_of(cls, exc)
            except SettingError as exc:
                found += exc.problems
                before = len(rest)
                for p in exc.problems:
                    for name in (p.variable, p.variable + FILE_SUFFIX, p.variable.removesuffix(FILE_SUFFIX)):
                        rest.pop(name, None)
                if len(rest) == before:  # a file in the secrets directory: leave the directory out
                    if rest.pop(SECRETS_DIR, None) is None:
                        return found

    @classmethod
    def read(cls, env: Mapping[str, str] | None = None, **given: Any) -> Self:
        """The settings from `env` (default os.environ) and `given`; SystemExit naming every bad variable."""
        try:
            with reading(env):
                return cls(**given)
        except (SettingError, ValidationError):
            problems = cls.problems(env, **given)
        raise SystemExit("invalid settings:\n" + "\n".join(f"  {p}" for p in problems))

    @classmethod
    def current(cls) -> Self:
        """`read()`, kept while its variables (and their _FILE names, and CAREPAY_SECRETS_DIR) are unchanged:
        for what is read on every request. A file's new content is not noticed."""
        env = environ()
        key = (cls, env.get(SECRETS_DIR), *(env.get(n) for v in cls.variables() for n in (v, v + FILE_SUFFIX)))
        if key not in _CURRENT:
            if len(_CURRENT) > 64:
                _CURRENT.clear()
            _CURRENT[key] = cls.read()
        return _CURRENT[key]

    @classmethod
    def variables(cls) -> list[str]:
        """The variables this model reads, in field order."""
        return [v for f in cls.model_fields.values() if (v := variable_of(f))]
