import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def variables_read_by_settings() -> set[str]:
    names = set()
    for path in (REPO / "cme_site" / "settings").glob("*.py"):
        names |= set(re.findall(r"env\.?\w*\(\s*\"([A-Z_]+)\"", path.read_text()))
    return names


def test_env_example_documents_every_variable_the_settings_read():
    documented = set(re.findall(r"^([A-Z_]+)=", (REPO / ".env.example").read_text(), re.M))

    missing = variables_read_by_settings() - documented

    assert not missing, f".env.example lacks {sorted(missing)}"
    assert len(variables_read_by_settings()) > 15
