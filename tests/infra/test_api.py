"""The HTTP API: /latest to the proxy, access log in JSON, throttling, the URL as an output."""

from __future__ import annotations

import json

from tests.infra.conftest import arn, ref
from tickvault_cdk import constants


def test_get_and_head_latest_and_everything_else_reach_the_proxy_with_payload_2(synth):
    ((integration_id, integration),) = synth.of_type("AWS::ApiGatewayV2::Integration").items()
    assert integration["Properties"]["IntegrationType"] == "AWS_PROXY"
    assert integration["Properties"]["PayloadFormatVersion"] == "2.0"
    assert integration["Properties"]["IntegrationUri"] == arn(
        synth, "AWS::Lambda::Function", FunctionName="tickvault-proxy"
    )
    routes = {
        route["Properties"]["RouteKey"]: route["Properties"]
        for route in synth.of_type("AWS::ApiGatewayV2::Route").values()
    }
    assert set(routes) == {"GET /latest", "HEAD /latest", "$default"}
    for route in routes.values():
        assert route["Target"] == {"Fn::Join": ["", ["integrations/", {"Ref": integration_id}]]}


def test_only_this_api_may_invoke_the_proxy(synth):
    api = ref(synth, "AWS::ApiGatewayV2::Api")
    for permission in synth.of_type("AWS::Lambda::Permission").values():
        properties = permission["Properties"]
        assert properties["Principal"] == "apigateway.amazonaws.com"
        assert properties["FunctionName"] == arn(synth, "AWS::Lambda::Function", FunctionName="tickvault-proxy")
        assert api in properties["SourceArn"]["Fn::Join"][1]


def test_stage_writes_a_json_access_log_with_the_fields_operators_need(synth):
    ((_, stage),) = synth.of_type("AWS::ApiGatewayV2::Stage").items()
    settings = stage["Properties"]["AccessLogSettings"]
    group = synth.resources[settings["DestinationArn"]["Fn::GetAtt"][0]]["Properties"]
    assert group["KmsKeyId"] == arn(synth, "AWS::KMS::Key")
    # The format must be JSON once API Gateway fills it; stand in numbers for the numeric fields.
    sample = settings["Format"].replace("$context.status", "429").replace("$context.responseLatency", "12")
    record = json.loads(sample)
    assert {"requestId", "sourceIp", "status", "latency", "integrationError"} <= set(record)
    assert record["status"] == 429 and record["latency"] == 12
    assert record["sourceIp"] == "$context.identity.sourceIp"


def test_stage_throttles_as_a_backstop(synth):
    ((_, stage),) = synth.of_type("AWS::ApiGatewayV2::Stage").items()
    assert stage["Properties"]["StageName"] == "$default"
    assert stage["Properties"]["DefaultRouteSettings"] == {
        "ThrottlingBurstLimit": constants.API_THROTTLE_BURST,
        "ThrottlingRateLimit": constants.API_THROTTLE_RATE,
    }


def test_the_endpoint_is_a_stack_output(synth):
    outputs = synth.document["Outputs"]
    assert outputs["ApiEndpoint"]["Value"] == {
        "Fn::GetAtt": [ref(synth, "AWS::ApiGatewayV2::Api")["Ref"], "ApiEndpoint"]
    }
    assert outputs["LatestUrl"]["Value"]["Fn::Join"][1][-1] == "/latest"
