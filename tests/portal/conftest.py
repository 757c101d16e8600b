import pytest

from tests.factories import member


@pytest.fixture
def operator(tenant):
    return member(tenant=tenant, role="operator")


@pytest.fixture
def viewer(tenant):
    return member(tenant=tenant, role="viewer")
