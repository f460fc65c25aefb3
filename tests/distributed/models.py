"""BPMN models the fault tests run on workers: two service calls in a row, and two at once."""

_HEAD = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
    id="defs_%s" targetNamespace="urn:lienthong:test">
"""


def _service(task_id: bytes, operation: bytes, result: bytes) -> bytes:
    return b"""
    <bpmn:serviceTask id="%s" name="%s">
      <bpmn:extensionElements>
        <spiffworkflow:serviceTaskOperator id="%s" resultVariable="%s">
          <spiffworkflow:parameters>
            <spiffworkflow:parameter id="code" type="str" value="dossier_code"/>
          </spiffworkflow:parameters>
        </spiffworkflow:serviceTaskOperator>
      </bpmn:extensionElements>
    </bpmn:serviceTask>""" % (task_id, task_id, operation, result)


#: Look the applicant up, then write the result to a registry: two jobs, one after the other.
CHAIN = (
    _HEAD % b"chain"
    + b'  <bpmn:process id="chain" isExecutable="true">\n    <bpmn:startEvent id="start"/>'
    + _service(b"lookup", b"fake.lookup", b"looked_up")
    + _service(b"record", b"fake.write", b"receipt")
    + b"""
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="lookup"/>
    <bpmn:sequenceFlow id="f2" sourceRef="lookup" targetRef="record"/>
    <bpmn:sequenceFlow id="f3" sourceRef="record" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>
"""
)

#: Two registries written at once: two jobs of one dossier ready together, then a join.
FORK = (
    _HEAD % b"fork"
    + b'  <bpmn:process id="fork" isExecutable="true">\n    <bpmn:startEvent id="start"/>'
    + b'\n    <bpmn:parallelGateway id="split"/>'
    + _service(b"write_a", b"fake.write_a", b"receipt_a")
    + _service(b"write_b", b"fake.write_b", b"receipt_b")
    + b"""
    <bpmn:parallelGateway id="join"/>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="split"/>
    <bpmn:sequenceFlow id="f2" sourceRef="split" targetRef="write_a"/>
    <bpmn:sequenceFlow id="f3" sourceRef="split" targetRef="write_b"/>
    <bpmn:sequenceFlow id="f4" sourceRef="write_a" targetRef="join"/>
    <bpmn:sequenceFlow id="f5" sourceRef="write_b" targetRef="join"/>
    <bpmn:sequenceFlow id="f6" sourceRef="join" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>
"""
)
