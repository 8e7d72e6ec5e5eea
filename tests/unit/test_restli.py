"""Rest.li 1.0 batch keys as LinkedIn's Postman collection sends them."""

import pytest

from rsc_connector.linkedin import restli
from rsc_connector.linkedin.api import rsc_integration_keys


def test_four_rsc_integrations_three_on_org_one_on_contract():
    keys = rsc_integration_keys("urn:li:organization:5", "urn:li:contract:9")
    assert [k["integrationType"] for k in keys] == ["ONE_CLICK_EXPORT", "IN_ATS_INDICATOR", "PROFILE_PLUGIN", "CSA_API"]
    assert [k["integrationContext"] for k in keys] == ["urn:li:organization:5"] * 3 + ["urn:li:contract:9"]
    assert all(k["tenantType"] == "RECRUITER" and k["dataProvider"] == "ATS" for k in keys)


def test_batch_ids_params_index_every_field():
    params = restli.batch_ids_params([{"a": "1", "b": "x:y"}, {"a": "2", "b": "z"}])
    assert params == [("ids[0].a", "1"), ("ids[0].b", "x:y"), ("ids[1].a", "2"), ("ids[1].b", "z")]


def test_batch_is_capped_at_100():
    with pytest.raises(ValueError, match="at most 100"):
        restli.batch_ids_params([{"a": str(i)} for i in range(101)])
    with pytest.raises(ValueError):
        restli.batch_ids_params([])


def test_entity_key_round_trip_is_order_independent():
    key = {"integrationContext": "urn:li:organization:5", "integrationType": "CSA_API"}
    text = restli.entity_key(key)
    assert text == "integrationContext=urn:li:organization:5&integrationType=CSA_API"
    assert restli.parse_entity_key("integrationType=CSA_API&integrationContext=urn%3Ali%3Aorganization%3A5") == key


def test_path_key_encodes_values_only():
    assert restli.path_key({"integrationContext": "urn:li:organization:5", "x": "a b"}) == (
        "integrationContext=urn%3Ali%3Aorganization%3A5&x=a%20b"
    )


def test_malformed_entity_key_is_rejected():
    with pytest.raises(ValueError):
        restli.parse_entity_key("no-equals-sign")
