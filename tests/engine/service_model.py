"""A minimal model with one service task, shared by executor tests."""

SERVICE_BPMN = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
    id="defs_svc" targetNamespace="urn:lienthong:test">
  <bpmn:process id="svc" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:serviceTask id="call" name="Tra cuu">
      <bpmn:extensionElements>
        <spiffworkflow:serviceTaskOperator id="test.echo" resultVariable="answer">
          <spiffworkflow:parameters>
            <spiffworkflow:parameter id="code" type="str" value="dossier_code"/>
          </spiffworkflow:parameters>
        </spiffworkflow:serviceTaskOperator>
      </bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="call"/>
    <bpmn:sequenceFlow id="f2" sourceRef="call" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>
"""
