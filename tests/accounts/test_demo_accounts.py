"""bin/run's demo accounts: printed once, with passwords that stay the same between runs."""

import re
import stat

import pytest
from django.core.management import call_command

from accounts.management.commands import create_demo_accounts
from accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def passwords_in(tmp_path, monkeypatch):
    path = tmp_path / "demo-accounts.json"
    monkeypatch.setattr(create_demo_accounts, "passwords_file", lambda: path)
    return path


def printed_passwords(output: str) -> dict[str, str]:
    return dict(re.findall(r"(\S+@example\.com)\s+password: (\S+)", output))


def test_a_second_run_prints_the_same_passwords_and_each_account_once(capsys, passwords_in):
    call_command("create_demo_accounts")
    first = capsys.readouterr().out
    call_command("create_demo_accounts")
    second = capsys.readouterr().out

    assert printed_passwords(first) == printed_passwords(second)
    assert second.count("cme-admin@example.com") == 1
    assert f"passwords kept in {passwords_in}" in second
    assert stat.S_IMODE(passwords_in.stat().st_mode) == 0o600
    for email, password in printed_passwords(second).items():
        assert User.objects.get(email=email).check_password(password)


def test_a_password_changed_on_the_site_is_replaced_by_one_that_works(capsys):
    call_command("create_demo_accounts")
    before = printed_passwords(capsys.readouterr().out)
    admin = User.objects.get(email="cme-admin@example.com")
    admin.set_password("changed-on-the-site-123")
    admin.save()

    call_command("create_demo_accounts")
    after = printed_passwords(capsys.readouterr().out)

    assert after["cme-admin@example.com"] != before["cme-admin@example.com"]
    assert after["author@example.com"] == before["author@example.com"]
    admin.refresh_from_db()
    assert admin.check_password(after["cme-admin@example.com"])
