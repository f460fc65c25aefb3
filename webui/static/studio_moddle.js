/* Moddle descriptors for the product's BPMN extensions, so bpmn-js reads and writes them as
   real attributes: lt:* (docs/architecture.md) and spiffworkflow:serviceTaskOperator. */
(function () {
  "use strict";
  window.LT_MODDLE = {
    name: "LienThong",
    uri: "urn:lienthong:bpmn:1",
    prefix: "lt",
    xml: { tagAlias: "lowerCase" },
    types: [
      { name: "LaneProps", extends: ["bpmn:Lane"], properties: [
        { name: "role", isAttr: true, type: "String" },
        { name: "agency", isAttr: true, type: "String" }] },
      { name: "UserTaskProps", extends: ["bpmn:UserTask"], properties: [
        { name: "form", isAttr: true, type: "String" },
        { name: "deadlineShare", isAttr: true, type: "String" },
        { name: "actions", isAttr: true, type: "String" },
        { name: "touchpoint", isAttr: true, type: "String" }] },
      { name: "ServiceTaskProps", extends: ["bpmn:ServiceTask"], properties: [
        { name: "actions", isAttr: true, type: "String" }] },
      { name: "TimerEventProps", extends: ["bpmn:IntermediateCatchEvent", "bpmn:BoundaryEvent"],
        properties: [
          { name: "workingDays", isAttr: true, type: "String" },
          { name: "workingHours", isAttr: true, type: "String" }] }
    ]
  };
  /* spiffworkflow:* extension elements (service operators, message payloads, …) are not
     described: bpmn-js keeps unknown elements as generic ones and writes them back untouched,
     and studio.js edits the service operator through those generic elements. */
})();
