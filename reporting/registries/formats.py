"""Which module describes which registry's files and service (`pars`, `cpe_monitor`)."""

from types import ModuleType

from reporting.models import Registry
from reporting.registries import cpe_monitor, pars

FORMATS: dict[str, ModuleType] = {Registry.PARS: pars, Registry.CPE_MONITOR: cpe_monitor}


def registry_format(registry: str) -> ModuleType:
    """The module for `registry` (a reporting.models.Registry value). Raises ValueError
    for any other value."""
    try:
        return FORMATS[registry]
    except KeyError:
        raise ValueError(f"Unknown registry {registry!r}.") from None
