"""The hub called by an independent gRPC implementation: Python grpcio (C core).

Starts the real `minwon-hub demo` (simulated back-ends + hub) in a temporary folder, compiles
proto/minwon/v1/*.proto with grpcio-tools at run time, and checks:

- minwon.v1.CitizenCaseService/GetCitizenOverview for a demo citizen with the counselor token:
  cases, one status per source, an audit id, personal fields masked;
- grpc.health.v1.Health/Check for "" and for minwon.v1.CitizenCaseService: SERVING;
- grpc.reflection.v1alpha answers grpcio-reflection's own descriptor database client;
- minwon.v1.KnowledgeService/SearchKnowledge answers a colloquial Korean question;
- grpc.reflection.v1.ServerReflection lists minwon.v1.CitizenCaseService and
  grpc.health.v1.Health (and can describe the case service without the .proto files).
- minwon.v1.DirectoryService/FindOffice routes an address to its eup/myeon/dong office for a
  counselor, and refuses the chatbot;
- minwon.v1.KnowledgeService/GetKnowledgeGaps (admin token) lists an unanswered search,
  scrubbed of the phone number it held, and refuses a counselor.

Run with tests/python/run.sh (venv + pinned requirements), or directly:
    MINWON_HUB_BIN=target/debug/minwon-hub python -m pytest -v tests/python/test_grpcio.py
"""

import importlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2 as reflection_msgs

REPO = Path(__file__).resolve().parents[2]
PROTO_ROOT = REPO / "proto"
CASE_SERVICE = "minwon.v1.CitizenCaseService"
HEALTH_SERVICE = "grpc.health.v1.Health"
START_TIMEOUT_S = 60
RPC_TIMEOUT_S = 10


def _hub_bin() -> Path:
    b = Path(os.environ.get("MINWON_HUB_BIN", REPO / "target" / "debug" / "minwon-hub"))
    if not b.is_absolute():
        b = REPO / b
    if not b.exists():
        pytest.exit(f"hub binary {b} not found: build it (cargo build -p minwon-hub) or set MINWON_HUB_BIN", 2)
    return b


def _compile_protos(out: Path):
    """Generates *_pb2.py / *_pb2_grpc.py for proto/minwon/v1 into `out`; returns the modules."""
    from grpc_tools import protoc

    wkt = Path(importlib.import_module("grpc_tools").__file__).parent / "_proto"
    protos = sorted(str(p.relative_to(PROTO_ROOT)) for p in (PROTO_ROOT / "minwon" / "v1").glob("*.proto"))
    assert protos, "no .proto files under proto/minwon/v1"
    args = ["grpc_tools.protoc", f"-I{PROTO_ROOT}", f"-I{wkt}", f"--python_out={out}", f"--grpc_python_out={out}", *protos]
    rc = protoc.main(args)
    assert rc == 0, f"protoc failed ({rc}) for {protos}"
    sys.path.insert(0, str(out))
    pb = importlib.import_module("minwon.v1.citizen_case_pb2")
    pb_grpc = importlib.import_module("minwon.v1.citizen_case_pb2_grpc")
    common = importlib.import_module("minwon.v1.common_pb2")
    return pb, pb_grpc, common


class Demo:
    def __init__(self, work: Path):
        self.dir = work / "data"
        self.log_path = work / "hub.log"
        self._log = open(self.log_path, "wb")
        env = {k: v for k, v in os.environ.items() if not k.startswith("MINWON_")}
        env.setdefault("RUST_LOG", "info")
        self.proc = subprocess.Popen(
            [str(_hub_bin()), "demo", "--listen", "127.0.0.1:0", "--sim-base-port", "0", "--data-dir", str(self.dir)],
            stdout=subprocess.DEVNULL,
            stderr=self._log,
            env=env,
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        endpoints = self.dir / "demo-endpoints.json"
        while True:
            if endpoints.exists():
                try:
                    self.endpoints = json.loads(endpoints.read_text())
                    break
                except ValueError:
                    pass  # written atomically, but be tolerant
            if self.proc.poll() is not None:
                raise RuntimeError(f"demo exited early ({self.proc.returncode}):\n{self.log()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"demo did not start in {START_TIMEOUT_S}s:\n{self.log()}")
            time.sleep(0.05)
        self.tokens = json.loads((self.dir / "demo-tokens.json").read_text())
        self.citizens = json.loads((self.dir / "demo-citizens.json").read_text())
        self.address = self.endpoints["hub"]

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


@pytest.fixture(scope="module")
def work():
    with tempfile.TemporaryDirectory(prefix="minwon-grpcio-") as d:
        yield Path(d)


@pytest.fixture(scope="module")
def protos(work):
    out = work / "gen"
    out.mkdir()
    return _compile_protos(out)


@pytest.fixture(scope="module")
def demo(work):
    d = Demo(work)
    yield d
    d.stop()


@pytest.fixture(scope="module")
def channel(demo):
    ch = grpc.insecure_channel(demo.address)
    grpc.channel_ready_future(ch).result(timeout=RPC_TIMEOUT_S)
    yield ch
    ch.close()


def test_overview_for_a_demo_citizen(protos, demo, channel):
    pb, pb_grpc, common = protos
    all_sources = demo.citizens["all_sources"]
    citizen = next(c for c in demo.citizens["citizens"] if set(all_sources) <= set(c["sources"]))
    stub = pb_grpc.CitizenCaseServiceStub(channel)
    req = pb.CitizenQuery(
        citizen=common.CitizenKeys(
            rrn=citizen["rrn"],
            vehicle_numbers=citizen.get("vehicle_numbers") or [],
            water_customer_no=citizen.get("water_customer_no") or "",
        ),
        purpose=common.Purpose(code=common.PURPOSE_CODE_CITIZEN_INQUIRY, note="grpcio e2e"),
    )
    resp = stub.GetCitizenOverview(
        req,
        metadata=[("authorization", f"Bearer {demo.tokens['counselor']}")],
        timeout=RPC_TIMEOUT_S,
    )
    assert resp.audit_id, "an access record was written before the answer"
    assert len(resp.cases) > 0, "the citizen has cases"
    by_source = {s.source: s for s in resp.sources}
    assert set(all_sources) <= set(by_source), f"one status per source: {sorted(by_source)}"
    for name in all_sources:
        assert by_source[name].state == pb.SOURCE_STATE_OK, f"{name}: {by_source[name]}"
    assert {c.source for c in resp.cases} <= set(all_sources)
    # A counselor sees personal data masked: the full RRN never appears in the answer.
    assert citizen["rrn"] not in str(resp), "the RRN is masked for counselors"


def test_overview_without_token_is_unauthenticated(protos, channel):
    pb, pb_grpc, common = protos
    stub = pb_grpc.CitizenCaseServiceStub(channel)
    with pytest.raises(grpc.RpcError) as e:
        stub.GetCitizenOverview(pb.CitizenQuery(), timeout=RPC_TIMEOUT_S)
    assert e.value.code() == grpc.StatusCode.UNAUTHENTICATED


@pytest.mark.parametrize("service", ["", CASE_SERVICE])
def test_health_check_serving(channel, service):
    stub = health_pb2_grpc.HealthStub(channel)
    resp = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=RPC_TIMEOUT_S)
    assert resp.status == health_pb2.HealthCheckResponse.SERVING, f"{service!r}: {resp}"


def test_health_check_unknown_service_is_not_found(channel):
    stub = health_pb2_grpc.HealthStub(channel)
    with pytest.raises(grpc.RpcError) as e:
        stub.Check(health_pb2.HealthCheckRequest(service="no.such.Service"), timeout=RPC_TIMEOUT_S)
    assert e.value.code() == grpc.StatusCode.NOT_FOUND


# grpcio-reflection ships Python code for the v1alpha package only. The v1 protocol's messages
# are the same messages under another package name (identical fields and numbers, so identical
# bytes on the wire): call the v1 method path with the v1alpha message classes.
REFLECTION_V1_METHOD = "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"


def _reflect(channel, request):
    call = channel.stream_stream(
        REFLECTION_V1_METHOD,
        request_serializer=reflection_msgs.ServerReflectionRequest.SerializeToString,
        response_deserializer=reflection_msgs.ServerReflectionResponse.FromString,
    )
    responses = list(call(iter([request]), timeout=RPC_TIMEOUT_S))
    assert len(responses) == 1
    return responses[0]


def test_reflection_v1_lists_services(channel):
    resp = _reflect(channel, reflection_msgs.ServerReflectionRequest(list_services=""))
    assert resp.WhichOneof("message_response") == "list_services_response", resp
    names = {s.name for s in resp.list_services_response.service}
    for expected in (CASE_SERVICE, HEALTH_SERVICE):
        assert expected in names, f"{expected} not listed by reflection: {sorted(names)}"


def test_reflection_v1alpha_as_grpcio_reflection_uses_it(channel):
    """grpcio-reflection's own client (like Evans, Postman and older grpcurl) speaks only
    v1alpha: it must find and describe the services without any help."""
    from google.protobuf.descriptor_pool import DescriptorPool
    from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
        ProtoReflectionDescriptorDatabase,
    )

    db = ProtoReflectionDescriptorDatabase(channel)
    services = set(db.get_services())
    for expected in (CASE_SERVICE, HEALTH_SERVICE):
        assert expected in services, f"{expected} not listed by v1alpha reflection: {sorted(services)}"
    service = DescriptorPool(db).FindServiceByName(CASE_SERVICE)
    assert {"GetCitizenOverview", "StreamCitizenOverview", "GetCase"} <= {
        m.name for m in service.methods
    }


def test_reflection_v1_describes_the_case_service(channel):
    from google.protobuf import descriptor_pb2

    resp = _reflect(channel, reflection_msgs.ServerReflectionRequest(file_containing_symbol=CASE_SERVICE))
    assert resp.WhichOneof("message_response") == "file_descriptor_response", resp
    files = [descriptor_pb2.FileDescriptorProto.FromString(b) for b in resp.file_descriptor_response.file_descriptor_proto]
    methods = {m.name for f in files for s in f.service if f"{f.package}.{s.name}" == CASE_SERVICE for m in s.method}
    assert {"GetCitizenOverview", "StreamCitizenOverview", "GetCase"} <= methods, methods


def test_self_service_for_a_verified_citizen(protos, demo, channel):
    """A citizen's own overview and access history through SelfService, with the demo's
    verified-citizen assertion as the bearer token; and the chatbot presenting it."""
    ss = importlib.import_module("minwon.v1.self_service_pb2")
    ss_grpc = importlib.import_module("minwon.v1.self_service_pb2_grpc")
    citizen = demo.citizens["citizens"][0]
    assertion = citizen["citizen_token"]
    stub = ss_grpc.SelfServiceStub(channel)
    resp = stub.GetMyOverview(
        ss.GetMyOverviewRequest(),
        metadata=[("authorization", f"Bearer {assertion}")],
        timeout=RPC_TIMEOUT_S,
    )
    assert resp.audit_id and len(resp.cases) > 0
    assert citizen["rrn"] not in str(resp), "personal fields masked"
    via_chatbot = stub.GetMyOverview(
        ss.GetMyOverviewRequest(),
        metadata=[
            ("authorization", f"Bearer {demo.tokens['chatbot']}"),
            ("x-minwon-citizen-token", assertion),
        ],
        timeout=RPC_TIMEOUT_S,
    )
    assert len(via_chatbot.cases) > 0
    history = stub.ListMyAccessHistory(
        ss.ListMyAccessHistoryRequest(limit=50),
        metadata=[("authorization", f"Bearer {assertion}")],
        timeout=RPC_TIMEOUT_S,
    )
    ops = [e.operation for e in history.entries]
    assert ops[0] == "ListMyAccessHistory" and "GetMyOverview" in ops, ops
    assert all(e.time_kst.endswith(" KST") for e in history.entries)
    with pytest.raises(grpc.RpcError) as e:
        stub.GetMyOverview(
            ss.GetMyOverviewRequest(),
            metadata=[("authorization", f"Bearer {demo.tokens['chatbot']}")],
            timeout=RPC_TIMEOUT_S,
        )
    assert e.value.code() == grpc.StatusCode.PERMISSION_DENIED


def _modules(name):
    """The generated message and stub modules of minwon/v1/<name>.proto (after `protos`)."""
    return importlib.import_module(f"minwon.v1.{name}_pb2"), importlib.import_module(f"minwon.v1.{name}_pb2_grpc")


def test_find_office_for_a_counselor(protos, demo, channel):
    d, d_grpc = _modules("directory")
    stub = d_grpc.DirectoryServiceStub(channel)
    resp = stub.FindOffice(
        d.FindOfficeRequest(address="경기도 김포시 풍무로 146"),
        metadata=[("authorization", f"Bearer {demo.tokens['counselor']}")],
        timeout=RPC_TIMEOUT_S,
    )
    assert resp.office.name == "풍무동", resp
    assert resp.office.display_name == "풍무동 행정복지센터"
    assert resp.match == d.OFFICE_MATCH_ROAD_NAME
    assert resp.office.phone and resp.office.hours and resp.office.sample
    with pytest.raises(grpc.RpcError) as e:
        stub.FindOffice(
            d.FindOfficeRequest(address="경기도 김포시 풍무로 146"),
            metadata=[("authorization", f"Bearer {demo.tokens['chatbot']}")],
            timeout=RPC_TIMEOUT_S,
        )
    assert e.value.code() == grpc.StatusCode.PERMISSION_DENIED


def test_knowledge_gaps_for_the_admin(protos, demo, channel):
    k, k_grpc = _modules("knowledge")
    stub = k_grpc.KnowledgeServiceStub(channel)
    stub.SearchKnowledge(
        k.SearchKnowledgeRequest(query="화성 이주 지원금 010-5555-1234", limit=3),
        metadata=[("authorization", f"Bearer {demo.tokens['chatbot']}")],
        timeout=RPC_TIMEOUT_S,
    )
    resp = stub.GetKnowledgeGaps(
        k.GetKnowledgeGapsRequest(limit=50),
        metadata=[("authorization", f"Bearer {demo.tokens['admin']}")],
        timeout=RPC_TIMEOUT_S,
    )
    gap = next((g for g in resp.gaps if g.normalized_query == "화성 이주 지원금 [전화번호]"), None)
    assert gap is not None, resp
    assert gap.count >= 1 and [c.channel for c in gap.channels] == ["chatbot"]
    assert "5555" not in str(resp)
    with pytest.raises(grpc.RpcError) as e:
        stub.GetKnowledgeGaps(
            k.GetKnowledgeGapsRequest(),
            metadata=[("authorization", f"Bearer {demo.tokens['counselor']}")],
            timeout=RPC_TIMEOUT_S,
        )
    assert e.value.code() == grpc.StatusCode.PERMISSION_DENIED


def test_knowledge_search_in_korean(demo, channel, protos):
    """The chatbot's knowledge search (issue 13) as a grpcio client calls it: the hub's own
    index answers a colloquial Korean question with the ID-card entry first and names the
    index generation."""
    kpb = importlib.import_module("minwon.v1.knowledge_pb2")
    kpb_grpc = importlib.import_module("minwon.v1.knowledge_pb2_grpc")
    stub = kpb_grpc.KnowledgeServiceStub(channel)
    resp = stub.SearchKnowledge(
        kpb.SearchKnowledgeRequest(query="주민등록증을 잃어버렸어요", limit=3),
        metadata=[("authorization", f"Bearer {demo.tokens['chatbot']}")],
        timeout=RPC_TIMEOUT_S,
    )
    assert resp.index_generation >= 1, resp
    assert resp.entries, "an answer"
    first = resp.entries[0]
    assert first.category == "주민등록" and "주민등록증" in first.question, first


def test_rich_errors_korean_messages_and_filters(protos, demo, channel):
    """What a screen reads from grpcio: google.rpc details with a stable reason and the field
    (never the value), Korean words for accept-language: ko, and server-side filters with
    counts over everything the sources returned."""
    from google.rpc import error_details_pb2
    from grpc_status import rpc_status

    pb, pb_grpc, common = protos
    stub = pb_grpc.CitizenCaseServiceStub(channel)
    auth = ("authorization", f"Bearer {demo.tokens['counselor']}")
    bad = pb.CitizenQuery(
        citizen=common.CitizenKeys(rrn="901399-1234567"),
        purpose=common.Purpose(code=common.PURPOSE_CODE_CITIZEN_INQUIRY),
    )
    with pytest.raises(grpc.RpcError) as e:
        stub.GetCitizenOverview(bad, metadata=[auth, ("accept-language", "ko")], timeout=RPC_TIMEOUT_S)
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    status = rpc_status.from_call(e.value)
    assert status is not None, "the status carries google.rpc details"
    info, request = error_details_pb2.ErrorInfo(), error_details_pb2.BadRequest()
    for d in status.details:
        if d.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            d.Unpack(info)
        elif d.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            d.Unpack(request)
    assert info.reason == "INVALID_CITIZEN_KEY", status
    assert [v.field for v in request.field_violations] == ["citizen.rrn"]
    assert "901399" not in str(status) and "901399" not in e.value.details()
    assert "형식" in e.value.details(), e.value.details()

    all_sources = demo.citizens["all_sources"]
    citizen = next(c for c in demo.citizens["citizens"] if set(all_sources) <= set(c["sources"]))
    owed = pb.CitizenQuery(
        citizen=common.CitizenKeys(
            rrn=citizen["rrn"],
            vehicle_numbers=citizen.get("vehicle_numbers") or [],
            water_customer_no=citizen.get("water_customer_no") or "",
        ),
        purpose=common.Purpose(code=common.PURPOSE_CODE_PAYMENT_GUIDANCE, note="grpcio e2e"),
        filter=pb.CaseFilter(
            statuses=[pb.CASE_STATUS_UNPAID, pb.CASE_STATUS_OVERDUE], order=pb.CASE_ORDER_DUE_DATE
        ),
    )
    resp = stub.GetCitizenOverview(owed, metadata=[auth], timeout=RPC_TIMEOUT_S)
    assert resp.cases and all(c.status in (pb.CASE_STATUS_UNPAID, pb.CASE_STATUS_OVERDUE) for c in resp.cases)
    assert resp.total_cases >= len(resp.cases)
    assert sum(s.cases for s in resp.source_counts) == resp.total_cases
